"""The monthly report as a PDF: the printable softcopy record the SOP keeps.

fpdf2 (pure Python, no system libraries, so it runs in Lambda on arm64) lays out the same tables
as the workbook (``report_tables``), with headings repeated on every page. The one chart (clicks
per day) is a handful of vector rectangles: a plotting library (matplotlib with numpy: tens of MB
and a second of import) would cost more than the chart is worth.

The standard PDF fonts cover Latin-1 only, which holds Indonesian; the few typographic signs
beyond it are spelled out and anything else (e.g. an emoji in a title) becomes "?".
The document is dated ``report_moment`` (never the build time), so a rebuilt month is
byte-identical (fpdf2 derives the file /ID from the content and that date).
"""

from __future__ import annotations

import unicodedata
from datetime import date

from . import sop
from .clock import long_date_id
from .models import Village
from .report import MonthlyFigures, report_moment
from .report_tables import Table, tables
from .text import t

_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "≤": "<=", "≥": ">=", "“": '"', "”": '"', "‘": "'",
                             "’": "'", "…": "...", "•": "·", "→": "->"})
_INK, _MUTED, _LINE, _SOFT, _ACCENT = (29, 36, 48), (91, 101, 117), (217, 222, 230), (243, 245, 248), (11, 92, 173)


def latin(text: str) -> str:
    """Text the standard PDF fonts can print."""
    text = unicodedata.normalize("NFC", text.translate(_TYPOGRAPHY))
    return text.encode("latin-1", "replace").decode("latin-1")


def _fmt(value: object, numeric: bool) -> str:
    if value is None:
        return "-" if numeric else ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return latin(str(value))


def render_report_pdf(village: Village, figures: MonthlyFigures) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(report_moment(figures.month))
    pdf.set_title(latin(f"Laporan Bulanan {figures.month_name} - Kalurahan {figures.village_name}"))
    pdf.set_author(latin(f"Kalurahan {village.name}"))
    pdf.set_creator("Kabar")
    pdf.set_lang("id")
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    footer = latin(f"Kalurahan {figures.village_name} - Laporan {figures.month_name} - waktu WIB (Asia/Jakarta)")

    def page_footer() -> None:
        pdf.set_y(-12)
        pdf.set_font("Helvetica", size=7)
        pdf.set_text_color(*_MUTED)
        pdf.cell(0, 5, f"{footer}   |   hal. (page) {pdf.page_no()}", align="C")

    pdf.footer = page_footer  # type: ignore[method-assign]
    pdf.add_page()
    _header(pdf, village, figures)
    for table in tables(figures):
        if table.key == "Klik per hari":
            _chart(pdf, table, table.rows, 1)
            continue
        if table.key == "KPI konten" and table.rows:
            pdf.add_page(orientation="L")  # eleven columns: the list reads across a landscape page
        _table(pdf, table)
        if table.key == "Akun per hari" and table.rows:
            views = [[day, sum(r[4] for r in table.rows if r[0] == day and isinstance(r[4], int))]
                     for day in dict.fromkeys(r[0] for r in table.rows)]
            _chart(pdf, table.model_copy(update={"title": t("Tayangan per hari", "Views per day")}), views, 1)
    return bytes(pdf.output())


def _header(pdf, village: Village, figures: MonthlyFigures) -> None:  # noqa: ANN001
    place = " - ".join(p for p in (f"Pemerintah Kalurahan {figures.village_name}",
                                   village.kapanewon and f"Kapanewon {village.kapanewon}",
                                   village.kabupaten and f"Kabupaten {village.kabupaten}") if p)
    pdf.set_text_color(*_MUTED)
    pdf.set_font("Helvetica", size=8)
    pdf.cell(0, 5, latin(place.upper()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 7, "Laporan Bulanan Konten Media Sosial dan Website", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "I", 10)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 5, "Monthly report on social media and website content", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 6, latin(f"Periode (period): {figures.month_name} - Batas penyampaian laporan (report due): "
                         f"{long_date_id(sop.batas_laporan(figures.month))}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.set_line_width(0.2)
    pdf.ln(4)


def _title(pdf, table: Table) -> None:  # noqa: ANN001
    if pdf.will_page_break(24):
        pdf.add_page(same=True)
    pdf.ln(3)
    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(pdf.get_string_width(latin(table.title.id)) + 2, 6, latin(table.title.id))
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 6, latin(table.title.en), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)


def _note(pdf, text) -> None:  # noqa: ANN001
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 4.5, latin(f"{text.id} ({text.en})"), new_x="LMARGIN", new_y="NEXT")
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
    A line's width is the sum of its words' and spaces' widths (the standard fonts have no kerning here)."""
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


