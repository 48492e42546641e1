"""The monthly report as a PDF: the printable softcopy record the SOP keeps, ready to sign.

fpdf2 (pure Python, no system libraries, so it runs in Lambda on arm64) lays out the same tables
as the workbook (``report_tables``), with headings repeated on every page. The charts are a
handful of vector rectangles on an integer axis: a plotting library (matplotlib with numpy: tens
of MB and a second of import) would cost more than the charts are worth.

Text is set in DejaVu Sans (shipped in ``kabar/static``, embedded as a subset), so "≤", "–" and
Indonesian names print as written; a character the font lacks (an emoji in a title) becomes "?".
The document is dated ``issued_on`` (when these figures were first issued, never the moment of a
rebuild), so a rebuilt month is byte-identical (fpdf2 derives the file /ID from the content and
that date).
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from . import sop
from .anchors import Anchor, anchor_key
from .clock import long_date_id
from .models import Village
from .report import MonthlyFigures, issued_on, moment_id, narrative, report_number
from .report_tables import Table, tables
from .text import Bilingual, t

_INK, _MUTED, _LINE, _SOFT, _ACCENT = (29, 36, 48), (91, 101, 117), (217, 222, 230), (243, 245, 248), (11, 92, 173)
_STATIC = Path(__file__).resolve().parent.parent / "static"
FONT = "DejaVu"
#: No oblique face is shipped: the second language is set upright, smaller and muted (loading one
#: more face costs a fifth of a second per document).
ITALIC = ""


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(_STATIC / "DejaVuSans.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """Text the embedded font can print: anything it has no glyph for becomes "?"."""
    glyphs = _glyphs()
    text = unicodedata.normalize("NFC", text)
    return "".join(c if ord(c) in glyphs or c in "\n\t" else "?" for c in text)


def new_document(title: str, author: str, issued) -> Any:  # noqa: ANN001 - an fpdf.FPDF, imported lazily
    """An A4 document with the embedded fonts, dated ``issued``."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    for style, file in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        pdf.add_font(FONT, style, str(_STATIC / file))
    pdf.set_creation_date(issued)
    pdf.set_title(printable(title))
    pdf.set_author(printable(author))
    pdf.set_creator("Kabar")
    pdf.set_lang("id")
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    return pdf


def _fmt(value: object, numeric: bool) -> str:
    if value is None:
        return "–" if numeric else ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return printable(str(value))


def render_report_pdf(village: Village, figures: MonthlyFigures, anchor: Anchor | None = None) -> bytes:
    issued = issued_on(figures)
    pdf = new_document(f"Laporan Bulanan {figures.month_name} - Kalurahan {figures.village_name}",
                       f"Kalurahan {village.name}", issued)
    number = report_number(figures.month)
    footer = printable(f"Kalurahan {figures.village_name} · Laporan {number} · {figures.month_name} · waktu WIB")
    set_footer(pdf, footer)
    pdf.add_page()
    _header(pdf, village, figures, number, long_date_id(issued.date()))
    _narrative(pdf, narrative(figures))
    for table in tables(figures):
        if table.key == "Klik per hari":
            chart(pdf, table, table.rows, 1)
            continue
        if table.key == "KPI konten" and table.rows:
            pdf.add_page(orientation="L")  # eleven columns: the list reads across a landscape page
        if table.key == "Konten terbaik" and table.rows:
            _best(pdf, table, figures)
            continue
        draw_table(pdf, table)
        if table.key == "Akun per hari" and table.rows:
            views = [[day, sum(r[3] for r in table.rows if r[0] == day and isinstance(r[3], int))]
                     for day in dict.fromkeys(r[0] for r in table.rows)]
            chart(pdf, table.model_copy(update={"title": t("Tayangan per hari", "Views per day")}), views, 1)
    signoff(pdf, figures.village_name, long_date_id(issued.date()),
            left=("Dibuat oleh,", "Prepared by", "Admin Media Sosial dan Website"),
            right=("Mengetahui,", "Acknowledged by", f"Lurah {figures.village_name}"))
    if anchor is not None:
        anchor_line(pdf, village, anchor)
    return bytes(pdf.output())


