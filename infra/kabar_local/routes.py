"""The contract between the stack and the HTTP gateway: one route per HttpApi event of the template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpRoute:
    """``METHOD path`` (``ANY`` allowed; ``{var}`` and ``{proxy+}`` segments as in an HTTP API).

    ``invoke(apigw_v2_event) -> lambda_response`` calls the function synchronously and returns what
    the handler returned; a handler exception propagates (the gateway answers 500).
    """

    method: str
    path: str
    function_id: str
    invoke: Callable[[dict[str, Any]], Any]
