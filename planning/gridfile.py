"""The cascade grid as a file: XLSX or CSV out, and back in.

Columns: Code, Name, one column per fiscal month, Total. On the way out, any text cell that a
spreadsheet would read as a formula (it starts with = + - @, a tab or a carriage return) is
prefixed with an apostrophe; on the way in, Code identifies the row and Name and Total are ignored.
"""

import csv
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from orgs.fiscal import FiscalYearRules
from planning.models import Plan, TargetAllocation

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def neutralise(value: object) -> object:
    """A text cell made safe to open in a spreadsheet: never evaluated as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def header(rules: FiscalYearRules, fiscal_year: int) -> list[str]:
    return ["Code", "Name", *(f"P{p.period} {p.label}" for p in rules.periods(fiscal_year)), "Total"]


def table(plan: Plan, rows: list[TargetAllocation], rules: FiscalYearRules) -> list[list[object]]:
    body = [[row.code, str(row.recipient), *row.month_amounts, row.amount] for row in rows]
    return [header(rules, plan.fiscal_year), *body]


def to_csv(data: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in data:
        writer.writerow([neutralise(v) if isinstance(v, str) else f"{v:.2f}" for v in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(data: list[list[object]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for line in data:
        sheet.append([neutralise(v) if isinstance(v, str) else float(v) for v in line])
    for row in sheet.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 28
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(upload, rules: FiscalYearRules, fiscal_year: int) -> list[tuple[int, str, list[str]]]:
    """(line number, code, 12 month cells) for each non-empty data row of an uploaded CSV or XLSX.

    A file that is not a grid at all (wrong type, wrong columns) raises ValidationError.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError("The file is larger than 2 MB; a target grid is far smaller.")
    name = upload.name.lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(upload)
    elif name.endswith(".csv"):
        lines = _csv_lines(upload)
    else:
        raise ValidationError("Upload the grid as .xlsx or .csv, as exported from this page.")
    if not lines:
        raise ValidationError("The file is empty.")
    expected = header(rules, fiscal_year)
    got = [str(c or "").strip() for c in lines[0]]
    if got[:14] != expected[:14]:
        raise ValidationError(
            f"The columns must be {', '.join(expected[:3])} … {expected[13]}, Total as in the export "
            f"for FY{fiscal_year}; this file's are {', '.join(got[:3])} …"
        )
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = ["" if c is None else str(c) for c in line]
        if not any(c.strip() for c in cells):
            continue
        rows.append((number, cells[0], cells[2:14] + [""] * (12 - len(cells[2:14]))))
    return rows


def _csv_lines(upload) -> list[list[str]]:
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The CSV file is not UTF-8 text.") from None
    return list(csv.reader(io.StringIO(text)))


def _xlsx_lines(upload) -> list[list[object]]:
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError("The file is not a readable .xlsx workbook.") from None
    sheet = book.worksheets[0]
    lines = [[_cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return lines


def _cell_text(value: object) -> object:
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return value
