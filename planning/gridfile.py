"""The cascade grid as a file: XLSX or CSV out, and back in.

Columns: Code, Name, one column per fiscal month, Total. On the way out, text that a spreadsheet would
read as a formula (it starts with = + - @, a tab or a carriage return) is written as a text cell in an
XLSX, and prefixed with an apostrophe in a CSV (which has no cell types). On the way in, Code
identifies the row, Name and Total are ignored, and the months are read by core.tabular: plain
numbers unless the upload declares another number format.
"""

import csv
import io

from django.core.exceptions import ValidationError
from openpyxl import Workbook

from core import formatting, tabular
from orgs.fiscal import FiscalYearRules
from planning.models import Plan, TargetAllocation

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000  # a grid has a row per child unit or seller
MAX_COLUMNS = 32  # Code, Name, 12 months, Total, and room for a few notes


def neutralise(value: object) -> object:
    """A CSV text cell made safe to open in a spreadsheet: never evaluated as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def header(rules: FiscalYearRules, fiscal_year: int) -> list[str]:
    return ["Code", "Name", *(f"P{p.period} {p.label}" for p in rules.periods(fiscal_year)), "Total"]


def table(plan: Plan, rows: list[TargetAllocation], rules: FiscalYearRules) -> list[list[object]]:
    body = [[row.code, str(row.recipient), *row.month_amounts, row.amount] for row in rows]
    return [header(rules, plan.fiscal_year), *body]


def to_csv(data: list[list[object]]) -> bytes:
    # Plain machine-readable numbers (1234567.50: no grouping, no currency, whatever the reader's locale),
    # so that the file reads back as it is and any tool can load it; the XLSX carries the display format.
    out = io.StringIO()
    writer = csv.writer(out)
    for line in data:
        writer.writerow([neutralise(v) if isinstance(v, str) else f"{v:.2f}" for v in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(data: list[list[object]], title: str, *, currency: str | None = None) -> bytes:
    """The amounts stay numbers, shown grouped and to the cent. Their currency (the company's unless
    `currency`, e.g. a budget's, is given) is named in the Total heading and the sheet's name rather than
    in each cell's format: a spreadsheet saving the sheet as CSV writes what the cells show, and an
    import refuses a currency sign (core.tabular), so "$369,396.97" would not come back in."""
    code = currency or formatting.company_display().currency
    book = Workbook()
    sheet = book.active
    sheet.title = f"{title} ({code})"[:31]
    for line in data:
        sheet.append([v if isinstance(v, str) else float(v) for v in line])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts like a formula: never evaluated
    total = sheet.cell(row=1, column=sheet.max_column)
    if total.value == "Total":  # not a column imports read
        total.value = f"Total ({code})"
    for row in sheet.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 28
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(
    upload, rules: FiscalYearRules, fiscal_year: int, *, number_format: str | None = None
) -> list[tuple[int, str, list[object]]]:
    """(row number, code, 12 month cells) for each non-empty data row of an uploaded CSV or XLSX. A
    month is a Decimal, None when empty, or tabular.Unreadable with the reason (reported per row).

    A file that is not a grid at all (wrong type, columns, separator, a row with more or fewer cells
    than the header) raises ValidationError naming the row, the column and the text found.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError("The file is larger than 2 MB; a target grid is far smaller.")
    if not upload.name.lower().endswith((".xlsx", ".csv")):
        raise ValidationError("Upload the grid as .xlsx or .csv, as exported from this page.")
    try:
        numbers = tabular.number_format(number_format)
        lines = tabular.table_rows(upload.name, upload.read(), max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
        _check_header(next(lines, (1, []))[1], header(rules, fiscal_year), fiscal_year)
        return [
            (number, _text(cells[0]), _months(cells, numbers)) for number, cells in lines if _filled(cells)
        ]
    except ValueError as exc:  # tabular.FileRefused, or an unknown number format
        raise ValidationError(str(exc)) from None


def _check_header(cells: list[object], expected: list[str], fiscal_year: int) -> None:
    got = [_text(c) for c in cells]
    if got[:14] != expected[:14]:
        raise ValidationError(
            f"Row 1: the columns must be {', '.join(expected[:3])} … {expected[13]}, Total as in the "
            f"export for FY{fiscal_year}; this file's are {', '.join(got[:3])} …"
        )


def _filled(cells: list[object]) -> bool:
    return any(_text(c) for c in cells)


def _months(cells: list[object], numbers: tabular.NumberFormat) -> list[object]:
    months = [None if _text(c) == "" else c for c in cells[2:14]]
    return [m if m is None else tabular.readable(tabular.cell_number, m, numbers) for m in months]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
