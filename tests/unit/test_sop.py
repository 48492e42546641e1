"""The SOP's rules (Purwobinangun 480/01): required items and time limits, in Asia/Jakarta."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kabar.domain import sop
from kabar.domain.clock import WIB
from kabar.domain.models import DeclaredFile, FileKind, Procedure

NARRATIVE = "Warga Dusun Ngepring melaksanakan kerja bakti membersihkan saluran irigasi sepanjang 800 meter."


def files(photos: int, videos: int = 0) -> list[DeclaredFile]:
    out = [DeclaredFile(name=f"p{i}.jpg", kind=FileKind.PHOTO, content_type="image/jpeg", size=10)
           for i in range(photos)]
    out += [DeclaredFile(name=f"v{i}.mp4", kind=FileKind.VIDEO, content_type="video/mp4", size=10)
            for i in range(videos)]
    return out


def codes(shortfalls: list[sop.Shortfall]) -> set[str]:
    return {s.code for s in shortfalls}


def test_social_needs_four_photos_a_narrative_and_a_video():
    # Given everything procedure A requires
    assert sop.check_kelengkapan([Procedure.SOCIAL], NARRATIVE, files(4, 1)) == []
    # When the video is missing, then it is named
    assert codes(sop.check_kelengkapan([Procedure.SOCIAL], NARRATIVE, files(4, 0))) == {"video_missing"}


def test_website_needs_no_video():
    assert sop.check_kelengkapan([Procedure.WEBSITE], NARRATIVE, files(4, 0)) == []


def test_each_missing_item_has_its_own_bilingual_message():
    shortfalls = sop.check_kelengkapan([Procedure.SOCIAL, Procedure.WEBSITE], "singkat", files(1, 0))
    assert codes(shortfalls) == {"photos_missing", "narrative_missing", "video_missing"}
    photos = next(s for s in shortfalls if s.code == "photos_missing")
    assert "Kurang 3 foto" in photos.message.id and "3 photo(s) missing" in photos.message.en


def test_no_procedure_is_refused():
    assert codes(sop.check_kelengkapan([], NARRATIVE, files(4, 1))) == {"no_procedure"}


def test_blank_narrative_does_not_count():
    assert "narrative_missing" in codes(sop.check_kelengkapan([Procedure.WEBSITE], " " * 100, files(4)))


def test_day_h_ends_at_midnight_jakarta_not_utc():
    deadline = sop.batas_penyerahan(date(2026, 11, 27))
    assert deadline.tzinfo is WIB
    # 23:30 WIB on day H is on time; 00:10 WIB the next day is late
    assert not sop.is_late(datetime(2026, 11, 27, 23, 30, tzinfo=WIB), deadline)
    assert sop.is_late(datetime(2026, 11, 28, 0, 10, tzinfo=WIB), deadline)
    # 17:30 UTC on the 27th is already 00:30 WIB on the 28th
    assert sop.is_late(datetime(2026, 11, 27, 17, 30, tzinfo=UTC), deadline)


def test_step_time_limits():
    start = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
    assert sop.batas_draf(start) == start + timedelta(hours=2)
    assert sop.batas_keputusan(start) == start + timedelta(hours=1)
    assert sop.batas_jawaban(start) == start + timedelta(days=1)
    assert sop.batas_unggah(date(2026, 11, 30)) == datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=WIB)


@pytest.mark.parametrize(("month", "due"), [("2026-11", date(2026, 12, 7)), ("2026-12", date(2027, 1, 7))])
def test_report_is_due_in_week_one_of_the_next_month(month, due):
    assert sop.batas_laporan(month) == due


def test_is_late_is_none_until_the_step_happens():
    assert sop.is_late(None, datetime(2026, 1, 1, tzinfo=WIB)) is None


def test_a_hand_over_after_day_h_is_late_in_jakarta_time():
    day = date(2026, 11, 30)
    assert not sop.diserahkan_terlambat(datetime(2026, 11, 30, 23, 59, tzinfo=WIB), day)
    assert sop.diserahkan_terlambat(datetime(2026, 12, 1, 0, 0, 1, tzinfo=WIB), day)
    assert sop.diserahkan_terlambat(datetime(2026, 11, 30, 17, 1, tzinfo=UTC), day)  # 00:01 WIB
