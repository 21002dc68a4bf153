"""Pull sources against a real second database (the `warehouse` fixture: a SQLite file, or a PostgreSQL
database made by the test on the PostgreSQL pass) and a file served over loopback HTTP: each pull is an
import batch, validated whole, all or nothing, idempotent, read-only, incremental from its window."""

import datetime as dt
import http.server
import io
import json
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from openpyxl import Workbook

from aop.celery import app
from core.models import AuditEntry
from metrics import credentials, importer, pulls
from metrics.models import KPI, Actual, ImportBatch, Opportunity, PullSource
from metrics.pulls import freshness, pull_delete, pull_run, pull_save, pull_start
from orgs.models import Membership
from tests.factories import SellerFactory

QUERY = "SELECT kpi, unit, seller, day AS date, value FROM kpi_daily WHERE day >= :since ORDER BY day, kpi"
TABLE = (
    "CREATE TABLE kpi_daily "
    "(kpi varchar(40), unit varchar(40), seller varchar(200), day date, value numeric(18, 4))"
)
app.loader.import_default_modules()  # registers every app's tasks, as a worker (and beat) does at start
SECRET = "s3cret-Pa55-word"  # the file server's token; never to be seen outside the stored token


@pytest.fixture
def eager():
    """Tasks run in the process that queues them, as `pull_start` then runs the pull at once."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def ann(org):
    return SellerFactory(org_unit=org.team_a1, name="Ann", email="ann@example.test")


def fill(warehouse, rows) -> None:
    warehouse.run(TABLE)
    for row in rows:
        warehouse.run("INSERT INTO kpi_daily VALUES (%s, %s, %s, %s, %s)", row)


def sql_source(people, warehouse, **values) -> PullSource:
    values = {"name": "Warehouse", "kind": "sql", "url": warehouse.url, "query": QUERY} | values
    return pull_save(actor=people.ops, source=None, version=None, values=values, secret=warehouse.password)


def loaded() -> dict:
    return {
        (a.kpi.code, a.org_unit.code, a.seller.email if a.seller else "", a.date.isoformat()): a.value
        for a in Actual.objects.select_related("kpi", "org_unit", "seller")
    }


def secret_is_nowhere(secret: str) -> None:
    """Not in any batch's message or errors, any source's text, the history, or beat's rows."""
    for batch in ImportBatch.objects.all():
        assert secret not in batch.message and secret not in json.dumps(batch.errors)
    for source in PullSource.objects.all():
        assert secret not in str(source) and secret not in source.secret
    for entry in AuditEntry.objects.all():
        assert secret not in json.dumps(entry.changes) + entry.comment + entry.object_repr
    for task in PeriodicTask.objects.all():
        assert secret not in task.args + task.kwargs + task.description


ROWS = [
    ("calls-made", "team-a1", None, "2027-01-04", 12),
    ("calls-made", "team-a1", "ann@example.test", "2027-01-04", 7),
    ("revenue", "team-b1", None, "2027-01-05", D("1234.5")),
]


# --- SQL ----------------------------------------------------------------------------------------------------


def test_a_scheduled_pull_loads_the_warehouse_rows_as_beat_runs_it(people, ann, warehouse):
    fill(warehouse, ROWS)
    # django-celery-beat reads only the crontab tasks due within two hours of now: schedule one this hour.
    hour = timezone.localtime().hour
    source = sql_source(people, warehouse, schedule=f"0 {hour} * * 1-5")
    task = PeriodicTask.objects.get(name=f"pull source {source.pk}")
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "0",
        str(hour),
        "*",
        "*",
        "1-5",
    )
    assert (task.task, json.loads(task.args), task.enabled) == ("metrics.tasks.run_pull", [source.pk], True)

    entry = DatabaseScheduler(app=app, lazy=True).all_as_schedule()[task.name]  # what beat reads
    assert (entry.task, list(entry.args), entry.schedule.hour) == (
        "metrics.tasks.run_pull",
        [source.pk],
        {hour},
    )

    assert app.tasks[entry.task].apply(args=entry.args).get() == "done"  # as beat sends it

    batch = source.batches.get()
    assert (batch.status, batch.total_rows, batch.loaded_rows, batch.loads) == ("done", 3, 3, "actuals")
    assert batch.started_at <= batch.finished_at and batch.uploaded_by is None
    assert loaded() == {
        ("calls-made", "team-a1", "", "2027-01-04"): D("12"),
        ("calls-made", "team-a1", "ann@example.test", "2027-01-04"): D("7"),
        ("revenue", "team-b1", "", "2027-01-05"): D("1234.5"),
    }
    assert set(Actual.objects.values_list("source", "batch")) == {("pull", batch.pk)}
    source.refresh_from_db()
    assert source.last_success_at == batch.started_at
    secret_is_nowhere(warehouse.password or "no password on this pass")


