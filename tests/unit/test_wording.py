"""The words people read: one date style, names for codes, and the check that finds codes in a page."""

from datetime import UTC, datetime, timedelta

from kabar.domain import sop
from kabar.domain.wording import channel_name, day_id, draft_state, raw_codes, when_id
from kabar.domain.workspace import staff_token_state


def test_one_date_and_time_style_in_jakarta_time():
    moment = datetime(2026, 12, 2, 2, 44, tzinfo=UTC)  # 09.44 in Jakarta
    assert when_id(moment) == "2 Desember 2026, 09.44 WIB"
    assert when_id(moment.isoformat()) == "2 Desember 2026, 09.44 WIB"
    assert day_id("2026-12-02") == "2 Desember 2026"
    assert when_id(None) == ""


def test_codes_have_names():
    assert channel_name("static_site") == "Situs web kalurahan"
    assert draft_state("published").id == "TERIMA, sudah terbit"
    assert draft_state("in_review").en == "waiting for the PPID's decision"


def test_the_check_finds_codes_and_iso_times_a_reader_would_see():
    assert raw_codes("<p>Keputusan: <strong>published</strong> pada 2026-12-04T05:25:29+07:00</p>") == [
        "2026-12-04T05:25:29+07:00", "published"]
    assert raw_codes("<li>social: terbit</li><li>Gagal (website, versi 1)</li>") == ["social", "website"]
    assert raw_codes("<p>{{ x }} None</p>") == ["{{", "}}", "None"]
    assert raw_codes("<td>static_site</td>") == ["static_site", "static_site"]


def test_the_check_leaves_words_links_and_attributes_alone():
    page = ('<a href="https://desa.id/app/x/edit/social?at=2026-12-04T05:25">TERIMA</a>'
            '<span class="en">(rejected)</span> <time datetime="2026-12-04">4 Desember 2026</time>'
            " akan diterbitkan (it will be published, with the social media post)")
    assert raw_codes(page) == []


def test_a_staff_token_ends_soon_two_weeks_before_its_end():
    at = datetime(2026, 12, 2, tzinfo=UTC)
    assert staff_token_state(None, at) is None
    assert staff_token_state(at + timedelta(days=15), at) == "valid"
    assert staff_token_state(at + timedelta(days=14), at) == "near"
    assert staff_token_state(at, at) == "expired"


def test_the_ppid_is_asked_once_every_procedure_has_its_draft():
    both = ["social", "website"]
    assert sop.draf_untuk_ppid(both, {"website": "in_review"}) is None  # the social draft waits for the video
    assert sop.draf_untuk_ppid(both, {"website": "in_review", "social": "in_review"}) == both
    assert sop.draf_untuk_ppid(both, {"website": "approved", "social": "in_review"}) == ["social"]
    assert sop.draf_untuk_ppid(both, {"website": "waiting_admin", "social": "in_review"}) == ["social"]
    assert sop.draf_untuk_ppid(["website"], {"website": "in_review"}) == ["website"]


def test_one_state_per_hand_over_never_contradicts_itself():
    from kabar.domain.progress import keadaan_pengajuan

    both = ["social", "website"]

    def state(status, drafts, online=(), files=(6, 6)):
        return keadaan_pengajuan(status, files[0], files[1], both, drafts, set(online))

    assert state("receiving", {}, files=(3, 6)).id == "menunggu berkas"
    assert state("complete", {}).code == "drafting"
    assert state("complete", {"website": "in_review"}).code == "drafting"  # the social draft is still being made
    assert state("complete", {"website": "in_review", "social": "in_review"}).code == "with_ppid"
    assert state("complete", {"website": "approved", "social": "revision_requested"}).code == "revising"
    assert state("complete", {"website": "approved", "social": "approved"}).code == "approved"
    # after publication: never "lengkap, diproses admin"; never "ditolak" beside "terbit"
    assert state("complete", {"website": "published", "social": "published"}, both).id == "sudah terbit"
    mixed = state("complete", {"website": "published", "social": "rejected"}, ["website"])
    assert mixed.code == "partly_online" and "ditolak" not in mixed.id
    assert mixed.id == "terbit: Website; Media sosial tidak diterbitkan"
    assert state("rejected", {"website": "rejected", "social": "rejected"}).code == "refused"
