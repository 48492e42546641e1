"""The regency's month: every village's SOP compliance, publications, growth and answer times side
by side, ranked with the villages that need help first (for the kabupaten's supervisor, Diskominfo).

Made from the same figures as each village's monthly report (``report.aggregate``), so the two
never disagree. Pure: ``regency_figures`` ranks, the renderers lay out HTML, PDF and XLSX.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel

from .clock import long_date_id, month_name_id, to_wib
from .models import Village
from .report import MonthlyFigures, _environment, _number, duration_id, report_moment, report_number
from .report_tables import Column, Table
from .text import Bilingual, t

#: Below this share of SOP steps on time (or of questions answered within a day) a village is
#: named as needing help.
HELP_BELOW_PERCENT = 80


def kabupaten_slug(name: str) -> str:
    """``Sleman`` -> ``sleman``, ``Gunung Kidul`` -> ``gunung-kidul``: the regency's prefix in buckets."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    if not slug:
        raise ValueError("kabupaten name")
    return slug


def regency_prefix(kabupaten: str) -> str:
    """Objects of a regency live under ``_kabupaten/<slug>/``: a village id never starts with "_",
    so no village's prefix can hold them (and no village's link can reach them)."""
    return f"_kabupaten/{kabupaten_slug(kabupaten)}/"


class VillageRow(BaseModel):
    village_id: str
    name: str
    kapanewon: str = ""
    submissions: int
    published: int
    published_before: int | None  # last month (None: not known)
    publications: int
    on_time_rate: int | None  # every SOP time standard together
    late_items: int
    followers_end: int | None
    followers_growth: int | None
    answers_received: int
    answers_rate: int | None
    median_answer_hours: float | None
    website_clicks: int
    report_made: bool = True  # the village's own report of the month exists
    needs: list[Bilingual] = []
    rank: int = 0

    @property
    def published_change(self) -> int | None:
        return None if self.published_before is None else self.published - self.published_before


class RegencyFigures(BaseModel):
    kabupaten: str
    month: str
    month_name: str
    rows: list[VillageRow]
    issued_at: datetime | None = None

    @property
    def needing_help(self) -> list[VillageRow]:
        return [r for r in self.rows if r.needs]


def village_row(village: Village, f: MonthlyFigures, report_made: bool = True) -> VillageRow:
    growth = [a.growth for a in f.accounts if a.growth is not None]
    ends = [a.followers_end for a in f.accounts if a.followers_end is not None]
    row = VillageRow(
        village_id=village.id, name=f.village_name, kapanewon=village.kapanewon, submissions=f.submissions,
        published=f.published, published_before=f.previous.published if f.previous else None,
        publications=f.publications_total, on_time_rate=f.on_time_rate, late_items=len(f.late_items),
        followers_end=sum(ends) if ends else None, followers_growth=sum(growth) if growth else None,
        answers_received=f.answers.received, answers_rate=f.answers.rate, median_answer_hours=f.answers.median_hours,
        website_clicks=f.website_clicks_total, report_made=report_made)
    row.needs = _needs(row)
    return row


def _needs(row: VillageRow) -> list[Bilingual]:
    needs = []
    if not row.published:
        needs.append(t("tidak ada konten terbit", "nothing published"))
    if row.on_time_rate is not None and row.on_time_rate < HELP_BELOW_PERCENT:
        needs.append(t(f"kepatuhan waktu SOP {row.on_time_rate}%", f"SOP time standards met {row.on_time_rate}%"))
    if row.answers_rate is not None and row.answers_rate < HELP_BELOW_PERCENT:
        needs.append(t(f"komentar/pesan dijawab ≤ 1 hari {row.answers_rate}%",
                       f"questions answered within a day {row.answers_rate}%"))
    if row.followers_growth is not None and row.followers_growth < 0:
        needs.append(t(f"pengikut berkurang {_number(-row.followers_growth)}",
                       f"lost {-row.followers_growth} followers"))
    if not row.report_made:
        needs.append(t("laporan bulanan kalurahan belum dibuat", "the village's monthly report is not made yet"))
    return needs


def regency_figures(kabupaten: str, month: str, rows: list[VillageRow],
                    issued_at: datetime | None = None) -> RegencyFigures:
    """Ranked: the villages that need help first (most reasons, then the lowest compliance, then the
    fewest publications), then the others by compliance and publications; ties by name."""
    def key(r: VillageRow) -> tuple:
        rate = -1 if r.on_time_rate is None else r.on_time_rate
        return (-len(r.needs), rate if r.needs else -rate, r.published if r.needs else -r.published,
                r.name.casefold(), r.village_id)

    ranked = sorted(rows, key=key)
    for n, row in enumerate(ranked, start=1):
        row.rank = n
    return RegencyFigures(kabupaten=kabupaten, month=month, month_name=month_name_id(month), rows=ranked,
                          issued_at=issued_at)


def regency_issued_on(figures: RegencyFigures) -> datetime:
    return to_wib(figures.issued_at) if figures.issued_at else report_moment(figures.month)


