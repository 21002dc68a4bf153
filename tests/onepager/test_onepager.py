"""The one-page strategy: always one page, whatever the plan's size; the right figures; a cache that is
never stale; downloads recorded; 404 for plans a user may not see."""

import subprocess
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from core import formatting
from core.models import AuditEntry
from metrics.models import KPI, KPITarget
from onepager import render
from onepager.content import fingerprint
from onepager.models import RenderedPage
from planning.content import content_update
from planning.models import Initiative, Objective, Plan, Risk, SalesTarget
from tests.conftest import api_as


def pdf_facts(data: bytes, tmp_path) -> tuple[int, str]:
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, text


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_the_smallest_and_largest_demo_plans_fit_one_page(demo, tmp_path):
    plans = list(Plan.objects.select_related("org_unit"))
    sizes = {
        p: Objective.objects.filter(plan=p).count() + KPITarget.objects.filter(org_unit=p.org_unit).count()
        for p in plans
    }
    smallest, largest = min(plans, key=sizes.get), max(plans, key=sizes.get)
    for plan in (smallest, largest):
        pages, text = pdf_facts(render.pdf_bytes(plan), tmp_path)
        assert pages == 1, plan
        assert plan.org_unit.name in text and f"FY{plan.fiscal_year}" in text
        assert {"draft": "DRAFT", "in_review": "IN REVIEW", "approved": "APPROVED"}[plan.status] in text
    company = Plan.objects.get(org_unit__code="northwind", fiscal_year=2028)
    pages, text = pdf_facts(render.pdf_bytes(company, "letter"), tmp_path)
    target = sum(
        (t.new_business + t.expansion + t.renewal for t in SalesTarget.objects.filter(plan=company)), D("0")
    )
    assert pages == 1 and f"${target:,.0f}" in text  # the sales target in whole units, read back from the PDF
    assert "Reach $280M ARR by FY2031" in text and "ARR $175M" in text  # this year's milestone


def test_a_plan_with_200_objectives_and_100_kpis_is_still_one_page(plan, people, tmp_path):
    long = "An objective with a very long name that keeps going well past the width of its column " * 2
    Objective.objects.bulk_create(
        Objective(plan=plan, title=f"{n} {long}", weight=D("0.5")) for n in range(200)
    )
    Initiative.objects.bulk_create(
        Initiative(plan=plan, title=f"Initiative {n} {long}", owner="Someone") for n in range(80)
    )
    Risk.objects.bulk_create(Risk(plan=plan, title=f"Risk {n} {long}", mitigation=long) for n in range(40))
    kpis = KPI.objects.bulk_create(
        KPI(code=f"k{n}", name=f"KPI number {n} {long[:40]}", unit="count") for n in range(100)
    )
    KPITarget.objects.bulk_create(
        KPITarget(kpi=k, org_unit=plan.org_unit, fiscal_year=plan.fiscal_year, period=1, value=D("10"))
        for k in kpis
    )
    SalesTarget.objects.create(plan=plan, new_business=D("1234567.89"))
    pages, text = pdf_facts(render.pdf_bytes(plan), tmp_path)
    assert pages == 1
    assert "+194 more objectives" in text and "+74 more initiatives" in text and "+36 more risks" in text
    assert "+92 more KPIs" in text  # the 100 KPIs with targets for the unit, 8 shown
    assert "$1,234,568" in text and "DRAFT" in text  # 1,234,567.89 in whole units


def test_the_cache_serves_a_pdf_only_while_nothing_behind_it_changed(plan, people):
    objective = Objective.objects.create(plan=plan, title="Grow", weight=D("10"))
    first = render.render(plan)
    assert render.render(plan).pk == first.pk  # served from the cache
    content_update(actor=people.leader, instance=objective, version=1, values={"title": "Grow faster"})
    second = render.render(plan)
    assert second.pk != first.pk and second.fingerprint != first.fingerprint
    assert RenderedPage.objects.filter(plan=plan).count() == 1  # the stale one is gone


def test_downloads_are_recorded_and_hidden_plans_answer_404(client, plan, people):
    client.force_login(people.executive)
    response = client.get(reverse("onepager:pdf", args=[plan.pk]) + "?size=letter")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(plan_id=plan.pk, action="downloaded")
    assert entry.actor == people.executive and "Letter" in str(entry.changes)
    client.force_login(people.outsider)
    assert client.get(reverse("onepager:pdf", args=[plan.pk])).status_code == 404
    assert client.get(reverse("onepager:plan", args=[plan.pk])).status_code == 404
    assert api_as(people.outsider).get(f"/api/plans/{plan.pk}/one-pager.pdf").status_code == 404
    api = api_as(people.viewer).get(f"/api/plans/{plan.pk}/one-pager.pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"


def test_the_preview_uses_the_same_sheet(client, plan, people):
    Objective.objects.create(plan=plan, title="Win logos", weight=D("60"))
    client.force_login(people.viewer)
    html = client.get(reverse("onepager:plan", args=[plan.pk])).content.decode()
    assert 'class="sheet"' in html and "Win logos" in html and "Download PDF (A4)" in html


def test_approval_prerenders_the_pdf_off_the_request(
    plan, people, monkeypatch, django_capture_on_commit_callbacks
):
    from onepager import tasks
    from planning.services import plan_transition

    monkeypatch.setattr(tasks.prerender, "delay", lambda plan_id: tasks.prerender.apply(args=[plan_id]))
    plan = plan_transition(actor=people.leader, plan=plan, name="submit", version=plan.version)
    with django_capture_on_commit_callbacks(execute=True):
        plan = plan_transition(actor=people.executive, plan=plan, name="approve", version=plan.version)
    cached = render.cached(plan)
    assert cached is not None and cached.revision == 1 and bytes(cached.pdf).startswith(b"%PDF")
    assert render.cached(plan, "letter") is not None


def test_the_pdf_reads_in_the_company_currency_and_the_default_locale_whoever_downloads_it(plan, tmp_path):
    SalesTarget.objects.create(plan=plan, new_business=D("1234567.89"))
    in_dollars = fingerprint(plan)
    formatting.display_remember(formatting.Display(currency="EUR", money_places=0))
    assert fingerprint(plan) != in_dollars  # a cached PDF in dollars is not served any more
    with formatting.use_locale("de-DE"):  # a German reader's request
        pages, text = pdf_facts(render.pdf_bytes(plan), tmp_path)
    assert "€1,234,568" in text and "1.234.568" not in text
