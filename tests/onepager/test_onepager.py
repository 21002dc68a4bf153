"""The one-page strategy: the right figures; a cache that is never stale; downloads answered as a PDF
whatever the client accepts, and recorded; 404 for plans a user may not see."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from core import formatting
from core.models import AuditEntry
from metrics import services as metric_services
from metrics.models import KPI, Actual, KPITarget
from onepager import content, render
from onepager.content import fingerprint
from onepager.models import RenderedPage
from planning.content import content_update
from planning.models import Objective, SalesTarget
from tests.conftest import api_as
from tests.onepager import pdf

ACCEPTS = {"application/pdf": "application/pdf", "*/*": "*/*", "none": None}


def test_the_cache_serves_a_pdf_only_while_nothing_behind_it_changed(plan, people):
    objective = Objective.objects.create(plan=plan, title="Grow", weight=D("10"))
    first = render.render(plan)
    assert render.render(plan).pk == first.pk  # served from the cache
    content_update(actor=people.leader, instance=objective, version=1, values={"title": "Grow faster"})
    second = render.render(plan)
    assert second.pk != first.pk and second.fingerprint != first.fingerprint
    assert RenderedPage.objects.filter(plan=plan).count() == 1  # the stale one is gone


def test_kpi_targets_set_after_a_render_make_a_new_pdf_that_shows_them(plan, people, tmp_path):
    """The bug behind 'every KPI target reads —': a KPI's targets are not plan content, their writes left
    nothing the fingerprint saw, so a PDF rendered before sales ops phased the year's targets (at the
    approval, say) was served with '—' for every target ever after."""
    kpi = KPI.objects.create(code="logos", name="New logos", unit="count")
    kpi.objectives.add(Objective.objects.create(plan=plan, title="Win logos", weight=D("60")))
    before = render.render(plan)
    assert "—" in pdf.read(bytes(before.pdf), tmp_path).layout_text.split("New logos")[1].split("\n")[0]
    metric_services.targets_set(
        actor=people.ops, kpi=kpi, org_unit=plan.org_unit, seller=None, fiscal_year=plan.fiscal_year,
        months=[D(25)] * 12,
    )  # fmt: skip
    after = render.render(plan)
    assert after.fingerprint != before.fingerprint
    row = pdf.read(bytes(after.pdf), tmp_path).layout_text.split("New logos")[1].split("\n")[0]
    assert "300" in row  # 12 × 25, the year's target: FY2028 has not started


def test_kpi_figures_are_the_metrics_tabs_year_target_to_date_and_pace(plan, monkeypatch):
    """FY2028 runs Jan–Dec 2028 (366 days). On 15 Apr 2028, a summed KPI with 1,000 a month and 700
    on the first of each month so far: year target 12,000; target to date 3 × 1,000 + 15/30 × 1,000 =
    3,500; actual 4 × 700 = 2,800; attainment 2,800 / 3,500 = 80% (at risk: under 100%, from the
    80% alert line up); pace 2,800 × 366 days / 106 days gone = 9,667.9."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2028, 4, 15))
    kpi = KPI.objects.create(code="calls", name="Calls", unit="count", aggregation="sum")
    bare = KPI.objects.create(code="demos", name="Demos", unit="count")
    objective = Objective.objects.create(plan=plan, title="Win logos", weight=D("60"))
    objective.kpis.add(kpi, bare)
    KPITarget.objects.bulk_create(
        KPITarget(kpi=kpi, org_unit=plan.org_unit, fiscal_year=2028, period=p, value=1000)
        for p in range(1, 13)
    )
    Actual.objects.bulk_create(
        Actual(kpi=kpi, org_unit=plan.org_unit, date=dt.date(2028, m, 1), value=700) for m in range(1, 5)
    )
    calls, demos = content.build(plan).sections["kpis"]
    assert calls.text == "Calls" and calls.status == "At risk"
    assert calls.cells | {"credited": False, "partial": False} == {
        "target": "12,000",
        "actual": "2,800",
        "expected": "3,500",
        "pace": "9,668",
        "attained": "80%",
        "credited": False,
        "partial": False,
    }
    assert demos.status == "No target" and demos.cells["target"] == "—"  # no target set: said, last


def test_every_download_answers_a_pdf_whatever_the_client_accepts(client, plan, people):
    client.force_login(people.executive)
    api = api_as(people.viewer)
    for label, accept in ACCEPTS.items():
        headers = {"Accept": accept} if accept else {}
        page = client.get(reverse("onepager:pdf", args=[plan.pk]) + "?size=letter", headers=headers)
        endpoint = api.get(f"/api/plans/{plan.pk}/one-pager.pdf", headers=headers)
        for response in (page, endpoint):
            assert response.status_code == 200, label
            assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(plan_id=plan.pk, action="downloaded").count() == 6
    entry = AuditEntry.objects.filter(plan_id=plan.pk, actor=people.executive).first()
    assert "Letter" in str(entry.changes)


def test_hidden_plans_answer_404_and_errors_read_as_json(client, plan, people):
    client.force_login(people.outsider)
    assert client.get(reverse("onepager:pdf", args=[plan.pk])).status_code == 404
    assert client.get(reverse("onepager:plan", args=[plan.pk])).status_code == 404
    for accept in ("application/pdf", "*/*"):
        missing = api_as(people.outsider).get(
            f"/api/plans/{plan.pk}/one-pager.pdf", headers={"Accept": accept}
        )
        assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
        assert "detail" in missing.json()
    anonymous = api_as(None).get(f"/api/plans/{plan.pk}/one-pager.pdf", headers={"Accept": "application/pdf"})
    assert anonymous.status_code in (401, 403) and anonymous["Content-Type"] == "application/json"


def test_the_preview_is_the_sheet_as_the_pdf_lays_it_out(client, plan, people):
    Objective.objects.create(plan=plan, title="Win logos", weight=D("60"))
    client.force_login(people.viewer)
    html = client.get(reverse("onepager:plan", args=[plan.pk])).content.decode()
    layout = render.fitted(plan).layout
    assert 'class="sheet"' in html and "Win logos" in html and "Download PDF (A4)" in html
    assert f"font-size:{layout.font}pt" in html and f"at {layout.font:g} pt" in html


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
    formatting.display_remember(formatting.Display(currency="EUR", money_places=2))
    assert fingerprint(plan) != in_dollars  # a cached PDF in dollars is not served any more
    with formatting.use_locale("de-DE"):  # a German reader's request
        text = pdf.read(render.pdf_bytes(plan), tmp_path).text
    # In whole euros even where the company shows cents: a hand-out shows no cents; compact in the split.
    assert "€1,234,568" in text and "€1.23M" in text and "1.234.568" not in text and ",89" not in text


@pytest.mark.parametrize("size", ["a4", "letter"])
def test_the_pdf_is_tagged_with_its_title_and_language(plan, size):
    raw = render.fitted(plan, size).document.write_pdf(pdf_variant=render.PDF_VARIANT, uncompressed_pdf=True)
    assert b"/StructTreeRoot" in raw and b"/MarkInfo" in raw and b"/Lang (en)" in raw
    assert b'pdfuaid:part="1"' in raw and b"/DisplayDocTitle true" in raw
    assert "Team A1 FY2028 · one-page strategy".encode("utf-16-be") in raw or b"Team A1 FY2028" in raw
