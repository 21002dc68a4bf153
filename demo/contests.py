"""Contests in the demo: a "Calls logged" KPI that each North America seller logs day by day (the catalogue's
"Calls made" is the dialer's team total, so it has no seller rows to rank), and three contests on North
America — one ended, one running and one upcoming, dated from the day the demo is seeded so that one is
always running — with seller, seller2 and seller3 on their boards."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from metrics import importer
from metrics import services as metric_services
from metrics.models import KPI, Actual
from orgs.models import OrgUnit, Seller
from sellers.contests import contest_create

KPI_VALUES = {
    "code": "calls-logged",
    "name": "Calls logged",
    "description": "Calls each seller logs in the CRM, one row per seller per working day.",
    "unit": KPI.Unit.COUNT,
    "direction": KPI.Direction.HIGHER,
    "aggregation": KPI.Aggregation.SUM,
    "review_cadence": KPI.Cadence.MONTHLY,
    "owner": "Sales ops",
}


def _month_start(day: dt.date, shift: int) -> dt.date:
    """The first day of the month `shift` months from `day`'s."""
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(day: dt.date, shift: int) -> dt.date:
    return _month_start(day, shift + 1) - dt.timedelta(days=1)


def _months(start: dt.date, end: dt.date) -> str:
    return f"{end:%b %Y}" if start.month == end.month else f"{start:%b} – {end:%b %Y}"


def seed(units: dict[str, OrgUnit], users: dict) -> None:
    today = timezone.localdate()
    kpi = metric_services.kpi_create(actor=users["ops"], values=KPI_VALUES)
    region = units["na"]
    _calls(kpi, region, _month_start(today, -3), today - dt.timedelta(days=1))
    dated = [  # the ended one sees a seller leave and three join in its course (seeded in December 2026)
        ("Call sprint", _month_start(today, -3), _month_end(today, -2), "ops"),
        ("Call blitz", _month_start(today, -1), _month_end(today, 1), "leader"),
        ("Kick-off call sprint", _month_start(today, 2), _month_end(today, 2), "leader"),
    ]
    for name, start, end, who in dated:
        contest_create(
            actor=users[who],
            values={
                "name": f"{name}, {start:%b} – {end:%b %Y}"
                if start.month != end.month
                else f"{name}, {end:%b %Y}",
                "description": "Most calls logged wins; every North America seller is on the board.",
                "kpi": kpi,
                "org_unit": region,
                "start": start,
                "end": end,
            },
        )


def _calls(kpi: KPI, region: OrgUnit, first: dt.date, last: dt.date) -> None:
    """Each seller's calls on each working day they were there: a steady pace of their own, give or take."""
    rng = random.Random(24)
    sellers = Seller.objects.filter(org_unit__path__startswith=region.path).order_by("pk")
    rows = []
    for seller in sellers:
        pace = rng.randint(14, 34)
        day = first
        while day <= last:
            if day.weekday() < 5 and seller.is_active_on(day):
                calls = max(0, pace + rng.randint(-8, 8))
                rows.append((kpi.pk, seller.org_unit_id, seller.pk, day, Decimal(calls)))
            day += dt.timedelta(days=1)
    importer.load(rows, source=Actual.Source.UPLOAD, batch=None)
