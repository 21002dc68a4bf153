"""The fiscal calendar's rules are read once per web request (FiscalCalendar.current_rules): a page asked
a dozen times. A save forgets them at once; outside a request every call reads the calendar."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import FiscalCalendar

pytestmark = pytest.mark.django_db


def _reads(times: int) -> tuple[int, list[int]]:
    with CaptureQueriesContext(connection) as queries:
        starts = [FiscalCalendar.current_rules().start_month for _ in range(times)]
    return len(queries), starts


def test_a_request_reads_the_rules_once_and_a_save_forgets_them():
    FiscalCalendar.load()
    request_started.send(sender=None)
    try:
        assert _reads(5) == (1, [1] * 5)
        calendar = FiscalCalendar.load()
        calendar.start_month = 4
        calendar.save()
        assert _reads(3) == (1, [4] * 3)
    finally:
        request_finished.send(sender=None)
    assert _reads(2) == (2, [4, 4])  # outside a request: no memory


def test_each_request_reads_the_calendar_afresh():
    FiscalCalendar.load()
    request_started.send(sender=None)
    assert _reads(2) == (1, [1, 1])
    request_finished.send(sender=None)
    FiscalCalendar.objects.update(start_month=7)  # no signal: another process's change
    request_started.send(sender=None)
    try:
        assert _reads(2) == (1, [7, 7])
    finally:
        request_finished.send(sender=None)
