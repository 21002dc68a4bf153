"""The read replica (core.replica): report reads go there only inside `reporting()` and only when
DATABASE_REPLICA_URL added the alias; writes, and reads after a write in the same transaction, stay on
the primary; migrations never run there. On PostgreSQL a second real connection to the test database
stands in for the replica."""

import datetime as dt
import os
import subprocess
import sys
from contextlib import contextmanager
from decimal import Decimal as D

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from core import replica
from metrics import rollup
from metrics.models import KPI, Actual, KPITarget, QuarterlyRollup
from planning.models import Plan

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY", "CREATE", "ALTER", "DROP", "TRUNCATE")


@pytest.fixture(autouse=True)
def no_write_yet():
    """The read-your-writes flag is per thread; another test's transaction must not leave it set."""
    replica._wrote_in_transaction.set(False)


@contextmanager
def _replica():
    """A `replica` alias on the same database as `default` (as Django's TEST MIRROR makes it), added
    after the test database exists so that it has the test database's name; removed afterwards."""
    connections.settings[replica.REPLICA] = connections[DEFAULT_DB_ALIAS].settings_dict | {
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS}
    }
    try:
        yield connections[replica.REPLICA]
    finally:
        connections[replica.REPLICA].close()
        del connections.settings[replica.REPLICA]
        if hasattr(connections._connections, replica.REPLICA):
            delattr(connections._connections, replica.REPLICA)


@pytest.fixture
def replica_alias():
    with _replica() as alias:
        yield alias


def test_without_a_replica_nothing_is_routed():
    assert replica.REPLICA not in connections.settings
    with replica.reporting():
        assert router.db_for_read(KPI) == DEFAULT_DB_ALIAS
        assert replica.ReplicaRouter().db_for_read(KPI) is None
        assert replica.ReplicaRouter().db_for_write(KPI) is None
        assert KPI.objects.all().db == DEFAULT_DB_ALIAS


