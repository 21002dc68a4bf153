"""The quarterly review pack: a PDF (the one-pager, then the review's pages) and a PowerPoint deck with the
KPI engine's numbers for the quarter; every page inside its page box; downloads answer 200 whatever the
Accept header, are recorded in the history and 404 for plans a user may not see; built in the background
from the review page and cached per fingerprint."""

import io
import subprocess
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pptx import Presentation
from weasyprint.formatting_structure import boxes

from budgets import services as budget_services
from core.models import AuditEntry
from metrics import engine, rollup, services
from metrics.models import KPI, Actual, ChurnPolicy, KPITarget
from onepager import pack, pack_build, pack_pdf, pack_pptx, tasks
from onepager.models import PackBuild, RenderedPack
from orgs.models import FiscalCalendar
from planning.content import content_update
from planning.models import Risk
from tests.conftest import api_as
from tests.factories import OrgUnitFactory, PlanFactory, SellerFactory

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def reviewed(org, people, catalogues):
    """Team A1's plan for last fiscal year (every quarter over), reviewed at Q1: a revenue target of
    100,000 a month for the team and for its seller Sam, who sold 90,000 + 120,000 + 60,000 = 270,000 in the
    quarter (every row is Sam's, so the team's actual is the same); a 10% churn allowance; at the review
    the April target (P4, next quarter) was lowered to 80,000; one risk, and a budget with one line."""
    fiscal_year = FiscalCalendar.load().rules.fiscal_year_of(timezone.localdate()) - 1
    plan = PlanFactory(org_unit=org.team_a1, fiscal_year=fiscal_year)
    revenue = KPI.objects.get(code="revenue")
    sam = SellerFactory(name="Sam Seller", org_unit=org.team_a1)
    months = engine.quarter(fiscal_year, 1).periods
    for seller in (None, sam):
        KPITarget.objects.bulk_create(
            KPITarget(
                kpi=revenue,
                org_unit=org.team_a1,
                seller=seller,
                fiscal_year=fiscal_year,
                period=p,
                value=100000,
            )
            for p in range(1, 13)
        )
    for month, amount in zip(months, (90000, 120000, 60000), strict=True):
        Actual.objects.create(kpi=revenue, org_unit=org.team_a1, seller=sam, date=month.start, value=amount)
    ChurnPolicy.objects.create(plan=plan, allowance=D("10"))
    services.target_adjust(
        actor=people.leader, plan=plan, quarter=1, kpi=revenue, period=4, value="80000",
        reason="A renewal moved to May.",
    )  # fmt: skip
    Risk.objects.create(
        plan=plan, title="Key account consolidates vendors", likelihood=4, impact=4, owner="Ana"
    )
    budget = budget_services.budget_create(actor=people.leader, plan=plan, total=D("100000"))
    budget_services.line_create(
        actor=people.leader,
        budget=budget,
        values={"name": "Partner events", "category": "programs", "expected_value": D("120000")},
        opening=D("40000"),
    )
    rollup.save(plan, 1)
    return plan


def pdf_text(data: bytes, tmp_path) -> list[str]:
    """The text of each page of a PDF, as pdftotext lays it out."""
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return text.stdout.split("\f")[:-1]


def outside_the_page(documents: list) -> list[str]:
    """Every box of every page (outside the margin boxes: headers, page numbers) that reaches beyond the
    page's content area, as WeasyPrint laid it out; what a box clips (overflow: hidden) is not looked into."""
    found = []

    def walk(box, page: int, area: tuple) -> None:
        if isinstance(box, boxes.MarginBox):
            return
        left, top, right, bottom = area
        x, y, w, h = box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
        if x < left - 0.5 or y < top - 0.5 or x + w > right + 0.5 or y + h > bottom + 0.5:
            where = f"{x:.0f},{y:.0f} {w:.0f}×{h:.0f} in {left:.0f},{top:.0f}–{right:.0f},{bottom:.0f}"
            found.append(f"page {page}: {type(box).__name__} {getattr(box, 'text', '')[:40]!r} at {where}")
        if box.style["overflow"] != "visible":
            return  # what is inside is clipped to this box
        for child in getattr(box, "children", []):
            walk(child, page, area)

    pages = [page for document in documents for page in document.pages]
    for number, page in enumerate(pages, 1):
        root = page._page_box
        left, top = root.content_box_x(), root.content_box_y()
        for child in root.children:
            walk(child, number, (left, top, left + root.width, top + root.height))
    return found


