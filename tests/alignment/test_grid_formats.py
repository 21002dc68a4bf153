"""The target grid read from a file one documented way: every refusal names row, column and text found,
nothing is changed, and a declared number format loads the same values as the plain one."""

import csv
import io
import re
import zipfile
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.models import FiscalCalendar
from planning import cascade, gridfile
from planning import grid as target_grid
from planning.models import TargetAllocation
from tests.conftest import api_as


@pytest.fixture
def grid(region_plan, region_lead):
    """Region A's grid after an equal cascade of 1,000,000 with no buffer: two rows of 500,000."""
    region_plan.refresh_from_db()
    cascade.cascade_run(
        actor=region_lead,
        plan=region_plan,
        version=region_plan.version,
        method="equal",
        level="units",
        buffer_percent=D("0"),
    )
    return region_plan


def snapshot(plan) -> list:
    return list(TargetAllocation.objects.filter(plan=plan).order_by("pk").values_list("months", "version"))


def csv_upload(plan, months: list[str], *, separator=",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(gridfile.header(FiscalCalendar.load().rules, plan.fiscal_year))
    writer.writerow(["team-a1", "Team A1", *months, ""])
    return SimpleUploadedFile("grid.csv", out.getvalue().encode())


def imported(plan, actor, upload, number_format=None) -> int:
    rows = gridfile.read_rows(
        upload, FiscalCalendar.load().rules, plan.fiscal_year, number_format=number_format
    )
    return target_grid.grid_import(actor=actor, plan=plan, rows=rows)


def refused_row(plan, actor, upload, number_format=None) -> str:
    before = snapshot(plan)
    with pytest.raises(target_grid.GridImportError) as caught:
        imported(plan, actor, upload, number_format)
    assert snapshot(plan) == before  # nothing changed
    [error] = caught.value.errors
    return f"row {error.line} ({error.code}): {error.message}"


def refused_file(plan, upload) -> str:
    with pytest.raises(ValidationError) as caught:
        gridfile.read_rows(upload, FiscalCalendar.load().rules, plan.fiscal_year)
    return " ".join(caught.value.messages)


def test_a_thousands_separator_under_the_plain_format_is_refused_with_row_column_and_text(grid, region_lead):
    message = refused_row(grid, region_lead, csv_upload(grid, ["1,000.50"] * 12))
    assert message.startswith(
        "row 2 (team-a1): Jan 2028 · P1 (column 3): '1,000.50' is not a number like 1234.50: "
        "',' is not allowed in this format (declare the number format 1,234.50 if the file uses it)"
    )


def test_a_quoted_decimal_comma_and_a_dot_thousands_number_are_refused(grid, region_lead):
    message = refused_row(grid, region_lead, csv_upload(grid, ["369396,97"] + ["0"] * 11))
    assert "Jan 2028 · P1 (column 3): '369396,97' is not a number like 1234.50" in message
    message = refused_row(grid, region_lead, csv_upload(grid, ["0"] * 11 + ["204.000,00"]))
    assert "Dec 2028 · P12 (column 14): '204.000,00' is not a number like 1234.50" in message


def test_an_unquoted_decimal_comma_gives_a_row_more_cells_than_the_header(grid, region_lead):
    header = ",".join(gridfile.header(FiscalCalendar.load().rules, grid.fiscal_year))
    line = "team-a1,Team A1,369396,97" + ",0" * 11 + ","  # the first month split in two
    before = snapshot(grid)
    message = refused_file(grid, SimpleUploadedFile("grid.csv", f"{header}\n{line}\n".encode()))
    assert message.startswith("Row 2, column 16: 16 cells where the header names 15; the extra cell holds ''")
    assert "'team-a1,Team A1,369396,97,0,0" in message
    assert snapshot(grid) == before


def test_currency_and_percent_signs_are_refused(grid, region_lead):
    message = refused_row(grid, region_lead, csv_upload(grid, ["$1000"] + ["5%"] + ["0"] * 10))
    assert "Jan 2028 · P1 (column 3): '$1000' is not a number like 1234.50: a currency sign ($)" in message
    assert "Feb 2028 · P2 (column 4): '5%' is not a number like 1234.50: a percent sign" in message


def test_a_semicolon_separated_file_is_refused_as_such(grid):
    message = refused_file(grid, csv_upload(grid, ["1000,50"] * 12, separator=";"))
    assert message.startswith("Row 1: this file separates columns with ';', not ','")


def test_a_declared_number_format_loads_the_same_values_as_the_plain_one(grid, region_lead):
    plain = ["1234567.50", "0.25", "1000", *(["0"] * 9)]
    commas = ["1,234,567.50", "0.25", "1,000", *(["0"] * 9)]
    dots = ["1.234.567,50", "0,25", "1.000", *(["0"] * 9)]
    amounts = []
    for months, declared in ((plain, None), (commas, "1,234.50"), (dots, "1.234,50")):
        imported(grid, region_lead, csv_upload(grid, months), declared)
        amounts.append(TargetAllocation.objects.get(plan=grid, org_unit__code="team-a1").month_amounts[:3])
    assert amounts == [[D("1234567.50"), D("0.25"), D("1000.00")]] * 3


def test_an_xlsx_whose_dimension_claims_one_row_is_read_whole(grid, region_lead):
    rules = FiscalCalendar.load().rules
    data = gridfile.table(grid, target_grid.allocation_rows(grid), rules)
    data[2][2:14] = [D("7")] * 12  # team-a2's months
    body = gridfile.to_xlsx(data, "t")
    source, out = zipfile.ZipFile(io.BytesIO(body)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B1"', content)
            target.writestr(item, content)
    assert imported(grid, region_lead, SimpleUploadedFile("g.xlsx", out.getvalue())) == 1
    assert TargetAllocation.objects.get(plan=grid, org_unit__code="team-a2").amount == D("84.00")  # 12 × 7


def test_the_page_and_the_api_take_a_declared_number_format(client, grid, region_lead):
    client.force_login(region_lead)
    upload = csv_upload(grid, ["1.000,50"] * 12)
    response = client.post(
        reverse("planning:grid-import", args=[grid.pk]), {"file": upload, "number_format": "1.234,50"}
    )
    assert response.status_code == 200  # it would replace values: the page asks first
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    response = client.post(reverse("planning:grid-import-apply", args=[grid.pk]), {"token": token})
    assert response.status_code == 302
    assert TargetAllocation.objects.get(plan=grid, org_unit__code="team-a1").amount == D(
        "12006.00"
    )  # 12 × 1000.50
    page = client.get(reverse("planning:targets", args=[grid.pk])).content.decode()
    assert '<option value="1234.50" selected>' in page and '<option value="1.234,50">' in page
    api = api_as(region_lead)
    upload = csv_upload(grid, ["2,000.25"] * 12)
    refused = api.post(f"/api/plans/{grid.pk}/target-grid/import/", {"file": upload}, format="multipart")
    assert (
        refused.status_code == 400
        and "'2,000.25' is not a number like 1234.50" in refused.data["rows"][0]["message"]
    )
    upload.seek(0)
    done = api.post(
        f"/api/plans/{grid.pk}/target-grid/import/",
        {"file": upload, "number_format": "1,234.50"},
        format="multipart",
    )
    assert done.status_code == 200 and done.data == {"changed": 1}
    assert TargetAllocation.objects.get(plan=grid, org_unit__code="team-a1").amount == D(
        "24003.00"
    )  # 12 × 2000.25
