"""Every job ends: an import or a rollup ends done or failed with a message the page shows, whatever goes
wrong (a parser or database error, a time limit, a worker that dies, a broker that is down), a sweeper
ends the stuck ones, the sales-ops home lists them, and a failed import is retried from its page."""

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.models import AuditEntry
from core.queue import QUEUE_DOWN
from metrics import importer, jobs, rollup
from metrics.models import Actual, ImportBatch, RollupRun
from metrics.tasks import request_rollup, rollup_quarter, run_import, sweep_stuck_jobs
from tests.conftest import api_as
from tests.factories import PlanFactory

NOW = timezone.now()


def csv_bytes(count: int) -> bytes:
    """`count` daily rows of calls made at team A1, from 1 January 2027."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kpi", "unit", "seller", "date", "value"])
    start = dt.date(2027, 1, 1)
    for i in range(count):
        writer.writerow(["calls-made", "team-a1", "", (start + dt.timedelta(days=i)).isoformat(), i % 50])
    return out.getvalue().encode()


def queued(people, count: int = 2500) -> ImportBatch:
    """A file large enough (over importer.INLINE_ROWS) to be handed to a worker, not yet taken up."""
    return importer.submit(actor=people.leader, name="calls.csv", data=csv_bytes(count), run_inline=False)


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


# --- Errors inside a job --------------------------------------------------------------------------------


def test_a_parser_error_inside_the_worker_ends_the_batch_failed_with_a_readable_message(
    org, people, monkeypatch
):
    batch = queued(people)

    def broken(kind, data):
        raise csv.Error("field larger than field limit (131072)")

    monkeypatch.setattr(importer, "read", broken)
    assert run_import.apply(args=[batch.pk]).get() == "failed"
    batch.refresh_from_db()
    assert batch.message == (
        "The import stopped on an unexpected error (Error: field larger than field limit (131072)); "
        "nothing was loaded."
    )
    assert batch.finished_at and batch.content  # kept for a retry
    assert not Actual.objects.exists()


def test_a_parser_error_in_a_small_upload_ends_it_failed_in_the_request(org, people, monkeypatch):
    def broken(kind, data):
        raise csv.Error("new-line character seen in unquoted field")

    monkeypatch.setattr(importer, "read", broken)
    batch = importer.submit(actor=people.leader, name="few.csv", data=csv_bytes(3), run_inline=True)
    assert (batch.status, batch.message) == (
        "failed",
        "The import stopped on an unexpected error (Error: new-line character seen in unquoted field); "
        "nothing was loaded.",
    )


def test_a_database_error_during_the_load_loads_nothing_and_ends_the_batch_failed(org, people, monkeypatch):
    batch = queued(people)
    real = importer.load

    def load_then_fail(rows, **kwargs):
        real(rows, **kwargs)  # the 2,500 rows are written …
        raise DatabaseError("could not extend file: No space left on device")  # … and the disk fills up

    monkeypatch.setattr(importer, "load", load_then_fail)
    assert run_import.apply(args=[batch.pk]).get() == "failed"
    batch.refresh_from_db()
    assert "DatabaseError: could not extend file" in batch.message
    assert not Actual.objects.exists()  # the rows and the status commit together, or neither


def test_a_soft_time_limit_ends_the_batch_failed_with_the_minutes(org, people, monkeypatch):
    batch = queued(people)

    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(importer, "validate", slow)
    assert run_import.apply(args=[batch.pk]).get() == "failed"
    batch.refresh_from_db()
    # run_import's hard limit is 30 minutes; the soft one, a minute earlier, is when it stops
    assert batch.message == "The import took longer than 29 minutes and was stopped; nothing was loaded."


def test_a_message_delivered_again_after_a_worker_died_loads_the_file_whole_once(org, people):
    batch = queued(people)
    # A worker took it and died mid-load: the batch says running, attempt 1, and no row was committed.
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", attempts=1, started_at=NOW)
    assert run_import.apply(args=[batch.pk]).get() == "done"
    batch.refresh_from_db()
    assert (batch.attempts, batch.loaded_rows, Actual.objects.count()) == (2, 2500, 2500)
    # The same message once more (the worker died after finishing, before acknowledging): nothing moves.
    assert run_import.apply(args=[batch.pk]).get() == "done"
    assert ImportBatch.objects.get(pk=batch.pk).attempts == 2


def test_a_file_that_killed_its_worker_twice_fails_instead_of_looping(org, people):
    batch = queued(people)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", attempts=2, started_at=NOW)
    assert run_import.apply(args=[batch.pk]).get() == "failed"
    batch.refresh_from_db()
    assert batch.message.startswith("A worker stopped while loading this file 2 times")
    assert not Actual.objects.exists()


def test_an_unexpected_error_in_the_bulk_api_ends_its_batch_failed(org, people, monkeypatch):
    monkeypatch.setattr(importer, "load", lambda rows, **kw: 1 / 0)
    rows = [{"kpi": "revenue", "unit": "team-a1", "date": "2027-02-28", "value": "125000"}]
    with pytest.raises(ZeroDivisionError):
        importer.load_api(actor=people.leader, rows=rows)
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "ZeroDivisionError: division by zero" in batch.message


@pytest.fixture
def run(org, people):
    return RollupRun.objects.create(plan=PlanFactory(org_unit=org.team_a1), quarter=1)


def test_an_error_inside_a_rollup_ends_the_run_failed_and_keeps_the_old_rows(run, monkeypatch):
    def broken(plan, quarter):
        raise ValueError("no fiscal period 13")

    monkeypatch.setattr(rollup, "save", broken)
    assert rollup_quarter.apply(args=[run.pk]).get() == "failed"
    run.refresh_from_db()
    assert run.message == (
        "The rollup stopped on an unexpected error (ValueError: no fiscal period 13); nothing changed."
    )
    assert run.finished_at and run.attempts == 1


def test_a_rollup_past_its_soft_time_limit_ends_failed_with_the_minutes(run, monkeypatch):
    def slow(plan, quarter):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(rollup, "save", slow)
    assert rollup_quarter.apply(args=[run.pk]).get() == "failed"
    run.refresh_from_db()
    # rollup_quarter's hard limit is 10 minutes; the soft one, 9
    assert run.message == "The rollup took longer than 9 minutes and was stopped; nothing changed."


def test_a_rollup_run_already_ended_is_not_run_again(run, monkeypatch):
    monkeypatch.setattr(rollup, "save", lambda plan, quarter: pytest.fail("ran again"))
    RollupRun.objects.filter(pk=run.pk).update(status="failed", message="swept")
    assert rollup_quarter.apply(args=[run.pk]).get() == "failed"
    assert RollupRun.objects.get(pk=run.pk).message == "swept"


# --- A broker that is down when the job is sent -----------------------------------------------------------


@pytest.fixture
def no_broker(monkeypatch):
    """Every send to the broker fails as kombu fails it when Redis refuses the connection."""
    monkeypatch.setattr(Task, "apply_async", broker_down)


@pytest.mark.django_db(transaction=True)
def test_an_upload_page_with_the_broker_down_answers_503_and_fails_the_batch(
    client, org, people, catalogues, no_broker
):
    client.force_login(people.leader)
    upload = SimpleUploadedFile("calls.csv", csv_bytes(2500), content_type="text/csv")
    response = client.post(reverse("kpi-imports"), {"file": upload})
    assert response.status_code == 503
    assert QUEUE_DOWN in response.content.decode()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.message) == ("failed", QUEUE_DOWN)
    assert batch.content  # kept: the page offers a retry


@pytest.mark.django_db(transaction=True)
def test_the_import_api_with_the_broker_down_answers_503_json_and_fails_the_batch(
    org, people, catalogues, no_broker
):
    upload = SimpleUploadedFile("calls.csv", csv_bytes(2500), content_type="text/csv")
    response = api_as(people.leader).post("/api/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 503
    assert response.json() == {"detail": QUEUE_DOWN}
    assert ImportBatch.objects.get().status == "failed"


@pytest.mark.django_db(transaction=True)
def test_run_rollup_now_with_the_broker_down_says_so_and_fails_the_run(client, org, people, no_broker):
    plan = PlanFactory(org_unit=org.team_a1)
    client.force_login(people.ops)
    response = client.post(reverse("metrics:qbr-run", args=[plan.pk]), {"quarter": "2"}, follow=True)
    page = response.content.decode()
    assert QUEUE_DOWN in page and "Rollup of Q2 queued" not in page
    assert list(RollupRun.objects.values_list("status", "message")) == [("failed", QUEUE_DOWN)]


def test_a_rollup_requested_inside_a_transaction_fails_after_commit_when_the_broker_is_down(
    run, people, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        later = request_rollup(plan=run.plan, quarter=2, actor=people.ops)
        assert RollupRun.objects.get(pk=later.pk).status == "queued"  # sent only once committed
    later.refresh_from_db()
    assert (later.status, later.message) == ("failed", QUEUE_DOWN)


def test_an_approval_with_the_broker_down_goes_on_without_the_prerender(
    plan, people, no_broker, django_capture_on_commit_callbacks
):
    from planning.services import plan_transition

    plan = plan_transition(actor=people.leader, plan=plan, name="submit", version=plan.version)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan = plan_transition(actor=people.executive, plan=plan, name="approve", version=plan.version)
    assert callbacks and plan.status == "approved"  # the prerender was asked for, and only logged


# --- The sweeper ------------------------------------------------------------------------------------------


def aged(model, pk: int, **fields) -> None:
    model.objects.filter(pk=pk).update(**fields)


def test_the_sweeper_fails_jobs_stuck_past_their_limit_and_leaves_the_others(org, people, run):
    # Patience: the longer of the hard limit and the visibility timeout (35 min), plus 10 minutes.
    assert jobs.patience(jobs.IMPORT_LIMIT) == jobs.patience(jobs.ROLLUP_LIMIT) == dt.timedelta(minutes=45)
    lost = queued(people)  # a worker began it 46 minutes ago and was never heard of again
    aged(ImportBatch, lost.pk, status="running", attempts=1, started_at=NOW - dt.timedelta(minutes=46))
    busy = queued(people)  # began 44 minutes ago: within its limit
    aged(ImportBatch, busy.pk, status="running", attempts=1, started_at=NOW - dt.timedelta(minutes=44))
    waiting = queued(people)  # queued 46 minutes ago, never taken up
    aged(ImportBatch, waiting.pk, created_at=NOW - dt.timedelta(minutes=46))
    aged(RollupRun, run.pk, created_at=NOW - dt.timedelta(hours=3))
    assert jobs.sweep(NOW) == {"imports": 2, "rollups": 1, "files": 0}
    statuses = dict(ImportBatch.objects.values_list("pk", "status"))
    assert (statuses[lost.pk], statuses[busy.pk], statuses[waiting.pk]) == ("failed", "running", "failed")
    assert ImportBatch.objects.get(pk=lost.pk).message == (
        "The worker stopped: the job had not ended 45 minutes after it started (attempt 1); "
        "nothing was loaded."
    )
    assert ImportBatch.objects.get(pk=waiting.pk).message == (
        "No worker took this job up within 45 minutes (are the workers running?); nothing was loaded."
    )
    run.refresh_from_db()
    assert run.status == "failed" and run.message.startswith("No worker took this job up within 45 minutes")
    entry = AuditEntry.objects.filter(object_id=str(lost.pk), actor_name="system").get()
    assert entry.changes == {"status": ["Running", "Failed"]}
    assert jobs.sweep(NOW) == {"imports": 0, "rollups": 0, "files": 0}  # once is enough


def test_a_job_swept_as_failed_is_not_run_by_a_late_message(org, people):
    batch = queued(people)
    aged(ImportBatch, batch.pk, created_at=NOW - dt.timedelta(hours=1))
    sweep_stuck_jobs.apply().get()
    assert run_import.apply(args=[batch.pk]).get() == "failed" and not Actual.objects.exists()


def test_the_sweeper_drops_a_failed_import_s_file_after_the_retry_days(org, people):
    failed = _stored(people)
    importer._finish(failed, ImportBatch.Status.FAILED, message=QUEUE_DOWN)
    aged(ImportBatch, failed.pk, finished_at=NOW - dt.timedelta(days=6))  # within the 7 days
    assert jobs.sweep(NOW)["files"] == 0
    aged(ImportBatch, failed.pk, finished_at=NOW - dt.timedelta(days=8))
    assert jobs.sweep(NOW)["files"] == 1 and ImportBatch.objects.get(pk=failed.pk).content is None


def _stored(people) -> ImportBatch:
    data = csv_bytes(3)
    return ImportBatch.objects.create(
        file_name="calls.csv", uploaded_by=people.leader, total_rows=3, content=b"csv\n" + data
    )


# --- The sales-ops home and the retry --------------------------------------------------------------------


def test_the_sales_ops_home_lists_failed_and_stuck_jobs_newest_first(client, org, people, run):
    refused = queued(people)
    aged(
        ImportBatch, refused.pk, status="failed", message=QUEUE_DOWN, finished_at=NOW - dt.timedelta(hours=2)
    )
    stuck = queued(people)
    aged(ImportBatch, stuck.pk, status="running", started_at=NOW - dt.timedelta(hours=1))
    aged(RollupRun, run.pk, status="failed", message="The rollup took longer than 9 minutes", finished_at=NOW)
    fine = queued(people)  # queued a moment ago: not listed
    client.force_login(people.ops)
    page = client.get(reverse("planning:home")).content.decode()
    assert "Failed and stuck jobs" in page
    section = page[page.index("Failed and stuck jobs") :]
    # Newest first: the rollup that failed now, the import stuck since an hour ago, the one refused at two
    at = [section.index(text) for text in ("took longer than 9 minutes", "had not ended", QUEUE_DOWN)]
    assert at == sorted(at)
    assert reverse("kpi-import", args=[refused.pk]) in section
    assert reverse("kpi-import", args=[stuck.pk]) in section
    assert reverse("metrics:qbr", args=[run.plan.pk]) + "?q=1" in section
    assert reverse("kpi-import", args=[fine.pk]) not in section


def test_a_failed_import_is_retried_from_its_page_as_a_new_batch(client, org, people):
    failed = _stored(people)
    importer._finish(failed, ImportBatch.Status.FAILED, message=QUEUE_DOWN)
    client.force_login(people.ops)
    page = client.get(reverse("kpi-import", args=[failed.pk])).content.decode()
    assert "Retry" in page and QUEUE_DOWN in page
    response = client.post(reverse("kpi-import-retry", args=[failed.pk]))
    again = ImportBatch.objects.exclude(pk=failed.pk).get()
    assert response.url == reverse("kpi-import", args=[again.pk])
    assert (again.status, again.loaded_rows, again.uploaded_by) == ("done", 3, people.ops)  # 3 rows: inline
    failed.refresh_from_db()
    assert failed.status == "failed" and failed.content is None  # handed its file over
    entry = AuditEntry.objects.get(object_id=str(failed.pk), action="updated")
    assert entry.changes == {"retried as": [None, f"import {again.pk}"]} and entry.actor == people.ops
    assert "Retry" not in client.get(reverse("kpi-import", args=[failed.pk])).content.decode()
    # Twice is refused: the file went to the new batch.
    client.post(reverse("kpi-import-retry", args=[failed.pk]))
    assert ImportBatch.objects.count() == 2


def test_only_those_who_may_see_and_load_a_batch_retry_it(client, org, people):
    failed = _stored(people)
    importer._finish(failed, ImportBatch.Status.FAILED, message="x")
    url = reverse("kpi-import-retry", args=[failed.pk])
    client.force_login(people.sibling)  # a leader who did not upload it does not see it
    assert client.post(url).status_code == 404
    client.force_login(people.viewer)
    assert client.post(url).status_code == 404
    client.force_login(people.executive)  # executives see only their own uploads, and load nothing
    assert client.post(url).status_code == 404
    client.force_login(people.leader)  # the uploader may
    assert client.post(url).status_code == 302
    assert ImportBatch.objects.count() == 2


# --- On PostgreSQL and Redis: real workers, a real broker -----------------------------------------------

WORKER = [sys.executable, "-m", "celery", "-A", "aop", "worker", "--pool=solo", "--concurrency=1",
          "--queues=celery,imports,reports",
          "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"]  # fmt: skip


def _test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env(**extra: str) -> dict:
    return os.environ | {"DATABASE_URL": _test_database_url()} | extra


def _wait(predicate, timeout: float) -> float:
    """Seconds until predicate() held (polling every 0.2 s), or fail."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.2)
    return time.monotonic() - start