def slide_charts(data: bytes) -> list:
    return [
        shape.chart
        for slide in Presentation(io.BytesIO(data)).slides
        for shape in slide.shapes
        if shape.has_chart
    ]


def slide_text(data: bytes) -> str:
    texts = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(texts)


# --- What the pack shows ----------------------------------------------------------------------------


def test_the_pdf_is_the_one_pager_then_the_review_with_the_quarter_s_numbers(reviewed, tmp_path):
    body, count = pack_pdf.pdf(pack.build(reviewed, 1))
    pages = pdf_text(body, tmp_path)
    assert count == len(pages) == 6  # the one-pager and five pages of the review
    assert "Team A1" in pages[0] and "Q1 business review" not in pages[0]
    attainment = pages[1]
    assert "attainment against target and pace" in attainment
    # Target 3 × 100,000; actual 270,000; attainment 270,000 ÷ 300,000 = 90.0%; credited with the 10%
    # allowance 270,000 ÷ (300,000 × 0.9) = 100.0%, so the status is on track.
    assert "$300,000" in attainment and "$270,000" in attainment
    assert "90.0%" in attainment and "100.0%" in attainment and "On track" in attainment
    assert "Sam Seller" in pages[2] and "Trends by fiscal month" in pages[3]
    assert "Credited through the allowance" in pages[4] and "Sam Seller (90% → 100%)" in pages[4]
    assert "Partner events" in pages[4] and "3.00" in pages[4]  # value 120,000 per 40,000 of cost
    changes = pages[5]
    assert "A renewal moved to May." in changes and "$100,000" in changes and "$80,000" in changes
    assert "Key account consolidates vendors" in changes and "High 16" in changes  # 4 × 4
    assert [f"Page {n}" in page for n, page in enumerate(pages[1:], 2)] == [True] * 5


def test_every_page_of_the_pack_is_inside_its_page_box(reviewed):
    for size in ("a4", "letter"):
        assert outside_the_page(pack_pdf.documents(pack.build(reviewed, 1), size)) == []


def test_a_large_review_runs_onto_more_pages_and_each_still_fits(reviewed, org, people, tmp_path):
    """60 sellers in 12 teams, ten long risks: the tables break across pages, nothing runs off them."""
    revenue = KPI.objects.get(code="revenue")
    month = engine.quarter(reviewed.fiscal_year, 1).periods[0]
    long = "a name long enough to wrap in its column, and then some more words " * 2
    for t in range(12):
        team = OrgUnitFactory(name=f"Team {t} {long[:30]}", parent=org.team_a1)
        for s in range(5):
            seller = SellerFactory(name=f"Seller {t}-{s} {long[:25]}", org_unit=team)
            Actual.objects.create(kpi=revenue, org_unit=team, seller=seller, date=month.start, value=1000 * s)
    for n in range(10):
        Risk.objects.create(
            plan=reviewed, title=f"Risk {n} {long}", mitigation=long * 2, likelihood=2, impact=3
        )
    rollup.save(reviewed, 1)
    content = pack.build(reviewed, 1)
    assert len(content.sellers) == 61 and len(content.units) == 12
    laid_out = pack_pdf.documents(content)
    assert outside_the_page(laid_out) == [], "\n".join(outside_the_page(laid_out))
    text = "\n".join(pdf_text(pack_pdf.pdf(content)[0], tmp_path))
    assert sum(len(d.pages) for d in laid_out) > 6
    assert all(f"Seller {t}-{s}" in text for t in range(12) for s in range(5))  # every seller, none lost
    assert "THE 20 SELLERS LEAST CREDITED, OF 61" in text  # a heading, in capitals


