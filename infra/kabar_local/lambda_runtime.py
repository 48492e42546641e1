"""Load and call handlers the way the Lambda Python runtime does.

Each function's ``CodeUri`` folder is its own little world on Lambda: ``app.py`` is imported as the
module ``app`` with the folder on ``sys.path``. Here every function shares one process, and every
function has an ``app.py``, so each handler module gets a unique module name and the sibling modules
it imports are taken out of ``sys.modules`` again so that the next function imports its own.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from .template import ACCOUNT_ID, REGION, Function, StackModel

log = logging.getLogger("kabar_local.lambda")

_IMPORT_LOCK = threading.Lock()


class EnvironmentConflict(RuntimeError):
    """Two functions set the same variable to different values; one process cannot hold both."""


class HandlerLoadError(RuntimeError):
    pass


class LambdaContext:
    """The ``context`` argument of a Python handler (the attributes Powertools and our code read)."""

    def __init__(self, function: Function, request_id: str | None = None) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory_size
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        day = time.strftime("%Y/%m/%d", time.gmtime())
        self.log_stream_name = f"{day}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


def _module_name(logical_id: str, handler: str) -> str:
    module = handler.rpartition(".")[0]
    return "kabar_fn_" + re.sub(r"\W", "_", f"{logical_id}__{module}")


def load_handler(code_dir: Path, handler: str, module_name: str) -> tuple[ModuleType, Callable[..., Any]]:
    """Import ``<code_dir>/<module>.py`` under ``module_name`` and return (module, handler function)."""
    module_path, _, attribute = handler.rpartition(".")
    file = code_dir / (module_path.replace(".", "/") + ".py")
    if not file.is_file():
        raise HandlerLoadError(f"handler file not found: {file} (Handler {handler!r}, CodeUri {code_dir})")
    with _IMPORT_LOCK:
        # Always a fresh module: a new runtime is a cold start, as a new Lambda sandbox would be.
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None:
            raise HandlerLoadError(f"cannot import {file}")
        module = importlib.util.module_from_spec(spec)
        before = set(sys.modules)
        sys.path.insert(0, str(code_dir))
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        finally:
            sys.path.remove(str(code_dir))
            _forget_siblings(before, code_dir)
    func = getattr(module, attribute, None)
    if not callable(func):
        raise HandlerLoadError(f"{file} has no callable {attribute!r} (Handler {handler!r})")
    return module, func


def _forget_siblings(before: set[str], code_dir: Path) -> None:
    """Drop modules imported from ``code_dir`` itself (other functions have their own of that name)."""
    root = str(code_dir.resolve())
    for name in set(sys.modules) - before:
        if name.startswith("kabar_fn_"):
            continue
        file = getattr(sys.modules[name], "__file__", None)
        if file and str(Path(file).resolve()).startswith(root + os.sep):
            del sys.modules[name]


def environment_union(functions: Iterable[Function], overridden: Iterable[str] = ()) -> dict[str, str]:
    """Every function's resolved environment in one dict (one process holds them all).

    Keys in ``overridden`` are the stack's own (endpoint, public URLs) and may differ freely.
    """
    skip = set(overridden)
    union: dict[str, str] = {}
    origin: dict[str, str] = {}
    conflicts: list[str] = []
    for fn in functions:
        for key, value in fn.env.items():
            if key in skip:
                continue
            if key in union and union[key] != value:
                conflicts.append(f"{key}: {origin[key]}={union[key]!r} but {fn.logical_id}={value!r}")
                continue
            union.setdefault(key, value)
            origin.setdefault(key, fn.logical_id)
    if conflicts:
        raise EnvironmentConflict(
            "Variabel lingkungan bertentangan antarfungsi; stack lokal menjalankan semua fungsi dalam satu "
            "proses / Environment variables conflict between functions; the local stack runs every function "
            "in one process, so give them one value (e.g. in Globals) or different names:\n  "
            + "\n  ".join(conflicts))
    return union


class LambdaRuntime:
    """Handlers of one template, loaded lazily, invoked with a fresh context each time."""

    def __init__(self, model: StackModel) -> None:
        self.model = model
        self._functions: Mapping[str, Function] = {fn.logical_id: fn for fn in model.functions}
        self._loaded: dict[str, tuple[ModuleType, Callable[..., Any]]] = {}
        self._lock = threading.Lock()

    def function(self, logical_id: str) -> Function:
        try:
            return self._functions[logical_id]
        except KeyError:
            raise KeyError(f"no function {logical_id!r} in the template") from None

    def _load(self, logical_id: str) -> tuple[ModuleType, Callable[..., Any]]:
        with self._lock:
            if logical_id not in self._loaded:
                fn = self.function(logical_id)
                self._loaded[logical_id] = load_handler(fn.code_dir, fn.handler,
                                                        _module_name(fn.logical_id, fn.handler))
            return self._loaded[logical_id]

    def module(self, logical_id: str) -> ModuleType:
        """The handler's module (tests read what fixture handlers recorded)."""
        return self._load(logical_id)[0]

    def handler(self, logical_id: str) -> Callable[..., Any]:
        return self._load(logical_id)[1]

    def context(self, logical_id: str) -> LambdaContext:
        return LambdaContext(self.function(logical_id))

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Call the handler as Lambda would; exceptions propagate to the caller (the dispatcher)."""
        return self.handler(logical_id)(event, self.context(logical_id))


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
