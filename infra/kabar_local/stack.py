"""The local stack: moto + the template's resources + the dispatcher + the HTTP gateway, in one process.

>>> with LocalStack() as stack:                     # doctest: +SKIP
...     requests.get(stack.base_url + "/upload")
...     stack.dispatcher.wait_idle()

Everything listens on 127.0.0.1 only. ``start()`` sets the process environment the way Lambda would
for the handlers (the union of every function's variables) and points every AWS client at moto;
``stop()`` puts the environment back and leaves no thread or port behind.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kabar.services import services

from .dispatcher import Dispatcher
from .lambda_runtime import LambdaRuntime, environment_union
from .moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer, RemoteMoto, ServerThread
from .provision import Provisioned, create_secret, provision
from .routes import HttpRoute
from .template import REGION, HttpApiEvent, StackModel, TemplateError, declared_parameters, load_model

log = logging.getLogger("kabar_local.stack")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _ServiceLoggers(logging.Filter):
    """Drops the records of one Powertools service's own loggers (``kabar``, ``kabar.*``), which that
    service's handler already prints: Powertools' intent, without its substring match."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == self.service or record.name.startswith(self.service + "."))


class StackLogHandler(logging.StreamHandler):
    """The local stack's output (stderr).

    Powertools' ``Logger``, created by every handler at import, adds ``SuppressFilter(<service>)`` to
    each root handler so that its own records do not print twice; that filter drops any record whose
    logger *name contains* the service name, so with the service ``kabar`` it dropped every
    ``kabar_local.*`` line: gateway 500 tracebacks, batch retries, policy refusals, failed schedules.
    This handler takes such a filter as what it means (the service's own loggers) and nothing more.
    """

    def addFilter(self, filter: Any) -> None:  # noqa: A002, N802 - logging's own names
        from aws_lambda_powertools.logging.filters import SuppressFilter

        if isinstance(filter, SuppressFilter):
            filter = _ServiceLoggers(filter.logger)
        super().addFilter(filter)


def configure_logging(level: int = logging.INFO, stream: Any = None) -> logging.Handler:
    """What ``kabar local`` prints: every logger at ``level`` through one :class:`StackLogHandler`."""
    handler = StackLogHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    return handler

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VILLAGES = Path(__file__).with_name("villages.json")
STATE_FILE = Path(".kabar") / "local.json"

# Parameter values for the local world: LOCAL_PARAMETERS whenever the template declares them,
# LOCAL_FALLBACKS only for declared parameters without a Default. Explicit `parameters` win.
LOCAL_PARAMETERS = {"Stage": "local"}
LOCAL_FALLBACKS = {"MailFrom": "kabar@kabar.desa.id"}
#: The template's default MetaWebhookSecretName, and local credentials to sign test deliveries with.
LOCAL_META_WEBHOOK_SECRET_NAME = "kabar/meta-webhook"  # noqa: S105 - a name, not a secret
LOCAL_META_WEBHOOK = {"app_id": "local-meta-app-id", "app_secret": "local-meta-app-secret",
                      "verify_token": "local-meta-verify-token"}
#: The template's default GoogleOAuthSecretName, and the local fake's OAuth client (connecting YouTube).
LOCAL_GOOGLE_OAUTH_SECRET_NAME = "kabar/google-oauth"  # noqa: S105 - a name, not a secret
LOCAL_GOOGLE_OAUTH = {"client_id": "local-google-client-id", "client_secret": "local-google-client-secret"}

