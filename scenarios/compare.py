"""What the compare page adds to the figures: the walk of capacity from the plan to a scenario, step by
step, its chart, a rule the headline figures do not carry (a budget line below zero), and the XLSX.

The walk never counts capacity itself: every level is `outcomes.compute` of the scenario's assumptions
taken cumulatively — {} (the plan), {quota per seller}, {+ attrition}, then all of them (the scenario) — so
each step is the difference of two calls of the one implementation, and the steps add up to the
scenario's capacity less the plan's exactly. The order is the order the seats are built in
(`outcomes.scenario_seats`): the quota is set, attrition thins the plan's seats, hires come on top (at the
scenario's quota when they carry none of their own)."""

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from capabilities.charts import FONT
from core import formatting
from metrics.template_file import HEADING, HEADING_FILL
from planning.models import Plan
from scenarios.outcomes import Basis, Outcomes, compute

STEPS = {"quota_per_seller": "Quota per seller", "attrition": "Attrition", "hires": "Hires"}
OTHER = "Other assumptions"  # capacity moved by none of STEPS' keys: none does today
BLUE, GREEN, RED = "#1d4ed8", "#16a34a", "#dc2626"
XLSX_FORMATS = {"money": "#,##0.00", "percent": "0.00%", "ratio": "0.00", "months": "#,##0.0"}


@dataclass(frozen=True)
class Step:
    """One assumption's move of capacity, from the level before it to `level`."""

    label: str
    change: Decimal
    level: Decimal


@dataclass(frozen=True)
class Walk:
    """Capacity from the plan's to the scenario's, by the assumptions that move it."""

    plan: Decimal
    steps: list[Step]
    scenario: Decimal

    @property
    def change(self) -> Decimal:
        return self.scenario - self.plan


def capacity_walk(
    base: Basis,
    assumptions: dict[str, Any],
    *,
    plan: Outcomes | None = None,
    scenario: Outcomes | None = None,
) -> Walk:
    """The steps from the plan's capacity to the scenario's, one per capacity assumption it sets, in the
    order the seats are built; `plan` and `scenario` are their outcomes when the caller has them already
    (compute(base, {}) and compute(base, assumptions)), so that only the levels between are computed."""
    start = (plan or compute(base, {})).capacity
    end = (scenario or compute(base, assumptions)).capacity
    keys = [key for key in STEPS if key in assumptions]
    subsets = [{k: assumptions[k] for k in keys[:n]} for n in range(1, len(keys))]  # the levels between
    levels = [compute(base, subset).capacity for subset in subsets]
    labels = [STEPS[key] for key in keys] or [OTHER]
    steps, before = [], start
    for label, level in zip(labels, [*levels, end], strict=True):
        steps.append(Step(label, level - before, level))
        before = level
    return Walk(start, [s for s in steps if s.label != OTHER or s.change], end)


def budget_flag(result: Outcomes) -> str:
    """The rule a scenario's drafted moves break: a budget line taken below zero ("" when none)."""
    below = [line.name for line in result.budget_lines if line.amount < 0]
    if not below:
        return ""
    return f"Budget line{'s' if len(below) > 1 else ''} below zero: {', '.join(below)}"


def broken_rules(scenarios: list, lines: list) -> list[tuple[str, list[str]]]:
    """Who breaks which rule, in words — the plan first, then each scenario that breaks one — for a
    reader who would otherwise scroll the table's columns on a phone to find the flags."""
    columns = [("The plan", [plan_figure for plan_figure, _ in lines])]
    columns += [(s.name, [cells[i] for _, cells in lines]) for i, s in enumerate(scenarios)]
    return [(who, flags) for who, figures in columns if (flags := [f.flag for f in figures if f.flag])]


# The chart ---------------------------------------------------------------------------------------------


