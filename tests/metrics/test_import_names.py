"""A file of actuals may name its KPI, unit and seller by code or by exact name: an ambiguous name is
refused naming the candidates, a near miss gets "did you mean", and the bulk API reads them the same."""

import datetime as dt
from decimal import Decimal as D

from metrics import importer
from metrics.models import KPI, Actual
from orgs.models import OrgUnit
from tests.conftest import api_as
from tests.factories import SellerFactory
from tests.metrics.test_import import csv_bytes


def load(actor, rows):
    return importer.submit(actor=actor, name="actuals.csv", data=csv_bytes(rows), run_inline=True)


def test_a_file_naming_kpis_units_and_sellers_by_name_loads(org, people):
    sam = SellerFactory(org_unit=org.team_a1, name="Sam Seller", email="sam@example.test")
    batch = load(
        people.leader,
        [
            ("Leads", "Team A1", "", "2027-02-01", "3"),
            ("  calls   MADE ", " team a1 ", "sam seller", "2027-02-01", "12"),
            ("LEADS", "TEAM-A1", "SAM@example.test", "2027-02-02", "4"),
        ],
    )
    assert (batch.status, batch.message) == ("done", "3 rows read; 3 new or changed values.")
    loaded = Actual.objects.order_by("kpi__code", "date")
    assert list(loaded.values_list("kpi__code", "org_unit__code", "seller", "date", "value")) == [
        ("calls-made", "team-a1", sam.pk, dt.date(2027, 2, 1), D("12")),
        ("leads", "team-a1", None, dt.date(2027, 2, 1), D("3")),
        ("leads", "team-a1", sam.pk, dt.date(2027, 2, 2), D("4")),
    ]


def test_a_name_two_units_share_is_refused_naming_both(org, people):
    OrgUnit.objects.filter(pk__in=[org.team_a1.pk, org.team_a2.pk]).update(name="North")
    batch = load(people.ops, [("leads", "north", "", "2027-02-01", "3")])
    assert batch.status == "failed" and not Actual.objects.exists()
    assert batch.errors == [
        {
            "row": 2,
            "column": "unit",
            "reason": "'north' is ambiguous: it names both 'team-a1' (North) and 'team-a2' (North); "
            "write the code",
        }
    ]


def test_a_code_written_as_it_is_names_its_own_kpi_even_when_another_is_named_like_it(org, people):
    KPI.objects.create(code="mql", name="leads")  # named like the code of Leads
    refused = load(people.leader, [("Leads", "team-a1", "", "2027-02-01", "3")])
    assert refused.errors[0]["reason"] == (
        "'Leads' is ambiguous: it names both 'leads' (Leads) and 'mql' (leads); write the code"
    )
    loaded = load(people.leader, [("leads", "team-a1", "", "2027-02-01", "3")])
    assert loaded.status == "done" and Actual.objects.get().kpi.code == "leads"


def test_two_sellers_of_one_name_are_refused_naming_both(org, people):
    SellerFactory(org_unit=org.team_a1, name="Alex Kim", email="alex.kim@example.test")
    SellerFactory(org_unit=org.team_a1, name="Alex Kim", email="akim@example.test")
    batch = load(people.leader, [("leads", "", "Alex Kim", "2027-02-01", "3")])
    assert batch.errors[0] == {
        "row": 2,
        "column": "seller",
        "reason": "'Alex Kim' is ambiguous: it names both 'akim@example.test' (Alex Kim) and "
        "'alex.kim@example.test' (Alex Kim); write the code",
    }


def test_a_typo_gets_the_closest_codes_and_names_as_suggestions(org, people):
    SellerFactory(org_unit=org.team_a1, name="Sam Seller", email="sam@example.test")
    SellerFactory(org_unit=org.team_b1, name="Sam Sellers", email="sams@example.test")  # not the leader's
    batch = load(
        people.leader,
        [
            ("Revnue", "team-a1", "", "2027-02-01", "3"),
            ("leads", "team-a11", "", "2027-02-01", "3"),
            ("leads", "team-a1", "sam@exmple.test", "2027-02-01", "3"),
            ("deal won", "Team A1", "", "2027-02-01", "3"),
            ("nothing like it", "team-a1", "", "2027-02-01", "3"),
        ],
    )
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (2, "kpi", "no active KPI has the code or name 'Revnue'; did you mean 'revenue' (Revenue)?"),
        # team-a2 and team-b1 are as close, but the leader of team A1 may not load them
        (3, "unit", "no unit has the code or name 'team-a11'; did you mean 'team-a1' (Team A1)?"),
        (
            4,
            "seller",
            "no seller has the e-mail or name 'sam@exmple.test' in the units you may load; "
            "did you mean 'sam@example.test' (Sam Seller)?",
        ),
        (5, "kpi", "no active KPI has the code or name 'deal won'; did you mean 'deals-won' (Deals won)?"),
        (6, "kpi", "no active KPI has the code or name 'nothing like it'"),
    ]
    assert not Actual.objects.exists()


def test_a_unit_one_may_not_load_is_named_as_such_by_code_or_name(org, people):
    batch = load(people.leader, [("leads", "Team B1", "", "2027-02-01", "3")])
    assert batch.errors[0]["reason"] == "you may not load actuals for this unit (Team B1)"


def test_the_bulk_api_reads_names_and_suggests_the_same_way(org, people):
    client = api_as(people.leader)
    rows = [{"kpi": "Leads", "unit": "Team A1", "date": "2027-02-01", "value": "3"}]
    assert client.post("/api/actuals/bulk/", {"rows": rows}, format="json").status_code == 200
    assert Actual.objects.get().value == D("3")
    typo = [{"kpi": "Leeds", "unit": "Team A1", "date": "2027-02-01", "value": "5"}]
    response = client.post("/api/actuals/bulk/", {"rows": typo}, format="json")
    assert response.status_code == 400
    assert response.data["errors"] == [
        {
            "row": 1,
            "column": "kpi",
            "reason": "no active KPI has the code or name 'Leeds'; did you mean 'leads' (Leads)?",
        }
    ]
    assert Actual.objects.get().value == D("3")
