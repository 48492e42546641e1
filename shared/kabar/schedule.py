"""The input of a scheduled function: empty from the schedule, or an instant to replay."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel


class ScheduledRun(BaseModel):
    #: ISO 8601 with its zone: the local stack and tests replay a past or future instant.
    at: AwareDatetime | None = None


def replay_at(event: object) -> datetime | None:
    """The instant a run is for; None means now. A naive or malformed ``at`` is refused."""
    return ScheduledRun.model_validate(event if isinstance(event, dict) else {}).at
