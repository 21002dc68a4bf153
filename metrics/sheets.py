"""A plan's KPI grid as a core.sheet.Sheet: the unit's monthly targets for one KPI (each month stored on
its own, with its own version), the actuals the engine counts from every source, and the unit's own manual
entries. For a KPI that adds up, the year column is the months' total; editing a target's year spreads it
over the months by the plan's seasonality, as the cascade phases the sales target."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from core.sheet import Cell, Column, Refused, Row, Sheet, month_columns
from metrics import engine, services
from metrics.models import KPI, Actual, KPITarget
from orgs.models import FiscalCalendar
from planning import calc as planning_calc
from planning.models import Plan

KINDS = {KPI.Unit.CURRENCY: "money", KPI.Unit.COUNT: "number", KPI.Unit.PERCENT: "number"}


class KPISheet(Sheet):
    def __init__(self, plan: Plan, kpi: KPI, *, can_edit: bool, today: dt.date):
        self.plan, self.kpi, self.can_edit, self.today = plan, kpi, can_edit, today
        self.rules = FiscalCalendar.current_rules()
        self.periods = self.rules.periods(plan.fiscal_year)
        self.url = reverse("metrics:kpi-cells", args=[plan.pk, kpi.pk])
        self.caption = f"{kpi} for {plan.org_unit}: targets and actuals by fiscal month"
        self.corner = kpi.name
        self.adds_up = kpi.aggregation == KPI.Aggregation.SUM
        kind = KINDS.get(kpi.unit, "number")
        self.columns = [
            Column(c.key, c.label, c.long, kind=kind, places=4) for c in month_columns(self.periods)
        ]
        if self.adds_up:
            self.columns.append(
                Column(
                    "total",
                    "Year",
                    "Year (a target's year spreads over the months by seasonality)",
                    kind=kind,
                    places=4,
                )
            )

    def _targets(self) -> dict[int, KPITarget]:
        rows = KPITarget.objects.filter(
            kpi=self.kpi, org_unit=self.plan.org_unit, seller=None, fiscal_year=self.plan.fiscal_year
        )
        return {t.period: t for t in rows}

    def _manual(self) -> dict[dt.date, Actual]:
        start, end = self.rules.year_range(self.plan.fiscal_year)
        rows = Actual.objects.filter(
            kpi=self.kpi, org_unit=self.plan.org_unit, seller=None, date__in=[p.start for p in self.periods]
        )
        return {a.date: a for a in rows if start <= a.date <= end}

    def rows(self) -> list[Row]:
        targets = self._targets()
        cells = {}
        for p in self.periods:
            t = targets.get(p.period)
            cells[f"m{p.period}"] = Cell(t.value if t else None, t.version if t else 0)
        if self.adds_up:
            given = [t.value for t in targets.values()]
            cells["total"] = Cell(sum(given, Decimal(0)) if given else None)
        rows = [Row("target", "Target", cells=cells)]
        if self.kpi.aggregation == KPI.Aggregation.RATIO:
            return rows
        windows = engine.fiscal_months(self.plan.fiscal_year, rules=self.rules)
        year = engine.year(self.plan.fiscal_year, rules=self.rules)
        found = engine.evaluate(
            kpis=[self.kpi], windows=[*windows, year], units=[self.plan.org_unit], today=self.today
        )
        unit = self.plan.org_unit
        actual = {
            f"m{p.period}": Cell(found.get(self.kpi, w, unit=unit).actual, editable=False)
            for p, w in zip(self.periods, windows, strict=True)
        }
        if self.adds_up:
            actual["total"] = Cell(found.get(self.kpi, year, unit=unit).actual, editable=False)
        manual_rows = self._manual()
        manual = {}
        for p in self.periods:
            a = manual_rows.get(p.start)
            manual[f"m{p.period}"] = Cell(a.value if a else None, services.actual_fingerprint(a))
        if self.adds_up:
            manual["total"] = Cell(None, editable=False)
        return [
            *rows,
            Row("actual", "Actual", "every source", cells=actual),
            Row("manual", "Manual entry", "dated the 1st", cells=manual),
        ]

    def affected(self, keys: set[str]) -> None:
        return None  # a manual entry changes the actuals row; the grid has three rows at most

    def apply(self, actor, values: dict[tuple[str, str], tuple[Decimal, int]]) -> None:
        target = {int(col[1:]): v for (row, col), v in values.items() if row == "target" and col != "total"}
        manual = {int(col[1:]): v for (row, col), v in values.items() if row == "manual"}
        if ("target", "total") in values:
            if target:
                raise Refused(
                    {("target", "total"): "Target: change the months or the year, not both at once."}
                )
            total = values[("target", "total")][0]
            profile = self.plan.seasonality.weight_decimals if self.plan.seasonality_id else None
            months = planning_calc.phase(total, profile, self.rules)
            current = self._targets()
            target = {
                p: (amount, current[p].version if p in current else 0)
                for p, amount in enumerate(months, start=1)
            }
        subject = {
            "actor": actor,
            "kpi": self.kpi,
            "org_unit": self.plan.org_unit,
            "fiscal_year": self.plan.fiscal_year,
            "comment": self.comment,
        }
        stale = self._stale(target, manual)
        if stale:
            raise Refused(stale, status=409)
        if target:
            services.target_months_write(**subject, values=target)
        if manual:
            services.actual_months_write(**subject, values=manual)

    def _stale(self, target: dict, manual: dict) -> dict[tuple[str, str], str]:
        """Each cell someone else changed since the page was loaded."""
        changed = "Someone changed this month since you loaded the page: reload to see their value."
        targets, actuals = self._targets(), self._manual()
        errors = {}
        for period, (_, version) in target.items():
            row = targets.get(period)
            if (row.version if row else 0) != version:
                errors[("target", f"m{period}")] = f"Target, {self.periods[period - 1].label}: {changed}"
        for period, (_, seen) in manual.items():
            if services.actual_fingerprint(actuals.get(self.periods[period - 1].start)) != seen:
                errors[("manual", f"m{period}")] = (
                    f"Manual entry, {self.periods[period - 1].label}: {changed}"
                )
        return errors