def anchor_line(pdf, village: Village, anchor: Anchor) -> None:  # noqa: ANN001
    """The audit trail's anchor under the signatures, whole on one line, so a reader can compare it with
    ``kabar audit verify`` and with the copy kept under Object Lock."""
    if pdf.will_page_break(26):
        pdf.add_page(same=True)
    pdf.ln(4)
    pdf.set_draw_color(*_LINE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 8)
    pdf.set_text_color(*_INK)
    pdf.cell(0, 4.5, printable("Jangkar jejak audit (audit trail anchor)"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    pdf.cell(0, 4.5, printable(anchor.line), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 4.5, printable(f"Periksa dengan (check with): kabar audit verify --village {village.id}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, ITALIC, 7)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 3.6, printable(
        f"Dicatat {moment_id(anchor.anchored_at)} di {anchor_key(anchor.tenant_id, anchor.month)}, dalam "
        "penyimpanan laporan yang terkunci (tidak dapat diubah atau dihapus). Recorded in the reports "
        "storage under Object Lock (it cannot be changed or deleted); the check compares the audit trail "
        "with this line."), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)


def set_footer(pdf, text: str) -> None:  # noqa: ANN001
    def page_footer() -> None:
        pdf.set_y(-12)
        pdf.set_font(FONT, size=7)
        pdf.set_text_color(*_MUTED)
        pdf.cell(0, 5, f"{text}   |   hal. (page) {pdf.page_no()}/{{nb}}", align="C")

    pdf.footer = page_footer


def _header(pdf, village: Village, figures: MonthlyFigures, number: str, issued: str) -> None:  # noqa: ANN001
    place = " - ".join(p for p in (f"Pemerintah Kalurahan {figures.village_name}",
                                   village.kapanewon and f"Kapanewon {village.kapanewon}",
                                   village.kabupaten and f"Kabupaten {village.kabupaten}") if p)
    heading(pdf, place, "Laporan Bulanan Konten Media Sosial dan Website",
            "Monthly report on social media and website content",
            [f"Nomor (number): {number}   ·   Periode (period): {figures.month_name}",
             f"Batas penyampaian (due): {long_date_id(sop.batas_laporan(figures.month))}   ·   "
             f"Disusun (issued): {issued}"])


def heading(pdf, place: str, title: str, title_en: str, lines: list[str]) -> None:  # noqa: ANN001
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4.5, printable(place.upper()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 7, printable(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, ITALIC, 10)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 5, printable(title_en), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, size=9)
    for line in lines:
        pdf.cell(0, 5.5, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.set_line_width(0.2)
    pdf.ln(4)


def _narrative(pdf, lines: list[Bilingual]) -> None:  # noqa: ANN001
    _title(pdf, Table(key="", title=t("Ringkasan", "Summary"), columns=[], rows=[]))
    for line in lines:
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(0, 4.8, printable(line.id), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, ITALIC, 7.5)
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(0, 3.8, printable(line.en), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)
    pdf.set_text_color(*_INK)


def _best(pdf, table: Table, figures: MonthlyFigures) -> None:  # noqa: ANN001
    """The best posts as a list with their pictures (a table would squeeze the thumbnails)."""
    _title(pdf, table)
    row_h, thumb_w = 17.0, 22.0
    for n, row in enumerate(figures.best, start=1):
        if pdf.will_page_break(row_h + 1):
            pdf.add_page(same=True)
        top, left = pdf.get_y(), pdf.l_margin
        data = figures.thumbnails.get(row.thumbnail_key or "")
        if data:
            pdf.image(io.BytesIO(data), x=left, y=top + 0.5, w=thumb_w, h=thumb_w * 0.75)
        else:
            pdf.set_fill_color(*_SOFT)
            pdf.rect(left, top + 0.5, thumb_w, thumb_w * 0.75, style="F")
        x = left + thumb_w + 3
        pdf.set_xy(x, top + 0.5)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(pdf.w - pdf.r_margin - x, 4.4, printable(f"{n}. {row.title}"), align="L",
                       new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, size=7.5)
        pdf.set_text_color(*_MUTED)
        parts = [f"{table.rows[n - 1][2]} · {long_date_id(row.published_date)}"]
        parts += [f"{_fmt(row.engagement[k], True)} {w}" for k, w in (("reactions", "reaksi"),
                  ("comments", "komentar"), ("shares", "dibagikan")) if k in row.engagement]
        if row.clicks is not None:
            parts.append(f"{_fmt(row.clicks, True)} klik")
        pdf.set_x(x)
        pdf.cell(0, 4, printable(" · ".join(parts)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*_INK)
        pdf.set_y(max(pdf.get_y(), top + row_h))
    if table.note:
        _note(pdf, table.note)


def signoff(pdf, village_name: str, issued: str, left: tuple[str, str, str],  # noqa: ANN001
            right: tuple[str, str, str]) -> None:
    """Two places to sign: who made the report, and who acknowledges it (with the place and date)."""
    height = 48
    if pdf.will_page_break(height + 8):
        pdf.add_page(same=True)
    pdf.ln(8)
    top = pdf.get_y()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for n, (first, first_en, role) in enumerate((left, right)):
        x = pdf.l_margin + n * half + 6
        pdf.set_xy(x, top)
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*_INK)
        pdf.cell(half - 12, 5, printable(f"{village_name}, {issued}") if n else "", new_x="LEFT", new_y="NEXT")
        pdf.cell(half - 12, 5, printable(first), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(half - 12, 5, printable(role), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, ITALIC, 7)
        pdf.set_text_color(*_MUTED)
        pdf.cell(half - 12, 4, printable(first_en), new_x="LEFT", new_y="NEXT")
        line_y = top + height - 10
        pdf.set_draw_color(*_INK)
        pdf.line(x, line_y, x + half - 18, line_y)
        pdf.set_xy(x, line_y + 0.5)
        pdf.cell(half - 12, 4, printable("Nama jelas, tanda tangan" + (" dan cap" if n else "")
                                         + (" (name, signature and stamp)" if n else " (name and signature)")))
    pdf.set_text_color(*_INK)
    pdf.set_y(top + height)


def _title(pdf, table: Table) -> None:  # noqa: ANN001
    if pdf.will_page_break(24):
        pdf.add_page(same=True)
    pdf.ln(3)
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(pdf.get_string_width(printable(table.title.id)) + 2, 6, printable(table.title.id))
    pdf.set_font(FONT, ITALIC, 8)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 6, printable(table.title.en), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)


def _note(pdf, text) -> None:  # noqa: ANN001
    pdf.set_font(FONT, ITALIC, 8)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 4.5, printable(f"{text.id} ({text.en})"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)


_LINE_H = 3.6  # mm per line of 7.5 pt text
_PAD = 1.2


def _string_width(pdf, text: str) -> float:  # noqa: ANN001
    """``get_string_width`` remembered per font for one document: table cells repeat many words."""
    cache = pdf.__dict__.setdefault("_kabar_widths", {})
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, text)
    width = cache.get(key)
    if width is None:
        width = cache[key] = pdf.get_string_width(text)
    return width


def _wrap(pdf, text: str, width: float, max_lines: int = 4) -> list[str]:  # noqa: ANN001
    """Greedy word wrap into ``width`` mm (a word longer than a line, like a URL, is cut anywhere).
    A line's width is the sum of its words' and spaces' widths (fpdf2 applies no kerning here)."""
    lines: list[str] = []
    space = _string_width(pdf, " ")
    for para in text.split("\n"):
        line, used = "", 0.0
        for word in para.split(" "):
            w = _string_width(pdf, word)
            if line and used + space + w <= width:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                lines.append(line)
            while w > width:
                cut = max(1, int(len(word) * width / w))
                while cut > 1 and pdf.get_string_width(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                w = _string_width(pdf, word)
            line, used = word, w
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, len(lines[-1]) - 3)] + "..."
    return lines


def draw_table(pdf, table: Table) -> None:  # noqa: ANN001
    """Rows laid out line by line with plain text operations, headings repeated on each page.

    fpdf2's own ``table()`` lays out every cell with ``multi_cell`` and took about 15 ms per row
    here (a 2,000-item month: minutes); this takes well under a millisecond per row.
    """
    _title(pdf, table)
    if not table.rows and table.empty:
        _note(pdf, table.empty)
        return
    pdf.set_font(FONT, size=7.5)
    full = pdf.w - pdf.l_margin - pdf.r_margin
    share = sum(c.width for c in table.columns)
    widths = [full * c.width / share for c in table.columns]

    def row(cells: list[str], bold: bool = False, fill: bool = False, english: list[str] | None = None) -> None:
        """One row; ``english``: the heading's second language, wrapped on its own, set small and muted."""
        pdf.set_font(FONT, "B" if bold else "", 7.5)
        wrapped = [_wrap(pdf, text, w - 2 * _PAD) for text, w in zip(cells, widths, strict=True)]
        firsts = [len(lines) for lines in wrapped]
        if english:
            pdf.set_font(FONT, ITALIC, 7)
            wrapped = [lines + _wrap(pdf, text, w - 2 * _PAD) for lines, text, w in
                       zip(wrapped, english, widths, strict=True)]
            pdf.set_font(FONT, "B" if bold else "", 7.5)
        height = max(len(lines) for lines in wrapped) * _LINE_H + 2 * _PAD
        if pdf.will_page_break(height):
            pdf.add_page(same=True)
            if not fill:
                row(heading, bold=True, fill=True, english=heading_en)
                pdf.set_font(FONT, "B" if bold else "", 7.5)
        top, x = pdf.get_y(), pdf.l_margin
        if fill:
            pdf.set_fill_color(*_SOFT)
            pdf.rect(pdf.l_margin, top, full, height, style="F")
        for lines, first, w, column in zip(wrapped, firsts, widths, table.columns, strict=True):
            for n, line in enumerate(lines):
                if n == first:
                    pdf.set_font(FONT, ITALIC, 7)
                    pdf.set_text_color(*_MUTED)
                tx = x + w - _PAD - _string_width(pdf, line) if column.numeric else x + _PAD
                pdf.text(tx, top + _PAD + (n + 0.78) * _LINE_H, line)
            if len(lines) > first:
                pdf.set_font(FONT, "B" if bold else "", 7.5)
                pdf.set_text_color(*_INK)
            x += w
        pdf.set_draw_color(*_LINE)
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + full, top + height)
        pdf.set_y(top + height)

    heading = [printable(c.label.id) for c in table.columns]
    heading_en = [printable(c.label.en) for c in table.columns]
    row(heading, bold=True, fill=True, english=heading_en)
    for values in table.rows:
        row([_fmt(v, c.numeric) for c, v in zip(table.columns, values, strict=True)])
    if table.total:
        row(["" if v is None else _fmt(v, c.numeric) for c, v in zip(table.columns, table.total, strict=True)],
            bold=True)
    pdf.set_x(pdf.l_margin)
    if table.note:
        _note(pdf, table.note)


