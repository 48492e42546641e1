"""Checking a village's audit trail: every entry still as written, none missing, none added out of turn."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.anchors import check_anchors
from ..domain.audit import Problem, verify_chain
from ..services import Services
from .anchor import load_anchors


@dataclass(frozen=True)
class Verdict:
    village: str
    entries: int
    problems: list[Problem]
    anchors: int = 0  # anchors outside the table the chain was checked against

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_trail(tenant_id: str, svc: Services) -> Verdict:
    svc.store.get_village(tenant_id)  # NotFound for a village that does not exist
    links, head_seq, head_hash = svc.store.audit_chain(tenant_id)
    anchors = load_anchors(tenant_id, svc)
    return Verdict(tenant_id, len(links), verify_chain(links, head_seq, head_hash) + check_anchors(links, anchors),
                   len(anchors))
