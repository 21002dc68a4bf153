"""The app's settings plus one bare JSON view (bench/urls.py), the baseline of the API measure."""

from aop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The concurrent-edit measure is made of expected 409s; keep the run's output to its table.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405
