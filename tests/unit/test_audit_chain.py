"""The audit trail's hash chain: intact when untouched; every edit, deletion or reordering detected."""

from dataclasses import replace
from datetime import datetime

import pytest

from kabar.domain.audit import GENESIS, ChainLink, chain_hash, sealed_body, verify_chain
from kabar.domain.clock import WIB
from kabar.domain.models import AuditEntry


def _chain(n: int) -> list[ChainLink]:
    links, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = AuditEntry(tenant_id="purwobinangun", submission_id=f"{seq:020x}", at=datetime(2026, 11, 27, 9, seq,
                           tzinfo=WIB), actor="drafting", action="drafted", subject="draft:website:v1",
                           to_state="in_review", note=None)
        body = sealed_body(entry, seq)
        links.append(ChainLink(body=body, prev_hash=prev, hash=chain_hash(body, prev)))
        prev = links[-1].hash
    return links


def _kinds(links, head_seq, head_hash):
    return [p.kind for p in verify_chain(links, head_seq, head_hash)]


def test_an_untouched_chain_and_an_empty_one_are_intact():
    links = _chain(4)
    assert verify_chain(links, 4, links[-1].hash) == []
    assert verify_chain([], 0, GENESIS) == []


def test_the_hash_covers_the_entry_and_its_place():
    body = _chain(1)[0].body
    assert chain_hash(body, GENESIS) != chain_hash({**body, "seq": 2}, GENESIS)
    assert chain_hash(body, GENESIS) != chain_hash(body, "1" * 64)


@pytest.mark.parametrize("field,value", [("actor", "reviewer:other"), ("note", "disetujui"), ("to_state", "approved")])
def test_an_edited_entry_is_detected(field, value):
    links = _chain(4)
    links[1] = replace(links[1], body={**links[1].body, field: value})
    assert _kinds(links, 4, links[-1].hash) == ["edited"]


def test_a_deleted_entry_is_detected():
    links = _chain(4)
    del links[1]
    assert {"missing", "broken_link"} <= set(_kinds(links, 4, links[-1].hash))


def test_a_deleted_newest_entry_is_caught_by_the_head():
    links = _chain(4)
    head = links[-1].hash
    assert _kinds(links[:-1], 4, head) == ["head_mismatch"]


def test_a_rewritten_and_rehashed_entry_still_breaks_the_next_link():
    links = _chain(3)
    forged = {**links[0].body, "actor": "someone"}
    links[0] = ChainLink(forged, GENESIS, chain_hash(forged, GENESIS))
    assert "broken_link" in _kinds(links, 3, links[-1].hash)
