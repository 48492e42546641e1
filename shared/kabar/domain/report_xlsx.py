"""The monthly report as an XLSX workbook: one sheet per table, native Excel charts.

openpyxl writes the workbook; the charts are Excel's own (they stay live when someone edits the
numbers), so no plotting library is needed. The same figures give the same bytes: the document
properties carry the report's own date (``report_moment``) and the zip entries a fixed timestamp.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from . import sop
from .clock import long_date_id
from .models import Village
from .report import MonthlyFigures, report_moment
from .report_tables import Table, tables

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry; any fixed value would do
_NOT_MEASURED = "–"


def render_report_xlsx(village: Village, figures: MonthlyFigures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    muted = Font(italic=True, color="5B6575")
    head_fill = PatternFill("solid", fgColor="F3F5F8")
    placed: dict[str, tuple[object, int, int]] = {}  # sheet name -> (sheet, first data row, last data row)
    for table in tables(figures):
        ws = wb.create_sheet(table.key[:31])
        ws.append([f"Kalurahan {figures.village_name} · {figures.month_name}"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([table.title.id])
        ws["A2"].font = bold
        ws.append([table.title.en])
        ws["A3"].font = muted
        ws.append([c.label.id for c in table.columns])
        ws.append([c.label.en for c in table.columns])
        for row in (4, 5):
            for cell in ws[row]:
                cell.fill = head_fill
                cell.font = bold if row == 4 else muted
        first = ws.max_row + 1
        if not table.rows and table.empty:
            ws.append([f"{table.empty.id} ({table.empty.en})"])
            ws.cell(ws.max_row, 1).font = muted
        for values in table.rows:
            ws.append([_cell(table, i, v) for i, v in enumerate(values)])
            for i, v in enumerate(values):
                if isinstance(v, date):
                    ws.cell(ws.max_row, i + 1).number_format = "DD/MM/YYYY"
        last = ws.max_row
        if table.total:
            ws.append(["" if v is None else v for v in table.total])
            for cell in ws[ws.max_row]:
                cell.font = bold
        if table.note:
            ws.append([])
            ws.append([f"{table.note.id} ({table.note.en})"])
            ws.cell(ws.max_row, 1).font = muted
        for i, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width + 2
            if column.numeric:
                for (cell,) in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                    cell.alignment = Alignment(horizontal="right")
        ws.freeze_panes = "A6"
        placed[table.key] = (ws, first, last)

    ws, first, last = placed["Klik per hari"]
    if last >= first:
        chart = _chart(BarChart(), ws, 2, first, last, "Klik website per hari (website clicks per day)",
                       "Klik (clicks)", height=9)
        chart.type = "col"
        chart.x_axis.title = "Tanggal (date)"
        ws.add_chart(chart, "D4")

    ws, first, last = placed["Akun per hari"]
    if figures.accounts:
        ws.add_chart(_chart(BarChart(), ws, 5, first, last, "Tayangan per hari (views per day)", "Tayangan (views)"),
                     "G4")
        ws.add_chart(_chart(LineChart(), ws, 4, first, last, "Pengikut (followers)", "Pengikut (followers)"), "G22")

    moment = report_moment(figures.month).replace(tzinfo=None)  # core.xml dates are naive (UTC by spec)
    wb.properties.creator = f"Kabar · Kalurahan {village.name}"
    wb.properties.title = f"Laporan bulanan {figures.month_name} · Kalurahan {figures.village_name}"
    wb.properties.subject = f"Monthly report {figures.month}; due {long_date_id(sop.batas_laporan(figures.month))}"
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
           height: float = 8):
    """A native chart of one column of a day-per-row table (dates in column 1)."""
    from openpyxl.chart import Reference

    chart.title = title
    chart.y_axis.title = y_title
    chart.add_data(Reference(ws, min_col=column, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.legend = None
    chart.width, chart.height = 24, height
    return chart
