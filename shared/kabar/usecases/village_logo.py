"""The village's logo for the cover graphic (``Village.logo_key``).

Looked for in the site bucket first (a logo is public, and nothing there expires), then in the media
bucket, where objects expire after ``MediaRetentionDays`` (issue 15): a logo that expired, or was never
uploaded, leaves the cover without a logo instead of failing the draft.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from ..domain.models import Village
from ..services import Services

logger = Logger(child=True)


def village_logo(village: Village, svc: Services) -> bytes | None:
    key = village.logo_key
    if not key:
        return None
    if not key.startswith(f"{village.id}/"):  # never another village's object
        logger.warning("the village's logo_key names another village's object; ignored")
        return None
    for storage in (svc.site, svc.media):
        if storage.head(key) is not None:
            return storage.get(key)
    logger.warning("the village's logo was not found; the cover is drawn without it", extra={"tenant_id": village.id})
    return None
