"""Importing spend over spend already recorded asks first with each changed cell, changes nothing until
applied, and can be undone unless the spend changed since. Into empty months it applies at once (and can
still be undone).

Team A1's FY2028 budget has one line, Events. The fiscal year starts in February, so FY2028 runs from
Feb 2027 to Jan 2028 and period 3 is April 2027.
"""

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets import services
from budgets.models import BudgetLine, Spend
from core.models import AuditEntry
from orgs.models import FiscalCalendar
from planning import gridfile
from tests.test_crawl import MissingVariables

RECORDED = [D("1000")] * 3 + [D("0")] * 9  # Feb–Apr 2027 recorded, 3,000.00 in all


@pytest.fixture(autouse=True)
def every_variable_resolves(settings):
    """The confirmation pages answer a post only, so the crawl (tests/test_crawl.py) never opens them:
    each test here checks that every variable of the pages it renders resolves."""
    recorder = MissingVariables()
    templates = [dict(engine, OPTIONS=dict(engine.get("OPTIONS", {}))) for engine in settings.TEMPLATES]
    templates[0]["OPTIONS"]["string_if_invalid"] = recorder
    settings.TEMPLATES = templates
    yield
    assert not [found for found in recorder.found if found[0].startswith(CONFIRM_PAGES)]


CONFIRM_PAGES = ("planning/cascade_confirm.html", "planning/import_confirm.html")


@pytest.fixture
def line(plan, people):
    FiscalCalendar.objects.filter(pk=FiscalCalendar.load().pk).update(start_month=2)
    budget = services.budget_create(actor=people.leader, plan=plan, total=D("300000"))
    return services.line_create(
        actor=people.leader,
        budget=budget,
        values={"name": "Events", "category": "programs", "growth": False, "expected_value": D("1")},
        opening=D("100000"),
    )


@pytest.fixture
def recorded(line, people):
    services.spend_set(actor=people.leader, line=line, months=RECORDED)
    return line


@pytest.fixture
def leader(client, people):
    client.force_login(people.leader)
    return client


def spend_file(plan, months: list[str]) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(gridfile.header(FiscalCalendar.load().rules, plan.fiscal_year))
    writer.writerow(["Events", "Programs", *months, ""])
    return SimpleUploadedFile("spend.csv", out.getvalue().encode())


def spend(line: BudgetLine) -> list[D]:
    months = [D("0")] * 12
    for row in Spend.objects.filter(line=line):
        months[row.period - 1] = row.amount
    return months


def versions(line: BudgetLine) -> dict[int, int]:
    return dict(Spend.objects.filter(line=line).values_list("period", "version"))


def import_post(client, plan, months: list[str]):
    return client.post(reverse("budgets:spend-import", args=[plan.pk]), {"file": spend_file(plan, months)})


def apply(client, plan, html: str):
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return client.post(reverse("budgets:spend-import-apply", args=[plan.pk]), {"token": token})


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def budget_page(client, plan) -> str:
    return client.get(reverse("budgets:plan", args=[plan.pk])).content.decode()


def test_an_import_into_empty_months_applies_at_once_and_can_be_undone(leader, plan, line):
    response = import_post(leader, plan, ["500"] * 12)
    assert response.status_code == 302
    assert "Spend imported: 1 line(s) changed." in messages_of(response)
    assert spend(line) == [D("500.00")] * 12
    page = budget_page(leader, plan)
    assert 'id="spend-import-undo"' in page and "Undo the import of spend.csv" in page
    response = leader.post(reverse("budgets:spend-import-undo", args=[plan.pk]))
    assert "Import of spend.csv undone: 1 line(s) are back." in messages_of(response)
    assert spend(line) == [D("0")] * 12


def test_an_import_over_recorded_spend_lists_each_changed_cell_and_changes_nothing(leader, plan, recorded):
    before, history = versions(recorded), AuditEntry.objects.count()
    months = ["1000", "1000", "1500", "200"] + ["0"] * 8  # P3 1,000 → 1,500; P4 0 → 200
    response = import_post(leader, plan, months)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-confirm"' in html and "Apply</button>" in html and ">Cancel</a>" in html
    assert "Import spend.csv over the recorded spend?" in html
    assert (
        "The file changes <strong>2 cells</strong> in 1 row, replacing <strong>1 value already there" in html
    )
    cells = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td class="num">(.*?)</td><td class="num">(.*?)</td>',
        html,
    )
    assert cells == [
        ("Events", "Apr 2027 · P3", "$1,000.00", "$1,500.00"),
        ("Events", "May 2027 · P4", "$0.00", "$200.00"),
    ]
    cancel = re.search(r'<a class="btn" href="([^"]+)">Cancel</a>', html).group(1)
    assert cancel == reverse("budgets:plan", args=[plan.pk]) + "#spend"
    assert spend(recorded) == RECORDED and versions(recorded) == before
    assert AuditEntry.objects.count() == history


def test_apply_records_the_file_and_undo_puts_the_spend_back(leader, plan, recorded):
    html = import_post(leader, plan, ["2000"] * 12).content.decode()
    response = apply(leader, plan, html)
    assert response.status_code == 302
    assert spend(recorded) == [D("2000.00")] * 12  # 24,000.00 in all
    assert "Undo the import of spend.csv" in budget_page(leader, plan)
    response = leader.post(reverse("budgets:spend-import-undo", args=[plan.pk]))
    assert "Import of spend.csv undone: 1 line(s) are back." in messages_of(response)
    assert spend(recorded) == RECORDED
    assert 'id="spend-import-undo"' not in budget_page(leader, plan)  # used up


def test_a_stale_confirmation_is_refused_and_changes_nothing(leader, plan, recorded, people):
    html = import_post(leader, plan, ["2000"] * 12).content.decode()
    typed = [D("1000"), D("1000"), D("1234.50")] + [D("0")] * 9
    services.spend_set(actor=people.ops, line=recorded, months=typed)  # typed while the page was open
    response = apply(leader, plan, html)
    assert "The spend changed since spend.csv was read, so nothing was imported." in messages_of(response)
    assert spend(recorded) == typed


def test_a_stale_undo_is_refused_and_changes_nothing(leader, plan, recorded, people):
    apply(leader, plan, import_post(leader, plan, ["2000"] * 12).content.decode())
    typed = [D("2000")] * 11 + [D("10")]
    services.spend_set(actor=people.ops, line=recorded, months=typed)
    assert 'id="spend-import-undo"' not in budget_page(leader, plan)  # no longer offered
    response = leader.post(reverse("budgets:spend-import-undo", args=[plan.pk]))
    assert "The spend changed since spend.csv was imported, so nothing was undone." in messages_of(response)
    assert spend(recorded) == typed


def test_a_confirmation_is_used_once(leader, plan, recorded):
    html = import_post(leader, plan, ["2000"] * 12).content.decode()
    apply(leader, plan, html)
    leader.post(reverse("budgets:spend-import-undo", args=[plan.pk]))
    response = apply(leader, plan, html)
    assert "That import is no longer waiting" in messages_of(response)
    assert spend(recorded) == RECORDED
