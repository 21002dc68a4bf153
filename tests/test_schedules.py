"""The beat schedule fires: every entry names a task Celery will send, every entry is sent through the
configured broker, and on the PostgreSQL and Redis pass a real worker runs an entry the scheduler finds
due."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.beat import Scheduler
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from aop.celery import app

app.loader.import_default_modules()  # registers every app's tasks, as a worker does at start
SCHEDULE = app.conf.beat_schedule
FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def project_tasks() -> dict:
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


@pytest.fixture
def broker_options(tmp_path: Path) -> dict:
    """Transport options that keep the filesystem broker's messages in a temporary folder (no effect
    on Redis, where the queue is the server's)."""
    if not app.conf.broker_url.startswith("filesystem"):
        return {}
    configured = app.conf.broker_transport_options
    options = {key: str(tmp_path / Path(configured[key]).name) for key in FOLDERS if key in configured}
    for folder in options.values():
        Path(folder).mkdir(exist_ok=True)
    return options


def test_every_beat_entry_names_a_registered_task():
    assert SCHEDULE, "the beat schedule is empty"
    for name, entry in SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: no task {entry['task']}"


@pytest.mark.parametrize("name", sorted(project_tasks()))
def test_every_task_has_a_soft_time_limit_below_its_hard_limit(name):
    # Celery refuses to send a task whose soft limit is above its hard one; the global soft limit
    # (14 min) is above a 5-minute task's hard limit, so each task sets both.
    task = app.tasks[name]
    assert task.time_limit and task.soft_time_limit, f"{name} sets no time limits"
    assert task.soft_time_limit < task.time_limit, f"{name}: soft {task.soft_time_limit} ≥ {task.time_limit}"


def test_a_lost_job_comes_back_from_redis_only_after_the_longest_task_could_have_ended():
    # Tasks are acknowledged late and rejected when their worker is lost, so a dead worker's job is sent
    # again; Redis does so after the visibility timeout, which must outlast the longest hard limit or a
    # job still running would be handed to a second worker.
    from django.conf import settings

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    longest = max(task.time_limit or app.conf.task_time_limit for task in project_tasks().values())
    assert longest == 30 * 60  # metrics.tasks.run_import
    assert longest < settings.CELERY_VISIBILITY_TIMEOUT <= longest + 10 * 60
    if app.conf.broker_url.startswith("redis"):
        assert app.conf.broker_transport_options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT


def test_every_beat_entry_is_sent_with_its_options_through_the_configured_broker(broker_options):
    sent = {}
    with app.connection_for_write(transport_options=broker_options) as conn:
        for entry in SCHEDULE.values():
            task = app.tasks[entry["task"]]  # as beat does: the task's own apply_async, with its checks
            args, kwargs = entry.get("args", ()), entry.get("kwargs", {})
            result = task.apply_async(args, kwargs, connection=conn, **entry.get("options", {}))
            sent[result.id] = entry["task"]
    assert received(broker_options, set(sent)) == sent


def received(broker_options: dict, ids: set[str], timeout: float = 10) -> dict[str, str]:
    """Read the messages with these task ids back from the default queue (acknowledged, so gone)."""
    found, others = {}, []
    deadline = time.monotonic() + timeout
    with app.connection_for_read(transport_options=broker_options) as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue)
        try:
            while set(found) != ids and time.monotonic() < deadline:
                message = queue.get(timeout=max(deadline - time.monotonic(), 0.1))
                if message.headers["id"] in ids:
                    found[message.headers["id"]] = message.headers["task"]
                    message.ack()
                else:
                    others.append(message)  # not this test's: left in the queue
        finally:
            for message in others:
                message.requeue()
            queue.close()
    return found


# --- A real worker runs a due entry (CI's second pass) ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_session_cleanup_when_the_scheduler_finds_it_due():
    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="", expire_date=now - dt.timedelta(days=1))
    Session.objects.create(session_key="current" * 4, session_data="", expire_date=now + dt.timedelta(days=1))
    # Beat's scheduler over the app's schedule. (django_celery_beat's DatabaseScheduler, which `celery
    # beat` runs, loads only crontabs within two hours of now, so it would not see a 03:17 entry by day.)
    scheduler = Scheduler(app=app)
    entry = scheduler.schedule["clear-expired-sessions"]
    # Last run two days ago: the nightly 03:17 crontab has come round since, so the entry is due.
    entry.last_run_at = now - dt.timedelta(days=2)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aop", "worker", "--pool=solo", "--concurrency=1",
         "--queues=celery,imports,reports",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        env=os.environ | {"DATABASE_URL": _test_database_url()},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert entry.is_due().is_due
        scheduler.tick()  # sends what is due, as beat does every few seconds
        deadline = time.monotonic() + 90
        while Session.objects.filter(session_key="expired" * 4).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4], output[-2000:]


def _test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