def chart(pdf, table: Table, rows: list, column: int) -> None:  # noqa: ANN001
    """Vertical bars, one per row (day), on an integer axis from 0 (ticks at whole steps), with the
    first and last day labelled. A month of zeros says so instead of drawing an empty frame."""
    _title(pdf, table)
    values = [v[column] if isinstance(v[column], int) else 0 for v in rows]
    if not values:
        return
    total, peak = sum(values), max(values)
    if not peak:
        _note(pdf, t("Tidak ada pada bulan ini (semua hari 0).", "Nothing this month (every day 0)."))
        return
    top_value, step_value = count_axis(peak)
    height, top = 40.0, pdf.get_y() + 4
    if pdf.will_page_break(height + 14):
        pdf.add_page(same=True)
        top = pdf.get_y() + 4
    left, width = pdf.l_margin + 12, pdf.w - pdf.l_margin - pdf.r_margin - 12
    pdf.set_font(FONT, size=7)
    pdf.set_text_color(*_MUTED)
    for tick in range(0, top_value + 1, step_value):
        y = top + height - height * tick / top_value
        pdf.set_draw_color(*(_MUTED if tick == 0 else _LINE))
        pdf.line(left, y, left + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(10, 4, _fmt(tick, True), align="R")
    step = width / len(values)
    pdf.set_fill_color(*_ACCENT)
    for i, value in enumerate(values):
        if value:
            bar = height * value / top_value
            pdf.rect(left + i * step + step * 0.15, top + height - bar, step * 0.7, bar, style="F")
    first, last = rows[0][0], rows[-1][0]
    pdf.set_xy(left, top + height + 1)
    pdf.cell(width / 2, 4, _fmt(first, False))
    pdf.cell(width / 2, 4, _fmt(last, False), align="R")
    pdf.set_text_color(*_INK)
    pdf.set_xy(pdf.l_margin, top + height + 7)
    _note(pdf, t(f"Jumlah bulan ini: {_fmt(total, True)}; tertinggi dalam sehari: {_fmt(peak, True)}.",
                 f"Total this month: {total}; most in one day: {peak}."))


def count_axis(peak: int, ticks: int = 5) -> tuple[int, int]:
    """(top, step) of an axis for counts: whole steps of 1, 2 or 5 times a power of ten, at most
    ``ticks`` of them, starting at 0 and reaching at least ``peak`` (and at least 1)."""
    peak = max(int(peak), 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if -(-peak // step) <= ticks:
                return -(-peak // step) * step, step
        magnitude *= 10