def test_the_deck_opens_and_its_numbers_are_the_engine_s(reviewed):
    body, slides = pack_pptx.deck(pack.build(reviewed, 1))
    assert len(Presentation(io.BytesIO(body)).slides) == slides == 7
    window = engine.quarter(reviewed.fiscal_year, 1)
    revenue = KPI.objects.get(code="revenue")
    sam = reviewed.org_unit.sellers.get()
    results = engine.evaluate(
        kpis=[revenue], windows=[window], units=[reviewed.org_unit], sellers=[sam], allowance=D("10")
    )
    team, seller = (
        results.get(revenue, window, unit=reviewed.org_unit),
        results.get(revenue, window, seller=sam),
    )
    assert (team.attainment, team.credited) == (D("0.9000"), D("1.0000"))
    attainment, sellers, *trends = slide_charts(body)[:4]
    bars = dict(zip(attainment.plots[0].categories, attainment.plots[0].series[0].values, strict=True))
    assert bars == {"Revenue": float(team.attainment)}
    assert list(sellers.plots[0].categories) == ["Sam Seller"]
    assert [s.values for s in sellers.plots[0].series] == [
        (float(seller.attainment),),
        (float(seller.credited),),
    ]
    trend = trends[0].plots[0]
    assert trend.series[1].values[:3] == (90000.0, 120000.0, 60000.0)  # actuals by month, the engine's
    text = slide_text(body)
    assert "90.0%" in text and "100.0%" in text and "$270,000" in text and "A renewal moved to May." in text


def test_the_pack_reads_the_same_number_of_queries_for_one_seller_or_thirty(reviewed, org):
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            pack.build(reviewed, 1)
        return len(queries.captured_queries)

    small = cost()
    revenue = KPI.objects.get(code="revenue")
    month = engine.quarter(reviewed.fiscal_year, 1).periods[0]
    for _ in range(29):
        seller = SellerFactory(org_unit=OrgUnitFactory(parent=org.team_a1))
        Actual.objects.create(
            kpi=revenue, org_unit=seller.org_unit, seller=seller, date=month.start, value=10
        )
    rollup.save(reviewed, 1)
    assert len(pack.build(reviewed, 1).sellers) == 30
    assert cost() == small


# --- Downloads, the cache and the history -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "accept", "media_type", "magic"),
    [
        ("pdf", "application/pdf", "application/pdf", b"%PDF"),
        ("pdf", "*/*", "application/pdf", b"%PDF"),
        ("pdf", None, "application/pdf", b"%PDF"),
        ("pptx", PPTX, PPTX, b"PK"),
        ("pptx", "*/*", PPTX, b"PK"),
        ("pptx", None, PPTX, b"PK"),
    ],
)
def test_every_download_answers_200_whatever_the_accept_header(
    reviewed, people, client, kind, accept, media_type, magic
):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    api = api_as(people.viewer).get(f"/api/plans/{reviewed.pk}/reviews/1/pack.{kind}", **headers)
    client.force_login(people.viewer)
    page = client.get(reverse(f"onepager:pack-{kind}", args=[reviewed.pk, 1]), **headers)
    for response in (api, page):
        assert response.status_code == 200 and response["Content-Type"] == media_type
        assert response.content.startswith(magic)
        assert "-Q1-review-pack" in response["Content-Disposition"]


