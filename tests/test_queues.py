"""Celery's queues: imports and report building each have their own, so they scale on their own workers,
and every queue a task is sent to has a worker in the development Procfile and in docker-compose.yml."""

import shlex
from pathlib import Path

import pytest
import yaml

from aop.celery import app

app.loader.import_default_modules()  # registers every app's tasks, as a worker does at start
ROOT = Path(__file__).resolve().parent.parent
IMPORTS = {"metrics.tasks.run_import", "metrics.tasks.run_pull"}
REPORTS = {"metrics.tasks.rollup_quarter", "onepager.tasks.build_pack", "onepager.tasks.prerender"}


def project_tasks() -> list[str]:
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def queue_of(task: str) -> str:
    """The queue apply_async sends the task to, through CELERY_TASK_ROUTES (as beat and core.queue do)."""
    return app.amqp.router.route({}, task, (), {})["queue"].name


def consumed(command: list[str]) -> set[str]:
    """The queues a `celery worker` command line consumes: its -Q/--queues, else the default queue."""
    for i, arg in enumerate(command):
        if arg in ("-Q", "--queues"):
            return set(command[i + 1].split(","))
        if arg.startswith("--queues="):
            return set(arg.removeprefix("--queues=").split(","))
    return {app.conf.task_default_queue}


def procfile_workers() -> dict[str, set[str]]:
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    entries = dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name: consumed(shlex.split(cmd)) for name, cmd in entries.items() if " worker" in cmd}


def compose_workers() -> dict[str, set[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {
        name: consumed(service["command"])
        for name, service in services.items()
        if "worker" in service.get("command", [])
    }


def test_imports_and_report_building_have_their_own_queues():
    assert {task: queue_of(task) for task in IMPORTS} == dict.fromkeys(IMPORTS, "imports")
    assert {task: queue_of(task) for task in REPORTS} == dict.fromkeys(REPORTS, "reports")
    rest = set(project_tasks()) - IMPORTS - REPORTS
    assert rest, "no task left on the default queue: the test lost track of the tasks"
    assert {task: queue_of(task) for task in rest} == dict.fromkeys(rest, app.conf.task_default_queue)


def test_every_route_names_a_registered_task():
    assert set(app.conf.task_routes) <= set(project_tasks())


@pytest.mark.parametrize("where", ["Procfile.dev", "docker-compose.yml"])
def test_every_task_goes_to_a_queue_a_worker_consumes(where):
    workers = procfile_workers() if where == "Procfile.dev" else compose_workers()
    assert workers, f"{where} starts no worker"
    listened = set().union(*workers.values())
    unserved = {task: queue_of(task) for task in project_tasks() if queue_of(task) not in listened}
    assert not unserved, f"{where}: no worker consumes the queues of {unserved}"