# Variables the stack sets itself; functions may give them other values in the template.
OVERRIDDEN_KEYS = (
    "KABAR_PUBLIC_URL",
    "KABAR_SITE_URL",
    "KABAR_GRAPH_BASE_URL",
    "KABAR_FACEBOOK_DIALOG_URL",
    "KABAR_GOOGLE_AUTH_URL",
    "KABAR_GOOGLE_TOKEN_URL",
    "KABAR_YOUTUBE_API_URL",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


_HTTP_INVOKE_LOCK = threading.Lock()


class StackError(RuntimeError):
    pass


class _SwitchApp:
    """The gateway's port is bound before the gateway exists (its URL goes into the environment)."""

    def __init__(self) -> None:
        self.app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.app is None:
            body = b'{"message":"local stack is starting"}'
            start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                       ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


def _fallback_gateway(routes: list[HttpRoute], stack: LocalStack) -> Callable[..., Iterable[bytes]]:
    """Used only while kabar_local.gateway is missing: serves the mounts, 501 otherwise."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = b'{"message":"the local gateway (kabar_local.gateway) is not installed"}'
        start_response("501 Not Implemented", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
        return [body]

    return DispatcherMiddleware(app, dict(stack.mounts)) if stack.mounts else app


def resolve_template_path(template_path: str | Path) -> Path:
    """A relative path is taken from the working directory, else from the repository root."""
    path = Path(template_path)
    if path.is_absolute() or path.exists():
        return path.resolve()
    candidate = REPO_ROOT / path
    return candidate.resolve() if candidate.exists() else path.resolve()


def _reset_kabar_caches() -> None:
    """Cached clients and settings must see the new endpoint and environment."""
    try:
        from kabar.adapters import aws
        from kabar.config import settings

        aws.clear()
        settings.cache_clear()
    except ImportError:  # pragma: no cover - the package is part of this repository
        return
    try:
        from kabar import services

        services.reset()
    except (ImportError, AttributeError):
        pass
    try:
        from kabar.adapters import credentials, secrets

        secrets.forget()
        credentials.forget()
    except (ImportError, AttributeError):
        pass


class LocalStack:
    """One local deployment of template.yaml. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        template_path: str | Path = "template.yaml",
        port: int = 0,
        villages_file: str | Path | None = None,
        retry_delay_seconds: float | None = None,
        clock: bool = False,
        *,
        host: str = "127.0.0.1",
        parameters: Mapping[str, Any] | None = None,
        seed_villages: bool = True,
        state_file: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        aws_port: int = 0,
        moto_url: str | None = None,
    ) -> None:
        self.template_path = resolve_template_path(template_path)
        self.port = port
        self.host = host
        self.villages_file = Path(villages_file) if villages_file else DEFAULT_VILLAGES
        self.retry_delay_seconds = retry_delay_seconds
        self.clock = clock
        self.parameters = dict(parameters or {})
        self.seed_villages = seed_villages
        self.state_file = Path(state_file) if state_file else Path.cwd() / STATE_FILE
        self.extra_env = dict(env or {})
        #: the AWS emulator's port (0: any free port); pinned, other tools can point at it across restarts
        self.aws_port = aws_port
        #: a moto server already running in another process (the scale bench measures it apart); None: start one here
        self.external_moto_url = moto_url

        self.model: StackModel | None = None
        self.runtime: LambdaRuntime | None = None
        self.dispatcher: Dispatcher | None = None
        self.routes: list[HttpRoute] = []
        self.mounts: dict[str, Callable[..., Iterable[bytes]]] = {}
        self.fake_graph: Any = None
        self.channel_fakes: Any = None  # fakes.channels.LocalChannels: Instagram, WordPress, YouTube
        self.provisioned: Provisioned | None = None
        self.villages: list[Any] = []
        self.env: dict[str, str] = {}
        self.gateway: Any = None
        self._moto: MotoServer | RemoteMoto | None = None
        self._http: ServerThread | None = None
        self._switch = _SwitchApp()
        self._saved_env: dict[str, str | None] = {}
        self._running = False
        self._lock = threading.Lock()

    # --- what others read ---

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise StackError("the local stack is not started")
        return self._http.url

    @property
    def moto_url(self) -> str:
        if self._moto is None:
            raise StackError("the local stack is not started")
        return self._moto.url

    @property
    def settings(self) -> Any:
        from kabar.config import settings

        return settings()

    @property
    def running(self) -> bool:
        return self._running

    def invoke(self, function_id: str, event: Any) -> Any:
        """Invoke one function synchronously (tests); its exception propagates."""
        if self.dispatcher is None:
            raise StackError("the local stack is not started")
        return self.dispatcher.invoke(function_id, event)

    def urls(self) -> dict[str, str]:
        """The useful local addresses, for people."""
        base = self.base_url
        urls = {
            "api": base,
            "upload page": f"{base}/upload",
            "outbox": f"{base}/_local/outbox",
            "website": f"{base}/site/",
            "moto": self.moto_url,
        }
        if "/feed" in self.mounts:
            urls["social feed"] = f"{base}/feed/"
        if "/graph" in self.mounts:
            urls["graph api"] = f"{base}/graph"
        return urls

    # --- lifecycle ---

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        with self._lock:
            if self._running:
                return self
            try:
                self._start()
            except BaseException:
                self._stop()
                raise
            self._running = True
        return self

    def _start(self) -> None:
        declared = declared_parameters(self.template_path)
        local = {k: v for k, v in LOCAL_PARAMETERS.items() if k in declared}
        local.update({k: v for k, v in LOCAL_FALLBACKS.items()
                      if k in declared and "Default" not in (declared[k] or {})})
        self.parameters = {**local, **self.parameters}
        load_model(self.template_path, self.parameters)  # fail on a broken template before starting anything
        self._moto = (RemoteMoto(self.external_moto_url) if self.external_moto_url
                      else MotoServer(self.host, self.aws_port).start())
        # moto's backends are process-wide: start from nothing, whatever ran in this process before.
        self._moto.reset()
        self.model = model = load_model(self.template_path, self.parameters, endpoint_url=self._moto.url)
        self.runtime = LambdaRuntime(model)
        union = environment_union(model.functions, overridden=OVERRIDDEN_KEYS)

        self._http = ServerThread(self._switch, self.host, self.port, name="gateway")
        base = self._http.url
        self.env = {
            **union,
            "AWS_ENDPOINT_URL": self._moto.url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "KABAR_PUBLIC_URL": base,
            "KABAR_SITE_URL": f"{base}/site",
            "KABAR_GRAPH_BASE_URL": f"{base}/graph",
            # tests and the demo shorten retries; a TERIMA's undo window (5 minutes by default) too
            **({"KABAR_UNDO_WINDOW_SECONDS": "2"} if self.retry_delay_seconds is not None else {}),
            # a village's job message is delivered at once here (on AWS it waits up to its job's spread)
            "KABAR_FANOUT_SPREAD_MAX": "0",
            # moto's SES answers the sandbox's 1 a second; the local stack sends as a production account
            "KABAR_MAIL_MAX_SEND_RATE": "1000",
            # connecting channels by logging in: the login fakes (fakes/login.py)
            "KABAR_FACEBOOK_DIALOG_URL": f"{base}/facebook",
            "KABAR_GOOGLE_AUTH_URL": f"{base}/google/o/oauth2/v2/auth",
            "KABAR_GOOGLE_TOKEN_URL": f"{base}/google/token",
            "KABAR_YOUTUBE_API_URL": f"{base}/google",
            **self.extra_env,
        }
        self._apply_env(self.env)
        _reset_kabar_caches()

        self.provisioned = provision(model, self._moto.url, mail_from=self.env.get("KABAR_MAIL_FROM"))
        surprising = [f"{u.logical_id} ({u.type})" for u in model.unsupported if not u.expected]
        if surprising:
            log.warning("not emulated by the local stack (ignored): %s", ", ".join(surprising))
        if self.seed_villages:
            self._seed_villages(self._read_villages(self.villages_file))
        self._start_fake_graph(base)

        self.dispatcher = Dispatcher(model, self.runtime, self._moto.url,
                                     retry_delay_seconds=self.retry_delay_seconds, clock=self.clock).start()
        self.routes = self._routes(model)
        self.gateway = self._make_gateway()
        self._switch.app = self.gateway
        self._write_state()
        log.info("local stack up: %s (moto %s)", base, self._moto.url)

    def stop(self) -> None:
        with self._lock:
            self._stop()
            self._running = False

    def _stop(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self._http is not None:
            self._http.stop()
        if self._moto is not None:
            if self._moto.running:
                try:
                    self._moto.reset()  # leave no resources or sent mail to the next user of this process
                except OSError as err:
                    log.warning("could not reset moto: %s", err)
            self._moto.stop()
        self._remove_state()
        self._restore_env()
        _reset_kabar_caches()
        self._switch.app = None

    # --- pieces ---

    def _apply_env(self, env: Mapping[str, str]) -> None:
        for key, value in env.items():
            if key not in self._saved_env:
                self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def _routes(self, model: StackModel) -> list[HttpRoute]:
        routes = []
        for fn in model.functions:
            for ev in fn.events:
                if isinstance(ev, HttpApiEvent):
                    routes.append(HttpRoute(ev.method, ev.path, fn.logical_id, self._invoker(fn.logical_id)))
        return routes

    def _invoker(self, function_id: str) -> Callable[[dict[str, Any]], Any]:
        def invoke(event: dict[str, Any]) -> Any:
            assert self.dispatcher is not None
            # One HTTP event at a time: Powertools' resolvers keep the current event in a process-wide
            # class attribute (BaseRouter.current_event), which Lambda never shares between requests but
            # the gateway's threads would (an image GET overwriting a form POST mid-request). No HTTP
            # handler calls another HTTP route synchronously, so this cannot deadlock.
            with _HTTP_INVOKE_LOCK:
                return self.dispatcher.invoke(function_id, event, source="http")
        return invoke

    def _make_gateway(self) -> Callable[..., Iterable[bytes]]:
        try:
            from .gateway import make_app
        except ImportError as err:
            if err.name and err.name.endswith("gateway"):
                log.warning("kabar_local.gateway is missing: the HTTP API is not served")
                return _fallback_gateway(self.routes, self)
            raise
        return make_app(self.routes, self)

    @staticmethod
    def _read_villages(path: Path) -> list[Any]:
        from kabar.domain.models import Village

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StackError(f"berkas desa tidak ada / villages file not found: {path}") from None
        items = data if isinstance(data, list) else [data]
        return [Village.model_validate(item) for item in items]

    def _seed_villages(self, villages: list[Any]) -> None:
        from kabar.usecases.villages import put_village

        from .fakes.channels import local_secret, seed_credential

        for village in villages:
            put_village(village, svc=services())
            held: dict[str, dict[str, str]] = {}  # Facebook and Instagram may share one secret
            for channel in self._channels(village):
                if channel.secret_name:
                    held.setdefault(channel.secret_name, {}).update(local_secret(self.base_url, village, channel))
            for name, value in held.items():
                seed_credential(village.id, name, value)
        # The Meta app (webhook deliveries signed with its secret; Facebook Login) and the Google client.
        create_secret(self.moto_url, LOCAL_META_WEBHOOK_SECRET_NAME, json.dumps(LOCAL_META_WEBHOOK))
        create_secret(self.moto_url, LOCAL_GOOGLE_OAUTH_SECRET_NAME, json.dumps(LOCAL_GOOGLE_OAUTH))
        self.villages = villages

    @staticmethod
    def _channels(village: Any) -> list[Any]:
        return [channel for channels in village.channels.values() for channel in channels]

    def _start_fake_graph(self, base: str) -> None:
        try:
            from .fakes.graph import FakeGraph
        except ImportError:
            return
        try:
            fake = FakeGraph(feed_url=f"{base}/feed")
        except TypeError:
            fake = FakeGraph()
        if not all(hasattr(fake, attr) for attr in ("add_page", "api_app", "feed_app")):
            log.warning("kabar_local.fakes.graph.FakeGraph lacks add_page/api_app/feed_app: not mounted")
            return
        from .fakes.channels import LocalChannels

        self.fake_graph = fake
        # Instagram (sharing /graph), WordPress and YouTube fakes, one site/account per village
        self.channel_fakes = LocalChannels(fake, base)
        for village in self.villages:
            self.channel_fakes.register(village, self._channels(village))
        self.mounts = self.channel_fakes.mounts()

    def register_village(self, village: Any) -> None:
        """Add or replace one village on the running stack (its secret and fake page too)."""
        self._seed_villages([village])
        if self.channel_fakes is not None:
            self.channel_fakes.register(village, self._channels(village))

    def sync_villages(self) -> list[str]:
        """Pick up villages saved by another process (``kabar village put``): register their fake
        Facebook pages here. Returns the ids that were new or changed."""
        from kabar.usecases.villages import list_villages

        known = {village.id: village for village in self.villages}
        changed = [village for village in list_villages(svc=services()) if known.get(village.id) != village]
        for village in changed:
            known[village.id] = village
            if self.channel_fakes is not None:
                self.channel_fakes.register(village, self._channels(village))
        self.villages = list(known.values())
        return [village.id for village in changed]

    def state(self) -> dict[str, Any]:
        """What another process needs to reach this stack (``kabar staff add`` reads it)."""
        keep = {key: value for key, value in self.env.items()
                if key.startswith(("AWS_", "KABAR_", "POWERTOOLS_"))}
        return {"base_url": self.base_url, "moto_url": self.moto_url, "pid": os.getpid(),
                "template": str(self.template_path), "env": keep}

    def _write_state(self) -> None:
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self.state_file.write_text(json.dumps(self.state(), indent=2), encoding="utf-8")
        except OSError as err:
            log.warning("could not write %s: %s", self.state_file, err)

    def _remove_state(self) -> None:
        if self._http is None:
            return
        try:
            written = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if written.get("base_url") == self._http.url and written.get("pid") == os.getpid():
            self.state_file.unlink(missing_ok=True)


__all__ = ["LocalStack", "StackError", "TemplateError", "HttpRoute"]
