"""The fiscal calendar's rules are read once per web request (FiscalCalendar.current_rules): the metrics
tab asked a dozen times. A save forgets them at once; outside a request every call reads the calendar."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs import models, services
from orgs.models import FiscalCalendar

pytestmark = pytest.mark.django_db


def _reads(times: int) -> tuple[int, list[int]]:
    with CaptureQueriesContext(connection) as queries:
        starts = [FiscalCalendar.current_rules().start_month for _ in range(times)]
    return len(queries), starts


def test_a_request_reads_the_rules_once_and_a_save_forgets_them():
    FiscalCalendar.load()
    models.request_scope(True)  # what request_started does (orgs.apps)
    try:
        assert _reads(5) == (1, [1] * 5)
        calendar = FiscalCalendar.load()
        calendar.start_month = 4
        calendar.save()
        assert _reads(3) == (1, [4] * 3)
    finally:
        models.request_scope(False)  # request_finished
    assert _reads(2) == (2, [4, 4])  # outside a request: no memory
    FiscalCalendar.objects.update(start_month=7)  # no signal: another process's change
    models.request_scope(True)
    try:
        assert _reads(2) == (1, [7, 7])  # a new request reads afresh
    finally:
        models.request_scope(False)


def test_a_page_reads_the_calendar_once(client, plan, people):
    FiscalCalendar.load()
    client.force_login(people.leader)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("metrics:plan", args=[plan.pk])).status_code == 200
    assert sum('"orgs_fiscalcalendar"' in q["sql"] for q in queries.captured_queries) == 1


def test_a_calendar_change_through_the_service_is_seen_in_the_same_request(people):
    calendar = FiscalCalendar.load()
    models.request_scope(True)
    try:
        assert _reads(1) == (1, [1])
        services.fiscal_calendar_update(
            actor=people.ops, version=calendar.version, start_month=4, naming="end"
        )
        assert _reads(2) == (1, [4, 4])  # the conditional UPDATE sends no post_save: the service forgets
    finally:
        models.request_scope(False)
