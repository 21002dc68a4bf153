"""Numbers, dates and rows read from files and forms, one documented way, for every import.

Numbers. By default a number is plain: an optional minus, ASCII digits, and a dot before the decimals
(`-1234.50`). An upload may declare `1,234.50` (comma thousands, dot decimals) or `1.234,50` (dot
thousands, comma decimals); thousands groups must then be well formed (`1,234,567`; never `1,23,4.5`),
and a number may also be written without them. Nothing else is a number: no currency or percent sign,
no space, no plus sign, no exponent. Forms and grid cells always use the plain format.

Dates. ISO `YYYY-MM-DD` by default; an upload may declare `DD/MM/YYYY`, `MM/DD/YYYY` or `DD.MM.YYYY`
(day and month of one or two digits, a four-digit year).

Files. A CSV is UTF-8, separated by the expected separator, with one header line whose length and
width are checked before anything is split; every row has as many cells as the header. An XLSX is
read with openpyxl (read-only, the values the cells show): its first sheet's `<dimension>` is ignored
and rows are counted as they are read; a numeric cell is the number it shows (15 significant digits).
Every refusal names the row, the column and the text found.
"""

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MAX_FIRST_LINE = 4096  # bytes: a header is a few dozen names
MAX_COLUMNS = 64
SHOWN = 60  # characters of a cell or a line quoted in a message


# --- Numbers ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberFormat:
    """How a file writes numbers; `code` is its example and the value an upload declares."""

    code: str
    label: str
    group: str  # thousands separator, "" when there is none
    decimal: str
    pattern: re.Pattern


def _number_format(code: str, label: str, group: str, decimal: str) -> NumberFormat:
    digits = f"(?:[0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})+|[0-9]+)" if group else "[0-9]+"
    pattern = re.compile(f"-?{digits}(?:{re.escape(decimal)}[0-9]+)?")
    return NumberFormat(code, label, group, decimal, pattern)


PLAIN = _number_format("1234.50", "1234.50 (a dot for decimals, no thousands separator)", "", ".")
COMMA_THOUSANDS = _number_format("1,234.50", "1,234.50 (comma thousands, dot decimals)", ",", ".")
DOT_THOUSANDS = _number_format("1.234,50", "1.234,50 (dot thousands, comma decimals)", ".", ",")
NUMBER_FORMATS = {f.code: f for f in (PLAIN, COMMA_THOUSANDS, DOT_THOUSANDS)}
NUMBER_CHOICES = [(f.code, f.label) for f in NUMBER_FORMATS.values()]


def number_format(code: str | None) -> NumberFormat:
    """The declared number format (the plain one when none is declared)."""
    if not code:
        return PLAIN
    try:
        return NUMBER_FORMATS[code]
    except KeyError:
        raise ValueError(
            f"{code!r} is not a number format; use one of {', '.join(NUMBER_FORMATS)}."
        ) from None


def parse_number(text: str, fmt: NumberFormat = PLAIN, *, declarable: bool = True) -> Decimal:
    """The number `text` writes in `fmt`, or ValueError naming the text and what was expected (and, for
    a file, which other number format would read it)."""
    stripped = text.strip()
    if fmt.pattern.fullmatch(stripped):
        return Decimal(stripped.replace(fmt.group, "").replace(fmt.decimal, ".") if fmt.group else stripped)
    reason = _why_not_a_number(stripped, fmt)
    if declarable and (fits := [f.code for f in NUMBER_FORMATS.values() if f.pattern.fullmatch(stripped)]):
        reason += f" (declare the number format {' or '.join(fits)} if the file uses it)"
    raise ValueError(f"{_shown(text)} is not a number like {fmt.code}: {reason}")


