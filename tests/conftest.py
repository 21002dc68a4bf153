"""Shared fixtures: a small org tree and one user for every seat of the role matrix."""

import os
import sys
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db.models.signals import post_migrate
from rest_framework.test import APIClient

from core import formatting
from orgs.models import OrgUnit, Role
from tests.factories import MembershipFactory, OrgUnitFactory, PlanFactory, UserFactory


def pytest_configure(config):
    # Hashing passwords with PBKDF2 costs ~0.4 s per user; tests create hundreds. The hasher is not
    # under test here, so the suite uses the fastest one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _own_redis_database(os.environ.get("PYTEST_XDIST_WORKER", ""))


def _own_redis_database(worker: str) -> None:
    """`make test` runs the suite in several processes (pytest-xdist's gw0, gw1, …), each with a test
    database of its own; each takes a Redis database of its own too, the given one and those below it, for
    the cache and the broker, here and in the workers and commands it starts: no process reads another's
    cached settings or runs another's queued jobs. Before anything has used the cache or the broker."""
    if not settings.REDIS_URL or not worker.startswith("gw"):
        return
    url = urlsplit(settings.REDIS_URL)
    url = url._replace(path=f"/{(int(url.path.strip('/') or 0) - int(worker[2:])) % 16}").geturl()
    os.environ["REDIS_URL"] = settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    from aop.celery import app  # its configuration was read when Django started

    app.conf.broker_url = url
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}


