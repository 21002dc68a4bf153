"""Budget spend read one documented way, from a file or typed in the grid: every refusal names the row,
column and text found and changes nothing; a declared number format loads the same values."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets import services
from budgets.models import BudgetLine, Spend
from orgs.models import FiscalCalendar
from planning import gridfile
from tests.conftest import sheet_post

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def budget(plan, people):
    budget = services.budget_create(actor=people.leader, plan=plan, total=D("300000"))
    services.line_create(
        actor=people.leader,
        budget=budget,
        values={"name": "Events", "category": "programs", "growth": False, "expected_value": D("1")},
        opening=D("100000"),
    )
    return budget


def spend_file(plan, months: list[str], *, separator=",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(gridfile.header(FiscalCalendar.load().rules, plan.fiscal_year))
    writer.writerow(["Events", "Programs", *months, ""])
    return SimpleUploadedFile("spend.csv", out.getvalue().encode())


def post_file(client, plan, upload, **declared) -> str:
    response = client.post(reverse("budgets:spend-import", args=[plan.pk]), {"file": upload, **declared})
    assert response.status_code == 302
    return " ".join(str(m) for m in response.wsgi_request._messages)


def spent() -> D:
    return sum((s.amount for s in Spend.objects.all()), D("0"))


def test_a_decimal_comma_is_refused_with_row_column_and_text_and_nothing_is_stored(
    client, budget, plan, people
):
    # LibreOffice in a German locale writes 1234,56 quoted in a comma-separated file.
    client.force_login(people.leader)
    message = post_file(client, plan, spend_file(plan, ["1234,56"] + ["0"] * 11))
    assert "spend.csv was not imported, nothing changed." in message
    assert "row 2 (Events): Jan 2028 · P1 (column 3): '1234,56' is not a number like 1234.50" in message
    message = post_file(client, plan, spend_file(plan, ["0"] * 11 + ["204.000,00"]))
    assert "Dec 2028 · P12 (column 14): '204.000,00' is not a number like 1234.50" in message
    assert spent() == 0


def test_thousands_currency_and_percent_are_refused_under_the_plain_format(client, budget, plan, people):
    client.force_login(people.leader)
    message = post_file(client, plan, spend_file(plan, ["1,000.00", "€5", "3%"] + ["0"] * 9))
    assert "Jan 2028 · P1 (column 3): '1,000.00' is not a number like 1234.50: ',' is not allowed" in message
    assert "Feb 2028 · P2 (column 4): '€5' is not a number like 1234.50: a currency sign (€)" in message
    assert "Mar 2028 · P3 (column 5): '3%' is not a number like 1234.50: a percent sign" in message
    assert spent() == 0


def test_a_semicolon_separated_file_is_refused_as_such(client, budget, plan, people):
    client.force_login(people.leader)
    message = post_file(client, plan, spend_file(plan, ["1234,56"] * 12, separator=";"))
    assert "Row 1: this file separates columns with ';', not ','" in message
    assert spent() == 0


def test_a_declared_number_format_loads_the_same_values_as_the_plain_one(client, budget, plan, people):
    client.force_login(people.leader)
    page = client.get(reverse("budgets:plan", args=[plan.pk])).content.decode()
    assert '<select name="number_format" id="spend-number_format">' in page
    assert '<option value="1234.50" selected>' in page  # the plain format first, chosen
    totals = []
    for months, declared in (
        (["1234.56", "1000"], {}),
        (["1.234,56", "1.000"], {"number_format": "1.234,50"}),
        (["1,234.56", "1,000"], {"number_format": "1,234.50"}),
    ):
        Spend.objects.all().delete()
        assert "Spend imported: 1 line(s) changed." in post_file(
            client, plan, spend_file(plan, months + ["0"] * 10), **declared
        )
        totals.append(sorted(Spend.objects.values_list("period", "amount")))
    assert totals == [[(1, D("1234.56")), (2, D("1000.00"))]] * 3


def test_a_typed_grid_cell_is_read_as_the_users_locale_writes_numbers(client, budget, plan, people):
    client.force_login(people.leader)
    line = BudgetLine.objects.get(name="Events")
    url = reverse("budgets:spend-cells", args=[plan.pk])

    def cell(value, version=0, **extra):
        return sheet_post(
            client, url, [{"row": str(line.pk), "col": "m2", "value": value, "version": version}], **extra
        )

    bad = cell("1.000,50")  # a German amount typed on an English (US) page: never read as 1.0005
    assert bad.status_code == 422
    assert "'1.000,50'" in bad.json()["errors"][0]["message"] and "Feb" in bad.json()["errors"][0]["message"]
    assert spent() == 0
    assert cell("1,000.50").status_code == 200 and spent() == D("1000.50")
    german = cell("2.000,25", version=1, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert german.status_code == 200 and spent() == D("2000.25")
    assert german.json()["rows"][str(line.pk)]["m2"]["exact"] == "2.000,25"
