"""Numbers, dates and rows read from files, one documented way (core.tabular)."""

import datetime as dt
import io
import re
import tracemalloc
import zipfile
from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from core import tabular
from core.tabular import COMMA_THOUSANDS, DOT_THOUSANDS, PLAIN, FileRefused, parse_date, parse_number


def refusal(text: str, fmt=PLAIN) -> str:
    with pytest.raises(ValueError) as caught:
        parse_number(text, fmt)
    return str(caught.value)


# --- Numbers ------------------------------------------------------------------------------------------------


def test_a_plain_number_is_an_optional_minus_digits_and_a_dot():
    assert parse_number("1234.50") == D("1234.50")
    assert parse_number("-0.25") == D("-0.25")
    assert parse_number(" 42 ") == D("42")  # spaces around the number are not inside it


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,234.50", "',' is not allowed in this format (declare the number format 1,234.50"),
        ("369396,97", "',' is not allowed in this format (declare the number format 1.234,50"),
        ("204.000,00", "',' is not allowed in this format (declare the number format 1.234,50"),
        ("$1200", "a currency sign ($) is not part of a number"),
        ("1200 €", "a currency sign (€) is not part of a number"),
        ("12%", "a percent sign is not part of a number"),
        ("1 234", "a number has no spaces inside"),
        ("1\u00a0234", "a number has no spaces inside"),
        ("+5", "a number has no plus sign"),
        ("1e5", "expected an optional minus, digits and '.' before the decimals"),
        ("1_000", "expected an optional minus, digits"),
        ("١٢", "expected an optional minus, digits"),  # Arabic-Indic digits are not ASCII digits
        ("", "the cell is empty"),
    ],
)
def test_the_plain_format_refuses_anything_else_and_says_what_it_found(text, why):
    message = refusal(text)
    assert message.startswith(f"{text!r} is not a number like 1234.50: ") and why in message


def test_declared_formats_read_their_separators_and_only_well_formed_groups():
    assert parse_number("1,234.50", COMMA_THOUSANDS) == D("1234.50")
    assert parse_number("1,234,567", COMMA_THOUSANDS) == D("1234567")
    assert parse_number("1234.5", COMMA_THOUSANDS) == D("1234.5")  # groups are optional
    assert parse_number("204.000,00", DOT_THOUSANDS) == D("204000.00")
    assert parse_number("-369396,97", DOT_THOUSANDS) == D("-369396.97")
    assert "thousands groups are written like 1,234.50" in refusal("1,23,4.5", COMMA_THOUSANDS)
    assert "thousands groups" in refusal("12345,678", COMMA_THOUSANDS)
    assert "thousands groups" in refusal("1234.50", DOT_THOUSANDS)  # a dot groups thousands here
    assert "more than one decimal separator" in refusal("1,2,3", DOT_THOUSANDS)


def test_a_spreadsheet_float_is_the_number_the_cell_shows():
    # A formula that shows 0.20 holds 0.19999999999999998; 15 significant digits read 0.2.
    assert tabular.shown_number(0.1 + 0.1 - 0.00000000000000003) == D("0.2")
    assert tabular.shown_number(0.1 + 0.2) == D("0.3")
    assert tabular.cell_number(40.0) == D("40") and tabular.cell_number(7) == D("7")
    with pytest.raises(ValueError, match="is a bool cell"):
        tabular.cell_number(True)
    with pytest.raises(ValueError, match="is a date cell"):
        tabular.cell_number(dt.date(2027, 3, 1))


def test_an_unknown_declared_format_is_refused_by_name():
    with pytest.raises(ValueError, match="'1 234,50' is not a number format"):
        tabular.number_format("1 234,50")
    with pytest.raises(ValueError, match="'YYYYMMDD' is not a date format"):
        tabular.date_format("YYYYMMDD")
    assert tabular.number_format(None) is PLAIN and tabular.date_format("") is tabular.ISO


# --- Dates --------------------------------------------------------------------------------------------------


def test_dates_are_iso_unless_another_format_is_declared():
    assert parse_date("2027-03-31") == dt.date(2027, 3, 31)
    assert parse_date("31/03/2027", tabular.date_format("DD/MM/YYYY")) == dt.date(2027, 3, 31)
    assert parse_date("3/31/2027", tabular.date_format("MM/DD/YYYY")) == dt.date(2027, 3, 31)
    assert parse_date("31.3.2027", tabular.date_format("DD.MM.YYYY")) == dt.date(2027, 3, 31)
    with pytest.raises(ValueError) as caught:
        parse_date("31/03/2027")
    assert str(caught.value) == (
        "'31/03/2027' is not a date in the format YYYY-MM-DD (like 2027-03-31); "
        "declare the date format DD/MM/YYYY if the file uses it"  # not MM/DD: there is no month 31
    )
    with pytest.raises(ValueError, match="'2027-02-30' is not a date .*: day is out of range"):
        parse_date("2027-02-30")
    with pytest.raises(ValueError, match="'45382' is a number, not a date"):
        tabular.cell_date(45382)


# --- CSV ----------------------------------------------------------------------------------------------------


def csv_refusal(data: bytes, **kwargs) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        list(tabular.csv_rows(data, max_rows=kwargs.pop("max_rows", 100), **kwargs))
    return caught.value


def test_csv_rows_come_with_their_numbers_and_blank_lines_are_skipped():
    data = '\ufeffkpi,value\r\nleads,1\r\n\r\n"calls, made",2\r\n'.encode()
    assert list(tabular.csv_rows(data, max_rows=10)) == [
        (1, ["kpi", "value"]),
        (2, ["leads", "1"]),
        (4, ["calls, made", "2"]),
    ]