def _pct(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def _signed(value: int | None) -> str:
    return "–" if value is None else (f"+{_number(value)}" if value > 0 else _number(value))


def comparison(f: RegencyFigures) -> Table:
    rows = []
    for r in f.rows:
        median = duration_id(r.median_answer_hours)
        rows.append([r.rank, r.name, r.kapanewon, r.on_time_rate, r.late_items, r.published, r.published_change,
                     r.followers_growth, r.answers_rate, median.id if median else None, r.website_clicks,
                     "; ".join(n.id for n in r.needs)])
    return Table(key="Perbandingan", title=t("Perbandingan kalurahan", "Villages side by side"),
                 columns=[Column(label=t("No.", "No."), numeric=True, width=5),
                          Column(label=t("Kalurahan", "Village"), width=16),
                          Column(label=t("Kapanewon", "District"), width=12),
                          Column(label=t("Kepatuhan SOP (%)", "SOP on time (%)"), numeric=True, width=12),
                          Column(label=t("Terlambat/ belum lengkap", "Late/ incomplete"), numeric=True, width=12),
                          Column(label=t("Konten terbit", "Published"), numeric=True, width=12),
                          Column(label=t("Perubahan", "Change"), numeric=True, width=12),
                          Column(label=t("Tambahan pengikut", "Follower growth"), numeric=True, width=12),
                          Column(label=t("Dijawab ≤ 1 hari (%)", "Answered in a day (%)"), numeric=True, width=12),
                          Column(label=t("Median waktu jawab", "Median answer time"), numeric=True, width=12),
                          Column(label=t("Klik website", "Website clicks"), numeric=True, width=12),
                          Column(label=t("Perlu pendampingan", "Needs help"), width=24)],
                 rows=rows, empty=t("Belum ada kalurahan di kabupaten ini.", "No village in this regency yet."),
                 note=t(f"Urutan: yang perlu pendampingan lebih dulu (kepatuhan atau jawaban di bawah "
                        f"{HELP_BELOW_PERCENT}%, tanpa konten terbit, pengikut berkurang). Perubahan: konten terbit "
                        "dibanding bulan lalu. \"–\": belum ada data.",
                        f"Order: villages needing help first (time standards or answers below {HELP_BELOW_PERCENT}%, "
                        "nothing published, followers lost). Change: items published against last month. "
                        "\"–\": no data."))


def render_regency_html(f: RegencyFigures) -> str:
    template = _environment().get_template("regency.html")
    issued = regency_issued_on(f)
    return template.render(f=f, number=report_number(f.month, "LAP-KONTEN-KAB"), issued=long_date_id(issued.date()),
                           pct=_pct, signed=_signed, help_below=HELP_BELOW_PERCENT)


def render_regency_pdf(f: RegencyFigures) -> bytes:
    from .report_pdf import draw_table, heading, new_document, printable, set_footer, signoff

    issued = regency_issued_on(f)
    number = report_number(f.month, "LAP-KONTEN-KAB")
    pdf = new_document(f"Laporan Konten Kalurahan {f.month_name} - Kabupaten {f.kabupaten}",
                       f"Kabupaten {f.kabupaten}", issued)
    set_footer(pdf, printable(f"Kabupaten {f.kabupaten} · Laporan {number} · {f.month_name} · waktu WIB"))
    pdf.add_page(orientation="L")
    heading(pdf, f"Pemerintah Kabupaten {f.kabupaten}", "Laporan Bulanan Konten Kalurahan",
            "Monthly report on the villages' social media and website content",
            [f"Nomor (number): {number}   ·   Periode (period): {f.month_name}   ·   "
             f"Disusun (issued): {long_date_id(issued.date())}",
             f"{len(f.rows)} kalurahan; {len(f.needing_help)} perlu pendampingan "
             f"({len(f.rows)} villages; {len(f.needing_help)} need help)"])
    draw_table(pdf, comparison(f))
    signoff(pdf, f"Kabupaten {f.kabupaten}", long_date_id(issued.date()),
            left=("Dibuat oleh,", "Prepared by", "Pengelola data"),
            right=("Mengetahui,", "Acknowledged by", "Kepala Dinas Komunikasi dan Informatika"))
    return bytes(pdf.output())


def render_regency_xlsx(f: RegencyFigures) -> bytes:
    from openpyxl import Workbook

    from .report_xlsx import workbook_bytes, write_tables

    wb = Workbook()
    wb.remove(wb.active)
    write_tables(wb, [comparison(f)], f"Kabupaten {f.kabupaten} · {f.month_name} · "
                                      f"{report_number(f.month, 'LAP-KONTEN-KAB')}")
    return workbook_bytes(wb, f"Kabar · Kabupaten {f.kabupaten}",
                          f"Laporan konten kalurahan {f.month_name} · Kabupaten {f.kabupaten}",
                          f"Regency report {f.month}", regency_issued_on(f))
