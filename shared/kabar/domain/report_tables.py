"""The monthly report as tables: what the PDF and the XLSX both print, defined once.

Each table has bilingual column labels (Bahasa Indonesia first, English second) and raw cell
values (numbers stay numbers, so the workbook can sum and chart them; ``None`` means "not
measured", never zero).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from . import sop
from .models import Procedure
from .report import MonthlyFigures, account_name, channel_name, duration_id, late_what, moment_id
from .text import Bilingual, t

Cell = str | int | date | None

PROCEDURE_LETTER = {Procedure.SOCIAL: "A", Procedure.WEBSITE: "B"}


class Column(BaseModel):
    label: Bilingual
    numeric: bool = False
    width: int = 12  # relative width: characters in the workbook, a share of the line in the PDF


class Table(BaseModel):
    key: str  # a short name: the workbook's sheet name
    title: Bilingual
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    empty: Bilingual | None = None  # said instead of an empty table
    note: Bilingual | None = None


def _procedure(procedure: Procedure) -> str:
    return f"{PROCEDURE_LETTER[procedure]}. {sop.PROCEDURE_NAME[procedure].id.capitalize()}"


def summary(f: MonthlyFigures) -> Table:
    p = f.previous
    measures: list[tuple[str, int, int | None]] = [
        ("Dokumentasi diserahkan (submissions)", f.submissions, p.submissions if p else None),
        ("Dokumentasi lengkap (complete)", f.complete, None),
        ("Diserahkan terlambat (handed over late)", f.late_submissions, None),
        ("Draf dibuat (drafts made)", sum(f.drafts_made.values()), None),
        ("Keputusan PPID (reviewer decisions)", f.decisions_total.total, None),
        ("Konten terbit (items published)", f.published, p.published if p else None),
        ("Terbit tepat waktu, ≤ H+1 (published on time)", f.published_on_time, p.published_on_time if p else None),
        ("Unggahan di semua kanal (posts on every channel)", f.publications_total, p.publications if p else None),
        ("Klik website (website clicks)", f.website_clicks_total, p.website_clicks if p else None),
    ]
    rows: list[list[Cell]] = [[label, now, before, None if before is None else now - before]
                              for label, now, before in measures]
    return Table(key="Ringkasan", title=t("Angka utama", "Key figures"), columns=[
        Column(label=t("Ukuran", "Measure"), width=40), Column(label=t("Bulan ini", "This month"), numeric=True),
        Column(label=t("Bulan lalu", "Last month"), numeric=True),
        Column(label=t("Perubahan", "Change"), numeric=True)], rows=rows,
        note=None if p else t("Belum ada data bulan sebelumnya.", "No earlier month to compare with."))


def best(f: MonthlyFigures) -> Table:
    return Table(key="Konten terbaik", title=t("Konten terbaik", "Best posts by engagement"),
                 columns=[Column(label=t("No.", "No."), numeric=True, width=5),
                          Column(label=t("Judul", "Title"), width=40),
                          Column(label=t("Kanal", "Channel"), width=16),
                          Column(label=t("Tanggal terbit", "Published"), width=12),
                          Column(label=t("Keterlibatan", "Engagement"), numeric=True, width=12)],
                 rows=[[n, r.title, channel_name(r.channel), r.published_date, r.score]
                       for n, r in enumerate(f.best, start=1)],
                 empty=t("Belum ada keterlibatan tercatat pada bulan ini.", "No engagement was recorded this month."),
                 note=t("Keterlibatan = reaksi + komentar + dibagikan + klik.",
                        "Engagement = reactions + comments + shares + clicks."))


def late(f: MonthlyFigures) -> Table:
    rows: list[list[Cell]] = []
    for n, item in enumerate(f.late_items, start=1):
        rows.append([n, item.title, item.sop_step, late_what(item).id,
                     moment_id(item.due) if item.due and item.step != "kelengkapan" else None,
                     moment_id(item.done_at) if item.done_at and item.step != "kelengkapan" else
                     ("belum" if item.step != "kelengkapan" else None)])
    return Table(key="Terlambat", title=t("Terlambat atau belum lengkap", "Late or incomplete"),
                 columns=[Column(label=t("No.", "No."), numeric=True, width=5),
                          Column(label=t("Kegiatan", "Activity"), width=30),
                          Column(label=t("Langkah SOP", "SOP step"), width=12),
                          Column(label=t("Keterangan", "What"), width=26),
                          Column(label=t("Batas waktu", "Due"), width=18),
                          Column(label=t("Dilakukan", "Done"), width=18)],
                 rows=rows,
                 empty=t("Tidak ada langkah yang terlambat atau dokumentasi yang belum lengkap.",
                         "Nothing late or incomplete."),
                 note=t("Langkah SOP 480/01: A = media sosial, B = website; 1 penyerahan hari H, 2 draf ≤ 2 jam, "
                        "3 keputusan PPID ≤ 1 jam, 4 terbit ≤ H+1.",
                        "Steps of SOP 480/01: A = social media, B = website; 1 hand-over on day H, 2 draft within "
                        "2 hours, 3 decision within 1 hour, 4 online by H+1."))


def decisions(f: MonthlyFigures) -> Table:
    rows: list[list[Cell]] = []
    for procedure, made in f.drafts_made.items():
        d = f.decisions[procedure]
        rows.append([_procedure(procedure), made, d.approved, d.rejected, d.revision_requested])
    tot = f.decisions_total
    return Table(key="Keputusan", title=t("Draf dan keputusan per prosedur", "Drafts and decisions per procedure"),
                 columns=[Column(label=t("Prosedur", "Procedure"), width=24),
                          Column(label=t("Draf dibuat", "Drafts made"), numeric=True),
                          Column(label=t("Diterima", "Approved"), numeric=True),
                          Column(label=t("Ditolak", "Rejected"), numeric=True),
                          Column(label=t("Perlu koreksi", "Revision requested"), numeric=True)],
                 rows=rows, total=["Jumlah (Total)", sum(f.drafts_made.values()), tot.approved, tot.rejected,
                                   tot.revision_requested])


def channels(f: MonthlyFigures) -> Table:
    return Table(key="Kanal", title=t("Publikasi per kanal", "Publications per channel"),
                 columns=[Column(label=t("Kanal", "Channel"), width=24),
                          Column(label=t("Konten terbit", "Published"), numeric=True)],
                 rows=[[channel_name(channel), count] for channel, count in f.publications_per_channel.items()],
                 empty=t("Belum ada konten terbit pada bulan ini.", "Nothing was published this month."))


def compliance(f: MonthlyFigures) -> Table:
    return Table(key="Kepatuhan SOP", title=t("Kepatuhan waktu SOP", "SOP time standards"),
                 columns=[Column(label=t("Standar waktu", "Time standard"), width=34),
                          Column(label=t("Tepat waktu", "Met"), numeric=True),
                          Column(label=t("Terlambat", "Missed"), numeric=True),
                          Column(label=t("Belum selesai", "Pending"), numeric=True),
                          Column(label=t("Ketepatan (%)", "On time (%)"), numeric=True)],
                 rows=[[c.label.id, c.met, c.missed, c.pending, c.rate] for c in f.compliance])


#: Printed where the channel did not give a metric (retired, not permitted, no data): never a zero.
NOT_AVAILABLE = "t.t."
ENGAGEMENT_LABELS = {"reactions": t("Reaksi", "Reactions"), "comments": t("Komentar", "Comments"),
                     "shares": t("Dibagikan", "Shares"), "views": t("Tayangan", "Views")}


def _metric(values: dict[str, int], unavailable: list[str], name: str) -> Cell:
    if name in values:
        return values[name]
    return NOT_AVAILABLE if name in unavailable else None


def kpi(f: MonthlyFigures) -> Table:
    return Table(key="KPI konten", title=t("Daftar KPI konten", "KPI list of all content"),
                 columns=[Column(label=t("No.", "No."), numeric=True, width=5),
                          Column(label=t("Judul", "Title"), width=32),
                          Column(label=t("Prosedur", "Procedure"), width=14),
                          Column(label=t("Kanal", "Channel"), width=11),
                          Column(label=t("Tanggal terbit", "Published"), width=11),
                          *[Column(label=label, numeric=True, width=10) for label in ENGAGEMENT_LABELS.values()],
                          Column(label=t("Klik", "Clicks"), numeric=True, width=7),
                          Column(label=t("Tautan", "Link"), width=28)],
                 rows=[[n, row.title, _procedure(row.procedure), channel_name(row.channel), row.published_date,
                        *[_metric(row.engagement, row.unavailable, name) for name in ENGAGEMENT_LABELS],
                        row.clicks, row.url] for n, row in enumerate(f.kpi, start=1)],
                 empty=t("Belum ada konten terbit pada bulan ini.", "Nothing was published this month."),
                 note=t("Keterlibatan: jumlah sampai akhir bulan menurut pengumpulan harian. \"-\": tidak diukur "
                        "(klik: kanal ini tidak melalui penghitung klik). \"t.t.\": tidak tersedia dari kanal "
                        "(metrik dihentikan atau tanpa izin), bukan nol.",
                        "Engagement: totals up to the month's end from the daily collection. \"-\": not measured "
                        "(clicks: this channel does not go through the click counter). \"t.t.\": not available "
                        "from the channel (metric retired or not permitted), not zero."))


def accounts(f: MonthlyFigures) -> Table:
    rows: list[list[Cell]] = []
    for a in f.accounts:
        missing = ", ".join(a.unavailable)
        rows.append([account_name(f, a.channel, a.account_id),
                     a.followers_start if a.followers_start is not None else NOT_AVAILABLE,
                     a.followers_end if a.followers_end is not None else NOT_AVAILABLE,
                     a.growth if a.growth is not None else NOT_AVAILABLE,
                     a.views if a.views is not None else NOT_AVAILABLE, a.days_measured,
                     f"tidak tersedia (not available): {missing}" if missing else ""])
    return Table(key="Kinerja akun", title=t("Kinerja akun media sosial", "Social media account performance"),
                 columns=[Column(label=t("Akun", "Account"), width=25),
                          Column(label=t("Pengikut awal", "Followers at start"), numeric=True, width=10),
                          Column(label=t("Pengikut akhir", "Followers at end"), numeric=True, width=10),
                          Column(label=t("Pertumbuhan", "Growth"), numeric=True, width=15),
                          Column(label=t("Tayangan", "Views"), numeric=True, width=10),
                          Column(label=t("Hari terukur", "Days measured"), numeric=True, width=11),
                          Column(label=t("Catatan", "Note"), width=22)],
                 rows=rows,
                 empty=t("Belum ada data metrik akun untuk bulan ini (pengumpulan harian belum berjalan atau kanal "
                         "sosial belum diatur).", "No account metrics for this month (the daily collection has not "
                         "run or no social channel is configured)."))


def account_days(f: MonthlyFigures) -> Table:
    return Table(key="Akun per hari", title=t("Pengikut dan tayangan per hari", "Followers and views per day"),
                 columns=[Column(label=t("Tanggal", "Date"), width=12), Column(label=t("Akun", "Account"), width=25),
                          Column(label=t("Pengikut", "Followers"), numeric=True, width=10),
                          Column(label=t("Tayangan", "Views"), numeric=True, width=10)],
                 rows=[[d.day, account_name(f, a.channel, a.account_id),
                        d.followers if d.followers is not None else NOT_AVAILABLE,
                        d.views if d.views is not None else NOT_AVAILABLE]
                       for a in f.accounts for d in a.days],
                 empty=t("Belum ada data metrik harian.", "No daily metrics."))


def clicks_per_item(f: MonthlyFigures) -> Table:
    return Table(key="Klik per berita", title=t("Klik website per berita", "Website clicks per news item"),
                 columns=[Column(label=t("Berita", "News item"), width=44),
                          Column(label=t("Klik", "Clicks"), numeric=True, width=8),
                          Column(label=t("Asal pembaca", "Where readers came from"), width=34)],
                 rows=[[item.title or item.item, item.clicks,
                        " · ".join(f"{channel_name(channel)}: {count}" for channel, count in item.by_channel.items())]
                       for item in f.clicks_per_item],
                 total=["Jumlah (Total)", f.website_clicks_total, None] if f.clicks_per_item else None,
                 empty=t("Belum ada klik tercatat pada bulan ini.", "No clicks were recorded this month."))


def clicks_per_day(f: MonthlyFigures) -> Table:
    return Table(key="Klik per hari", title=t("Klik website per hari", "Website clicks per day"),
                 columns=[Column(label=t("Tanggal", "Date"), width=12),
                          Column(label=t("Klik", "Clicks"), numeric=True, width=8)],
                 rows=[[d.day, d.count] for d in f.clicks_per_day])


def answers(f: MonthlyFigures) -> Table:
    a = f.answers
    median = duration_id(a.median_hours)
    rows: list[list[Cell]] = [] if not a.received else [[
        a.received, a.comments, a.messages, a.met, a.missed - a.unanswered, a.pending + a.unanswered, a.rate,
        median.id if median else "belum ada jawaban"]]
    return Table(key="Jawaban", title=t("Jawaban komentar dan pesan (standar 1 hari)",
                                        "Answers to comments and messages (1-day standard)"),
                 columns=[Column(label=t("Diterima", "Received"), numeric=True, width=9),
                          Column(label=t("Komentar", "Comments"), numeric=True, width=9),
                          Column(label=t("Pesan", "Messages"), numeric=True, width=9),
                          Column(label=t("Dijawab ≤ 1 hari", "Answered within 1 day"), numeric=True, width=11),
                          Column(label=t("Dijawab terlambat", "Answered late"), numeric=True, width=10),
                          Column(label=t("Belum dijawab", "Not answered yet"), numeric=True, width=10),
                          Column(label=t("Ketepatan (%)", "In time (%)"), numeric=True, width=9),
                          Column(label=t("Median waktu jawab", "Median time to answer"), numeric=True, width=12)],
                 rows=rows,
                 empty=t("Tidak ada komentar atau pesan tercatat pada bulan ini.",
                         "No comments or messages were recorded this month."),
                 note=t("Ketepatan: dijawab ≤ 1 hari dari semua yang diterima; yang belum dijawab tidak dihitung "
                        "terjawab.", "In time: answered within 1 day, of everything received; open ones are not "
                        "counted as answered."))


def tables(f: MonthlyFigures) -> list[Table]:
    """Every table of the report, in the report's order."""
    return [summary(f), best(f), late(f), accounts(f), account_days(f), decisions(f), channels(f), compliance(f),
            answers(f), kpi(f), clicks_per_item(f), clicks_per_day(f)]