def test_a_row_with_more_cells_than_the_header_is_refused_with_its_row_column_and_text():
    # An unquoted decimal comma splits 369396,97 into two cells.
    refused = csv_refusal(b"kpi,unit,date,value\nleads,team-a1,2027-01-01,369396,97\n")
    assert (refused.row, refused.column) == (2, "5")
    assert str(refused).startswith(
        "Row 2, column 5: 5 cells where the header names 4; the extra cell holds '97'"
    )
    assert "'leads,team-a1,2027-01-01,369396,97'" in str(refused)


def test_a_row_with_fewer_cells_than_the_header_is_refused():
    refused = csv_refusal(b"kpi,unit,date,value\nleads,team-a1,2027-01-01\n")
    assert str(refused).startswith("Row 2, column 4: 3 cells where the header names 4; 'value' is missing")


def test_a_file_separated_by_semicolons_is_refused_as_such():
    refused = csv_refusal(b"kpi;unit;date;value\nleads;team-a1;2027-01-01;369396,97\n")
    assert str(refused).startswith("Row 1: this file separates columns with ';', not ','")
    assert "'kpi;unit;date;value'" in str(refused)


def test_carriage_return_line_ends_are_refused_cleanly():
    refused = csv_refusal(b"kpi,unit,date,value\rleads,team-a1,2027-01-01,1\r")
    assert str(refused) == (
        "Row 1: the lines of this file end with a carriage return alone (after 'kpi,unit,date,value'); "
        "save it again as CSV with ordinary line ends"
    )


def test_a_cell_over_the_csv_modules_limit_is_refused_cleanly():
    # Quoted, the cell runs over many lines: the csv module itself stops at its field limit.
    long_cell = '"' + "x\n" * 70_000 + '"'
    refused = csv_refusal(f"kpi,value\nleads,{long_cell}\n".encode())
    assert refused.row == 2 and "a cell is longer than 131,072 characters" in str(refused)
    # On one line, the line is refused before the csv module splits it, with the column it reached.
    refused = csv_refusal(b"kpi,value\nleads," + b"9" * 200_000 + b"\n")
    assert (refused.row, refused.column) == (2, "2")
    assert "the line is longer than 131,072 characters; it begins 'leads,999" in str(refused)


def test_text_that_is_not_utf8_is_refused_with_its_row():
    refused = csv_refusal(b"kpi,value\nleads,1\nca\xfflls,2\n")
    assert refused.row == 3 and "not UTF-8 text" in str(refused)


def test_too_many_rows_are_refused_as_they_are_counted():
    refused = csv_refusal(b"kpi,value\n" + b"leads,1\n" * 4, max_rows=3)
    assert refused.row == 5 and "more than 3 rows" in str(refused)


def test_an_18_mb_one_line_header_is_refused_before_it_is_split_and_memory_stays_flat():
    data = b"kpi,unit,date,value," + b"x," * 9_000_000  # 18 MB, 9 million columns, no line end
    tracemalloc.start()
    try:
        with pytest.raises(FileRefused) as caught:
            list(tabular.csv_rows(data, max_rows=10))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value).startswith(
        "Row 1: the header line is longer than 4,096 bytes; it begins 'kpi,unit,date,value,x,x,"
    )
    assert peak < 1_000_000  # bytes: a bounded read of the first line, not 18 MB split into cells


def test_a_wide_header_is_refused_by_counting_separators():
    refused = csv_refusal(b"kpi" + b",x" * 100 + b"\nleads" + b",1" * 100 + b"\n", max_columns=64)
    assert str(refused).startswith("Row 1: the header has 101 columns; at most 64 are read")


# --- XLSX ---------------------------------------------------------------------------------------------------


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_dimension(data: bytes, ref: str | None) -> bytes:
    """The workbook with its sheet's <dimension> rewritten to `ref`, or removed."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>',
                    f'<dimension ref="{ref}"/>'.encode() if ref else b"",
                    body,
                )
            target.writestr(item, body)
    return out.getvalue()


def test_xlsx_rows_ignore_a_wrong_dimension_and_read_every_row():
    data = with_dimension(workbook([["kpi", "value"], *[["leads", i] for i in range(300)]]), "A1:B1")
    rows = list(tabular.xlsx_rows(data, max_rows=1000))
    assert len(rows) == 301 and rows[-1] == (301, ["leads", D("299")])


def test_xlsx_rows_without_a_dimension_are_counted_as_read_and_refused_past_the_limit():
    data = with_dimension(workbook([["kpi", "value"], *[["leads", i] for i in range(50)]]), None)
    assert len(list(tabular.xlsx_rows(data, max_rows=50))) == 51
    with pytest.raises(FileRefused, match="Row 42: the sheet has more than 40 rows"):
        list(tabular.xlsx_rows(data, max_rows=40))


def test_xlsx_numbers_are_read_as_shown_and_a_value_beyond_the_header_is_refused():
    data = workbook([["kpi", "value"], ["leads", 0.1 + 0.2], ["calls", 5, "stray"]])
    rows = tabular.xlsx_rows(data, max_rows=10)
    assert next(rows) == (1, ["kpi", "value"]) and next(rows) == (2, ["leads", D("0.3")])
    with pytest.raises(FileRefused) as caught:
        next(rows)
    assert str(caught.value) == "Row 3, column 3: a value 'stray' beyond the 2 columns the header names"