def settings_databases(**env: str) -> subprocess.CompletedProcess:
    """aop/settings.py read afresh in a child process with `env`: its DATABASES, or the error."""
    code = "from django.conf import settings as s; print(sorted(s.DATABASES), s.DATABASES.get('replica'))"
    base = {"DEBUG": "1", "DATABASE_URL": "sqlite:////tmp/aop-primary.sqlite3", "DATABASE_REPLICA_URL": ""}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=os.environ | base | env | {"DJANGO_SETTINGS_MODULE": "aop.settings"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_the_settings_add_the_alias_only_with_the_variable():
    assert settings_databases().stdout.startswith("['default'] None")
    found = settings_databases(DATABASE_REPLICA_URL="sqlite:////tmp/aop-replica.sqlite3").stdout
    assert found.startswith("['default', 'replica']"), found
    assert "'MIRROR': 'default'" in found and "aop-replica.sqlite3" in found
    refused = settings_databases(DATABASE_REPLICA_URL="postgres://aop@replica-host:5432/aop")
    assert refused.returncode != 0
    assert "DATABASE_REPLICA_URL must use the same database engine as DATABASE_URL" in refused.stderr


def test_report_reads_go_to_the_replica_and_everything_else_to_the_primary(replica_alias):
    assert KPI.objects.all().db == DEFAULT_DB_ALIAS  # outside the scope
    with replica.reporting():
        assert KPI.objects.all().db == replica.REPLICA
        assert router.db_for_write(KPI) == DEFAULT_DB_ALIAS
        with replica.reporting():  # nested: still a report read, and still so once the inner one ends
            pass
        assert KPI.objects.all().db == replica.REPLICA
    assert KPI.objects.all().db == DEFAULT_DB_ALIAS


def test_an_object_read_from_the_replica_is_saved_to_the_primary(replica_alias):
    kpi, plan = KPI(pk=1), Plan(pk=1)
    kpi._state.db, plan._state.db = replica.REPLICA, DEFAULT_DB_ALIAS  # as if read inside a report
    assert router.db_for_write(KPI, instance=kpi) == DEFAULT_DB_ALIAS
    assert router.allow_relation(kpi, plan)


@pytest.mark.django_db(transaction=True)
def test_reads_after_a_write_in_the_same_transaction_stay_on_the_primary(replica_alias):
    with transaction.atomic():
        with replica.reporting():
            assert KPI.objects.all().db == replica.REPLICA  # nothing written yet
        KPI.objects.create(code="replica-probe", name="Probe", unit="count")
        with replica.reporting():
            assert KPI.objects.all().db == DEFAULT_DB_ALIAS
    with replica.reporting():  # the transaction ended: committed, so the replica may serve it again
        assert KPI.objects.all().db == replica.REPLICA


def test_migrations_never_run_on_the_replica(replica_alias):
    assert router.allow_migrate_model(replica.REPLICA, KPI) is False
    assert router.allow_migrate_model(DEFAULT_DB_ALIAS, KPI) is True


# --- On PostgreSQL: a second real connection --------------------------------------------------------


@pytest.fixture(scope="class")
def replica_for_the_class(django_db_setup):
    """As replica_alias, but in place before pytest-django sets the test up, so that the test may name
    `replica` among its databases (Django refuses connections to any other alias inside a test)."""
    with _replica() as alias:
        yield alias


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, replica.REPLICA])
@pytest.mark.usefixtures("replica_for_the_class")
class TestOverASecondConnection:
    def test_the_rollup_reads_through_the_replica_and_writes_through_the_primary(self, org):
        replica_alias = connections[replica.REPLICA]
        year = 2028
        plan = Plan.objects.create(org_unit=org.team_a1, fiscal_year=year)
        # A transactional test may run after another one flushed the seeded catalogue.
        named = {"name": "Revenue", "unit": "currency"}
        revenue, _ = KPI.objects.get_or_create(code="revenue", defaults=named)
        unit = org.team_a1
        Actual.objects.create(kpi=revenue, org_unit=unit, date=dt.date(year, 1, 15), value=D("5000"))
        KPITarget.objects.create(kpi=revenue, org_unit=unit, fiscal_year=year, period=1, value=D("10000"))
        today = dt.date(2029, 6, 1)
        expected = [(r.kpi_id, r.org_unit_id, r.actual) for r in rollup.compute(plan, 1, today=today)]

        with (
            CaptureQueriesContext(replica_alias) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            rows = rollup.save(plan, 1, today=today)

        assert replica_alias.connection is not connections[DEFAULT_DB_ALIAS].connection  # two connections
        read = [q["sql"] for q in on_replica.captured_queries]
        assert read, "the rollup read nothing through the replica"
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in read), read
        actuals = ("metrics_actual", "metrics_unitmonth")  # the rows, their monthly sums, the unit's sums
        assert any(table in sql for sql in read for table in actuals)
        written = [q["sql"] for q in on_primary.captured_queries]
        assert any(sql.lstrip().upper().startswith(("DELETE", "COPY")) for sql in written), written
        assert not any(
            table in sql for sql in written for table in actuals
        )  # the computing reads left the primary
        stored = QuarterlyRollup.objects.filter(plan=plan, quarter=1)
        assert rows == len(expected) == stored.count() > 0
        assert sorted((r.kpi_id, r.org_unit_id, r.actual) for r in stored) == sorted(expected)

    def test_a_report_read_returns_the_primarys_rows_and_writes_nothing(self, org):
        replica_alias = connections[replica.REPLICA]
        Plan.objects.create(org_unit=org.team_a1, fiscal_year=2031)
        with CaptureQueriesContext(replica_alias) as on_replica:
            with replica.reporting():
                mirrored = list(Plan.objects.order_by("pk").values_list("pk", "fiscal_year", "org_unit_id"))
            primary = list(Plan.objects.order_by("pk").values_list("pk", "fiscal_year", "org_unit_id"))
        assert mirrored == primary and 2031 in [p[1] for p in primary]
        assert len(on_replica.captured_queries) == 1
        with replica_alias.cursor() as cursor:  # the same database, over its own session
            cursor.execute("SELECT current_database(), pg_backend_pid()")
            name, pid = cursor.fetchone()
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT current_database(), pg_backend_pid()")
            assert cursor.fetchone()[0] == name
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
        assert not any(q["sql"].lstrip().upper().startswith(WRITES) for q in on_replica.captured_queries)
