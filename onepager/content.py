"""What the one-page strategy can show, read from every step: each section's items in the order they
earn their place (weight, status, score), with the figures formatted as the company writes money.
Which of them go on the page, and at what size, is chosen by onepager.fit; `Listed` holds the choice.
Also the fingerprint of everything the page shows, so a cached PDF is served only while nothing behind
it has changed."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Prefetch
from django.utils import timezone

from budgets import selectors as budget_selectors
from budgets.models import Budget, Move
from capabilities import selectors as capability_selectors
from core import formatting
from core.models import AuditEntry
from metrics import engine, pipeline
from metrics import selectors as metric_selectors
from metrics.models import KPI, ChurnPolicy, ImportBatch, KPITarget, QuarterlyRollup
from onepager import svg
from orgs.models import FiscalCalendar
from planning import cascade
from planning import goals as long_term_goals
from planning.models import Initiative, Objective, Plan, Risk, SalesTarget, Strategy

STATUS_LABELS = {"draft": "DRAFT", "in_review": "IN REVIEW", "approved": "APPROVED"}
WATERMARK = STATUS_LABELS  # the stamp's word per plan status
KPI_STATUS = {
    "off_track": ("bad", "Off track"),
    "at_risk": ("warn", "At risk"),
    "stale": ("muted", "Stale"),
    "on_track": ("good", "On track"),
    "not_started": ("muted", "Not started"),
    "no_data": ("muted", "No data"),
    "no_target": ("muted", "No target"),
}
KPI_ORDER = ["off_track", "at_risk", "stale", "on_track", "no_data", "not_started", "no_target"]
WORK_TONE = {"at_risk": "warn", "in_progress": "good", "done": "good", "planned": "muted"}
WORK_ORDER = {"at_risk": 0, "in_progress": 1, "planned": 2, "done": 3}
STRATEGIES_PER_OBJECTIVE = 4  # more read as '+n more strategies' under the objective


@dataclass
class Listed:
    """The rows of a section that are on the page, and how many of its items are not."""

    rows: list
    more: int = 0
    details: int = 0  # how many of the rows show their detail line (description, mitigation, reason)


@dataclass
class Item:
    """One thing a section can show. `text` is the line that must fit in two lines; `detail` an optional
    second text shown when there is room; `cells` the figures beside it, already formatted."""

    text: str
    detail: str = ""
    cells: dict = field(default_factory=dict)
    tone: str = ""  # good / warn / bad / muted: the colour of its status tag
    status: str = ""
    subs: list = field(default_factory=list)  # an objective's strategies
    subs_more: int = 0
    flag: str = ""  # a short warning tag after the text ("no initiative")
    bar: str = ""  # an inline SVG (a KPI's attainment against plan)
    show_detail: bool = False  # set by onepager.fit when the detail fits


@dataclass
class OnePage:
    plan: Plan
    fy_label: str
    period: str
    watermark: str
    data_date: dt.date
    summary: str
    target: Decimal
    target_text: str
    target_split: list  # (label, amount, share, colour)
    goals: list  # (title, years, milestone, next milestone)
    budget: dict | None
    churn: dict | None
    unaddressed: int
    kpi_line: str  # '2 on track · 5 at risk · 1 off track'
    sections: dict  # key → every Item, in priority order
    charts: dict = field(default_factory=dict)
    drawings: dict = field(default_factory=dict)  # the charts as drawn on the sheet (set by onepager.fit)
    shown: dict = field(default_factory=dict)  # key → Listed, set by onepager.fit
    pipeline: dict | None = None  # the quarter's pipeline coverage (metrics.pipeline), one line by churn

    def __getattr__(self, name: str):
        """page.objectives, page.kpis, …: the section as laid out (all of it before fitting)."""
        sections = self.__dict__.get("sections", {})
        if name in sections:
            return self.__dict__["shown"].get(name) or Listed(sections[name], 0)
        raise AttributeError(name)


def fingerprint(plan: Plan) -> str:
    """Changes whenever anything the page shows changes: the plan row, any audited write to its content
    (every service write leaves one), the latest KPI rollup, the unit's KPI targets for the year (their
    writes are not plan content and leave no entry on the plan), the latest finished import of actuals,
    the day while the year runs (targets to date and pace move daily) and the company's display settings."""
    last_write = (
        AuditEntry.objects.filter(plan_id=plan.pk)
        .exclude(action=AuditEntry.Action.DOWNLOADED)
        .aggregate(last=Max("id"))["last"]
    )
    rolled = QuarterlyRollup.objects.filter(plan=plan).aggregate(last=Max("computed_at"))["last"]
    targets = KPITarget.objects.filter(
        org_unit=plan.org_unit, seller__isnull=True, fiscal_year=plan.fiscal_year
    ).aggregate(n=Count("id"), last=Max("updated_at"))
    imported = ImportBatch.objects.aggregate(last=Max("finished_at"))["last"]
    start, end = FiscalCalendar.current_rules().year_range(plan.fiscal_year)
    today = timezone.localdate()
    running = today if start <= today <= end else None
    display = formatting.company_display()  # amounts read in the company's currency and precision
    parts = [plan.pk, plan.revision, plan.version, plan.status, last_write, rolled, targets, imported]
    parts += [running, data_date(plan, rolled), display]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def data_date(plan: Plan, rolled: dt.datetime | None = None) -> dt.date:
    """The day of the newest data on the page: the latest rollup (`rolled` when known) or plan change."""
    if rolled is None:
        rolled = QuarterlyRollup.objects.filter(plan=plan).aggregate(last=Max("computed_at"))["last"]
    moments = [m for m in (rolled, plan.updated_at) if m is not None]
    return timezone.localtime(max(moments)).date() if moments else timezone.localdate()


