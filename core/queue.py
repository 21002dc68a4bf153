"""Handing work to the Celery queue so that a job is either queued or recorded as failed, never left
`queued` because the broker was down when it was sent."""

import logging
from collections.abc import Callable

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError
from rest_framework import status
from rest_framework.exceptions import APIException

logger = logging.getLogger(__name__)

QUEUE_DOWN = "The job queue is unavailable; try again in a few minutes."
# kombu wraps every broker connection error in OperationalError once its publish retries are spent
# (about 0.7 s against a closed port).
BROKER_ERRORS = (OperationalError, ConnectionError, TimeoutError)


class QueueUnavailable(APIException):
    """The broker refused a job: pages show QUEUE_DOWN, the API answers it as 503 JSON."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = QUEUE_DOWN
    default_code = "queue_unavailable"


def send(task: Task, *args: object, refused: Callable[[], None]) -> None:
    """Queue task(*args) once the current transaction commits, at once outside one. When the broker
    refuses it, refused() records the job as failed, and outside a transaction QueueUnavailable is raised
    for the view to answer 503; inside one the response is already decided, so only the job's row tells."""

    def attempt() -> None:
        try:
            task.apply_async(args)
        except BROKER_ERRORS as exc:
            logger.warning("Could not queue %s%r: %s", task.name, args, exc)
            refused()
            raise QueueUnavailable() from exc

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(attempt, robust=True)  # robust: logged, the committed work stands
    else:
        attempt()


class BestEffortTask(Task):
    """A task whose sending may fail harmlessly (a cache warm-up): a broker that is down is logged, and
    the request that asked for it goes on."""

    def apply_async(self, *args, **kwargs):  # type: ignore[override]
        try:
            return super().apply_async(*args, **kwargs)
        except BROKER_ERRORS as exc:
            logger.warning("Skipped %s: the job queue is unavailable (%s)", self.name, exc)
            return None
