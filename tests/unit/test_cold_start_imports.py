"""Issue 15, cold start: what an HTTP handler imports before its first event (``make bench`` times it).

Powertools' OpenAPI models (some 50 ms) are for making the document only; a use case that only some routes
need is imported by the first of them that runs (``kabar.http.lazy_module``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kabar.http import lazy_module

ROOT = Path(__file__).resolve().parents[2]
HTTP_HANDLERS = ["clicks", "files", "meta_webhook", "review_api", "submissions_api", "workspace"]
OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"

# imported as Lambda imports it (the bench's way): ``app`` by name, its folder on the path
_PROBE = """
import importlib.util, json, os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(handler: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(ROOT / "functions" / handler / "app.py")],  # noqa: S603
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "POWERTOOLS_SERVICE_NAME": "kabar"})
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("handler", HTTP_HANDLERS)
def test_no_http_handler_imports_the_openapi_models_before_its_first_event(handler):
    assert OPENAPI_MODELS not in imported_by(handler)


def test_the_workspace_imports_no_request_validation():
    assert "aws_lambda_powertools.event_handler.middlewares.openapi_validation" not in imported_by("workspace")


@pytest.mark.parametrize(("handler", "later"), [
    ("submissions_api", {"kabar.usecases.submissions", "kabar.usecases.revision", "kabar.usecases.uploads"}),
    ("workspace", {"kabar.usecases.inbox_threads", "kabar.usecases.workspace_actions",
                   "kabar.usecases.workspace_connect"}),
])
def test_a_page_cold_start_leaves_other_routes_use_cases_for_later(handler, later):
    assert imported_by(handler) & later == set()


def test_a_lazy_module_is_imported_on_its_first_attribute_read(tmp_path, monkeypatch):
    (tmp_path / "kabar_lazy_probe.py").write_text("VALUE = 42\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "kabar_lazy_probe", raising=False)
    module = lazy_module("kabar_lazy_probe")
    assert "kabar_lazy_probe" not in sys.modules
    assert module.VALUE == 42
    assert "kabar_lazy_probe" in sys.modules
    sys.modules["kabar_lazy_probe"].VALUE = 7  # a patched attribute is what the handler sees
    assert module.VALUE == 7
    assert lazy_module("kabar_lazy_probe") is sys.modules["kabar_lazy_probe"]
    monkeypatch.delitem(sys.modules, "kabar_lazy_probe")
