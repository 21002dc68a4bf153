"""The Celery app. The beat schedule lives here, in one place, each entry commented."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aop.settings")

app = Celery("aop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The filesystem broker needs its folders before the first message is sent.
for key in ("data_folder_in", "processed_folder", "control_folder"):
    folder = app.conf.broker_transport_options.get(key)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)

app.conf.beat_schedule = {
    # Expired sessions pile up in the database otherwise; nightly is plenty.
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    # Quarterly business reviews: every night, roll up the fiscal quarter in progress, and the quarter
    # that ended yesterday when one did. Quarter ends follow the company's fiscal calendar (a February
    # year closes quarters at the end of April, July, October and January): metrics.rollup.quarters_due.
    "quarterly-rollups": {
        "task": "metrics.tasks.schedule_rollups",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every job ends: an import or rollup that neither ended nor started again within its limit (its hard
    # time limit or the broker's visibility timeout, whichever is longer, plus a grace: metrics/jobs.py)
    # is failed with a message saying so. Every ten minutes, so a stuck job shows within the hour.
    "sweep-stuck-jobs": {
        "task": "metrics.tasks.sweep_stuck_jobs",
        "schedule": crontab(minute="*/10"),
    },
}
