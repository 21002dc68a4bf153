"""Pipeline snapshots load through the one importer: every bad row with its row and column, all or
nothing, an idempotent upsert on (snapshot date, external id), by upload and by the API."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

from metrics import importer
from metrics.models import ImportBatch, Opportunity
from tests.conftest import api_as
from tests.factories import SellerFactory

HEADER = (
    "snapshot_date",
    "external_id",
    "name",
    "unit",
    "seller",
    "amount",
    "stage",
    "probability",
    "category",
    "close_date",
)


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def deals(seller_email: str):
    return [
        (
            "2026-11-04",
            "OPP-1",
            "Acme renewal",
            "team-a1",
            "",
            "120000",
            "Negotiate",
            "60",
            "Commit",
            "2026-12-15",
        ),
        (
            "2026-11-04",
            "OPP-2",
            "Beta",
            "",
            seller_email,
            "80000.50",
            "Discover",
            "20",
            "pipeline",
            "2027-01-20",
        ),
        ("2026-11-04", "OPP-3", "Gamma", "Team A1", "", "50000", "Closed", "100", "closed won", "2026-11-02"),
    ]


def submit(actor, rows, **extra):
    return importer.submit(
        actor=actor, name="pipeline.csv", data=csv_bytes(rows), run_inline=True, loads="pipeline", **extra
    )


def test_a_snapshot_loads_by_unit_or_seller_with_categories_by_label_or_value(org, people):
    seller = SellerFactory(org_unit=org.team_a1, email="ann@example.test")
    batch = submit(people.leader, deals(seller.email))
    assert (batch.status, batch.loads, batch.loaded_rows) == ("done", "pipeline", 3), batch.errors
    assert batch.message == "3 rows read; 3 new, changed or removed deals."
    rows = {o.external_id: o for o in Opportunity.objects.all()}
    assert rows["OPP-1"].category == "commit" and rows["OPP-1"].seller is None
    assert (rows["OPP-2"].seller, rows["OPP-2"].org_unit, rows["OPP-2"].amount) == (
        seller,
        org.team_a1,
        D("80000.50"),
    )
    assert rows["OPP-3"].category == "closed_won" and rows["OPP-3"].close_date == dt.date(2026, 11, 2)
    assert {o.batch_id for o in rows.values()} == {batch.pk}


def test_loading_the_same_file_again_changes_nothing_and_a_changed_deal_counts_one(org, people):
    seller = SellerFactory(org_unit=org.team_a1, email="ann@example.test")
    first = submit(people.leader, deals(seller.email))
    second = submit(people.leader, deals(seller.email))
    assert (second.status, second.loaded_rows, Opportunity.objects.count()) == ("done", 0, 3)
    assert set(Opportunity.objects.values_list("batch", flat=True)) == {first.pk}
    changed = deals(seller.email)
    changed[0] = (*changed[0][:5], "125000", *changed[0][6:])
    third = submit(people.leader, changed)
    assert (third.loaded_rows, Opportunity.objects.get(external_id="OPP-1").amount) == (1, D("125000"))


def test_a_file_replaces_the_snapshot_of_its_units_so_a_dropped_deal_is_gone(org, people):
    seller = SellerFactory(org_unit=org.team_a1, email="ann@example.test")
    other = (
        "2026-11-04",
        "OPP-9",
        "Team A2's",
        "team-a2",
        "",
        "70000",
        "Discover",
        "30",
        "pipeline",
        "2026-12-01",
    )
    submit(people.ops, [*deals(seller.email), other])
    corrected = submit(people.leader, deals(seller.email)[:2])  # OPP-3 was a mistake in team A1's file
    assert (corrected.status, corrected.loaded_rows) == ("done", 1)
    assert corrected.message == "2 rows read; 1 new, changed or removed deals."
    assert set(Opportunity.objects.values_list("external_id", flat=True)) == {"OPP-1", "OPP-2", "OPP-9"}


def test_every_bad_row_is_reported_with_its_column_and_nothing_loads(org, people):
    rows = deals("nobody@example.test")
    rows[0] = ("2026-11-04", "OPP-1", "", "team-a1", "", "12,000", "", "140", "Maybe", "2026-13-01")
    rows.append(("2026-11-04", "OPP-3", "dup", "team-a1", "", "1", "", "10", "commit", "2026-12-01"))
    batch = submit(people.leader, rows)
    assert batch.status == "failed" and not Opportunity.objects.exists()
    found = {(e["row"], e["column"]) for e in batch.errors}
    assert found == {
        (2, "amount"),
        (2, "probability"),
        (2, "category"),
        (2, "close_date"),
        (3, "seller"),
        (5, "external_id"),
    }
    reasons = {(e["row"], e["column"]): e["reason"] for e in batch.errors}
    assert "not a forecast category; use one of Pipeline, Best case, Commit" in reasons[(2, "category")]
    assert reasons[(5, "external_id")] == "repeats row 4 (same snapshot date and external id)"


def test_a_unit_outside_the_loaders_units_is_refused(org, people):
    rows = [("2026-11-04", "OPP-9", "", "team-b1", "", "10", "", "10", "commit", "2026-12-01")]
    batch = submit(people.leader, rows)
    assert batch.status == "failed"
    assert batch.errors[0]["column"] == "unit" and "may not load the pipeline of" in batch.errors[0]["reason"]


def test_a_header_without_the_pipeline_columns_is_refused_whole(org, people):
    batch = importer.submit(
        actor=people.leader,
        name="p.csv",
        data=b"kpi,unit,date,value\nleads,team-a1,2026-11-01,3\n",
        run_inline=True,
        loads="pipeline",
    )
    assert batch.status == "failed" and "header of a pipeline snapshot" in batch.message


def test_declared_formats_read_amounts_and_dates(org, people):
    rows = [("04/11/2026", "OPP-1", "", "team-a1", "", "1.234,50", "", "62,5", "best case", "15/12/2026")]
    batch = submit(people.leader, rows, number_format="1.234,50", date_format="DD/MM/YYYY")
    assert batch.status == "done", batch.errors
    deal = Opportunity.objects.get()
    assert (deal.amount, deal.probability, deal.close_date) == (
        D("1234.50"),
        D("62.5"),
        dt.date(2026, 12, 15),
    )


def test_the_api_loads_rows_and_lists_them_by_snapshot_to_those_who_see_the_unit(org, people):
    row = dict(zip(HEADER, deals("")[0], strict=True))
    answer = api_as(people.leader).post("/api/opportunities/load/", {"rows": [row]}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["loaded_rows"] == 1
    assert ImportBatch.objects.get().loads == "pipeline"
    listed = api_as(people.viewer).get("/api/opportunities/?snapshot_date=2026-11-04").json()
    assert [r["external_id"] for r in listed["results"]] == ["OPP-1"]
    assert api_as(people.sibling).get("/api/opportunities/").json()["results"] == []
    bad = api_as(people.leader).post(
        "/api/opportunities/load/", {"rows": [row | {"probability": "101"}]}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["column"] == "probability"
    assert (
        api_as(people.viewer).post("/api/opportunities/load/", {"rows": [row]}, format="json").status_code
        == 403
    )


def test_the_pipeline_template_loads_as_it_is_and_the_imports_page_takes_a_snapshot(org, people, client):
    SellerFactory(org_unit=org.team_a1, email="ann@example.test")
    client.force_login(people.leader)
    for fmt in ("csv", "xlsx"):
        answer = client.get(f"/kpis/imports/template.{fmt}?holds=pipeline")
        assert answer.status_code == 200 and f"pipeline-template.{fmt}" in answer["Content-Disposition"]
        batch = importer.submit(
            actor=people.leader, name=f"t.{fmt}", data=answer.content, run_inline=True, loads="pipeline"
        )
        assert (batch.status, batch.loaded_rows) == ("done", 2 if fmt == "csv" else 0), batch.errors
    data = csv_bytes(deals("ann@example.test"))
    upload = io.BytesIO(data)
    upload.name = "snapshot.csv"
    answer = client.post("/kpis/imports/", {"loads": "pipeline", "file": upload})
    batch = ImportBatch.objects.latest("pk")
    assert answer.status_code == 302 and (batch.loads, batch.status, batch.loaded_rows) == (
        "pipeline",
        "done",
        3,
    )