def test_a_pull_source_loads_a_pipeline_snapshot_through_the_same_importer(people, ann, warehouse):
    warehouse.run(
        "CREATE TABLE deals (snapshot_date date, external_id varchar(20), name varchar(80), "
        "unit varchar(40), seller varchar(200), amount numeric(18, 2), stage varchar(40), "
        "probability numeric(5, 2), category varchar(20), close_date date)"
    )
    for row in (
        ("2027-01-04", "OPP-1", "Acme renewal", "team-a1", "ann@example.test", 120000, "Proposal", 60,
         "commit", "2027-02-15"),
        ("2027-01-04", "OPP-2", "Globex", "team-a1", None, D("45000.50"), "Discovery", 20, "Pipeline",
         "2027-03-01"),
    ):  # fmt: skip
        warehouse.run("INSERT INTO deals VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
    source = sql_source(people, warehouse, loads="pipeline", query="SELECT * FROM deals ORDER BY external_id")
    batch = pull_run(source.pk)
    assert (batch.status, batch.loads, batch.total_rows, batch.loaded_rows) == ("done", "pipeline", 2, 2)
    deals = {o.external_id: o for o in Opportunity.objects.select_related("seller")}
    assert (deals["OPP-1"].amount, deals["OPP-1"].category, deals["OPP-1"].seller) == (
        D("120000.00"),
        "commit",
        ann,
    )
    assert (deals["OPP-2"].amount, deals["OPP-2"].category, deals["OPP-2"].batch_id) == (
        D("45000.50"),
        "pipeline",
        batch.pk,
    )
    assert not Actual.objects.exists()
    assert pull_run(source.pk).loaded_rows == 0  # the same snapshot again changes nothing


def test_a_second_run_of_the_same_rows_loads_nothing_new(people, ann, warehouse):
    fill(warehouse, ROWS)
    source = sql_source(people, warehouse)
    first = pull_run(source.pk)
    snapshot = list(Actual.objects.order_by("pk").values_list("pk", "value", "updated_at", "batch"))
    second = pull_run(source.pk)
    assert (first.loaded_rows, second.status, second.total_rows, second.loaded_rows) == (3, "done", 3, 0)
    assert list(Actual.objects.order_by("pk").values_list("pk", "value", "updated_at", "batch")) == snapshot


def test_an_incremental_pull_reads_only_its_look_back_window(people, warehouse):
    today = timezone.localdate()
    old, recent = (today - dt.timedelta(days=10)).isoformat(), (today - dt.timedelta(days=1)).isoformat()
    fill(warehouse, [("calls-made", "team-a1", None, old, 5), ("calls-made", "team-a1", None, recent, 6)])
    source = sql_source(people, warehouse, lookback_days=2)
    assert pull_run(source.pk).loaded_rows == 2
    # Both rows change in the warehouse and a new one arrives; the old one is outside the window.
    warehouse.run("UPDATE kpi_daily SET value = value + 100")
    warehouse.run(
        "INSERT INTO kpi_daily VALUES (%s, %s, %s, %s, %s)", ("leads", "team-a1", None, today.isoformat(), 9)
    )
    source.refresh_from_db()
    assert pulls.since(source) == today - dt.timedelta(days=2)  # the last success was today

    batch = pull_run(source.pk)

    assert (batch.status, batch.total_rows, batch.loaded_rows) == ("done", 2, 2)  # the old row not even read
    assert loaded() == {
        ("calls-made", "team-a1", "", old): D("5"),  # unchanged: outside the window
        ("calls-made", "team-a1", "", recent): D("106"),
        ("leads", "team-a1", "", today.isoformat()): D("9"),
    }


def test_a_query_that_writes_fails_the_batch_and_leaves_the_warehouse_as_it_was(people, warehouse):
    fill(warehouse, ROWS[:1])
    if warehouse.vendor == "postgresql":
        query = (
            "WITH gone AS (DELETE FROM kpi_daily RETURNING *) "
            "SELECT kpi, unit, seller, day AS date, value FROM gone"
        )
    else:  # SQLite: a WITH that passes the text check and is an UPDATE
        query = "WITH x AS (SELECT 1) UPDATE kpi_daily SET value = 0"
    source = sql_source(people, warehouse, query=query)

    batch = pull_run(source.pk)

    assert batch.status == "failed" and batch.message.startswith("The pull's query tried to write: ")
    assert "nothing was loaded" in batch.message
    assert not Actual.objects.exists() and batch.loaded_rows == 0
    assert warehouse.run("SELECT kpi, value FROM kpi_daily") == [("calls-made", 12)]
    source.refresh_from_db()
    assert source.last_success_at is None


def test_a_query_is_refused_on_saving_unless_it_is_one_select(people, warehouse):
    for query, reason in (
        ("", "needs a query"),
        ("DELETE FROM kpi_daily", "beginning with SELECT or WITH"),
        ("SELECT 1 AS kpi; DROP TABLE kpi_daily", "one statement"),
        ("SELECT kpi FROM kpi_daily WHERE unit = :unit", "not :unit"),
    ):
        with pytest.raises(ValidationError) as caught:
            sql_source(people, warehouse, query=query)
        assert reason in caught.value.message_dict["query"][0]
    assert sql_source(people, warehouse, query="-- daily\nselect 1 as kpi;").pk


def test_one_bad_row_fails_the_whole_pull_naming_its_row_and_column(people, ann, warehouse):
    fill(warehouse, [*ROWS[:2], ("bookingz", "team-a1", None, "2027-01-06", 3)])
    source = sql_source(people, warehouse)

    batch = pull_run(source.pk)

    assert (batch.status, batch.total_rows, batch.loaded_rows, batch.error_count) == ("failed", 3, 0, 1)
    assert batch.message == "1 problem(s) in 3 rows; nothing was loaded."
    assert batch.errors[0]["row"] == 4 and batch.errors[0]["column"] == "kpi"  # the header is row 1
    assert "'bookingz'" in batch.errors[0]["reason"]
    assert not Actual.objects.exists()


def test_a_failed_pull_retried_once_its_kpi_exists_stays_that_pulls(people, ann, warehouse):
    fill(warehouse, [*ROWS[:2], ("bookingz", "team-a1", None, "2027-01-06", 3)])
    source = sql_source(people, warehouse)
    failed = pull_run(source.pk)
    KPI.objects.create(code="bookingz", name="Bookings (as the CRM spells it)")
    retried = importer.retry(actor=people.ops, batch=failed)
    assert (retried.status, retried.loaded_rows, retried.pull_source) == ("done", 3, source)
    assert set(Actual.objects.values_list("source", flat=True)) == {"pull"}


def test_a_query_past_its_timeout_is_stopped(people, warehouse):
    fill(warehouse, ROWS[:1])
    if warehouse.vendor == "postgresql":
        query = "SELECT kpi, unit, seller, day AS date, value FROM kpi_daily, pg_sleep(5)"
    else:
        query = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
            "SELECT 'calls-made' AS kpi, 'team-a1' AS unit, max(x) AS value, '2027-01-01' AS date FROM c"
        )
    source = sql_source(people, warehouse, query=query, timeout_seconds=1)
    batch = pull_run(source.pk)
    assert batch.status == "failed"
    assert (
        batch.message == "The pull's query took longer than its timeout and was stopped; nothing was loaded."
    )


