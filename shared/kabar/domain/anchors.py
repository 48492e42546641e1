"""Anchors of the audit trail outside the table: the chain's head (sequence and hash) as it stood when a
monthly report was made, written once to the reports bucket under Object Lock and printed in the report.

The hash chain makes an edit inside the table evident, but whoever can rewrite the whole table can
recompute every hash. An anchor cannot be rewritten with it: entry ``seq`` of the chain must still hash to
the anchored value, so a rewrite of anything up to an anchored entry (or a chain cut short of it) shows.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel

from .audit import ChainLink, Problem

#: how long an anchor cannot be deleted or changed (compliance mode): the record's own lifetime
ANCHOR_RETENTION_YEARS = 10


class Anchor(BaseModel):
    tenant_id: str
    month: str  # the report's month, "2026-11"
    seq: int
    hash: str
    anchored_at: datetime

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, indent=1).encode()

    @property
    def line(self) -> str:
        """How the report prints it: enough to compare by eye with `kabar audit verify`."""
        return f"entri {self.seq} · SHA-256 {self.hash}"


def anchor_key(tenant_id: str, month: str) -> str:
    return f"{tenant_id}/audit-anchors/{month}.json"


def check_anchors(links: list[ChainLink], anchors: list[Anchor]) -> list[Problem]:
    """Each anchor's entry must still be in the chain with the anchored hash."""
    by_seq = {int(link.body.get("seq", 0)): link for link in links}
    problems = []
    for anchor in sorted(anchors, key=lambda a: a.seq):
        if anchor.seq == 0:
            continue  # anchored before anything was audited
        link = by_seq.get(anchor.seq)
        if link is None:
            problems.append(Problem(anchor.seq, "anchor_missing",
                                    f"entri {anchor.seq} yang dijangkar laporan {anchor.month} tidak ada / entry "
                                    f"{anchor.seq} anchored by the {anchor.month} report is missing"))
        elif link.hash != anchor.hash:
            problems.append(Problem(anchor.seq, "anchor_mismatch",
                                    f"entri {anchor.seq} tidak cocok dengan jangkar laporan {anchor.month}: rantai "
                                    f"ditulis ulang / entry {anchor.seq} does not match the {anchor.month} report's "
                                    "anchor: the chain was rewritten"))
    return problems
