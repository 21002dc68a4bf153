"""The per-unit monthly sums (`UnitMonth`) the KPI engine reads for a unit when no seller is asked about:
kept by the database equal to the rows (sellers' rows included) whatever writes them, and the engine's unit
answers from them equal to its answers when sellers are asked about too (which read `ActualMonth`)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from metrics import engine, importer
from metrics.models import KPI, Actual, UnitMonth
from orgs.models import FiscalCalendar
from tests.factories import SellerFactory
from tests.metrics.test_engine_properties import YEAR, build, company, figures, in_a_savepoint


def unit_sums() -> dict:
    want: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0, None, None])
    for a in Actual.objects.all():
        entry = want[a.kpi_id, a.org_unit_id, a.date.replace(day=1)]
        entry[0] += a.value
        entry[1] += 1
        entry[2] = min(entry[2] or a.date, a.date)
        entry[3] = max(entry[3] or a.date, a.date)
    return {key: tuple(v) for key, v in want.items()}


def stored() -> dict:
    return {
        (m.kpi_id, m.org_unit_id, m.month): (m.total, m.count, m.first_date, m.last_date)
        for m in UnitMonth.objects.all()
    }


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=company)
def test_a_units_answers_are_the_same_with_or_without_its_sellers(org, data):
    def check():
        units, kpis, sellers, _, _ = build(data)
        assert stored() == unit_sums()
        today, rules = data["today"], FiscalCalendar.load().rules
        first, last = (dt.date(YEAR, 1, 1) + dt.timedelta(days=d) for d in data["span"])
        windows = [
            engine.month(YEAR, data["month"]),
            engine.quarter(YEAR, data["quarter"]),
            engine.date_range(first, last, rules=rules),
        ]
        measured = [kpis[k] for k in ("sum", "average", "last", "ratio")]
        asked = {"kpis": measured, "windows": windows, "units": list(units.values()), "today": today}
        alone = engine.evaluate(**asked, allowance=data["allowance"])
        with_sellers = engine.evaluate(**asked, sellers=sellers, allowance=data["allowance"])
        for kpi in measured:
            for unit in units.values():
                for window in windows:
                    assert figures(alone.get(kpi, window, unit=unit)) == figures(
                        with_sellers.get(kpi, window, unit=unit)
                    ), (kpi.name, unit.code, window.label)

    in_a_savepoint(check)


@pytest.mark.django_db
def test_the_unit_sums_follow_every_kind_of_write(org):
    kpi = KPI.objects.create(code="u", name="U")
    seller, other = SellerFactory(org_unit=org.team_a1), SellerFactory(org_unit=org.team_b1)
    day = dt.date(2028, 1, 10)
    Actual.objects.bulk_create(
        [
            Actual(kpi=kpi, org_unit=org.team_a1, date=day, value=Decimal("5")),
            Actual(kpi=kpi, org_unit=org.team_a1, seller=seller, date=day, value=Decimal("7.25")),
            Actual(
                kpi=kpi, org_unit=org.team_a1, seller=seller, date=day.replace(day=31), value=Decimal("1")
            ),
            Actual(kpi=kpi, org_unit=org.team_b1, seller=other, date=day, value=Decimal("2")),
        ]
    )
    january = UnitMonth.objects.get(kpi=kpi, org_unit=org.team_a1, month=dt.date(2028, 1, 1))
    assert (january.total, january.count, january.first_date, january.last_date) == (
        Decimal("13.25"),
        3,
        day,
        dt.date(2028, 1, 31),
    )
    Actual.objects.filter(seller=seller, date=day).update(value=Decimal("8"))  # a new value
    Actual.objects.filter(date=day.replace(day=31)).update(date=dt.date(2028, 2, 3))  # a move
    importer.load(  # an upsert of a present row and a new one
        [
            (kpi.pk, org.team_a1.pk, None, day, Decimal("6")),
            (kpi.pk, org.team_b1.pk, None, day, Decimal("1")),
        ],
        source="upload",
        batch=None,
    )
    assert stored() == unit_sums()
    assert stored()[kpi.pk, org.team_a1.pk, dt.date(2028, 1, 1)] == (Decimal("14"), 2, day, day)
    seller.delete()  # a cascade
    Actual.objects.filter(org_unit=org.team_b1, seller=None).delete()
    assert stored() == unit_sums()
    assert stored()[kpi.pk, org.team_b1.pk, dt.date(2028, 1, 1)] == (Decimal("2"), 1, day, day)
