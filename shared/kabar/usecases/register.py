"""The register of documentation and content / news (SOP step 1's output), per month."""

from __future__ import annotations

import csv
import io
import re

from ..domain import sop
from ..domain.cells import csv_safe
from ..domain.clock import iso, month_of, now
from ..domain.errors import InvalidInput
from ..domain.models import Staff
from ..domain.text import t
from ..services import Services

COLUMNS = ["submission_id", "title", "activity_date", "location", "channels", "submitter", "submitted_at",
           "submitted_on_time", "completed_at", "procedure", "draft_version", "draft_at", "draft_on_time",
           "decision", "decided_at", "decision_on_time", "published_at", "published_on_time", "urls"]


def _ok(flag: bool | None) -> str:
    return "" if flag is None else ("ya" if flag else "tidak")


def register_rows(staff: Staff, month: str | None, svc: Services) -> list[dict]:
    month = month or month_of(now())
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise InvalidInput(t("Bulan harus berbentuk YYYY-MM.", "The month must look like YYYY-MM."),
                           [{"field": "month", "code": "invalid", "message": "YYYY-MM", "message_en": "YYYY-MM"}])
    rows = []
    for sub in sorted(svc.store.submissions_in_month(staff.tenant_id, month), key=lambda s: s.created_at):
        items = svc.store.submission_items(staff.tenant_id, sub.submission_id)
        base = {"submission_id": sub.submission_id, "title": sub.activity.title,
                "activity_date": sub.activity.date.isoformat(), "location": sub.activity.location,
                "channels": " ".join(p.value for p in sub.procedures), "submitter": sub.submitter_name,
                "submitted_at": iso(sub.created_at), "submitted_on_time": _ok(not sub.late),
                "completed_at": iso(sub.completed_at) if sub.completed_at else ""}
        for procedure in sub.procedures:
            drafts = sorted((d for d in items["draft"] if d.procedure == procedure), key=lambda d: d.version)
            first, last = (drafts[0], drafts[-1]) if drafts else (None, None)
            pubs = [p for p in items["publication"] if p.procedure == procedure and p.published_at]
            published_at = min((p.published_at for p in pubs), default=None)
            rows.append({**base, "procedure": procedure.value,
                         "draft_version": last.version if last else "",
                         "draft_at": iso(first.created_at) if first else "",
                         "draft_on_time": _ok(sop.is_late(first.created_at, sop.batas_draf(sub.completed_at)) is False)
                         if first and sub.completed_at else "",
                         "decision": last.status.value if last else "",
                         "decided_at": iso(last.decided_at) if last and last.decided_at else "",
                         "decision_on_time": _ok(not sop.is_late(last.decided_at, sop.batas_keputusan(last.created_at)))
                         if last and last.decided_at else "",
                         "published_at": iso(published_at) if published_at else "",
                         "published_on_time": _ok(not sop.is_late(published_at, sop.batas_unggah(sub.activity.date)))
                         if published_at else "",
                         "urls": " ".join(p.url for p in pubs if p.url)})
    return rows


def register_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet (domain/cells.py).
        writer.writerow({k: csv_safe(v) for k, v in row.items()})
    return out.getvalue()