def test_the_api_refuses_another_type_with_406_and_answers_errors_in_json(reviewed, people):
    api = api_as(people.viewer)
    refused = api.get(f"/api/plans/{reviewed.pk}/reviews/1/pack.pdf", HTTP_ACCEPT="application/json")
    assert refused.status_code == 406 and refused["Content-Type"] == "application/json"
    missing = api.get(f"/api/plans/{reviewed.pk}/reviews/5/pack.pdf", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing.json() == {"detail": "A fiscal year has quarters 1 to 4."}


def test_downloads_are_recorded_in_the_history_and_another_unit_s_plan_answers_404(reviewed, people, client):
    client.force_login(people.viewer)
    client.get(reverse("onepager:pack-pdf", args=[reviewed.pk, 1]) + "?size=letter")
    api_as(people.executive).get(f"/api/plans/{reviewed.pk}/reviews/1/pack.pptx")
    entries = AuditEntry.objects.filter(plan_id=reviewed.pk, action="downloaded").order_by("pk")
    assert [(e.actor, e.changes) for e in entries] == [
        (people.viewer, {"Q1 review pack (PDF)": [None, "revision 1, Letter"]}),
        (people.executive, {"Q1 review pack (PowerPoint)": [None, "revision 1, 16:9"]}),
    ]
    for who in (people.sibling, people.outsider):
        client.force_login(who)
        for name in ("onepager:pack", "onepager:pack-pdf", "onepager:pack-pptx"):
            assert client.get(reverse(name, args=[reviewed.pk, 1])).status_code == 404
        assert client.post(reverse("onepager:pack-build", args=[reviewed.pk, 1])).status_code == 404
        for kind in ("pdf", "pptx"):
            assert api_as(who).get(f"/api/plans/{reviewed.pk}/reviews/1/pack.{kind}").status_code == 404
    assert not PackBuild.objects.exists()


def test_a_pack_is_served_from_the_cache_while_nothing_behind_it_changed(reviewed, people):
    first = pack_build.render(reviewed, 1, "pdf")
    assert pack_build.render(reviewed, 1, "pdf").pk == first.pk  # the cache
    assert pack_build.render(reviewed, 1, "pdf", "letter").pk != first.pk  # another paper, another file
    risk = Risk.objects.get(plan=reviewed)
    content_update(actor=people.leader, instance=risk, version=risk.version, values={"impact": 5})
    second = pack_build.render(reviewed, 1, "pdf")
    assert second.fingerprint != first.fingerprint
    assert list(RenderedPack.objects.filter(plan=reviewed, size="a4").values_list("pk", flat=True)) == [
        second.pk
    ]
    Actual.objects.create(
        kpi=KPI.objects.get(code="revenue"), org_unit=reviewed.org_unit,
        date=engine.quarter(reviewed.fiscal_year, 1).periods[0].end, value=5,
    )  # fmt: skip
    assert pack.fingerprint(reviewed, 1) != second.fingerprint  # a new actual moves the monthly trend
    assert pack.fingerprint(reviewed, 2) != pack.fingerprint(reviewed, 1)


# --- The background build from the review page -------------------------------------------------------


@pytest.fixture
def worker(monkeypatch):
    """The build runs where it is queued, as a worker would run it."""
    monkeypatch.setattr(tasks.build_pack, "apply_async", lambda args, **kw: tasks.build_pack.apply(args))


def test_the_review_page_builds_the_pack_in_the_background_then_offers_the_downloads(
    reviewed, people, client, worker, django_capture_on_commit_callbacks
):
    client.force_login(people.viewer)
    review = client.get(reverse("metrics:qbr", args=[reviewed.pk]) + "?q=1").content.decode()
    panel_url = reverse("onepager:pack", args=[reviewed.pk, 1])
    assert f'hx-get="{panel_url}" hx-trigger="load"' in review  # the review page loads the panel
    panel = client.get(panel_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Not built" in panel and "Build the pack" in panel and ".pptx" not in panel
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("onepager:pack-build", args=[reviewed.pk, 1])
        built = client.post(url, {"size": "letter"}, HTTP_HX_REQUEST="true")
    build = PackBuild.objects.get()
    assert (build.status, build.size, build.requested_by) == ("done", "letter", people.viewer)
    assert build.message.startswith("6 pages and 7 slides in ")
    panel = client.get(panel_url, HTTP_HX_REQUEST="true").content.decode()
    assert f"{reverse('onepager:pack-pdf', args=[reviewed.pk, 1])}?size=letter" in panel
    assert reverse("onepager:pack-pptx", args=[reviewed.pk, 1]) in panel and "6 pages" in panel
    assert 'hx-trigger="every 1s"' in built.content.decode()  # the answer to the post follows the build


def test_a_build_in_progress_is_followed_and_not_asked_for_twice(reviewed, people, client):
    client.force_login(people.leader)
    url = reverse("onepager:pack-build", args=[reviewed.pk, 1])
    client.post(url, {"size": "a4"})  # no worker: it stays queued (sent when the test's transaction commits)
    page = client.post(url, {"size": "a4"}, HTTP_HX_REQUEST="true").content.decode()
    assert PackBuild.objects.count() == 1
    assert 'hx-trigger="every 1s"' in page and "Queued" in page and "Build the pack" not in page
    whole = client.get(reverse("onepager:pack", args=[reviewed.pk, 1])).content.decode()
    assert "Q1 review pack" in whole and "← Q1 review" in whole  # without script, a page of its own


def test_a_build_that_fails_says_why_and_may_be_asked_for_again(
    reviewed, people, client, worker, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(content, size="a4"):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(pack_pdf, "pdf", broken)
    client.force_login(people.leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("onepager:pack-build", args=[reviewed.pk, 1]))
    build = PackBuild.objects.get()
    assert (build.status, build.message) == ("failed", "The build stopped: RuntimeError: no fonts")
    panel = client.get(
        reverse("onepager:pack", args=[reviewed.pk, 1]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "no fonts" in panel and "Build the pack" in panel