def _why_not_a_number(text: str, fmt: NumberFormat) -> str:
    if not text:
        return "the cell is empty"
    if currency := next((c for c in text if unicodedata.category(c) == "Sc"), None):
        return f"a currency sign ({currency}) is not part of a number; give the amount alone"
    if "%" in text:
        return "a percent sign is not part of a number; give the number alone (12% as 0.12)"
    if any(c.isspace() for c in text):
        return "a number has no spaces inside"
    if text.startswith("+"):
        return "a number has no plus sign"
    if separator := next((c for c in text if c in ",.'" and c not in (fmt.group, fmt.decimal)), None):
        return f"{separator!r} is not allowed in this format"
    if fmt.group and fmt.group in text:
        return f"thousands groups are written like {fmt.code}, three digits after each {fmt.group!r}"
    if text.count(fmt.decimal) > 1:
        return f"more than one decimal separator {fmt.decimal!r}"
    return f"expected an optional minus, digits and {fmt.decimal!r} before the decimals"


def shown_number(value: float) -> Decimal:
    """A spreadsheet's floating-point number as the cell shows it: 15 significant digits, so a formula
    that shows 0.20 is 0.2 and not 0.19999999999999998."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a number")
    return Decimal(f"{value:.15g}")


def cell_number(value: object, fmt: NumberFormat = PLAIN) -> Decimal:
    """A cell's number: a spreadsheet number as shown, text in `fmt`; anything else is a ValueError."""
    if isinstance(value, bool | dt.date):
        raise ValueError(f"{_shown(value)} is a {type(value).__name__} cell, not a number like {fmt.code}")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        return shown_number(value)
    return parse_number("" if value is None else str(value), fmt)


# --- Dates --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateFormat:
    """How a file writes dates; `code` is the value an upload declares."""

    code: str
    example: str
    pattern: re.Pattern  # groups y, m, d


def _date_format(code: str, example: str) -> DateFormat:
    parts = {"YYYY": "(?P<y>[0-9]{4})", "MM": "(?P<m>[0-9]{1,2})", "DD": "(?P<d>[0-9]{1,2})"}
    if code == "YYYY-MM-DD":
        parts |= {"MM": "(?P<m>[0-9]{2})", "DD": "(?P<d>[0-9]{2})"}
    pattern = re.escape(code)
    for name, group in parts.items():
        pattern = pattern.replace(name, group)
    return DateFormat(code, example, re.compile(pattern))


ISO = _date_format("YYYY-MM-DD", "2027-03-31")
DATE_FORMATS = {
    f.code: f
    for f in (
        ISO,
        _date_format("DD/MM/YYYY", "31/03/2027"),
        _date_format("MM/DD/YYYY", "03/31/2027"),
        _date_format("DD.MM.YYYY", "31.03.2027"),
    )
}
DATE_CHOICES = [(f.code, f"{f.code} ({f.example})") for f in DATE_FORMATS.values()]


def date_format(code: str | None) -> DateFormat:
    """The declared date format (ISO when none is declared)."""
    if not code:
        return ISO
    try:
        return DATE_FORMATS[code]
    except KeyError:
        raise ValueError(f"{code!r} is not a date format; use one of {', '.join(DATE_FORMATS)}.") from None


def parse_date(text: str, fmt: DateFormat = ISO) -> dt.date:
    """The date `text` writes in `fmt`, or ValueError naming the text and what was expected."""
    expected = f"{_shown(text)} is not a date in the format {fmt.code} (like {fmt.example})"
    found = fmt.pattern.fullmatch(text.strip())
    if not found:
        fits = [f.code for f in DATE_FORMATS.values() if _date_in(text, f)]
        hint = f"; declare the date format {' or '.join(fits)} if the file uses it" if fits else ""
        raise ValueError(expected + hint)
    try:
        return dt.date(int(found["y"]), int(found["m"]), int(found["d"]))
    except ValueError as exc:
        raise ValueError(f"{expected}: {exc}") from None


def _date_in(text: str, fmt: DateFormat) -> dt.date | None:
    found = fmt.pattern.fullmatch(text.strip())
    try:
        return dt.date(int(found["y"]), int(found["m"]), int(found["d"])) if found else None
    except ValueError:
        return None