def whole(value: object, currency: str | None = None) -> str:
    """An amount in whole units of its currency: '$6,064,000' (a hand-out shows no cents)."""
    return formatting.money(value, currency=currency, places=0)


def short(value: object, currency: str | None = None) -> str:
    """A compact amount: '$6.06M', '€254K'; below 1,000 in whole units."""
    if value is None:
        return formatting.NOTHING
    if abs(Decimal(str(value))) < formatting.WHOLE_ABOVE:
        return whole(value, currency)
    return formatting.money(value, currency=currency, compact=True)


def build(plan: Plan) -> OnePage:
    rules = FiscalCalendar.current_rules()
    start, end = rules.year_range(plan.fiscal_year)
    sales = list(SalesTarget.objects.filter(plan=plan))
    split = [
        ("New business", sum((t.new_business for t in sales), Decimal("0")), "#1d4ed8"),
        ("Expansion", sum((t.expansion for t in sales), Decimal("0")), "#60a5fa"),
        ("Renewal", sum((t.renewal for t in sales), Decimal("0")), "#bfdbfe"),
    ]
    target = cascade.target_total(plan)
    objectives = _objectives(plan)
    weights = {o.pk: o.weight for o in objectives}
    gaps, unaddressed = _gaps(plan)
    kpis = _kpis(plan, weights)
    budget = _budget(plan)
    page = OnePage(
        plan=plan,
        fy_label=rules.label(plan.fiscal_year),
        period=f"{formatting.month_label(start)} – {formatting.month_label(end)}",
        watermark=STATUS_LABELS[plan.status],
        data_date=data_date(plan),
        summary=plan.summary,
        target=target,
        target_text=whole(target),
        target_split=[(label, short(v), v / target if target else None, c) for label, v, c in split],
        goals=_goals(plan),
        budget=budget,
        churn=_churn(plan),
        unaddressed=unaddressed,
        kpi_line=_kpi_line(kpis),
        sections={
            "objectives": [_objective_item(o) for o in objectives] + _loose_strategies(plan),
            "initiatives": _initiatives(plan, weights),
            "kpis": kpis,
            "gaps": gaps,
            "risks": _risks(plan),
            "moves": budget.pop("moves") if budget else [],
        },
    )
    page.charts = {
        "target": svg.stacked_bar(
            [(label, float(v)) for label, v, _ in split],
            colors=[c for *_, c in split],
            width=300,
            legend=False,
        ),
        "budget": svg.bars(
            [(c, float(now)) for c, (_, now) in budget["categories"].items()],
            currency=budget["currency"],
            width=270,
        )
        if budget
        else "",
    }
    page.drawings = page.charts
    page.pipeline = _pipeline(plan)
    return page


