"""Villages (tenants) are configuration: loaded from a file or the CLI, never edited in code."""

from __future__ import annotations

from ..domain.models import Village
from ..services import Services


def put_village(village: Village, svc: Services) -> Village:
    svc.store.put_village(village)
    return village


def list_villages(svc: Services) -> list[Village]:
    return svc.store.list_villages()