def waterfall(walk: Walk) -> dict:
    """A plotly waterfall, read top down: the plan's capacity, each step (a gain green, a loss red), the
    scenario's. Horizontal, so that the step names stay whole on a phone; the axis spans the levels the walk
    passes through (with room for the labels), since from zero a step of a few percent would not show."""
    names = ["Plan capacity", *(s.label for s in walk.steps), "Scenario capacity"]
    values = [walk.plan, *(s.change for s in walk.steps), walk.scenario]
    ends = len(values) - 1
    trace = {
        "type": "waterfall",
        "orientation": "h",
        "y": names,
        "x": [float(v) for v in values],
        "measure": ["absolute", *("relative" for _ in walk.steps), "total"],
        "text": [
            _signed_compact(v) if 0 < i < ends else formatting.money(v, compact=True)
            for i, v in enumerate(values)
        ],
        "textposition": ["inside", *("outside" for _ in walk.steps), "inside"],
        "cliponaxis": False,
        "customdata": [
            *formatting.chart_money_text([walk.plan]),
            *formatting.chart_money_text([s.change for s in walk.steps], signed=True),
            *formatting.chart_money_text([walk.scenario]),
        ],
        "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
        "increasing": {"marker": {"color": GREEN}},
        "decreasing": {"marker": {"color": RED}},
        "totals": {"marker": {"color": BLUE}},
        "connector": {"line": {"color": "#94a3b8", "width": 1}},
    }
    layout = formatting.chart_layout() | {
        "font": FONT,
        "height": 70 + 34 * len(names),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
        "showlegend": False,
        "xaxis": formatting.chart_money_axis()
        | {"tickformat": "~s", "fixedrange": True, "nticks": 4, "range": _span(walk)},
        "yaxis": {"fixedrange": True, "automargin": True, "autorange": "reversed"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": [trace], "layout": layout}


def _span(walk: Walk) -> list[float]:
    levels = [walk.plan, *(s.level for s in walk.steps)]
    low, high = min(levels), max(levels)
    room = max(high - low, abs(high) / 50) * Decimal("0.6")
    return [float(max(low - room, min(low, 0))), float(high + room)]


def _signed_compact(value: Decimal) -> str:
    return ("+" if value > 0 else "") + formatting.money(value, compact=True)


def walk_text(walk: Walk) -> str:
    """The chart in words, for its aria-label."""
    steps = "; ".join(f"{s.label} {_signed(s.change)}" for s in walk.steps)
    return (
        f"Capacity from the plan's {formatting.money(walk.plan)}"
        f"{': ' + steps if steps else ''}; the scenario's {formatting.money(walk.scenario)}."
    )


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + formatting.money(value)


# The file ----------------------------------------------------------------------------------------------


def to_xlsx(plan: Plan, scenarios: list, lines: list, walks: list[Walk], today: dt.date) -> bytes:
    """The compare table as a workbook: a title naming the plan and the day, then a row per figure — the
    plan's value, each scenario's value and difference (numbers in the figure's format, not text), and the
    rules broken in words. A second sheet holds each scenario's capacity walk."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Compare"
    currency = formatting.company_display().currency
    _text_row(sheet, [f"{plan}: scenarios compared with the plan (version {plan.version})"])
    sheet["A1"].font = HEADING
    _text_row(sheet, [f"As of {today.isoformat()}; amounts in {currency}"])
    sheet.append([])
    heading = ["Figure", "The plan"]
    for s in scenarios:
        heading += [s.name, f"{s.name}: difference"]
    _heading(sheet, [*heading, "Rules broken"])
    for plan_figure, cells in lines:
        _figure_row(sheet, plan_figure, cells, scenarios)
    sheet.freeze_panes = "B5"
    sheet.column_dimensions["A"].width = 28
    for column in range(2, len(heading) + 1):
        sheet.column_dimensions[sheet.cell(row=4, column=column).column_letter].width = 18
    sheet.column_dimensions[sheet.cell(row=4, column=len(heading) + 1).column_letter].width = 48
    _walk_sheet(book.create_sheet("Capacity steps"), scenarios, walks, currency)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _figure_row(sheet: Worksheet, plan_figure: Any, cells: list, scenarios: list) -> None:
    values: list[object] = [plan_figure.label, _number(plan_figure.value)]
    for f in cells:
        values += [_number(f.value), _number(f.difference)]
    flags = [
        ("The plan", plan_figure.flag),
        *((s.name, f.flag) for s, f in zip(scenarios, cells, strict=True)),
    ]
    values.append("; ".join(f"{who}: {flag}" for who, flag in flags if flag))
    _text_row(sheet, values)
    for cell in sheet[sheet.max_row][1:-1]:
        cell.number_format = XLSX_FORMATS.get(plan_figure.kind, "0.00")


def _walk_sheet(sheet: Worksheet, scenarios: list, walks: list[Walk], currency: str) -> None:
    _heading(sheet, ["Scenario", "Step", f"Change ({currency})", f"Capacity ({currency})"])
    for scenario, walk in zip(scenarios, walks, strict=True):
        _text_row(sheet, [scenario.name, "Plan capacity", None, float(walk.plan)])
        for step in walk.steps:
            _text_row(sheet, [scenario.name, step.label, float(step.change), float(step.level)])
        _text_row(sheet, [scenario.name, "Scenario capacity", float(walk.change), float(walk.scenario)])
        for row in sheet.iter_rows(min_row=sheet.max_row - len(walk.steps) - 1, min_col=3, max_col=4):
            for cell in row:
                cell.number_format = XLSX_FORMATS["money"]
    for column, width in zip("ABCD", (32, 22, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"


def _heading(sheet: Worksheet, names: list[str]) -> None:
    _text_row(sheet, names)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADING, HEADING_FILL


def _text_row(sheet: Worksheet, values: list[object]) -> None:
    """A row whose text is never read as a formula (a scenario may be named "=…")."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
