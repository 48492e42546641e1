"""Villages (tenants) are configuration: loaded from a file or the CLI, never edited in code."""

from __future__ import annotations

from ..domain.models import Village
from ..ports import DirectoryBackfill
from ..services import Services


def put_village(village: Village, svc: Services) -> Village:
    svc.store.put_village(village)
    return village


def list_villages(svc: Services) -> list[Village]:
    return svc.store.list_villages()


def backfill_directory(svc: Services, only: str | None = None) -> list[DirectoryBackfill]:
    """Each village's directory entry, its kabupaten's and its Page lookups, where missing: what the job
    schedulers page through and the Meta webhooks route by, for villages saved before those items existed.
    Idempotent (a second run writes nothing); ``only``: one village."""
    villages = [svc.store.get_village(only)] if only else svc.store.list_villages()
    return [svc.store.backfill_directory(village) for village in villages]