# --- Objectives and strategies -------------------------------------------------------------------------


def _objectives(plan: Plan) -> list[Objective]:
    """By weight, then as entered; each with its strategies and whether any initiative serves it."""
    return list(
        Objective.objects.filter(plan=plan)
        .annotate(initiative_count=Count("initiatives", distinct=True))
        .prefetch_related(Prefetch("strategies", queryset=Strategy.objects.order_by("pk")))
        .order_by("-weight", "pk")
    )


def _objective_item(objective: Objective) -> Item:
    strategies = list(objective.strategies.all())
    return Item(
        text=objective.title,
        detail=objective.description,
        cells={"weight": _pct(objective.weight)},
        subs=[s.title for s in strategies[:STRATEGIES_PER_OBJECTIVE]],
        subs_more=max(len(strategies) - STRATEGIES_PER_OBJECTIVE, 0),
        flag="" if objective.initiative_count else "no initiative yet",
    )


def _loose_strategies(plan: Plan) -> list[Item]:
    """Strategies that serve no objective yet: one last row, so they are on the page too."""
    loose = list(Strategy.objects.filter(plan=plan, objectives__isnull=True).order_by("pk"))
    if not loose:
        return []
    return [
        Item(
            text="Across objectives",
            cells={"weight": ""},
            subs=[s.title for s in loose[:STRATEGIES_PER_OBJECTIVE]],
            subs_more=max(len(loose) - STRATEGIES_PER_OBJECTIVE, 0),
        )
    ]


# --- Initiatives, risks, gaps ------------------------------------------------------------------------------


def _initiatives(plan: Plan, weights: dict[int, Decimal]) -> list[Item]:
    """Core first: those serving the heaviest objective, at risk before in progress before planned."""
    rows = list(
        Initiative.objects.filter(plan=plan)
        .exclude(status=Initiative.Status.CANCELLED)
        .prefetch_related(Prefetch("objectives", queryset=Objective.objects.only("pk")))
    )

    def rank(i: Initiative) -> tuple:
        heaviest = max((weights.get(o.pk, Decimal(0)) for o in i.objectives.all()), default=Decimal(0))
        return (-heaviest, WORK_ORDER.get(i.status, 4), i.start_quarter, i.pk)

    return [
        Item(
            text=i.title,
            detail=i.description,
            cells={
                "owner": i.owner or formatting.NOTHING,
                "when": f"Q{i.start_quarter}"
                + (f"–Q{i.end_quarter}" if i.end_quarter != i.start_quarter else ""),
            },
            tone=WORK_TONE.get(i.status, "muted"),
            status=i.get_status_display(),
        )
        for i in sorted(rows, key=rank)
    ]


def _risks(plan: Plan) -> list[Item]:
    rows = sorted(Risk.objects.filter(plan=plan), key=lambda r: (-r.score, r.pk))
    items = []
    for r in rows:
        key, label = r.level
        items.append(
            Item(
                text=r.title,
                detail=f"Mitigation: {r.mitigation}" if r.mitigation else "",
                cells={"score": str(r.score), "owner": r.owner},
                tone=KPI_STATUS[key][0],
                status=label,
            )
        )
    return items


def _gaps(plan: Plan) -> tuple[list[Item], int]:
    ranked = capability_selectors.assessment_gaps_ranked(capability_selectors.assessment_list(plan))
    items, unaddressed = [], 0
    for gap in ranked:
        actions = list(gap.actions.all())
        funded = [a for a in actions if capability_selectors.action_is_funded(a)]
        if capability_selectors.assessment_is_unaddressed(gap):
            tone, status = "bad", "Unaddressed"
            unaddressed += 1
        elif funded:
            tone, status = "good", "Funded"
        elif actions:
            tone, status = "warn", "Unfunded"
        else:
            tone, status = "muted", "No action"
        shown = (funded or actions)[:1]
        items.append(
            Item(
                text=gap.capability.name,
                detail=f"Action: {shown[0].title}" if shown else "",
                cells={"maturity": f"{gap.maturity} → {gap.target_maturity}", "priority": str(gap.priority)},
                tone=tone,
                status=status,
            )
        )
    return items, unaddressed


