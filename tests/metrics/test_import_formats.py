"""Actuals read one documented way, by file (page and API) and by the bulk API: every refusal names the
row, the column and the text found, the batch ends failed with the message, and nothing is stored; a
declared number or date format loads the same values as the default one."""

import datetime as dt
import io
import re
import tracemalloc
import zipfile
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from metrics import forms, importer, services
from metrics.models import KPI, Actual, ImportBatch
from planning.models import SeasonalityProfile
from tests.conftest import api_as

HEADER = "kpi,unit,date,value\n"


@pytest.fixture
def loaded(org, people):
    """One value already stored: leads of team A1 on 1 January 2027 is 10."""
    batch = importer.submit(
        actor=people.leader, name="first.csv", data=(HEADER + "leads,team-a1,2027-01-01,10\n").encode()
    )
    assert batch.status == "done"
    return stored()


def stored() -> list:
    return list(Actual.objects.order_by("pk").values_list("kpi__code", "org_unit__code", "date", "value"))


def refused(actor, name: str, data: bytes, **declared) -> ImportBatch:
    batch = importer.submit(actor=actor, name=name, data=data, run_inline=True, **declared)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    return batch


def refused_cells(actor, lines: str, **declared) -> list[dict]:
    """The problems of a CSV refused cell by cell (the batch's message counts them)."""
    batch = refused(actor, "actuals.csv", (HEADER + lines).encode(), **declared)
    assert (
        batch.message == f"{batch.error_count} problem(s) in {lines.count(chr(10))} rows; nothing was loaded."
    )
    return batch.errors


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["kpi", "unit", "date", "value"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with `old` replaced by `new` (a regular expression) in its sheet's XML."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(old, new, body)
            target.writestr(item, body)
    return out.getvalue()


# --- Refused cell by cell -----------------------------------------------------------------------------------


def test_a_thousands_separator_under_the_default_format_is_refused(loaded, people):
    assert refused_cells(people.leader, 'leads,team-a1,2027-02-01,"1,234.50"\n') == [
        {
            "row": 2,
            "column": "value",
            "reason": "'1,234.50' is not a number like 1234.50: ',' is not allowed in this format "
            "(declare the number format 1,234.50 if the file uses it)",
        }
    ]
    assert stored() == loaded


def test_a_quoted_decimal_comma_and_a_dot_thousands_number_are_refused(loaded, people):
    # What LibreOffice Calc writes in a German locale with commas between the fields.
    errors = refused_cells(
        people.leader, 'leads,team-a1,2027-02-01,"369396,97"\nleads,team-a1,2027-02-02,"204.000,00"\n'
    )
    assert [(e["row"], e["column"]) for e in errors] == [(2, "value"), (3, "value")]
    assert errors[0]["reason"].startswith("'369396,97' is not a number like 1234.50: ',' is not allowed")
    assert errors[1]["reason"].startswith("'204.000,00' is not a number like 1234.50: ',' is not allowed")
    assert "declare the number format 1.234,50" in errors[1]["reason"]
    assert stored() == loaded  # not 36939697, not 204


def test_currency_and_percent_signs_and_spaces_are_refused(loaded, people):
    errors = refused_cells(
        people.leader,
        "leads,team-a1,2027-02-01,$1200\nleads,team-a1,2027-02-02,12%\nleads,team-a1,2027-02-03,1 200\n",
    )
    assert [(e["row"], e["column"], e["reason"].split(": ")[1]) for e in errors] == [
        (2, "value", "a currency sign ($) is not part of a number; give the amount alone"),
        (3, "value", "a percent sign is not part of a number; give the number alone (12% as 0.12)"),
        (4, "value", "a number has no spaces inside"),
    ]
    assert stored() == loaded


def test_a_date_in_another_format_than_declared_is_refused_with_the_one_that_reads_it(loaded, people):
    [error] = refused_cells(people.leader, "leads,team-a1,31/01/2027,5\n")
    assert error == {
        "row": 2,
        "column": "date",
        "reason": "'31/01/2027' is not a date in the format YYYY-MM-DD (like 2027-03-31); "
        "declare the date format DD/MM/YYYY if the file uses it",
    }


# --- Refused whole ------------------------------------------------------------------------------------------


def test_a_line_with_more_cells_than_the_header_is_refused_whole(loaded, people):
    # An unquoted decimal comma: 369396,97 is two cells, and the first is not stored as the value.
    batch = refused(people.leader, "a.csv", (HEADER + "leads,team-a1,2027-02-01,369396,97\n").encode())
    assert batch.message.startswith(
        "Row 2, column 5: 5 cells where the header names 4; the extra cell holds '97' "
        "(the row reads 'leads,team-a1,2027-02-01,369396,97')"
    )
    assert stored() == loaded


def test_a_line_with_fewer_cells_than_the_header_is_refused_whole(loaded, people):
    batch = refused(people.leader, "a.csv", (HEADER + "leads,team-a1,2027-02-01\n").encode())
    assert batch.message.startswith("Row 2, column 4: 3 cells where the header names 4; 'value' is missing")
    assert stored() == loaded


def test_a_semicolon_separated_file_is_refused_as_such(loaded, people):
    batch = refused(people.leader, "a.csv", b"kpi;unit;date;value\nleads;team-a1;2027-02-01;369396,97\n")
    assert batch.message == (
        "Row 1: this file separates columns with ';', not ',' (the header reads 'kpi;unit;date;value'); "
        "save it again as CSV with commas between columns"
    )
    assert stored() == loaded


def test_carriage_return_line_ends_are_refused_and_the_page_answers(client, loaded, people):
    client.force_login(people.leader)
    upload = SimpleUploadedFile("mac.csv", b"kpi,unit,date,value\rleads,team-a1,2027-02-01,1\r")
    response = client.post(reverse("kpi-imports"), {"file": upload})
    assert response.status_code == 302  # to the batch's page, not a 500
    batch = ImportBatch.objects.latest("pk")
    assert (batch.status, batch.message) == (
        "failed",
        "Row 1: the lines of this file end with a carriage return alone (after 'kpi,unit,date,value'); "
        "save it again as CSV with ordinary line ends",
    )
    assert stored() == loaded


def test_a_cell_over_the_csv_limit_is_refused_and_the_batch_ends(loaded, people):
    long_cell = '"' + "1\n" * 70_000 + '"'  # quoted over many lines, beyond the csv module's 131,072
    batch = refused(people.leader, "a.csv", f"{HEADER}leads,team-a1,2027-02-01,{long_cell}\n".encode())
    assert batch.message.startswith(
        "Row 2: the file cannot be read as CSV: a cell is longer than 131,072 characters "
        "(the line reads '1\\n')"
    )
    on_one_line = f"{HEADER}leads,team-a1,2027-02-01,{'1' * 200_000}\n".encode()
    batch = refused(people.leader, "b.csv", on_one_line)
    assert batch.message.startswith(
        "Row 2, column 4: the line is longer than 131,072 characters; it begins 'leads,team-a1,2027-02-01,111"
    )
    assert stored() == loaded


def test_an_18_mb_one_line_header_is_refused_with_memory_flat(loaded, people):
    data = b"kpi,unit,date,value," + b"x," * 9_000_000  # 18 MB on one line, 9 million columns
    tracemalloc.start()
    try:
        batch = refused(people.leader, "wide.csv", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert batch.message.startswith(
        "Row 1: the header line is longer than 4,096 bytes; it begins 'kpi,unit,date,value,x,x,x"
    )
    assert peak < 50 * 2**20  # measured: under 1 MB; the file is never stored, decoded or split
    assert stored() == loaded


def test_an_unknown_declared_format_is_refused(loaded, people):
    batch = refused(people.leader, "a.csv", HEADER.encode(), number_format="1 234,50")
    assert batch.message == "'1 234,50' is not a number format; use one of 1234.50, 1,234.50, 1.234,50."


# --- XLSX ---------------------------------------------------------------------------------------------------


def test_an_xlsx_whose_dimension_claims_one_row_loads_all_of_its_rows(org, people):
    start = dt.date(2027, 1, 1)
    data = workbook([["leads", "team-a1", start + dt.timedelta(days=i), i] for i in range(300)])
    data = rewritten(data, rb'<dimension ref="[^"]+"', b'<dimension ref="A1:D2"')
    batch = importer.submit(actor=people.leader, name="claims.xlsx", data=data, run_inline=True)
    assert (batch.status, batch.message) == ("done", "300 rows read; 300 new or changed values.")
    assert Actual.objects.count() == 300  # not 1


def test_an_xlsx_without_a_dimension_goes_to_the_background_by_size_and_loads_every_row(
    org, people, monkeypatch
):
    start = dt.date(2025, 1, 1)
    data = workbook([["leads", "team-a1", start + dt.timedelta(days=i), 1] for i in range(3000)])
    data = rewritten(data, rb'<dimension ref="[^"]+"\s*/>', b"")
    kind, estimate = importer.inspect("many.xlsx", data)
    assert kind == "xlsx" and estimate > importer.INLINE_ROWS  # from the sheet's inflated size, not a claim
    monkeypatch.setattr(importer, "MAX_ROWS", 2999)
    batch = refused(people.leader, "many.xlsx", data)
    assert batch.message == "Row 3001: the sheet has more than 2,999 rows; split it"
    assert not Actual.objects.exists()  # refused whole
    monkeypatch.setattr(importer, "MAX_ROWS", 3000)
    batch = importer.submit(actor=people.leader, name="many.xlsx", data=data, run_inline=True)
    assert (batch.status, batch.loaded_rows, Actual.objects.count()) == ("done", 3000, 3000)


def test_a_formula_cell_that_shows_0_20_is_read_as_0_2(org, people):
    # The cell holds a formula whose result a spreadsheet stored as 0.19999999999999998 (and shows 0.20).
    data = workbook([["leads", "team-a1", dt.date(2027, 3, 1), 12345]])
    data = rewritten(
        data, rb'<c r="D2" t="n"><v>12345</v>', b'<c r="D2"><f>0.1*2-3E-17</f><v>0.19999999999999998</v>'
    )
    assert b"<f>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    batch = importer.submit(actor=people.leader, name="formula.xlsx", data=data, run_inline=True)
    assert batch.status == "done" and Actual.objects.get().value == D("0.2")


def test_text_in_an_xlsx_is_read_in_the_declared_formats(org, people):
    data = workbook(
        [["leads", "team-a1", "31.03.2027", "1.234,5"], ["leads", "team-a1", dt.date(2027, 4, 1), 7]]
    )
    batch = importer.submit(
        actor=people.leader,
        name="de.xlsx",
        data=data,
        run_inline=True,
        number_format="1.234,50",
        date_format="DD.MM.YYYY",
    )
    assert batch.status == "done"
    assert sorted(Actual.objects.values_list("date", "value")) == [
        (dt.date(2027, 3, 31), D("1234.5")),
        (dt.date(2027, 4, 1), D("7")),  # a date cell and a number cell are what they are, whatever the format
    ]


# --- Declared formats load the same values ------------------------------------------------------------------

PLAIN_FILE = (
    HEADER
    + "leads,team-a1,2027-03-31,1234567.5\nleads,team-a1,2027-04-01,-0.25\nleads,team-a2,2027-12-01,1000\n"
)
DE_FILE = (
    HEADER + 'leads,team-a1,31.03.2027,"1.234.567,5"\n'
    'leads,team-a1,01.04.2027,"-0,25"\nleads,team-a2,01.12.2027,1.000\n'
)
US_FILE = (
    HEADER + 'leads,team-a1,03/31/2027,"1,234,567.5"\n'
    'leads,team-a1,4/1/2027,-0.25\nleads,team-a2,12/1/2027,"1,000"\n'
)
EXPECTED = [
    ("leads", "team-a1", dt.date(2027, 3, 31), D("1234567.5")),
    ("leads", "team-a1", dt.date(2027, 4, 1), D("-0.25")),
    ("leads", "team-a2", dt.date(2027, 12, 1), D("1000")),
]


def test_a_declared_format_loads_the_same_values_as_the_default_one_on_the_page(client, org, people):
    client.force_login(people.ops)
    page = client.get(reverse("kpi-imports")).content.decode()
    assert re.search(r'<select name="number_format"[^>]*>\s*<option value="1234.50" selected>', page)
    assert re.search(r'<select name="date_format"[^>]*>\s*<option value="YYYY-MM-DD" selected>', page)
    for body, declared in (
        (PLAIN_FILE, {}),
        (DE_FILE, {"number_format": "1.234,50", "date_format": "DD.MM.YYYY"}),
        (US_FILE, {"number_format": "1,234.50", "date_format": "MM/DD/YYYY"}),
    ):
        Actual.objects.all().delete()
        client.post(reverse("kpi-imports"), {"file": SimpleUploadedFile("a.csv", body.encode()), **declared})
        assert ImportBatch.objects.latest("pk").status == "done"
        assert stored() == EXPECTED


def test_a_declared_format_loads_the_same_values_through_the_upload_api(org, people):
    api = api_as(people.ops)
    for body, declared in (
        (PLAIN_FILE, {}),
        (DE_FILE, {"number_format": "1.234,50", "date_format": "DD.MM.YYYY"}),
    ):
        Actual.objects.all().delete()
        upload = SimpleUploadedFile("a.csv", body.encode())
        response = api.post("/api/imports/", {"file": upload, **declared}, format="multipart")
        assert response.status_code == 201 and response.data["status"] == "done", response.data
        assert stored() == EXPECTED
    upload = SimpleUploadedFile("a.csv", DE_FILE.encode())
    bad = api.post("/api/imports/", {"file": upload, "number_format": "1 234,50"}, format="multipart")
    assert bad.status_code == 400 and "number_format" in bad.data


def test_the_bulk_api_reads_values_in_the_declared_formats(org, people):
    api = api_as(people.ops)
    rows = [{"kpi": k, "unit": u, "date": d.isoformat(), "value": str(v)} for k, u, d, v in EXPECTED]
    assert api.post("/api/actuals/bulk/", {"rows": rows}, format="json").status_code == 200
    assert stored() == EXPECTED
    Actual.objects.all().delete()
    german = [
        {"kpi": "leads", "unit": "team-a1", "date": "31.03.2027", "value": "1.234.567,5"},
        {"kpi": "leads", "unit": "team-a1", "date": "01.04.2027", "value": "-0,25"},
        {"kpi": "leads", "unit": "team-a2", "date": "01.12.2027", "value": "1.000"},
    ]
    declared = {"number_format": "1.234,50", "date_format": "DD.MM.YYYY"}
    assert api.post("/api/actuals/bulk/", {"rows": german, **declared}, format="json").status_code == 200
    assert stored() == EXPECTED
    refused = api.post("/api/actuals/bulk/", {"rows": german}, format="json")  # the default formats
    assert refused.status_code == 400 and refused.data["status"] == "failed"
    assert refused.data["errors"][:2] == [
        {
            "row": 1,
            "column": "date",
            "reason": "'31.03.2027' is not a date in the format YYYY-MM-DD (like 2027-03-31); "
            "declare the date format DD.MM.YYYY if the file uses it",
        },
        {
            "row": 1,
            "column": "value",
            "reason": "'1.234.567,5' is not a number like 1234.50: ',' is not allowed in this format "
            "(declare the number format 1.234,50 if the file uses it)",
        },
    ]
    assert stored() == EXPECTED  # unchanged


def test_the_schema_documents_the_declared_formats(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    components = schema["components"]["schemas"]
    for name in ("BulkRequest", "UploadRequest"):
        properties = components[name]["properties"]
        assert properties["number_format"]["default"] == "1234.50"
        assert properties["date_format"]["default"] == "YYYY-MM-DD"
    assert "number_format" in components["GridImportRequest"]["properties"]


# --- Typed numbers ------------------------------------------------------------------------------------------


def test_numbers_typed_into_forms_are_plain_numbers(org, people):
    profiles = SeasonalityProfile.objects.none()
    form = forms.PhaseForm(data={"annual": "1,000"}, profiles=profiles)
    assert not form.is_valid()
    assert form.errors["annual"] == [
        "'1,000' is not a number like 1234.50: ',' is not allowed in this format"
    ]
    assert forms.PhaseForm(data={"annual": "1000.5"}, profiles=profiles).is_valid()
    kpi = KPI.objects.get(code="leads")
    with pytest.raises(services.ValidationError, match="'1,000' is not a number like 1234.50"):
        services.targets_set(
            actor=people.leader,
            kpi=kpi,
            org_unit=org.team_a1,
            seller=None,
            fiscal_year=2027,
            months=["1,000"] + ["0"] * 11,
        )