def test_the_url_keeps_no_password_and_names_a_database_aop_can_make_read_only(people, warehouse):
    for url, reason in (
        ("postgresql+psycopg://reader:pw@db/warehouse", "put it in the credential"),
        ("mysql://reader@db/warehouse", "not from mysql"),
        ("not a url", "Not a SQLAlchemy URL"),
    ):
        with pytest.raises(ValidationError) as caught:
            sql_source(people, warehouse, url=url)
        assert reason in caught.value.message_dict["url"][0]


def test_a_pull_loads_as_its_owner_who_must_still_be_sales_ops(people, warehouse):
    fill(warehouse, ROWS[:1])
    source = sql_source(people, warehouse)
    Membership.objects.filter(user=people.ops).delete()
    batch = pull_run(source.pk)
    assert batch.status == "failed" and batch.message.startswith(
        "ops, who owns this pull source, is no longer"
    )
    people.ops.delete()
    batch = pull_run(source.pk)
    assert batch.message.startswith("The user who set up this pull source no longer exists")
    assert not Actual.objects.exists()


def test_only_company_sales_ops_keep_and_run_pull_sources(people, warehouse):
    values = {"name": "Warehouse", "kind": "sql", "url": warehouse.url, "query": QUERY}
    for user in (people.leader, people.executive, people.viewer, people.outsider):
        with pytest.raises(PermissionDenied):
            pull_save(actor=user, source=None, version=None, values=values)
    source = sql_source(people, warehouse)
    with pytest.raises(PermissionDenied):
        pull_start(actor=people.leader, source=source)
    with pytest.raises(PermissionDenied):
        pull_delete(actor=people.leader, source=source, version=source.version)