def _goals(plan: Plan) -> list[tuple[str, str, str, str]]:
    """The long-term goals above the plan with this year's milestone and the next one."""
    found = []
    for goal in long_term_goals.goal_list_for_plan(plan=plan)[:2]:
        found.append(
            (
                goal.title,
                f"FY{goal.start_year}–FY{goal.end_year}",
                goal.milestone_for(plan.fiscal_year),
                goal.milestone_for(plan.fiscal_year + 1) if plan.fiscal_year < goal.end_year else "",
            )
        )
    return found


# --- Budget and the year's moves -----------------------------------------------------------------------


def _budget(plan: Plan) -> dict | None:
    budget = Budget.objects.filter(plan=plan).first()
    if budget is None:
        return None
    lines = budget_selectors.budget_lines_list(budget)
    report = budget_selectors.budget_report_get(budget, lines)
    code = budget.currency
    moves = list(
        budget_selectors.budget_ledger_list(budget)
        .exclude(kind=Move.Kind.OPENING)
        .exclude(status=Move.Status.REJECTED)
    )
    pending = [m for m in moves if m.status == Move.Status.PENDING]
    moves.sort(key=lambda m: (m.status != Move.Status.PENDING, -m.amount, -m.pk))
    return {
        "total": whole(budget.total, code),
        "currency": code,
        "unallocated": whole(budget.unallocated, code),
        "categories": budget_selectors.budget_category_totals_get(lines),
        "posted": sum(1 for m in moves if m.status == Move.Status.POSTED),
        "pending": len(pending),
        "moved": short(report.moved, code),
        "growth_funded": short(report.growth_funded, code),
        "value": (report.value_before, report.value_after) if report.value_before else (None, None),
        "sign": formatting.currency_sign(code),
        "moves": [_move_item(m, code) for m in moves],
    }


def _move_item(move: Move, currency: str) -> Item:
    source = move.source.name if move.source_id else "Unallocated pool"
    target = move.target.name if move.target_id else "Unallocated pool"
    pending = move.status == Move.Status.PENDING
    return Item(
        text=f"{source} → {target}",
        detail=move.reason,
        cells={"amount": short(move.amount, currency), "kind": move.get_kind_display()},
        tone="warn" if pending else "muted",
        status="Pending" if pending else "Reversal" if move.kind == Move.Kind.REVERSAL else "Posted",
    )


# --- KPIs and churn ------------------------------------------------------------------------------------


def kpi_value(kpi: KPI, value: object) -> str:
    """A KPI figure as the metrics tab writes it, compact: 12.0%, $6.35M, 20,065."""
    if value is None:
        return formatting.NOTHING
    if kpi.aggregation == KPI.Aggregation.RATIO or (kpi.unit == KPI.Unit.PERCENT and abs(value) < 1):
        return formatting.percent(value, 1)
    if kpi.unit == KPI.Unit.CURRENCY:
        return short(value)
    return formatting.number(value, 0 if abs(value) >= 100 or value == value.to_integral_value() else 1)


def _kpis(plan: Plan, weights: dict[int, Decimal]) -> list[Item]:
    """The plan's KPIs from the KPI engine, the metrics tab's figures: the year's target, actual and target
    to date (year to date), attainment (credited by the churn allowance), status, and pace — the year's
    total at today's rate. Before the year starts: its target only. Exceptions first."""
    today = timezone.localdate()
    year = engine.year(plan.fiscal_year)
    ytd = engine.year_to_date(plan.fiscal_year, today)
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    kpis = metric_selectors.plan_kpis_list(plan)
    linked = dict(
        KPI.objects.filter(pk__in=[k.pk for k in kpis], objectives__plan=plan)
        .values_list("pk")
        .annotate(w=Max("objectives__weight"))
    )
    results = engine.evaluate(
        kpis=kpis,
        windows=[w for w in (year, ytd) if w],
        units=[plan.org_unit],
        today=today,
        allowance=policy.allowance if policy else None,
    )
    rows = []
    for kpi in kpis:
        whole_year = results.get(kpi, year, unit=plan.org_unit)
        now = results.get(kpi, ytd, unit=plan.org_unit) if ytd else None
        rows.append((kpi, whole_year, now, linked.get(kpi.pk) or Decimal(0)))
    rows.sort(key=lambda r: (KPI_ORDER.index(_kpi_status(*r[1:3])), -r[3], r[0].name))
    return [_kpi_item(kpi, whole_year, now) for kpi, whole_year, now, _ in rows]


