"""The template an import of actuals starts from: the header and two example rows from the real catalogue,
which load as they are when uploaded back; the XLSX lists the codes and names on a second sheet. Only those
who may load actuals download it."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from metrics.models import Actual, ImportBatch
from orgs.models import FiscalCalendar
from tests.factories import SellerFactory

TODAY = dt.date(2027, 5, 15)  # FY2028 of a calendar starting in April, named by the year it ends


@pytest.fixture
def catalogue(org, monkeypatch):
    """Sellers in team A1 (one has left) and in team B1; a fiscal year from April."""
    FiscalCalendar.objects.update_or_create(pk=FiscalCalendar.load().pk, defaults={"start_month": 4})
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    SellerFactory(
        org_unit=org.team_a1, name="Ann Gone", email="ann@example.test", end_date=dt.date(2027, 3, 31)
    )
    SellerFactory(org_unit=org.team_a1, name="Sam Seller", email="sam@example.test")
    SellerFactory(org_unit=org.team_b1, name="Bea Far", email="bea@example.test")


def template(client, fmt: str):
    return client.get(reverse("kpi-import-template", args=[fmt]))


def test_the_csv_template_is_the_header_and_two_rows_from_the_catalogue(client, people, catalogue):
    client.force_login(people.leader)
    response = template(client, "csv")
    assert response["Content-Disposition"] == 'attachment; filename="actuals-template.csv"'
    # calls-made: the first summed KPI (by code) that is no side of a ratio; a count, so 42 and 37.
    # Sam Seller: the first of team A1's sellers still working. FY2028 months 1 and 2 end 30 Apr, 31 May.
    assert response.content.decode("utf-8") == (
        "\ufeffkpi,unit,seller,date,value\r\n"
        "calls-made,team-a1,,2027-04-30,42.00\r\n"
        "calls-made,team-a1,sam@example.test,2027-05-31,37.00\r\n"
    )


def test_the_xlsx_template_styles_its_header_and_lists_the_codes_one_may_use(client, people, catalogue):
    client.force_login(people.leader)
    book = load_workbook(io.BytesIO(template(client, "xlsx").content))
    assert book.sheetnames == ["Actuals", "Codes"]
    actuals, codes = book["Actuals"], book["Codes"]
    assert [c.value for c in actuals[1]] == ["kpi", "unit", "seller", "date", "value"]
    assert all(c.font.bold for c in actuals[1]) and actuals.freeze_panes == "A2"
    assert [[c.value for c in row] for row in actuals.iter_rows(min_row=2)] == [
        ["calls-made", "team-a1", None, dt.datetime(2027, 4, 30), 42],
        ["calls-made", "team-a1", "sam@example.test", dt.datetime(2027, 5, 31), 37],
    ]
    assert (actuals["D2"].number_format, actuals["E2"].number_format) == ("yyyy-mm-dd", "0.00")
    rows = [[c.value for c in row] for row in codes.iter_rows()]
    assert rows[0] == ["column", "code", "name", "note"]
    assert ["kpi", "revenue", "Revenue", None] in rows
    assert ["kpi", "win-rate", "Win rate", "a ratio: load deals-won and opportunities-closed instead"] in rows
    assert [r for r in rows[1:] if r[0] != "kpi"] == [  # the leader's unit and its sellers only
        ["unit", "team-a1", "Team A1", "Team"],
        ["seller", "sam@example.test", "Sam Seller", "in team-a1"],
        ["seller", "ann@example.test", "Ann Gone", "in team-a1, left 2027-03-31"],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", ["leader", "ops"])
def test_the_templates_example_rows_load_when_uploaded_back(client, people, catalogue, role, fmt):
    client.force_login(getattr(people, role))
    body = template(client, fmt).content
    response = client.post(reverse("kpi-imports"), {"file": SimpleUploadedFile(f"template.{fmt}", body)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.errors == []
    assert (batch.status, batch.message) == ("done", "2 rows read; 2 new or changed values.")
    loaded = Actual.objects.order_by("date").values_list(
        "kpi__code", "org_unit__code", "seller__email", "date", "value"
    )
    assert list(loaded) == [
        ("calls-made", "team-a1", None, dt.date(2027, 4, 30), D("42")),
        ("calls-made", "team-a1", "sam@example.test", dt.date(2027, 5, 31), D("37")),
    ]


@pytest.mark.parametrize("role", ["executive", "viewer", "outsider"])
def test_only_those_who_may_load_actuals_download_the_template(client, people, catalogue, role):
    client.force_login(getattr(people, role))
    assert template(client, "csv").status_code == 403
    page = client.get(reverse("kpi-imports")).content.decode()
    assert "Start from a template" not in page


def test_the_template_is_a_csv_or_an_xlsx_and_asks_a_visitor_to_sign_in(client, people, catalogue):
    assert template(client, "csv")["Location"].startswith(reverse("login"))
    client.force_login(people.leader)
    assert template(client, "pdf").status_code == 404


def test_the_imports_page_offers_the_templates_and_says_how_columns_name_things(client, people, catalogue):
    client.force_login(people.sibling)
    page = client.get(reverse("kpi-imports")).content.decode()
    assert (
        'Start from a template: <a href="/kpis/imports/template.xlsx" download>XLSX</a> or '
        '<a href="/kpis/imports/template.csv" download>CSV</a>'
    ) in page
    assert "<code>kpi</code> is a KPI's code or name, <code>unit</code> an org unit's code or name" in page
    assert "Export XLSX</em> or <em>CSV</em> is the template" in page


def test_a_failed_imports_page_points_to_the_template(client, people, catalogue):
    client.force_login(people.leader)
    body = b"kpi,unit,date,value\nRevnue,team-a1,2027-04-30,5\n"
    client.post(reverse("kpi-imports"), {"file": SimpleUploadedFile("first.csv", body)})
    page = client.get(reverse("kpi-import", args=[ImportBatch.objects.get().pk])).content.decode()
    assert (
        "no active KPI has the code or name &#x27;Revnue&#x27;; did you mean &#x27;revenue&#x27; (Revenue)?"
        in page
    )
    assert (
        'The template lists them: <a href="/kpis/imports/template.xlsx" download>XLSX</a> or '
        '<a href="/kpis/imports/template.csv" download>CSV</a>.'
    ) in page
