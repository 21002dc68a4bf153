"""A pull source in the demo: the sales warehouse (a SQLite file built in var/ from demo/warehouse.sql) holds
the opportunities North America's sellers created over the last four weeks; a SQL pull source sums them
into "Pipeline created" per seller per day, daily at 06:00, and ops has run it once on demand, so its
history shows one loaded batch."""

import datetime as dt
import sqlite3
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.utils import timezone

from metrics import pulls
from metrics.models import PullSource
from orgs.models import OrgUnit, Seller

SCRIPT = Path(__file__).with_name("warehouse.sql")
WINDOW_DAYS = 28  # the script's four weeks
QUERY = """SELECT 'pipeline-created' AS kpi, team AS unit, owner_email AS seller,
  created_on AS date, SUM(amount) AS value
FROM opportunities
WHERE created_on >= :since
GROUP BY created_on, team, owner_email
ORDER BY created_on, team, owner_email"""


def warehouse_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-warehouse.sqlite3"


def build(region: OrgUnit) -> Path:
    """(Re)build the warehouse file: the region's sellers there all the four weeks, then the script."""
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    today = timezone.localdate()
    sellers = Seller.objects.filter(org_unit__path__startswith=region.path).select_related("org_unit")
    reps = [
        (s.email, s.org_unit.code, n)
        for n, s in enumerate(sellers.order_by("pk"))
        if s.is_active_on(today - dt.timedelta(days=WINDOW_DAYS)) and s.is_active_on(today)
    ]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE reps (email TEXT PRIMARY KEY, team TEXT NOT NULL, n INTEGER NOT NULL)")
        db.executemany("INSERT INTO reps VALUES (?, ?, ?)", reps)
        db.executescript(SCRIPT.read_text())
    return path


def seed(units: dict[str, OrgUnit], users: dict) -> PullSource:
    path = build(units["na"])
    source = pulls.pull_save(
        actor=users["ops"],
        source=None,
        version=None,
        values={
            "name": "Warehouse: pipeline created",
            "kind": PullSource.Kind.SQL,
            "loads": PullSource.Loads.ACTUALS,
            "url": f"sqlite:///{path}",
            "query": QUERY,
            "lookback_days": 3,
            "timeout_seconds": 60,
            "schedule": "0 6 * * *",
            "enabled": True,
        },
    )
    conf = current_app.conf  # once on demand, by ops, in-process as with CELERY_TASK_ALWAYS_EAGER
    eager, conf.task_always_eager = conf.task_always_eager, True
    try:
        pulls.pull_start(actor=users["ops"], source=source)
    finally:
        conf.task_always_eager = eager
    return source
