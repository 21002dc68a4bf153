"""Loading actuals: refused whole before parsing when unsafe, all-or-nothing, idempotent, set-wise."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal as D

from openpyxl import Workbook

from metrics import importer
from metrics.models import Actual, ImportBatch
from metrics.tasks import run_import
from orgs.models import FiscalCalendar
from tests.conftest import api_as
from tests.factories import SellerFactory


def csv_bytes(rows, header=("kpi", "unit", "seller", "date", "value")):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def many_rows(count: int, unit="team-a1"):
    start = dt.date(2027, 1, 1)
    return [
        ("calls-made", unit, "", (start + dt.timedelta(days=i)).isoformat(), str(i % 50))
        for i in range(count)
    ]


def test_one_bad_row_among_thousands_changes_nothing_and_is_reported(org, people):
    rows = many_rows(3000)
    rows[1733] = ("calls-made", "team-a1", "", "2027-13-01", "12")
    batch = importer.submit(actor=people.leader, name="calls.csv", data=csv_bytes(rows), run_inline=True)
    assert batch.status == "failed" and batch.error_count == 1
    assert batch.errors == [
        {
            "row": 1735,
            "column": "date",
            "reason": "'2027-13-01' is not a date in the format YYYY-MM-DD (like 2027-03-31): "
            "month must be in 1..12",
        }
    ]
    assert not Actual.objects.exists()


def test_the_same_file_loaded_twice_leaves_the_same_rows(org, people):
    data = csv_bytes(many_rows(2500))
    first = importer.submit(actor=people.leader, name="calls.csv", data=data, run_inline=True)
    assert (first.status, first.loaded_rows, Actual.objects.count()) == ("done", 2500, 2500)
    snapshot = list(
        Actual.objects.order_by("pk").values_list("pk", "kpi", "org_unit", "date", "value", "updated_at")
    )
    second = importer.submit(actor=people.leader, name="calls.csv", data=data, run_inline=True)
    assert (second.status, second.loaded_rows) == ("done", 0)
    assert (
        list(
            Actual.objects.order_by("pk").values_list("pk", "kpi", "org_unit", "date", "value", "updated_at")
        )
        == snapshot
    )
    changed = csv_bytes([("calls-made", "team-a1", "", "2027-01-01", "999")])
    third = importer.submit(actor=people.leader, name="fix.csv", data=changed, run_inline=True)
    assert third.loaded_rows == 1 and Actual.objects.get(date=dt.date(2027, 1, 1)).value == D("999")


def test_every_problem_is_reported_with_row_column_and_reason(org, people):
    seller = SellerFactory(org_unit=org.team_b1, email="far@example.test")
    rows = [
        ("nope", "team-a1", "", "2027-02-01", "1"),
        ("win-rate", "team-a1", "", "2027-02-01", "0.3"),
        ("leads", "team-b1", "", "2027-02-01", "1"),  # another region: not the leader's
        ("leads", "no-such", "", "2027-02-01", "1"),
        ("leads", "team-a1", seller.email, "2027-02-01", "1"),
        ("leads", "team-a1", "", "2027-02-01", "ten"),
        ("leads", "team-a1", "", "2027-02-02", "1"),
        ("leads", "team-a1", "", "2027-02-02", "2"),
    ]
    batch = importer.submit(actor=people.leader, name="mixed.csv", data=csv_bytes(rows), run_inline=True)
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "kpi"), (3, "kpi"), (4, "unit"), (5, "unit"), (6, "seller"), (7, "value"), (9, "date"),
    ]  # fmt: skip
    assert "load its numerator and denominator" in batch.errors[1]["reason"]
    assert batch.errors[2]["reason"] == "you may not load actuals for this unit (team-b1)"
    assert batch.errors[6]["reason"] == "repeats row 8 (same KPI, unit or seller, date)"
    assert not Actual.objects.exists()


def xlsx_bytes(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["kpi", "unit", "date", "value"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_loads_with_real_dates_and_numbers(org, people):
    data = xlsx_bytes(
        [["leads", "team-a1", dt.date(2027, 3, 1), 40], ["leads", "team-a1", dt.date(2027, 4, 1), 12.5]]
    )
    batch = importer.submit(actor=people.leader, name="leads.xlsx", data=data, run_inline=True)
    assert batch.status == "done" and batch.loaded_rows == 2
    assert sorted(Actual.objects.values_list("value", flat=True)) == [D("12.5"), D("40")]


def test_malformed_and_oversized_workbooks_are_refused_before_parsing(org, people, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(importer, "read", never)
    not_zip = importer.submit(actor=people.leader, name="a.xlsx", data=b"PK\x03\x04 garbage", run_inline=True)
    assert not_zip.status == "failed" and "not a valid .xlsx" in not_zip.message

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 5_000_000 + b"</a>")
    refused = importer.submit(actor=people.leader, name="bomb.xlsx", data=bomb.getvalue(), run_inline=True)
    assert refused.status == "failed" and "compressed suspiciously far" in refused.message

    monkeypatch.setattr(importer, "MAX_BYTES", 1000)
    big = importer.submit(actor=people.leader, name="big.csv", data=b"x" * 2000, run_inline=True)
    assert big.status == "failed" and "the limit is" in big.message
    assert not Actual.objects.exists()


def test_a_large_upload_runs_as_a_job_and_reports_progress(org, people):
    batch = importer.submit(
        actor=people.leader, name="big.csv", data=csv_bytes(many_rows(2500)), run_inline=False
    )
    assert ImportBatch.objects.get(pk=batch.pk).status == "queued"  # handed to the worker
    assert run_import.apply(args=[batch.pk]).get() == "done"  # what the worker runs
    batch.refresh_from_db()
    assert (batch.processed_rows, batch.total_rows, batch.progress, batch.loaded_rows) == (
        2500,
        2500,
        100,
        2500,
    )
    assert batch.content is None


def test_the_bulk_api_endpoint(org, people):
    rows = [{"kpi": "revenue", "unit": "team-a1", "date": "2027-02-28", "value": "125000"}]
    api = api_as(people.leader)
    ok = api.post("/api/actuals/bulk/", {"rows": rows}, format="json")
    assert ok.status_code == 200 and ok.data["loaded_rows"] == 1
    again = api.post("/api/actuals/bulk/", {"rows": rows}, format="json")
    assert again.data["loaded_rows"] == 0 and Actual.objects.count() == 1
    bad = api.post(
        "/api/actuals/bulk/",
        {"rows": rows + [{"kpi": "revenue", "unit": "team-a1", "date": "x", "value": "1"}]},
        format="json",
    )
    assert bad.status_code == 400 and bad.data["errors"][0]["row"] == 2 and Actual.objects.count() == 1
    assert FiscalCalendar.load()
