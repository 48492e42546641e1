"""Cells of spreadsheets and CSV files Kabar writes: text that a spreadsheet would run is kept text.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is read
as a formula by Excel, LibreOffice and Google Sheets when the file is opened ("CSV injection").
Titles, narratives and names come from people, so every such cell is neutralised where it is
written: in a CSV with a leading apostrophe (the OWASP advice), in a workbook as a typed string.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: str) -> bool:
    return value.startswith(FORMULA_START)


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet runs: ``'=1+1`` for ``=1+1``; other values unchanged."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value
