"""The monthly report as an XLSX workbook: one sheet per table, native Excel charts.

openpyxl writes the workbook; the charts are Excel's own (they stay live when someone edits the
numbers), so no plotting library is needed. The same figures give the same bytes: the document
properties carry the report's own date (``issued_on``) and the zip entries a fixed timestamp.
Every sheet prints on A4 landscape, fitted to the page's width, with its heading rows repeated.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from . import sop
from .cells import formula_like
from .clock import long_date_id
from .models import Village
from .report import MonthlyFigures, issued_on, report_number
from .report_tables import Table, tables

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry; any fixed value would do
_NOT_MEASURED = "–"


def render_report_xlsx(village: Village, figures: MonthlyFigures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart

    wb = Workbook()
    wb.remove(wb.active)
    placed = write_tables(wb, tables(figures), f"Kalurahan {figures.village_name} · {figures.month_name} · "
                                              f"{report_number(figures.month)}")
    ws, first, last = placed["Klik per hari"]
    if last >= first:
        peak = max((d.count for d in figures.clicks_per_day), default=0)
        chart = _chart(BarChart(), ws, 2, first, last, "Klik website per hari (website clicks per day)",
                       "Klik (clicks)", peak, height=9)
        chart.type = "col"
        chart.x_axis.title = "Tanggal (date)"
        ws.add_chart(chart, "D6")

    ws, first, last = placed["Akun per hari"]
    if figures.accounts:
        days = [d for a in figures.accounts for d in a.days]
        ws.add_chart(_chart(BarChart(), ws, 4, first, last, "Tayangan per hari (views per day)", "Tayangan (views)",
                            max((d.views or 0 for d in days), default=0)), "G6")
        ws.add_chart(_chart(LineChart(), ws, 3, first, last, "Pengikut (followers)", "Pengikut (followers)",
                            max((d.followers or 0 for d in days), default=0), from_zero=False), "G24")

    return workbook_bytes(wb, f"Kabar · Kalurahan {village.name}",
                          f"Laporan bulanan {figures.month_name} · Kalurahan {figures.village_name}",
                          f"Monthly report {figures.month}; due {long_date_id(sop.batas_laporan(figures.month))}",
                          issued_on(figures))


def write_tables(wb, tables_: list[Table], heading: str) -> dict[str, tuple[Any, int, int]]:  # noqa: ANN001
    """One sheet per table, ready to print: A4 landscape, fit to the page's width, the two heading
    rows repeated on every page, page numbers in the footer. Returns each sheet with its data rows."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    bold = Font(bold=True)
    muted = Font(italic=True, color="5B6575")
    head_fill = PatternFill("solid", fgColor="F3F5F8")
    right, right_head = Alignment(horizontal="right"), Alignment(horizontal="right", wrap_text=True, vertical="top")
    head = Alignment(wrap_text=True, vertical="top")
    placed: dict[str, tuple[object, int, int]] = {}  # sheet name -> (sheet, first data row, last data row)
    for table in tables_:
        ws = wb.create_sheet(table.key[:31])
        header: tuple[list[Any], ...] = ([heading], [table.title.id], [table.title.en],
                                         [c.label.id for c in table.columns], [c.label.en for c in table.columns])
        for n, values in enumerate(header):
            append(ws, values, n)
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"].font = bold
        ws["A3"].font = muted
        for row in (4, 5):
            for cell in ws[row]:
                cell.fill = head_fill
                cell.font = bold if row == 4 else muted
                cell.alignment = head
        first = 6  # rows are counted here: ``ws.max_row`` looks at every cell each time
        row = 5
        if not table.rows and table.empty:
            row = append(ws, [f"{table.empty.id} ({table.empty.en})"], row)
            ws.cell(row, 1).font = muted
        dates = [i for i, v in enumerate(table.rows[0]) if isinstance(v, date)] if table.rows else []
        for values in table.rows:
            row = append(ws, [_cell(table, i, v) for i, v in enumerate(values)], row)
            for i in dates:
                if isinstance(values[i], date):
                    ws.cell(row, i + 1).number_format = "DD/MM/YYYY"
        last = row
        if table.total:
            row = append(ws, ["" if v is None else v for v in table.total], row)
            for cell in ws[row]:
                cell.font = bold
        if table.note:
            row = append(ws, [], row)
            row = append(ws, [f"{table.note.id} ({table.note.en})"], row)
            ws.cell(row, 1).font = muted
        for i, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width + 2
            if column.numeric:
                for (cell,) in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                    cell.alignment = right_head if cell.row in (4, 5) else right
        ws.freeze_panes = "A6"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_title_rows = "4:5"
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.oddFooter.center.text = "&A · hal. &P dari &N"
        ws.oddFooter.center.size = 8
        placed[table.key] = (ws, first, last)
    return placed


def append(ws, values: list, row: int = 0) -> int:  # noqa: ANN001
    """``ws.append`` with every text cell kept as text: one starting with = + - @ would otherwise be
    a formula (openpyxl writes a leading "=" as one; a spreadsheet re-typing a CSV would run them).
    ``row``: the last row written so far; returns the row just written."""
    ws.append(values)
    row += 1
    for i, value in enumerate(values):
        if isinstance(value, str) and formula_like(value):
            cell = ws.cell(row, i + 1)
            cell.data_type = "s"
            cell.quotePrefix = True
    return row


def workbook_bytes(wb, creator: str, title: str, subject: str, issued: datetime) -> bytes:  # noqa: ANN001
    """The workbook's bytes, the same for the same content: dated ``issued``, fixed zip times."""
    from openpyxl.writer.excel import ExcelWriter

    moment = issued.astimezone(UTC).replace(tzinfo=None)  # core.xml dates are naive (UTC by spec)
    wb.properties.creator = creator
    wb.properties.title = title
    wb.properties.subject = subject
    wb.properties.created = wb.properties.modified = moment
    wb.properties.lastModifiedBy = "Kabar"
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save() would stamp "modified" with the current time.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return _fixed_zip(raw.getvalue())


def _cell(table: Table, index: int, value: object) -> object:
    if value is None:
        return _NOT_MEASURED if table.columns[index].numeric else ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _fixed_zip(data: bytes) -> bytes:
    """The same entries in the same order with one fixed timestamp: equal content, equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _chart(chart, ws, column: int, first: int, last: int, title: str, y_title: str,  # noqa: ANN001
           peak: int, height: float = 8, from_zero: bool = True):
    """A native chart of one column of a day-per-row table (dates in column 1), on an axis of whole
    numbers (counts never step in fractions), from 0 and never 0 to 0."""
    from openpyxl.chart import Reference

    from .report_pdf import count_axis

    chart.title = title
    chart.y_axis.title = y_title
    chart.add_data(Reference(ws, min_col=column, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.legend = None
    chart.width, chart.height = 24, height
    chart.y_axis.number_format = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.x_axis.number_format = "DD/MM"
    if from_zero:
        top, step = count_axis(peak)
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = top
        chart.y_axis.majorUnit = step
    return chart