def cell_date(value: object, fmt: DateFormat = ISO) -> dt.date:
    """A cell's date: a spreadsheet date as is, text in `fmt`; a number is not a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError(
            f"{_shown(value)} is a number, not a date; "
            f"format the cell as a date or type the date like {fmt.example}"
        )
    return parse_date("" if value is None else str(value), fmt)


@dataclass(frozen=True)
class Unreadable:
    """A cell that does not hold what its column should, with the reason: kept in its row so that every
    bad cell of a file is reported, not only the first."""

    text: str
    reason: str

    def __str__(self) -> str:
        return self.text


def readable(parse: Callable[[object, Any], object], value: object, fmt: Any) -> Any:
    """parse(value, fmt), or Unreadable with the reason."""
    try:
        return parse(value, fmt)
    except ValueError as exc:
        return Unreadable(str(value), str(exc))


# --- Files --------------------------------------------------------------------------------------------------


class FileRefused(ValueError):
    """A file refused whole; the message names the row, the column and the text found."""

    def __init__(self, message: str, *, row: int, column: str = "") -> None:
        self.row, self.column = row, column
        where = f"Row {row}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")


def _shown(value: object, limit: int = SHOWN) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


BOM = b"\xef\xbb\xbf"
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
MAX_LINE = 131_072  # characters of one line, as the csv module's limit on one cell


def check_first_line(
    data: bytes, *, separator: str = ",", max_bytes: int = MAX_FIRST_LINE, max_columns: int = MAX_COLUMNS
) -> None:
    """Refuse a CSV by its first line alone, before anything is split or decoded: too long, too wide,
    ended by a lone carriage return, or separated by something other than `separator`."""
    head = data[: len(BOM) + max_bytes + 2].removeprefix(BOM)  # a bounded read, whatever the file's size
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if 0 <= i <= max_bytes]
    if not ends and len(head) > max_bytes:
        raise FileRefused(
            f"the header line is longer than {max_bytes:,} bytes; it begins {_shown(_display(head))}", row=1
        )
    end = min(ends) if ends else len(head)
    if head[end : end + 1] == b"\r" and head[end + 1 : end + 2] != b"\n":
        raise FileRefused(
            "the lines of this file end with a carriage return alone "
            f"(after {_shown(_display(head[:end]))}); "
            "save it again as CSV with ordinary line ends",
            row=1,
        )
    text = _display(head[:end])
    counts = {s: text.count(s) for s in SEPARATORS}
    used = max(counts, key=counts.__getitem__)
    if counts[used] > counts[separator]:
        raise FileRefused(
            f"this file separates columns with {used!r}, not {separator!r} "
            f"(the header reads {_shown(text)}); "
            f"save it again as CSV with {SEPARATORS[separator]} between columns",
            row=1,
        )
    if counts[separator] + 1 > max_columns:
        raise FileRefused(
            f"the header has {counts[separator] + 1:,} columns; at most {max_columns} are read "
            f"(it begins {_shown(text)})",
            row=1,
        )


def _display(raw: bytes) -> str:
    return raw[: 4 * SHOWN].decode("utf-8", errors="replace")


def csv_rows(
    data: bytes, *, separator: str = ",", max_rows: int, max_columns: int = MAX_COLUMNS
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of a CSV: the header as row 1, then each data row; a blank line is skipped.
    Refused whole (FileRefused) at the first row that cannot be read or whose cell count differs from
    the header's."""
    check_first_line(data, separator=separator, max_columns=max_columns)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"the file is not UTF-8 text ({data[exc.start : exc.start + 1]!r} is not a character); "
            "save it again as CSV UTF-8",
            row=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    lines = _Lines(text, separator)
    header: list[str] = []
    number = 0
    try:
        for number, cells in enumerate(csv.reader(lines, delimiter=separator, strict=True), start=1):
            if number == 1:
                header = cells
            elif not cells:
                continue
            elif number - 1 > max_rows:
                raise FileRefused(f"the file has more than {max_rows:,} rows; split it", row=number)
            elif len(cells) != len(header):
                raise _width_refused(number, cells, header, separator)
            yield number, cells
    except csv.Error as exc:
        reason = str(exc)
        if "field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        raise FileRefused(
            f"the file cannot be read as CSV: {reason} (the line reads {_shown(lines.last)})", row=number + 1
        ) from None


