"""The audit trail's hash chain: each entry sealed with the hash of the one before it.

``hash(n) = sha256(canonical JSON of entry n, with its sequence number) + hash(n-1))``, starting from
``GENESIS``. Editing an entry breaks its own hash; deleting or reordering one breaks the link of the
next; deleting the newest ones is caught by the head record (sequence and hash of the last entry),
which is written in the same transaction as every entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .models import AuditEntry

GENESIS = "0" * 64


def sealed_body(entry: AuditEntry, seq: int) -> dict:
    """What an entry's hash covers: the entry as stored, and its place in the chain."""
    return {**entry.model_dump(mode="json"), "seq": seq}


def canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def chain_hash(body: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(body) + prev_hash.encode()).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One stored entry: the sealed body as read back, and the two hashes stored beside it."""

    body: dict
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: str  # edited | missing | broken_link | head_mismatch
    message: str


def verify_chain(links: list[ChainLink], head_seq: int, head_hash: str) -> list[Problem]:
    """Every way the stored chain differs from an untouched one (empty: intact)."""
    problems: list[Problem] = []
    prev_hash, expected_seq = GENESIS, 1
    for link in sorted(links, key=lambda x: int(x.body.get("seq", 0))):
        seq = int(link.body.get("seq", 0))
        if seq != expected_seq:
            gap = f"{expected_seq}-{seq - 1}"
            problems.append(Problem(expected_seq, "missing", f"entri {gap} hilang / entries {gap} missing"))
        if link.prev_hash != prev_hash:
            problems.append(Problem(seq, "broken_link",
                                    f"entri {seq} tidak tersambung ke sebelumnya / entry {seq} is not linked to "
                                    "the one before"))
        if chain_hash(link.body, link.prev_hash) != link.hash:
            problems.append(Problem(seq, "edited", f"entri {seq} telah diubah / entry {seq} was edited"))
        prev_hash, expected_seq = link.hash, seq + 1
    if expected_seq - 1 != head_seq or prev_hash != head_hash:
        problems.append(Problem(head_seq, "head_mismatch",
                                f"rantai berakhir di entri {expected_seq - 1}, kepala mencatat {head_seq} / the "
                                f"chain ends at entry {expected_seq - 1}, the head records {head_seq}"))
    return problems