def test_on_demand_a_pull_runs_as_a_batch_of_its_own(people, warehouse, eager):
    fill(warehouse, ROWS[:1])
    source = sql_source(people, warehouse)
    assert not PeriodicTask.objects.exists()  # no schedule: on demand only
    batch = pull_start(actor=people.ops, source=source)
    assert (batch.status, batch.loaded_rows, batch.uploaded_by, batch.pull_source) == (
        "done",
        1,
        people.ops,
        source,
    )
    assert batch.file_name.startswith("Warehouse pull ")


def test_run_now_queues_the_pull_once_committed_with_its_batch(
    people, warehouse, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import Task

    sent = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args, *a, **k: sent.append((task.name, args)))
    source = sql_source(people, warehouse)
    with django_capture_on_commit_callbacks(execute=True):
        batch = pull_start(actor=people.ops, source=source)
        assert sent == []
    assert sent == [("metrics.tasks.run_pull", (source.pk, batch.pk))]
    assert batch.status == "queued"


def test_run_now_with_the_broker_down_fails_its_batch_saying_so(
    people, warehouse, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import Task
    from kombu.exceptions import OperationalError

    from core.queue import QUEUE_DOWN

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    source = sql_source(people, warehouse)
    with django_capture_on_commit_callbacks(execute=True):
        batch = pull_start(actor=people.ops, source=source)
    batch.refresh_from_db()
    assert (batch.status, batch.message) == ("failed", QUEUE_DOWN)


# --- Saving, the schedule, the credential -----------------------------------------------------------------


def test_a_schedule_is_five_valid_cron_fields_and_follows_the_source(people, warehouse):
    for schedule, reason in (
        ("0 6 * *", "five cron fields"),
        ("61 6 * * *", "The minute field '61'"),
        ("0 6 * 13 *", "The month field '13'"),
    ):
        with pytest.raises(ValidationError) as caught:
            sql_source(people, warehouse, schedule=schedule)
        assert reason in caught.value.message_dict["schedule"][0]
    source = sql_source(people, warehouse, schedule="30 5 * * mon-fri")
    name = f"pull source {source.pk}"
    source = pull_save(actor=people.ops, source=source, version=source.version, values={"enabled": False})
    assert PeriodicTask.objects.get(name=name).enabled is False
    source = pull_save(
        actor=people.ops,
        source=source,
        version=source.version,
        values={"enabled": True, "schedule": "0 7 * * *"},
    )
    task = PeriodicTask.objects.get(name=name)
    assert (task.enabled, task.crontab.hour) == (True, "7")
    source = pull_save(actor=people.ops, source=source, version=source.version, values={"schedule": ""})
    assert not PeriodicTask.objects.filter(name=name).exists()
    source = pull_save(
        actor=people.ops, source=source, version=source.version, values={"schedule": "0 8 * * *"}
    )
    pull_delete(actor=people.ops, source=source, version=source.version)
    assert not PeriodicTask.objects.exists() and not PullSource.objects.exists()


def test_the_credential_is_kept_encrypted_replaced_cleared_and_never_shown(people, warehouse):
    values = {"name": "Warehouse", "kind": "sql", "url": warehouse.url, "query": QUERY}
    source = pull_save(actor=people.ops, source=None, version=None, values=values)
    assert source.secret == ""
    source = pull_save(actor=people.ops, source=source, version=source.version, values={}, secret=SECRET)
    assert credentials.decrypt(PullSource.objects.get(pk=source.pk).secret) == SECRET
    kept = pull_save(actor=people.ops, source=source, version=source.version, values={"lookback_days": 5})
    assert credentials.decrypt(PullSource.objects.get(pk=kept.pk).secret) == SECRET  # None keeps it
    cleared = pull_save(actor=people.ops, source=kept, version=kept.version, values={}, secret="")
    assert PullSource.objects.get(pk=cleared.pk).secret == ""
    changes = [
        e.changes for e in AuditEntry.objects.filter(object_id=str(source.pk), object_repr="Warehouse")
    ]
    assert {"credential": ["none", "changed"]} in changes and {"credential": ["set", "cleared"]} in changes
    secret_is_nowhere(SECRET)


def test_a_stored_credential_is_never_sent_to_a_new_host_without_being_entered_again(people, file_server):
    source = file_source(people, f"{file_server}/actuals.csv")
    moved = pull_save(
        actor=people.ops, source=source, version=source.version, values={"url": f"{file_server}/other.csv"}
    )  # the same host: the credential stays
    elsewhere = {"url": "https://collector.example.net/actuals.csv"}
    with pytest.raises(ValidationError) as caught:
        pull_save(actor=people.ops, source=moved, version=moved.version, values=elsewhere)
    assert "enter its credential again" in caught.value.message_dict["secret"][0]
    again = pull_save(actor=people.ops, source=moved, version=moved.version, values=elsewhere, secret="new")
    assert credentials.decrypt(again.secret) == "new"


def test_a_stale_version_is_refused(people, warehouse):
    from core.exceptions import StaleVersionError

    source = sql_source(people, warehouse)
    pull_save(actor=people.ops, source=source, version=source.version, values={"lookback_days": 5})
    with pytest.raises(StaleVersionError):
        pull_save(actor=people.ops, source=source, version=source.version, values={"lookback_days": 6})


# --- File URL -----------------------------------------------------------------------------------------------


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["kpi", "unit", "seller", "date", "value"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Files(http.server.BaseHTTPRequestHandler):
    """Serves the actuals only to a request carrying the right Authorization header (401 otherwise)."""

    CSV = b"kpi,unit,seller,date,value\ncalls-made,team-a1,,2027-02-01,40\nleads,team-a1,,2027-02-01,3\n"
    seen: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        Files.seen.append(self.headers.get("Authorization"))
        if self.path == "/missing.csv":
            return self._answer(404, b"no such file", "text/plain")
        if self.path.startswith("/moved"):  # /moved?to=<url>
            self.send_response(302)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if self.headers.get("Authorization") != f"Bearer {SECRET}":
            return self._answer(401, b"who are you?", "text/plain")
        if self.path == "/actuals.csv":
            return self._answer(200, self.CSV, "text/csv")
        if self.path == "/export?format=xlsx":
            data = xlsx_bytes([("calls-made", "team-a1", None, dt.date(2027, 3, 1), 8)])
            return self._answer(200, data, pulls.XLSX_TYPE)
        return self._answer(404, b"", "text/plain")

    def _answer(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def file_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Files.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def file_source(people, url: str, secret: str | None = f"Bearer {SECRET}") -> PullSource:
    values = {
        "name": "Export",
        "kind": "file_url",
        "url": url,
        "auth_header": "Authorization" if secret else "",
    }
    return pull_save(actor=people.ops, source=None, version=None, values=values, secret=secret)


def test_a_file_url_is_fetched_with_its_authorisation_header_and_loaded(people, file_server):
    source = file_source(people, f"{file_server}/actuals.csv")
    batch = pull_run(source.pk)
    assert (batch.status, batch.total_rows, batch.loaded_rows) == ("done", 2, 2)
    assert Files.seen == [f"Bearer {SECRET}"]
    assert loaded() == {
        ("calls-made", "team-a1", "", "2027-02-01"): D("40"),
        ("leads", "team-a1", "", "2027-02-01"): D("3"),
    }
    assert pull_run(source.pk).loaded_rows == 0  # the same file again: nothing new
    secret_is_nowhere(SECRET)


def test_the_answers_content_type_says_an_xlsx_as_an_uploads_name_would(people, file_server):
    batch = pull_run(file_source(people, f"{file_server}/export?format=xlsx").pk)
    assert (batch.status, batch.loaded_rows) == ("done", 1)
    assert loaded() == {("calls-made", "team-a1", "", "2027-03-01"): D("8")}


def test_a_missing_file_fails_the_batch_with_the_servers_answer(people, file_server):
    batch = pull_run(file_source(people, f"{file_server}/missing.csv").pk)
    assert batch.status == "failed"
    assert batch.message == f"GET {file_server}/missing.csv answered 404 Not Found; nothing was loaded."
    assert not Actual.objects.exists()
    secret_is_nowhere(SECRET)


def test_a_wrong_or_missing_credential_is_answered_401_and_fails_the_batch(people, file_server):
    batch = pull_run(file_source(people, f"{file_server}/actuals.csv", secret=None).pk)
    assert batch.message == f"GET {file_server}/actuals.csv answered 401 Unauthorized; nothing was loaded."
    assert Files.seen == [None] and not Actual.objects.exists()


def test_the_credential_follows_a_redirect_on_its_host_only(people, file_server):
    same = file_source(people, f"{file_server}/moved?to=/actuals.csv")
    assert pull_run(same.pk).status == "done"
    assert Files.seen == [f"Bearer {SECRET}"] * 2
    Files.seen.clear()
    elsewhere = file_server.replace("127.0.0.1", "localhost")  # the same server under another host name
    source = pull_save(
        actor=people.ops,
        source=same,
        version=same.version,
        values={"url": f"{file_server}/moved?to={elsewhere}/actuals.csv"},
    )
    batch = pull_run(source.pk)
    assert Files.seen == [f"Bearer {SECRET}", None]  # not sent to the other host
    assert batch.status == "failed" and "answered 401 Unauthorized" in batch.message


def test_a_file_url_is_http_or_https_without_a_password_in_it(people):
    for url, reason in (
        ("ftp://files.example.test/a.csv", "starts with https://"),
        ("file:///etc/passwd", "starts with https://"),
        ("https://me:pw@files.example.test/a.csv", "Take the user and password out"),
    ):
        with pytest.raises(ValidationError) as caught:
            file_source(people, url)
        assert reason in caught.value.message_dict["url"][0]
    with pytest.raises(ValidationError) as caught:
        pull_save(
            actor=people.ops,
            source=None,
            version=None,
            values={"name": "X", "kind": "file_url", "url": "https://files.example.test/a.csv"},
            secret="token",
        )
    assert "Name the header" in caught.value.message_dict["auth_header"][0]


# --- Freshness ----------------------------------------------------------------------------------------------


def test_freshness_says_when_a_source_is_overdue(people, warehouse):
    fill(warehouse, ROWS[:1])
    source = sql_source(people, warehouse, schedule="0 6 * * *")  # daily: overdue after two days
    now = timezone.now()
    fresh = freshness(source, now=now)
    assert (fresh.status, fresh.last_batch, fresh.overdue) == ("never", None, False)
    later = freshness(source, now=now + dt.timedelta(days=3))
    assert later.overdue and "No pull has succeeded, more than twice" in later.reason
    assert "(24 hours)" in later.reason

    done = pull_run(source.pk)
    source.refresh_from_db()
    ok = freshness(source, now=now + dt.timedelta(days=1))
    assert (ok.status, ok.last_batch, ok.last_success_at, ok.overdue) == (
        "done",
        done,
        done.started_at,
        False,
    )
    assert freshness(source, now=now + dt.timedelta(days=3)).overdue

    warehouse.run("DROP TABLE kpi_daily")
    failed = pull_run(source.pk)
    stale = freshness(source)
    assert (stale.status, stale.last_batch, stale.overdue) == ("failed", failed, True)
    assert stale.reason.startswith("The last pull failed: The pull's query failed:")
