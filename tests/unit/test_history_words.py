"""The workspace's audit trail in words: what changed, never a setting's or a role's code."""

from datetime import datetime

from kabar.domain.clock import WIB
from kabar.domain.models import AuditEntry
from kabar.usecases.workspace_pages import history_lines

AT = datetime(2026, 12, 4, 9, 30, tzinfo=WIB)


def entry(action: str, subject: str, **more) -> AuditEntry:  # noqa: ANN003
    return AuditEntry(tenant_id="purwobinangun", submission_id="workspace", at=AT, actor="admin:a@desa.id",
                      action=action, subject=subject, **more)


def test_changed_settings_are_named_in_words_with_the_undo_window_from_and_to():
    lines = history_lines([
        entry("setting_changed", "village:hashtags,publish_time,report_recipients",
              note="hashtags, publish_time, report_recipients"),
        entry("setting_changed", "village:undo_minutes", from_state=None, to_state="10"),
        entry("setting_changed", "village:undo_minutes", from_state="10", to_state=None),
        entry("setting_changed", "village:admin_review_first", from_state="false", to_state="true"),
    ], {"admin:a@desa.id": "Admin"})
    assert [(line.detail, line.note) for line in lines] == [
        ("tagar, jam terbit, penerima laporan", ""),
        ("jendela urungkan: bawaan \u2192 10 menit", ""),
        ("jendela urungkan: 10 menit \u2192 bawaan", ""),
        ("pemeriksaan admin: aktif", ""),
    ]
    assert all(line.who == "Admin" for line in lines)
    assert not any("_" in line.detail for line in lines)  # no setting's code


def test_an_added_persons_role_is_said_in_words():
    (line,) = history_lines([entry("person_added", "staff:s1", note="submitter bayu@purwobinangun.desa.id")], {})
    assert line.note == "Pelaksana kegiatan bayu@purwobinangun.desa.id"
