"""One WSGI app served on a free loopback port in a thread, as the tests' fakes and fixtures need it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import make_server


def serve(app: Callable[..., Any]) -> tuple[str, Callable[[], None]]:
    """``app`` at ``http://127.0.0.1:<port>``: its address, and the function that stops it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.server_port}", stop