def _table(pdf, table: Table) -> None:  # noqa: ANN001
    """Rows laid out line by line with plain text operations, headings repeated on each page.

    fpdf2's own ``table()`` lays out every cell with ``multi_cell`` and took about 15 ms per row
    here (a 2,000-item month: minutes); this takes well under a millisecond per row.
    """
    _title(pdf, table)
    if not table.rows and table.empty:
        _note(pdf, table.empty)
        return
    pdf.set_font("Helvetica", size=7.5)
    full = pdf.w - pdf.l_margin - pdf.r_margin
    share = sum(c.width for c in table.columns)
    widths = [full * c.width / share for c in table.columns]

    def row(cells: list[str], bold: bool = False, fill: bool = False, italic_second: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 7.5)
        wrapped = [_wrap(pdf, text, w - 2 * _PAD) for text, w in zip(cells, widths, strict=True)]
        height = max(len(lines) for lines in wrapped) * _LINE_H + 2 * _PAD
        if pdf.will_page_break(height):
            pdf.add_page(same=True)
            if not fill:
                row(heading, bold=True, fill=True, italic_second=True)
                pdf.set_font("Helvetica", "B" if bold else "", 7.5)
        top, x = pdf.get_y(), pdf.l_margin
        if fill:
            pdf.set_fill_color(*_SOFT)
            pdf.rect(pdf.l_margin, top, full, height, style="F")
        for lines, w, column in zip(wrapped, widths, table.columns, strict=True):
            for n, line in enumerate(lines):
                if italic_second and n:
                    pdf.set_font("Helvetica", "I", 7)
                    pdf.set_text_color(*_MUTED)
                tx = x + w - _PAD - _string_width(pdf, line) if column.numeric else x + _PAD
                pdf.text(tx, top + _PAD + (n + 0.78) * _LINE_H, line)
                if italic_second and n:
                    pdf.set_font("Helvetica", "B", 7.5)
                    pdf.set_text_color(*_INK)
            x += w
        pdf.set_draw_color(*_LINE)
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + full, top + height)
        pdf.set_y(top + height)

    heading = [latin(f"{c.label.id}\n{c.label.en}") for c in table.columns]
    row(heading, bold=True, fill=True, italic_second=True)
    for values in table.rows:
        row([_fmt(v, c.numeric) for c, v in zip(table.columns, values, strict=True)])
    if table.total:
        row(["" if v is None else _fmt(v, c.numeric) for c, v in zip(table.columns, table.total, strict=True)],
            bold=True)
    pdf.set_x(pdf.l_margin)
    if table.note:
        _note(pdf, table.note)


def _chart(pdf, table: Table, rows: list, column: int) -> None:  # noqa: ANN001
    """Vertical bars, one per row (day), with the largest value and the first and last day labelled."""
    _title(pdf, table)
    values = [v[column] if isinstance(v[column], int) else 0 for v in rows]
    if not values:
        return
    height, top = 40.0, pdf.get_y() + 4
    if pdf.will_page_break(height + 14):
        pdf.add_page(same=True)
        top = pdf.get_y() + 4
    left, width = pdf.l_margin + 10, pdf.w - pdf.l_margin - pdf.r_margin - 10
    peak = max(values)
    pdf.set_draw_color(*_MUTED)
    pdf.line(left, top + height, left + width, top + height)
    pdf.line(left, top, left, top + height)
    pdf.set_font("Helvetica", size=7)
    pdf.set_text_color(*_MUTED)
    pdf.set_xy(pdf.l_margin, top - 2)
    pdf.cell(9, 4, _fmt(peak, True), align="R")
    pdf.set_xy(pdf.l_margin, top + height - 2)
    pdf.cell(9, 4, "0", align="R")
    step = width / len(values)
    pdf.set_fill_color(*_ACCENT)
    for i, value in enumerate(values):
        if value and peak:
            bar = height * value / peak
            pdf.rect(left + i * step + step * 0.15, top + height - bar, step * 0.7, bar, style="F")
    first, last = rows[0][0], rows[-1][0]
    pdf.set_xy(left, top + height + 1)
    pdf.cell(width / 2, 4, _fmt(first, False))
    pdf.cell(width / 2, 4, _fmt(last, False), align="R")
    pdf.set_text_color(*_INK)
    pdf.set_xy(pdf.l_margin, top + height + 7)
    total = sum(values)
    _note(pdf, t(f"Jumlah bulan ini: {_fmt(total, True)}; tertinggi dalam sehari: {_fmt(peak, True)}.",
                 f"Total this month: {total}; most in one day: {peak}."))
