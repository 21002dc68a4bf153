"""Fit, don't cut: the one-pager is one page, A4 and Letter, whatever the plan's size; what it shows it
shows whole (pdftotext reads every shown text back entire, nothing lies outside the page box); what does
not fit is counted in '+n more'; the font steps down before items are dropped; the page is full."""

import re
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from onepager import fit, render, svg
from planning.models import Objective, Plan, Strategy
from tests.onepager import pdf
from tests.onepager.big_plan import LONG, grow

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def check_page(plan, size, tmp_path) -> tuple[pdf.Facts, render.Fitted, dict]:
    """One page, nothing outside the page box, every shown text read back whole, no text cut."""
    data, fitted, texts = pdf.shown(plan, size)
    facts = pdf.read(data, tmp_path)
    assert facts.pages == 1, plan
    assert pdf.outside(facts) == [], plan
    assert fit.overflows(fitted.document) == (0.0, 0.0), plan
    assert fit.too_long(fitted.document) == [], plan  # every item's text in at most two lines
    assert pdf.missing(texts, facts) == [], plan
    assert "…" not in facts.text
    assert fitted.layout.font in fit.LEVELS and fitted.layout.renders <= render.MEASURES + 2
    return facts, fitted, texts


def shot(data: bytes, name: str) -> None:
    """A PNG of the page for people to look at (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(ARTIFACTS / f"{name}.pdf"),
                    str(ARTIFACTS / name)], check=True)  # fmt: skip


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_every_demo_plan_fits_one_page_whole(demo, tmp_path):
    plans = list(Plan.objects.select_related("org_unit").order_by("pk"))
    for plan in plans:
        facts, fitted, texts = check_page(plan, "a4", tmp_path)
        assert f"{plan.org_unit.name} · FY{plan.fiscal_year}" in facts.text
        assert {"draft": "DRAFT", "in_review": "IN REVIEW", "approved": "APPROVED"}[plan.status] in facts.text
        if plan.objectives.exists():
            assert texts["objectives"] and "OBJECTIVES AND THEIR STRATEGIES" in facts.text
    east = Plan.objects.get(org_unit__code="na-ent-east", fiscal_year=2027)
    facts, fitted, texts = check_page(east, "letter", tmp_path)
    for heading in (
        "CORE INITIATIVES",
        "KPIS",
        "TOP CAPABILITY GAPS",
        "TOP RISKS",
        "CHURN AGAINST ALLOWANCE",
    ):
        assert heading in facts.text
    assert "Vertical plays for finance and healthcare" in facts.text  # a strategy under its objective
    assert "Reach $280M ARR by FY2031" in facts.text and "ARR $140M" in facts.text  # goal, this year's
    company = Plan.objects.get(org_unit__code="northwind", fiscal_year=2028)
    facts, *_ = check_page(company, "letter", tmp_path)
    target = sum((t.new_business + t.expansion + t.renewal for t in company.sales_targets.all()), D(0))
    assert f"${target:,.0f}" in facts.text  # the sales target in whole dollars, read back from the PDF
    assert not re.search(r"\$[\d,]+\.\d\d\b", facts.text)  # no amount shows cents
    data, *_ = pdf.shown(east, "a4")
    shot(data, "onepager-enterprise-east-fy2027-a4")


def test_a_plan_with_300_objectives_is_one_full_page_with_the_rest_counted(plan, people, tmp_path):
    grow(plan, people.leader, objectives=300)
    for size in ("a4", "letter"):
        facts, fitted, texts = check_page(plan, size, tmp_path)
        assert fitted.layout.font == fit.LEVELS[-1]  # the smallest readable size, before dropping
        shown = {k: len(v) for k, v in fitted.layout.rows.items()}
        assert shown["objectives"] >= 6 and shown["kpis"] >= 4 and shown["initiatives"] >= 4
        assert f"+{300 - shown['objectives']} more objectives" in facts.text
        assert f"+{100 - shown['initiatives']} more initiatives" in facts.text
        assert (
            f"+{75 - shown['kpis']} more KPIs" in facts.text
            and f"+{50 - shown['risks']} more risks" in facts.text
        )
        assert LONG not in facts.text  # three lines at any size: off the page, in the count
        assert "$8,000,001" in facts.text  # 4,200,000 + 2,100,000 + 1,700,000.50 in whole dollars
        full = fit.apply(render.build(plan), fitted.layout)
        on_page = [o.text for o in full.objectives.rows]
        by_weight = [o.title for o in Objective.objects.filter(plan=plan).order_by("-weight", "pk")]
        passed = by_weight[: by_weight.index(on_page[-1]) + 1]
        assert [t for t in passed if t in on_page] == on_page  # by weight, heaviest first…
        assert all(len(t) > 120 for t in passed if t not in on_page)  # …but those too long for two lines
        data, *_ = pdf.shown(plan, size)
        shot(data, f"onepager-300-objectives-{size}")


def test_a_small_plan_shows_everything_at_the_largest_size_and_fills_the_page(plan, people, tmp_path):
    for n in range(5):
        objective = Objective.objects.create(plan=plan, title=f"Objective {n}", weight=D(20))
        Strategy.objects.create(plan=plan, title=f"Strategy {n}").objectives.add(objective)
    facts, fitted, texts = check_page(plan, "a4", tmp_path)
    assert fitted.layout.font == fit.LEVELS[0] and "more" not in facts.text
    assert texts["objectives"][:5] == [f"Objective {n}" for n in range(5)]
    assert "Strategy 4" in facts.text and "No risks recorded." in facts.text


def test_a_text_too_long_for_two_lines_drops_its_item_whole_and_the_font_stays(plan, people, tmp_path):
    Objective.objects.create(plan=plan, title="Win logos", weight=D(50))
    Objective.objects.create(plan=plan, title=LONG, weight=D(40))  # 3+ lines even at the smallest size
    facts, fitted, texts = check_page(plan, "a4", tmp_path)
    assert texts["objectives"] == ["Win logos"] and "+1 more objective" in facts.text
    assert "A deliberately long objective" not in facts.text  # not begun and cut: left out whole
    assert fitted.layout.font == fit.LEVELS[0]  # a smaller font would not bring it, so it stays large


def test_the_status_is_a_corner_stamp_and_a_band_not_a_watermark_across_the_content(plan):
    sheet = render.html(plan)
    assert 'class="stamp draft"' in sheet and 'class="band draft"' in sheet
    assert "watermark" not in sheet and "rotate" not in sheet
    css = (Path(settings.BASE_DIR) / "templates/onepager/sheet.css").read_text()
    assert "text-overflow" not in css and "ellipsis" not in css  # nothing is cut by CSS


def test_chart_values_sit_in_their_own_column_clear_of_the_bars_and_the_100_percent_line():
    drawing = svg.attainment([("Revenue", 0.95), ("Calls made", 1.49)], width=240)
    labels = re.findall(r"<text x='([\d.]+)'[^>]*text-anchor='end'[^>]*>(\d+%)</text>", drawing)
    line = float(re.search(r"<line x1='([\d.]+)'", drawing).group(1))
    bar_ends = [
        float(x) + float(w) for x, w in re.findall(r"<rect x='([\d.]+)' y='[\d.]+' width='([\d.]+)'", drawing)
    ]
    assert labels == [("240", "95%"), ("240", "149%")]  # right-aligned at the chart's edge
    assert max(bar_ends) < 240 - 30 and line < 240 - 30  # a 34-unit column for the values
    assert "Calls made" in drawing  # labels whole, not cut to 16 characters
    bars = svg.bars([("Sales engineering", 254000.0)], currency="USD")
    assert "$254K" in bars and "Sales engineering" in bars


def test_the_year_target_and_pace_are_shown_for_the_year_in_progress(plan, people, monkeypatch, tmp_path):
    """The page says which numbers it shows: the year's target, to date, pace; the footer explains pace."""
    import datetime as dt

    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2028, 4, 15))
    facts, *_ = check_page(plan, "a4", tmp_path)
    assert "TARGET" in facts.text and "TO DATE" in facts.text and "PACE" in facts.text
    assert "Pace: the year's total at today's rate" in facts.text


def test_the_sheets_own_user_agent_stylesheet_lays_it_out_as_weasyprints_full_one(plan, people, tmp_path):
    """render.SHEET_UA is WeasyPrint's stylesheet cut to the sheet's elements, for speed: same pixels."""
    grow(plan, people.leader, objectives=40)
    text = render.fitted(plan).html
    pictures = []
    for name, full in (("cut", False), ("full", True)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(render._laid_out(text, full_ua=full).write_pdf())
        subprocess.run(
            ["pdftoppm", "-png", "-r", "72", "-singlefile", str(path), str(tmp_path / name)], check=True
        )
        pictures.append((tmp_path / f"{name}.png").read_bytes())
    assert pictures[0] == pictures[1]
