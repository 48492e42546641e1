"""Villages (tenants) are configuration: loaded from a file or the CLI, never edited in code."""

from __future__ import annotations

from ..domain.models import Village
from ..services import Services, services


def put_village(village: Village, svc: Services | None = None) -> Village:
    (svc or services()).store.put_village(village)
    return village


def list_villages(svc: Services | None = None) -> list[Village]:
    return (svc or services()).store.list_villages()
