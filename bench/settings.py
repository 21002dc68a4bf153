"""The app's settings plus one bare JSON view (bench/urls.py), the baseline of the API measure."""

from aop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
