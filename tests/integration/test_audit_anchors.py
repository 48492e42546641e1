"""The audit trail anchored outside the table: a monthly report writes the chain's head once under Object
Lock and prints it; `kabar audit verify` then catches even a rewrite of the whole chain."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime

import boto3
import pytest

from kabar.domain.anchors import anchor_key
from kabar.domain.audit import GENESIS, chain_hash
from kabar.domain.clock import WIB
from kabar.domain.models import AuditEntry
from kabar.services import services
from kabar.usecases.anchor import anchor_audit_chain
from kabar.usecases.audit import verify_trail
from kabar.usecases.reporting import build_report
from kabar_local.cli import main as kabar
from tests.integration.flow import VILLAGE


def _audit(n: int) -> None:
    for i in range(n):
        services().store.append_audit(AuditEntry(
            tenant_id=VILLAGE, submission_id="s1", at=datetime(2026, 11, 2 + i, 9, tzinfo=WIB), actor="reviewer:x",
            action="decision_approve", subject=f"draft:website:v{i + 1}"))


def _rewrite_whole_chain(edit_seq: int) -> None:
    """What someone with write access to the table could do: edit an entry and re-seal every hash after it."""
    table = boto3.resource("dynamodb").Table(services().settings.table)
    items = sorted(table.query(KeyConditionExpression="PK = :p AND begins_with(SK, :e)",
                               ExpressionAttributeValues={":p": f"T#{VILLAGE}#AUDIT", ":e": "E#"})["Items"],
                   key=lambda i: i["SK"])
    prev = GENESIS
    for item in items:
        body = {k: v for k, v in item.items() if k not in ("PK", "SK", "rtype", "prev_hash", "hash")}
        body["seq"] = int(body["seq"])
        if body["seq"] == edit_seq:
            body["action"] = "decision_reject"
        item.update(body, prev_hash=prev, hash=chain_hash(body, prev))
        table.put_item(Item=item)
        prev = item["hash"]
    table.put_item(Item={"PK": f"T#{VILLAGE}#AUDIT", "SK": "HEAD", "rtype": "audit_head", "seq": len(items),
                         "hash": prev})


def test_the_report_prints_the_anchor_written_once_under_object_lock(aws):
    _audit(3)
    build_report(VILLAGE, "2026-11", send=False, svc=services())
    reports = services().reports
    anchor = json.loads(reports.get(anchor_key(VILLAGE, "2026-11")))
    assert anchor["seq"] == 3 and anchor["hash"] == services().store.audit_head(VILLAGE)[1]
    html = reports.get(f"{VILLAGE}/2026-11/laporan-{VILLAGE}-2026-11.html").decode()
    assert f"entri 3 · SHA-256 {anchor['hash']}" in html and "Jangkar jejak audit" in html

    s3 = boto3.client("s3")
    head = s3.head_object(Bucket=services().settings.reports_bucket, Key=anchor_key(VILLAGE, "2026-11"))
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].year >= 2036
    with pytest.raises(Exception, match="AccessDenied|Access Denied"):
        s3.delete_object(Bucket=services().settings.reports_bucket, Key=anchor_key(VILLAGE, "2026-11"),
                         VersionId=head["VersionId"])

    # a rebuilt report (the chain grew meanwhile) prints the same anchor: the first write stands
    _audit(1)
    assert anchor_audit_chain(VILLAGE, "2026-11", svc=services()).seq == 3
    build_report(VILLAGE, "2026-11", send=False, svc=services())
    rebuilt = reports.get(f"{VILLAGE}/2026-11/laporan-{VILLAGE}-2026-11.html").decode()
    assert f"entri 3 · SHA-256 {anchor['hash']}" in rebuilt


def test_verify_detects_a_rewrite_of_the_whole_chain_only_the_anchor_can_see(aws, monkeypatch, capsys):
    _audit(4)
    anchor_audit_chain(VILLAGE, "2026-11", svc=services())
    _audit(2)
    assert verify_trail(VILLAGE, svc=services()).intact and verify_trail(VILLAGE, svc=services()).anchors == 1

    _rewrite_whole_chain(edit_seq=2)

    verdict = verify_trail(VILLAGE, svc=services())
    assert [p.kind for p in verdict.problems] == ["anchor_mismatch"]  # the chain itself is consistent again
    monkeypatch.setattr("kabar_local.cli.attach", lambda: {})
    assert kabar(["audit", "verify", "--village", VILLAGE]) == 1
    assert "anchor_mismatch" in capsys.readouterr().out


def test_verify_detects_a_chain_cut_short_of_an_anchor(aws):
    _audit(3)
    anchor_audit_chain(VILLAGE, "2026-11", svc=services())
    table = boto3.resource("dynamodb").Table(services().settings.table)
    table.delete_item(Key={"PK": f"T#{VILLAGE}#AUDIT", "SK": "E#000000000003"})
    link2 = table.get_item(Key={"PK": f"T#{VILLAGE}#AUDIT", "SK": "E#000000000002"})["Item"]
    table.put_item(Item={"PK": f"T#{VILLAGE}#AUDIT", "SK": "HEAD", "rtype": "audit_head", "seq": 2,
                         "hash": link2["hash"]})
    assert [p.kind for p in verify_trail(VILLAGE, svc=services()).problems] == ["anchor_missing"]


def test_the_pdf_prints_the_anchor_line_a_reader_can_check(aws, tmp_path):
    """The printed, signed PDF carries the anchor whole (Debian's pdftotext reads it back), and the line
    is the one `kabar audit verify` checks against the Object Lock copy."""
    _audit(2)
    build_report(VILLAGE, "2026-11", send=False, svc=services())
    reports = services().reports
    anchor = json.loads(reports.get(anchor_key(VILLAGE, "2026-11")))
    pdf = tmp_path / "laporan.pdf"
    pdf.write_bytes(reports.get(f"{VILLAGE}/2026-11/laporan-{VILLAGE}-2026-11.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Jangkar jejak audit (audit trail anchor)" in text
    assert f"entri 2 · SHA-256 {anchor['hash']}" in text  # the 64 hex digits on one line, unbroken
    assert anchor["hash"] == services().store.audit_head(VILLAGE)[1]
    assert f"kabar audit verify --village {VILLAGE}" in text
    assert anchor_key(VILLAGE, "2026-11") in text
    assert verify_trail(VILLAGE, svc=services()).intact
