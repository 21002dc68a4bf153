"""The monthly sums the KPI engine reads (`ActualMonth`) stay equal to the rows they sum whatever writes
the rows: single saves, bulk inserts, the importer's upsert, value edits, moves to another day or unit,
deletes and cascades — on SQLite (row triggers) and PostgreSQL (statement triggers)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import importer
from metrics.models import KPI, Actual, ActualMonth
from tests.factories import SellerFactory

DAY = st.integers(min_value=0, max_value=120).map(lambda d: dt.date(2028, 1, 1) + dt.timedelta(days=d))
VALUE = st.integers(min_value=-2000, max_value=5000).map(lambda cents: Decimal(cents) / 4)
WHO = st.integers(min_value=-1, max_value=1)  # -1: the unit's own row, else seller 0 or 1
ROW = st.tuples(st.integers(0, 1), st.integers(0, 1), WHO, DAY, VALUE)  # kpi, unit, seller, day, value
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), ROW),
        st.tuples(st.just("bulk"), st.lists(ROW, max_size=8)),
        st.tuples(st.just("import"), st.lists(ROW, max_size=8)),
        st.tuples(st.just("revalue"), st.integers(0, 50), VALUE),
        st.tuples(st.just("move"), st.integers(0, 50), DAY),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        st.tuples(st.just("delete_day"), DAY),
    ),
    max_size=12,
)


class Rollback(Exception):
    pass


def summed_rows() -> dict:
    want: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0, None, None])
    for a in Actual.objects.all():
        entry = want[a.kpi_id, a.org_unit_id, a.seller_id, a.date.replace(day=1)]
        entry[0] += a.value
        entry[1] += 1
        entry[2] = min(entry[2] or a.date, a.date)
        entry[3] = max(entry[3] or a.date, a.date)
    return {key: tuple(v) for key, v in want.items()}


def stored() -> dict:
    return {
        (m.kpi_id, m.org_unit_id, m.seller_id, m.month): (m.total, m.count, m.first_date, m.last_date)
        for m in ActualMonth.objects.all()
    }


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_monthly_sums_equal_the_rows_after_any_writes(org, ops):
    def run():
        kpis = [KPI.objects.create(code=f"m-{n}", name=f"M {n}") for n in range(2)]
        units = [org.team_a1, org.team_b1]
        sellers = [SellerFactory(org_unit=org.team_a1), SellerFactory(org_unit=org.team_b1)]

        def row(kpi, unit, who, day, value):
            seller = sellers[who] if who >= 0 else None
            return (
                kpis[kpi].pk,
                seller.org_unit_id if seller else units[unit].pk,
                seller and seller.pk,
                day,
                value,
            )

        def fresh(rows):
            """The rows whose key is free, once each (the table's unique keys)."""
            taken = {(a.kpi_id, a.seller_id or -a.org_unit_id, a.date) for a in Actual.objects.all()}
            kept = []
            for r in rows:
                key = (r[0], r[2] or -r[1], r[3])
                if key not in taken:
                    taken.add(key)
                    kept.append(r)
            return kept

        for op, *args in ops:
            present = list(Actual.objects.order_by("pk"))
            if op == "create":
                for k, u, s, day, value in fresh([row(*args[0])]):
                    Actual.objects.create(kpi_id=k, org_unit_id=u, seller_id=s, date=day, value=value)
            elif op == "bulk":
                Actual.objects.bulk_create(
                    Actual(kpi_id=k, org_unit_id=u, seller_id=s, date=day, value=value)
                    for k, u, s, day, value in fresh([row(*r) for r in args[0]])
                )
            elif op == "import":  # new rows and changed values of present ones, as a file would bring
                rows = {(r[0], r[2] or -r[1], r[3]): r for r in (row(*r) for r in args[0])}
                importer.load(list(rows.values()), source="upload", batch=None)
            elif present and op == "revalue":
                Actual.objects.filter(pk=present[args[0] % len(present)].pk).update(value=args[1])
            elif present and op == "move":
                target = present[args[0] % len(present)]
                if fresh([(target.kpi_id, target.org_unit_id, target.seller_id, args[1], target.value)]):
                    Actual.objects.filter(pk=target.pk).update(date=args[1])
            elif present and op == "delete":
                present[args[0] % len(present)].delete()
            elif op == "delete_day":
                Actual.objects.filter(date=args[0]).delete()
            assert stored() == summed_rows(), op
        sellers[0].delete()  # a cascade takes the seller's rows, and their sums, with it
        assert stored() == summed_rows()
        raise Rollback

    try:
        with transaction.atomic():
            run()
    except Rollback:
        pass


@pytest.mark.django_db
def test_a_worked_month(org):
    kpi = KPI.objects.create(code="w", name="W")
    seller = SellerFactory(org_unit=org.team_a1)
    for day, value in [((1, 3), "10.5"), ((1, 17), "4"), ((1, 31), "0.25"), ((2, 1), "7")]:
        Actual.objects.create(
            kpi=kpi, org_unit=org.team_a1, seller=seller, date=dt.date(2028, *day), value=Decimal(value)
        )
    january = ActualMonth.objects.get(kpi=kpi, seller=seller, month=dt.date(2028, 1, 1))
    assert (january.total, january.count, january.first_date, january.last_date) == (
        Decimal("14.75"),
        3,
        dt.date(2028, 1, 3),
        dt.date(2028, 1, 31),
    )
    Actual.objects.filter(kpi=kpi, date=dt.date(2028, 1, 31)).delete()
    january = ActualMonth.objects.get(kpi=kpi, seller=seller, month=dt.date(2028, 1, 1))
    assert (january.total, january.count, january.last_date) == (Decimal("14.5"), 2, dt.date(2028, 1, 17))