def pytest_collection_modifyitems(config, items):
    """PostgreSQL- and Redis-only tests run in CI's second pass, where the services are required.

    On the embedded defaults they are deselected (not skipped) with a note; with
    AOP_REQUIRE_SERVICES=1 a missing service is an error, never a silent skip.
    """
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    on_redis = settings.CELERY_BROKER_URL.startswith("redis")
    if os.environ.get("AOP_REQUIRE_SERVICES") == "1" and not (on_postgres and on_redis):
        raise pytest.UsageError(
            "AOP_REQUIRE_SERVICES=1 needs DATABASE_URL=postgres://… and REDIS_URL=redis://…"
        )
    keep, drop = [], []
    for item in items:
        needs_pg = item.get_closest_marker("postgres") and not on_postgres
        needs_redis = item.get_closest_marker("redis") and not on_redis
        (drop if needs_pg or needs_redis else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        print(f"\n{len(drop)} PostgreSQL/Redis tests deselected: they need DATABASE_URL and REDIS_URL.")


def _fuzz_requests() -> int:
    fuzz = sys.modules.get("tests.test_api_fuzz")
    return fuzz.REQUESTS["count"] if fuzz else 0


FUZZ_REQUESTS_OF_WORKERS = []


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # a pytest-xdist worker: its count goes to the controller
        session.config.workeroutput["fuzz_requests"] = _fuzz_requests()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    FUZZ_REQUESTS_OF_WORKERS.append(getattr(node, "workeroutput", {}).get("fuzz_requests", 0))


def pytest_terminal_summary(terminalreporter):
    count = _fuzz_requests() + sum(FUZZ_REQUESTS_OF_WORKERS)
    if count:
        terminalreporter.write_line(f"API fuzzing sent {count:,} generated requests.")


@pytest.fixture(autouse=True)
def company_display_defaults():
    """Every test starts with the company's display settings cached at their defaults (USD, whole units
    from 1,000 up), as a fresh database has them: a page's query count does not depend on which test
    warmed the cache, and a test that changes the settings leaves nothing behind."""
    formatting.display_remember(formatting.Display())
    with formatting.use_locale(formatting.DEFAULT_LOCALE):
        yield
    formatting.display_remember(formatting.Display())


@pytest.fixture
def org(db):
    """company ─┬─ region A ─┬─ team A1
    │            └─ team A2
    └─ region B ── team B1"""
    company = OrgUnitFactory(name="Acme", code="acme", kind=OrgUnit.Kind.COMPANY)
    region_a = OrgUnitFactory(name="Region A", code="region-a", kind=OrgUnit.Kind.REGION, parent=company)
    region_b = OrgUnitFactory(name="Region B", code="region-b", kind=OrgUnit.Kind.REGION, parent=company)
    return SimpleNamespace(
        company=company,
        region_a=region_a,
        region_b=region_b,
        team_a1=OrgUnitFactory(name="Team A1", code="team-a1", parent=region_a),
        team_a2=OrgUnitFactory(name="Team A2", code="team-a2", parent=region_a),
        team_b1=OrgUnitFactory(name="Team B1", code="team-b1", parent=region_b),
    )


@pytest.fixture
def people(org):
    """leader: sales leader of team A1; sibling: leader of team A2; ops and executive: whole company;
    viewer: viewer of region A; outsider: signed in, no role anywhere."""

    def member(username: str, unit: OrgUnit, role: str):
        user = UserFactory(username=username, first_name=username.title())
        MembershipFactory(user=user, org_unit=unit, role=role)
        return user

    return SimpleNamespace(
        leader=member("leader", org.team_a1, Role.SALES_LEADER),
        sibling=member("sibling", org.team_a2, Role.SALES_LEADER),
        ops=member("ops", org.company, Role.SALES_OPS),
        executive=member("executive", org.company, Role.EXECUTIVE),
        viewer=member("viewer", org.region_a, Role.VIEWER),
        outsider=UserFactory(username="outsider"),
    )


@pytest.fixture
def plan(org, people):
    """Team A1's FY2028 plan, a draft."""
    return PlanFactory(org_unit=org.team_a1)


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def restore_catalogues() -> None:
    """The default capability and KPI catalogues, put back if a transactional test flushed them: as the
    migrations leave them (the KPIs seeded, then percentages made ratios of two summed KPIs)."""
    import importlib

    from django.apps import apps

    from capabilities.models import Capability
    from metrics.models import KPI

    if not Capability.objects.exists():
        importlib.import_module("capabilities.migrations.0002_default_catalogue").seed(apps, None)
    if not KPI.objects.exists():
        importlib.import_module("metrics.migrations.0002_default_kpis").seed(apps, None)
        importlib.import_module("metrics.migrations.0007_percentages_are_ratios").forwards(apps, None)


def _catalogues_after_flush(app_config, **kwargs) -> None:
    if app_config.label == "metrics":
        restore_catalogues()


# A transactional test (live server, real workers) ends with a flush of every table, then Django sends
# post_migrate: the catalogues come back with it, as the migrations left them. Tests that read them then find
# them whatever ran before in the same process (`make test` runs several, each its own order of files).
post_migrate.connect(_catalogues_after_flush, dispatch_uid="tests-catalogues-after-flush")


@pytest.fixture
def catalogues(db):
    restore_catalogues()


def sheet_post(client, url: str, edits: list[dict], **extra):
    """Post a batch of grid edits as the grid component does (core.sheet): JSON {"edits": [...]}."""
    import json

    return client.post(url, json.dumps({"edits": edits}), content_type="application/json", **extra)


class Warehouse:
    """A real second database that pull sources read (metrics.pulls): a SQLite file on the embedded pass,
    a PostgreSQL database and role of its own, made on the test's server, on the PostgreSQL pass.

    `url` is the SQLAlchemy URL a pull source saves (no password); `password` is its credential; `run`
    executes SQL (with %s placeholders) as the warehouse's owner and commits."""

    def __init__(self, url: str, password: str, connect) -> None:
        self.url, self.password, self._connect = url, password, connect
        self.vendor = "postgresql" if url.startswith("postgresql") else "sqlite"

    def run(self, sql: str, params: tuple | list = ()) -> list:
        connection = self._connect()
        try:
            text = sql if self.vendor == "postgresql" else sql.replace("%s", "?")
            cursor = connection.execute(text, params)
            rows = cursor.fetchall() if cursor.description else []
            connection.commit()
            return rows
        finally:
            connection.close()


@pytest.fixture
def warehouse(tmp_path):
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        import sqlite3

        path = tmp_path / "warehouse.sqlite3"
        yield Warehouse(f"sqlite:///{path}", "", lambda: sqlite3.connect(path))
        return
    import secrets

    import psycopg

    name, password = f"aop_wh_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    server = {
        "host": default["HOST"] or "127.0.0.1",
        "port": default["PORT"] or 5432,
        "user": default["USER"],
        "password": default["PASSWORD"] or None,
    }
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        admin.execute(f"CREATE DATABASE {name} OWNER {name}")
    owner = {**server, "user": name, "password": password, "dbname": name}
    url = f"postgresql+psycopg://{name}@{server['host']}:{server['port']}/{name}"
    try:
        yield Warehouse(url, password, lambda: psycopg.connect(**owner))
    finally:
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {name}")