def _stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
    return worker.communicate(timeout=30)[0].decode(errors="replace")[-2000:]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_load_hands_the_file_to_another_which_loads_it_whole(
    org, people, catalogues, tmp_path
):
    mark = tmp_path / "loaded"
    batch = queued(people, count=20_000)
    # A 5-second visibility timeout stands for the 35 minutes of production (CELERY_VISIBILITY_TIMEOUT).
    env = _env(CELERY_VISIBILITY_TIMEOUT="5", AOP_TEST_LOADED_MARK=str(mark))
    first = subprocess.Popen(
        [sys.executable, "-m", "tests.metrics.slow_worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    second = None
    try:
        _wait(mark.exists, 120)  # the 20,000 rows are written, not committed
        batch.refresh_from_db()
        assert (batch.status, batch.attempts, mark.read_text()) == ("running", 1, "20000")
        assert not Actual.objects.exists()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        killed = time.monotonic()
        assert not Actual.objects.exists()  # its transaction died with it
        time.sleep(6)  # past the visibility timeout: a worker starting now takes the message back
        second = subprocess.Popen(WORKER, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _wait(lambda: ImportBatch.objects.get(pk=batch.pk).status not in jobs.PENDING, 120)
        took = time.monotonic() - killed
    finally:
        output = _stop(first) + (_stop(second) if second else "")
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.loaded_rows) == ("done", 2, 20_000), output
    assert Actual.objects.filter(batch=batch).count() == 20_000
    print(f"killed mid-load; loaded whole by the second worker {took:.1f} s later")


@pytest.fixture
def unreachable_broker(monkeypatch):
    """The app's broker moved to a port where nothing listens, with fresh connection pools."""
    from aop.celery import app

    def fresh_pools() -> None:  # kombu keeps a pool per URL: the configured one is found again after
        app._pool, app.amqp._producer_pool = None, None

    fresh_pools()
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    yield
    monkeypatch.undo()
    fresh_pools()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_broker_that_cannot_be_reached_answers_503_and_fails_the_batch(
    client, org, people, catalogues, unreachable_broker
):
    upload = SimpleUploadedFile("calls.csv", csv_bytes(2500), content_type="text/csv")
    start = time.monotonic()
    response = api_as(people.leader).post("/api/imports/", {"file": upload}, format="multipart")
    took = time.monotonic() - start
    assert (response.status_code, response.json()) == (503, {"detail": QUEUE_DOWN})
    assert list(ImportBatch.objects.values_list("status", "message")) == [("failed", QUEUE_DOWN)]
    client.force_login(people.ops)
    plan = PlanFactory(org_unit=org.team_a1)
    client.post(reverse("metrics:qbr-run", args=[plan.pk]), {"quarter": "1"})
    assert list(RollupRun.objects.values_list("status", "message")) == [("failed", QUEUE_DOWN)]
    print(f"broker unreachable: 503 in {took:.2f} s")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_sweeper_run_by_a_real_worker_ends_a_job_stuck_past_its_limit(org, people, catalogues):
    batch = _stored(people)
    aged(ImportBatch, batch.pk, status="running", attempts=1, started_at=NOW - dt.timedelta(hours=1))
    run = RollupRun.objects.create(plan=PlanFactory(org_unit=org.team_a1), quarter=3)
    aged(RollupRun, run.pk, created_at=NOW - dt.timedelta(hours=1))
    worker = subprocess.Popen(WORKER, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        sweep_stuck_jobs.delay()
        took = _wait(lambda: not ImportBatch.objects.filter(status="running").exists(), 90)
        _wait(lambda: RollupRun.objects.get(pk=run.pk).status == "failed", 30)
    finally:
        output = _stop(worker)
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.message.startswith("The worker stopped"), output
    print(f"sweeper ended the stuck jobs {took:.1f} s after it was sent")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_soft_time_limit_during_the_load_ends_the_batch_failed_with_no_row(
    org, people, catalogues, tmp_path
):
    mark = tmp_path / "loaded"
    batch = _stored(people)
    env = _env(AOP_TEST_LOADED_MARK=str(mark))
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.metrics.slow_worker", "--pool=prefork"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        # The task's own limits (29 and 30 minutes), shortened for this one message.
        run_import.apply_async([batch.pk], soft_time_limit=3, time_limit=20)
        took = _wait(lambda: ImportBatch.objects.get(pk=batch.pk).status not in jobs.PENDING, 60)
    finally:
        output = _stop(worker)
    batch.refresh_from_db()
    assert mark.exists(), output  # the rows were written, inside the transaction, when the limit struck
    assert batch.status == "failed" and batch.message.startswith("The import took longer than"), output
    assert not Actual.objects.exists()
    print(f"soft time limit: failed {took:.1f} s after sending, message {batch.message!r}")
