"""The references of an actual (KPI, unit, seller, import batch) and of a stored rollup (plan, KPI, unit,
seller) hold as strictly as foreign keys: on PostgreSQL by statement-level triggers
(core.statement_references), on SQLite by its foreign keys. A write naming a missing row changes nothing;
a referenced row cannot be deleted from under them; the application's own deletes (cascade, protect, set
null) go on as before."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, OperationalError, close_old_connections, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from metrics import rollup
from metrics.models import KPI, Actual, ActualMonth, ImportBatch, QuarterlyRollup
from orgs.models import OrgUnit, Seller
from planning.models import Plan
from tests.factories import PlanFactory, SellerFactory

DAY = dt.date(2028, 3, 1)
MISSING = 987_654_321

pytestmark = pytest.mark.django_db(transaction=True)  # SQLite checks its foreign keys at commit


@pytest.fixture
def setting(org):
    kpi = KPI.objects.create(code="ref-check", name="Reference check")
    seller = SellerFactory(org_unit=org.team_a1)
    batch = ImportBatch.objects.create(file_name="march.csv")
    return kpi, seller, batch


def _row(kpi, seller, batch, **changes) -> dict:
    row = {
        "kpi_id": kpi.pk,
        "org_unit_id": seller.org_unit_id,
        "seller_id": seller.pk,
        "date": DAY,
        "value": Decimal("1200"),
        "batch_id": batch.pk,
    }
    return row | changes


@pytest.mark.parametrize("column", ["kpi_id", "org_unit_id", "seller_id", "batch_id"])
def test_a_row_naming_a_missing_reference_is_refused_and_nothing_is_written(setting, column):
    kpi, seller, batch = setting
    Actual.objects.create(**_row(kpi, seller, batch))
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Actual.objects.bulk_create(
            [
                Actual(**_row(kpi, seller, batch, date=DAY + dt.timedelta(days=1))),
                Actual(**_row(kpi, seller, batch, date=DAY + dt.timedelta(days=2), **{column: MISSING})),
            ]
        )
    if connection.vendor == "postgresql":
        assert f"Key ({column})=({MISSING}) is not present" in str(refused.value)
    assert list(Actual.objects.values_list("date", flat=True)) == [DAY]
    assert list(ActualMonth.objects.values_list("total", "count")) == [(Decimal("1200"), 1)]


@pytest.mark.parametrize("column", ["kpi_id", "org_unit_id", "seller_id", "batch_id"])
def test_an_update_to_a_missing_reference_is_refused(setting, column):
    kpi, seller, batch = setting
    actual = Actual.objects.create(**_row(kpi, seller, batch))
    with pytest.raises(IntegrityError), transaction.atomic():
        Actual.objects.filter(pk=actual.pk).update(**{column: MISSING})
    assert getattr(Actual.objects.get(), column) == getattr(actual, column)


@pytest.mark.parametrize(
    "model, pk",
    [(KPI, "kpi_id"), (OrgUnit, "org_unit_id"), (Seller, "seller_id"), (ImportBatch, "batch_id")],
)
def test_a_referenced_row_is_not_deleted_from_under_the_actuals(setting, model, pk):
    kpi, seller, batch = setting
    actual = Actual.objects.create(**_row(kpi, seller, batch))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [getattr(actual, pk)])
    assert model.objects.filter(pk=getattr(actual, pk)).exists()
    assert Actual.objects.filter(pk=actual.pk).exists()


def test_the_applications_deletes_cascade_protect_and_set_null_as_before(setting):
    kpi, seller, batch = setting
    kept = Actual.objects.create(**_row(kpi, seller, batch, seller_id=None))
    Actual.objects.create(**_row(kpi, seller, batch))
    batch.delete()
    assert list(Actual.objects.values_list("batch_id", flat=True)) == [None, None]
    with pytest.raises(ProtectedError):
        kpi.delete()
    seller.delete()
    assert list(Actual.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(ActualMonth.objects.values_list("seller_id", "count")) == [(None, 1)]


@pytest.mark.postgres
def test_a_reference_written_stays_locked_until_its_transaction_ends(setting):
    # What PostgreSQL's own foreign key does: the writer holds its references FOR KEY SHARE, so a
    # delete elsewhere waits (here: times out); once the rows are committed, the delete is refused.
    kpi, seller, batch = setting
    written, go_on = threading.Event(), threading.Event()

    def writer() -> None:
        close_old_connections()
        with transaction.atomic():
            Actual.objects.create(**_row(kpi, seller, batch))
            written.set()
            go_on.wait(10)
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    written.wait(10)
    try:
        with (
            pytest.raises(OperationalError, match="lock timeout"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
            cursor.execute("DELETE FROM orgs_seller WHERE id = %s", [seller.pk])
    finally:
        go_on.set()
        thread.join()
    with (
        pytest.raises(IntegrityError, match="still referenced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM orgs_seller WHERE id = %s", [seller.pk])
    assert Actual.objects.filter(seller=seller).count() == 1


@pytest.mark.parametrize("column", ["plan_id", "kpi_id", "org_unit_id", "seller_id"])
def test_a_rollup_row_naming_a_missing_reference_is_refused(setting, column):
    kpi, seller, _ = setting
    plan = PlanFactory(org_unit=seller.org_unit)
    row = {"plan_id": plan.pk, "quarter": 1, "kpi_id": kpi.pk, "org_unit_id": seller.org_unit_id}
    row |= {"seller_id": seller.pk, "status": "on_track", "coverage": 1, "computed_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyRollup.objects.create(**row | {column: MISSING})
    QuarterlyRollup.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM planning_plan WHERE id = %s", [plan.pk])
    plan.delete()  # the application's cascade
    assert not QuarterlyRollup.objects.exists()


def test_a_saved_rollup_passes_its_checks(setting):
    kpi, seller, batch = setting
    Actual.objects.create(**_row(kpi, seller, batch, date=dt.date(2028, 1, 15)))
    plan = PlanFactory(org_unit=seller.org_unit, fiscal_year=2028)
    assert rollup.save(plan, 1, today=dt.date(2028, 4, 1)) > 0
    assert QuarterlyRollup.objects.filter(plan=plan, kpi=kpi, seller=seller).get().actual == Decimal("1200")
    assert Plan.objects.filter(pk=plan.pk).exists()