class _Lines:
    """The lines of a CSV's text, each kept with its line end for the csv module, refused when longer
    than MAX_LINE before the csv module splits it."""

    def __init__(self, text: str, separator: str) -> None:
        self.text, self.separator, self.start, self.rows, self.last = text, separator, 0, 0, ""

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        if self.start >= len(self.text):
            raise StopIteration
        end = self.text.find("\n", self.start)
        end = len(self.text) if end < 0 else end + 1
        if end - self.start > MAX_LINE:
            head = self.text[self.start : self.start + MAX_LINE]
            raise FileRefused(
                f"the line is longer than {MAX_LINE:,} characters; it begins {_shown(head)}",
                row=self.text.count("\n", 0, self.start) + 1,
                column=str(head.count(self.separator) + 1),
            )
        self.last, self.start = self.text[self.start : end], end
        return self.last


def _width_refused(number: int, cells: list[str], header: list[str], separator: str) -> FileRefused:
    line = _shown(separator.join(cells), SHOWN + 20)
    if len(cells) > len(header):
        return FileRefused(
            f"{len(cells)} cells where the header names {len(header)}; the extra cell holds "
            f"{_shown(cells[len(header)])} (the row reads {line}). A number written with a comma must "
            "be quoted and its number format declared",
            row=number,
            column=str(len(header) + 1),
        )
    return FileRefused(
        f"{len(cells)} cells where the header names {len(header)}; "
        f"{_shown(header[len(cells)])} is missing (the row reads {line})",
        row=number,
        column=str(len(cells) + 1),
    )


def xlsx_rows(
    data: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS
) -> Iterator[tuple[int, list[object]]]:
    """(row number, cells) of the first sheet, the header as row 1: text, Decimal (as the cell shows
    it), datetime, bool or None. The sheet's own `<dimension>` is not trusted: rows are counted as read
    and a row with a value beyond the header's columns is refused."""
    from openpyxl import load_workbook  # uses defusedxml when it is installed (it is a dependency)

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception:  # openpyxl raises many kinds for a malformed workbook
        raise FileRefused("the workbook cannot be read; save it again as .xlsx", row=1) from None
    sheet.reset_dimensions()  # read every row, however few the sheet claims to have
    width, number = 0, 0
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [shown_number(v) if isinstance(v, float) else v for v in values]
            while cells and cells[-1] in (None, ""):
                cells.pop()
            if number == 1:
                width = _xlsx_header_width(cells, max_columns)
            elif number - 1 > max_rows:
                raise FileRefused(f"the sheet has more than {max_rows:,} rows; split it", row=number)
            elif len(cells) > width:
                raise FileRefused(
                    f"a value {_shown(cells[width])} beyond the {width} columns the header names",
                    row=number,
                    column=str(width + 1),
                )
            yield number, cells + [None] * (width - len(cells))
    except FileRefused:
        raise
    except Exception:  # a sheet malformed past its first rows
        raise FileRefused(
            "the sheet cannot be read from this row on; save it again as .xlsx", row=number + 1
        ) from None
    finally:
        book.close()


def _xlsx_header_width(cells: list[object], max_columns: int) -> int:
    if len(cells) > max_columns:
        raise FileRefused(f"the header has {len(cells):,} columns; at most {max_columns} are read", row=1)
    return len(cells)


def table_rows(
    name: str, data: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS
) -> Iterator[tuple[int, list[object]]]:
    """The rows of a .csv or .xlsx upload, by its name; FileRefused for any other kind."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return csv_rows(data, max_rows=max_rows, max_columns=max_columns)
    if lowered.endswith(".xlsx"):
        return xlsx_rows(data, max_rows=max_rows, max_columns=max_columns)
    raise FileRefused(f"{_shown(name)} is neither a .csv nor an .xlsx file", row=1)
