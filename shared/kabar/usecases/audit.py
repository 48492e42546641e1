"""Checking a village's audit trail: every entry still as written, none missing, none added out of turn."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.audit import Problem, verify_chain
from ..services import Services, services


@dataclass(frozen=True)
class Verdict:
    village: str
    entries: int
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_trail(tenant_id: str, svc: Services | None = None) -> Verdict:
    svc = svc or services()
    svc.store.get_village(tenant_id)  # NotFound for a village that does not exist
    links, head_seq, head_hash = svc.store.audit_chain(tenant_id)
    return Verdict(tenant_id, len(links), verify_chain(links, head_seq, head_hash))