def _kpi_status(whole_year: engine.Result, now: engine.Result | None) -> str:
    if whole_year.target is None:
        return "no_target"
    if now is None:
        return "not_started"
    return now.status if now.status in KPI_STATUS else "no_data"


def _kpi_item(kpi: KPI, whole_year: engine.Result, now: engine.Result | None) -> Item:
    status = _kpi_status(whole_year, now)
    tone, label = KPI_STATUS[status]
    attained = None
    if now is not None:
        attained = now.credited if now.credited is not None else now.attainment
    summed = kpi.aggregation == KPI.Aggregation.SUM
    return Item(
        text=kpi.name,
        cells={
            "target": kpi_value(kpi, whole_year.target),
            "actual": kpi_value(kpi, now.actual) if now else formatting.NOTHING,
            "expected": kpi_value(kpi, now.expected) if now else formatting.NOTHING,
            "pace": kpi_value(kpi, whole_year.pace) if now and summed and now.actual is not None else "",
            "attained": formatting.percent(attained, 0) if attained is not None else "",
            "credited": now is not None and now.credited is not None,
            "partial": now is not None and now.partial,
        },
        tone=tone,
        status=label,
        bar=svg.bullet(float(attained)) if attained is not None else "",
    )


def _kpi_line(items: list[Item]) -> str:
    counts = {"on track": 0, "at risk": 0, "off track": 0}
    for item in items:
        if item.status.lower() in counts:
            counts[item.status.lower()] += 1
    return " · ".join(f"{n} {label}" for label, n in counts.items() if n)


def _pct(value: Decimal) -> str:
    """A percentage as entered, without trailing zeros: 10.00 → '10%'."""
    return f"{value.normalize():f}%"


def _pipeline(plan: Plan) -> dict | None:
    """The plan unit's coverage of the quarter in progress (its first before the year, its last after),
    from metrics.pipeline; None when no snapshot has been loaded by then."""
    found = pipeline.plan_pipeline(plan, pipeline.current_quarter(plan, timezone.localdate()), top_only=True)
    if found.empty:
        return None
    cover = found.top.coverage
    times = lambda v: formatting.NOTHING if v is None else f"{formatting.number(v, 1)}×"  # noqa: E731
    return {
        "quarter": f"Q{found.quarter}",
        "coverage": times(cover.coverage),
        "weighted": times(cover.weighted_coverage),
        "status": cover.status_text,
        "tone": {"good": "good", "warn": "warn"}.get(cover.tone, ""),
        "open": short(cover.open),
        "snapshot": found.snapshot,
    }


def _churn(plan: Plan) -> dict | None:
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    if policy is None:
        return None
    figures = metric_selectors.churn_get(policy)
    annual = figures.annual * 100
    if annual > policy.warn_above:
        tone, verdict = "bad", f"above the {_pct(policy.warn_above)} warning line"
    elif policy.benchmark_low <= annual <= policy.benchmark_high:
        tone, verdict = "good", "inside the benchmark band"
    else:
        tone, verdict = "warn", "outside the benchmark band"
    notes = []
    if figures.planned_new_business and figures.planned_new_business < figures.new_business_needed:
        notes.append(
            f"Planned new business {short(figures.planned_new_business)} is short of the "
            f"{short(figures.new_business_needed)} needed."
        )
    if figures.ceiling is not None and figures.target_arr > figures.ceiling:
        notes.append(
            f"Target ARR {short(figures.target_arr)} sits above the growth ceiling {short(figures.ceiling)}."
        )
    return {
        "allowance": _pct(policy.allowance),
        "credited_at": _pct(100 - policy.allowance),
        "annual": formatting.percent(figures.annual, 1),
        "band": f"{_pct(policy.benchmark_low)[:-1]}–{_pct(policy.benchmark_high)}",
        "tone": tone,
        "verdict": verdict,
        "needed": short(figures.new_business_needed),
        "planned": short(figures.planned_new_business),
        "target_arr": short(figures.target_arr),
        "notes": notes,
    }
