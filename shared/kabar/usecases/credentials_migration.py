"""Moving channel credentials from one Secrets Manager secret per channel into the table, sealed under the
deployment's KMS key (``kabar credentials migrate``).

Each village's channels keep their ``secret_name``: it now names the credential in the village's own
partition of the table. For every name not yet there, the secret of that name is read and sealed in;
a credential already in the table (a channel connected by logging in since) is never overwritten. The
secrets themselves are left for the operator to delete once publishing works (US$0.40 each a month);
the two deployment-wide secrets (the Meta app, the link-signing key) stay where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..domain.models import Village
from ..ports import CredentialStore


class Villages(Protocol):
    def list_villages(self) -> list[Village]: ...


@dataclass(frozen=True)
class Moved:
    village: str
    name: str
    outcome: str  # "moved" | "kept" (already in the table) | "missing" (no such secret) | "unreadable"


def migrate(villages: Villages, credentials: CredentialStore, read_secret: Callable[[str], dict[str, Any] | None],
            at: datetime, only: str | None = None) -> list[Moved]:
    """``read_secret(name)``: the secret's JSON object, or None when there is no such secret."""
    out: list[Moved] = []
    for village in villages.list_villages():
        if only and village.id != only:
            continue
        names = {c.secret_name for configs in village.channels.values() for c in configs if c.secret_name}
        held = credentials.describe(village.id)
        for name in sorted(names):
            if name in held:
                out.append(Moved(village.id, name, "kept"))
                continue
            try:
                value = read_secret(name)
            except ValueError:
                out.append(Moved(village.id, name, "unreadable"))
                continue
            if value is None:
                out.append(Moved(village.id, name, "missing"))
                continue
            types = sorted({c.type for configs in village.channels.values() for c in configs
                            if c.secret_name == name})
            credentials.put(village.id, name, value, {"account": ", ".join(types), "from": "Secrets Manager"},
                            "migration", at)
            out.append(Moved(village.id, name, "moved"))
    return out
