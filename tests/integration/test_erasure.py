"""A person's erasure on request: what is not the public record goes, the record stays, the erasure is audited."""

from datetime import date, datetime, timedelta

from kabar.domain.clock import WIB
from kabar.domain.inbox import Inquiry, InquiryKind
from kabar.domain.retention import INQUIRY_DAYS
from kabar.services import services
from kabar.usecases import erasure
from kabar.usecases.audit import verify_trail
from kabar.usecases.staff import add_staff, authenticate
from kabar_local import samples
from kabar_local.cli import main as kabar
from tests.integration.flow import VILLAGE, submit

AT = datetime(2026, 11, 27, 10, 0, tzinfo=WIB)


def _inquiry(inquiry_id: str, author: str, name: str, kind=InquiryKind.COMMENT) -> Inquiry:
    return Inquiry(tenant_id=VILLAGE, inquiry_id=inquiry_id, kind=kind, page_id="123",
                   thread_id=author if kind is InquiryKind.MESSAGE else "123_1", author_id=author, author_name=name,
                   text="Rumah saya di RT 03, mohon dibantu", received_at=AT)


def test_a_staff_member_who_leaves_can_no_longer_act_and_their_email_leaves_the_register(aws):
    staff, token = add_staff(VILLAGE, "submitter", "Sri Rahayu", "sri.rahayu@gmail.com", svc=services())
    payload, _ = samples.submission_payload(date.today())
    status, created = submit(aws, token, payload)
    assert status == 201
    store = services().store

    result = erasure.erase_staff(VILLAGE, staff.staff_id, "operator:ppid", svc=services())

    assert result.removed == {"staff_and_tokens": 2} and result.anonymised == {"submission_email": 1}
    assert store.get_staff(VILLAGE, staff.staff_id) is None
    try:
        authenticate(f"Bearer {token}", {staff.role}, svc=services())
        raise AssertionError("the token still works")
    except Exception as err:  # noqa: BLE001 - Unauthorized
        assert type(err).__name__ == "Unauthorized"
    kept = store.get_submission(VILLAGE, created["submission_id"])
    assert kept.submitter_email == "" and kept.submitter_name == "Sri Rahayu"  # the register keeps the role
    (entry,) = [e for e in store.submission_items(VILLAGE, erasure.ERASURE_RECORD)["audit"] if e.action == "erasure"]
    assert entry.actor == "operator:ppid" and entry.subject == f"staff:{staff.staff_id}"
    assert "sri.rahayu" not in entry.model_dump_json()
    assert verify_trail(VILLAGE, svc=services()).intact


def test_a_commenter_is_anonymised_and_the_answer_times_stay(aws):
    store = services().store
    for inq in (_inquiry("c1", "55501", "Budi Santoso"), _inquiry("m1", "55501", "Budi Santoso", InquiryKind.MESSAGE),
                _inquiry("c2", "77702", "Sri Wahyuni")):
        assert store.put_inquiry(inq)
    assert store.mark_answered(store.get_inquiry(VILLAGE, "c1"), AT + timedelta(hours=2), "a1")

    result = erasure.erase_commenter(VILLAGE, "55501", "operator:ppid", svc=services())

    assert result.anonymised == {"inquiries": 2}
    for inquiry_id in ("c1", "m1"):
        inq = store.get_inquiry(VILLAGE, inquiry_id)
        assert inq.author_name == "" and inq.text == "" and inq.author_id.startswith("erased:")
        assert "55501" not in inq.model_dump_json()
    assert store.get_inquiry(VILLAGE, "c1").answered_at is not None  # the KPI still counts
    assert store.get_inquiry(VILLAGE, "c2").author_name == "Sri Wahyuni"  # nobody else
    (entry,) = [e for e in store.submission_items(VILLAGE, erasure.ERASURE_RECORD)["audit"] if e.action == "erasure"]
    assert "55501" not in entry.model_dump_json() and "Budi" not in entry.model_dump_json()


def test_messages_expire_by_ttl(aws):
    store = services().store
    store.put_inquiry(_inquiry("c9", "1", "X"))
    item = store._get(f"T#{VILLAGE}#INQ#c9", "INQ")
    assert int(item["ttl"]) == int((AT + timedelta(days=INQUIRY_DAYS)).timestamp())


def test_kabar_erase_commenter_from_the_command_line(aws, monkeypatch, capsys):
    monkeypatch.setattr("kabar_local.cli.attach", lambda: {})
    services().store.put_inquiry(_inquiry("c5", "99901", "Tono"))
    assert kabar(["erase", "commenter", "--village", VILLAGE, "--author-id", "99901", "--by", "ppid"]) == 0
    out = capsys.readouterr().out
    assert "inquiries = 1" in out and "jejak audit" in out
    assert services().store.get_inquiry(VILLAGE, "c5").author_name == ""
    assert kabar(["erase", "staff", "--village", VILLAGE, "--staff-id", "nobody", "--by", "ppid"]) == 2
