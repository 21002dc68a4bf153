"""The Scenarios tab's forms: a new scenario, its assumptions edited in place, the hires solver.

The assumptions form reads blank as "as the plan" and leaves every range to scenarios.schema: its messages
are put beside the field they name (``hires[1].start_month`` beside the second hire row's start month,
``budget_moves[0].target`` beside the first move row's To line)."""

from decimal import Decimal
from typing import Any

from django import forms

from budgets.models import BudgetLine
from core.formatting import money
from orgs.models import OrgUnit
from planning.models import CascadeMethod, Plan, SeasonalityProfile
from scenarios.models import Scenario
from scenarios.schema import assumption_errors

AS_PLAN = "As the plan"
EVEN = "even"  # the seasonality choice for an even spread (null in the assumptions)
SPARE_HIRE_ROWS = 2
SPARE_MOVE_ROWS = 2
MOVE_KEYS = ("source", "target", "amount")  # a move's schema keys, also its row's field names' middles
# The assumptions' plain number keys, as the form's field names.
NUMBER_FIELDS = {
    "growth_goal_percent": ("Growth goal (%)", "The net ARR growth goal for the year."),
    "churn_rate_percent": ("Churn a year (%)", "Expected churn over the year."),
    "churn_allowance_percent": ("Churn allowance (%)", "The reps' churn allowance."),
    "buffer_percent": ("Buffer (%)", "Over-assignment on top of the target when it is split."),
    "quota_per_seller": ("Quota per seller", "Every seller's full monthly quota."),
}


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["name", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"notes": "What this scenario tries, for whoever compares it."}


class SolverForm(forms.Form):
    coverage = forms.DecimalField(
        label="Coverage", min_value=Decimal("0.01"), max_value=Decimal("10"), initial=Decimal("1.00")
    )
    start_month = forms.IntegerField(label="From fiscal month", min_value=1, max_value=12, initial=1)


def _number(value: Decimal) -> int | str:
    """A Decimal as the assumptions keep it: a whole number as a JSON number, otherwise a decimal string."""
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def _ramp_text(ramp: Any) -> str:
    return "/".join(str(step) for step in ramp) if isinstance(ramp, list) else ""


def _parse_ramp(text: str) -> list[int | str] | None:
    try:
        return [_number(Decimal(part.strip())) for part in text.split("/")]
    except ArithmeticError:
        return None


class AssumptionsForm(forms.Form):
    """A scenario's name, notes and assumptions; a blank field keeps the plan's value."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(max_length=120)
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, scenario: Scenario, **kwargs: Any) -> None:
        self.scenario = scenario
        self.plan: Plan = scenario.plan
        kwargs.setdefault("initial", initial_of(scenario))
        super().__init__(*args, **kwargs)
        for key, (label, help_text) in NUMBER_FIELDS.items():
            self.fields[key] = forms.DecimalField(
                label=label, required=False, help_text=f"{help_text} Blank: as the plan."
            )
        self.fields["seasonality_profile"] = forms.ChoiceField(
            label="Seasonality", required=False, choices=self._profiles(), help_text="Blank: as the plan."
        )
        methods = [("", AS_PLAN), *CascadeMethod.choices]
        self.fields["split_method"] = forms.ChoiceField(
            label="Split method", required=False, choices=methods, help_text="Blank: as the plan."
        )
        self.fields["attrition_rate"] = forms.DecimalField(
            label="Attrition a year (%)",
            required=False,
            help_text="Sellers leaving a year, spread evenly. Blank: none, as the plan.",
        )
        self.fields["backfill_lag"] = forms.IntegerField(
            label="Backfill lag (months)", required=False, help_text="Months a leaver's seat stays empty."
        )
        self.hire_rows = len(self.initial.get("hires", [])) + SPARE_HIRE_ROWS
        units = [(u.pk, str(u)) for u in OrgUnit.objects.filter(path__startswith=self.plan.org_unit.path)]
        for i in range(self.hire_rows):
            self._hire_fields(i, units)
        self.budget_lines = list(BudgetLine.objects.filter(plan=self.plan).order_by("category", "name"))
        moves = self.initial.get("budget_moves", [])
        # No budget, no spare rows; a drafted move still gets its row, so it can be cleared.
        self.move_rows = len(moves) + (SPARE_MOVE_ROWS if self.budget_lines else 0)
        lines = self._line_choices(moves)
        for i in range(self.move_rows):
            self._move_fields(i, lines)

    def _profiles(self) -> list[tuple[str, str]]:
        line = [*self.plan.org_unit.ancestor_ids, self.plan.org_unit.pk]
        profiles = SeasonalityProfile.objects.filter(org_unit__in=line).order_by("name")
        return [("", AS_PLAN), (EVEN, "Even spread"), *((str(p.pk), p.name) for p in profiles)]

    def _hire_fields(self, i: int, units: list) -> None:
        hire = (self.initial.get("hires") or [])[i] if i < len(self.initial.get("hires", [])) else {}
        self.fields[f"hire_count_{i}"] = forms.IntegerField(
            label="Sellers", required=False, initial=hire.get("count")
        )
        self.fields[f"hire_start_{i}"] = forms.IntegerField(
            label="Start month", required=False, initial=hire.get("start_month")
        )
        self.fields[f"hire_quota_{i}"] = forms.DecimalField(
            label="Monthly quota", required=False, initial=hire.get("monthly_quota")
        )
        self.fields[f"hire_ramp_{i}"] = forms.CharField(
            label="Ramp (%)", required=False, initial=_ramp_text(hire.get("ramp"))
        )
        self.fields[f"hire_unit_{i}"] = forms.TypedChoiceField(
            label="Unit",
            required=False,
            coerce=int,
            choices=units,
            initial=hire.get("unit", self.plan.org_unit.pk),
        )

    def _line_choices(self, moves: list) -> list[tuple[Any, str]]:
        """This plan's budget lines as a select offers them. A line a drafted move names that is no longer
        in the plan stays offered, so the service's reference check says so instead of the row going blank."""
        choices: list[tuple[Any, str]] = [("", "—")]
        choices += [
            (line.pk, f"{line.name} · {line.get_category_display()} · {money(line.amount)}")
            for line in self.budget_lines
        ]
        known = {line.pk for line in self.budget_lines}
        named = {m.get(k) for m in moves for k in ("source", "target") if isinstance(m, dict)}
        gone = sorted(pk for pk in named - known if isinstance(pk, int))
        return choices + [(pk, f"Line {pk} (not in this plan's budget)") for pk in gone]

    def _move_fields(self, i: int, lines: list[tuple[Any, str]]) -> None:
        moves = self.initial.get("budget_moves") or []
        move = moves[i] if i < len(moves) and isinstance(moves[i], dict) else {}
        for key, label in (("source", "From line"), ("target", "To line")):
            self.fields[f"move_{key}_{i}"] = forms.TypedChoiceField(
                label=label,
                required=False,
                coerce=int,
                empty_value=None,
                choices=lines,
                initial=move.get(key),
            )
        self.fields[f"move_amount_{i}"] = forms.DecimalField(
            label="Amount", required=False, initial=move.get("amount")
        )

    def move_row_fields(self) -> list[list[forms.BoundField]]:
        """The budget move rows' bound fields, row by row, for the template."""
        return [[self[f"move_{key}_{i}"] for key in MOVE_KEYS] for i in range(self.move_rows)]

    def hire_row_fields(self) -> list[list[forms.BoundField]]:
        """The hire rows' bound fields, row by row, for the template."""
        names = ("count", "start", "quota", "ramp", "unit")
        return [[self[f"hire_{n}_{i}"] for n in names] for i in range(self.hire_rows)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        assumptions, fields = self._assumptions(data)
        for message in assumption_errors(assumptions):
            self.add_error(_field_of(message, fields), message)
        data["assumptions"] = assumptions
        return data

    def _assumptions(self, data: dict) -> tuple[dict[str, Any], dict[str, str]]:
        """The assumptions the form says, and the form field of each schema field name it may report."""
        result: dict[str, Any] = {k: _number(data[k]) for k in NUMBER_FIELDS if data.get(k) is not None}
        fields = {k: k for k in NUMBER_FIELDS} | {"seasonality_profile": "seasonality_profile"}
        profile = data.get("seasonality_profile")
        if profile:
            result["seasonality_profile"] = None if profile == EVEN else int(profile)
        if data.get("split_method"):
            result["split_method"] = data["split_method"]
        fields["split_method"] = "split_method"
        if data.get("attrition_rate") is not None or data.get("backfill_lag") is not None:
            result["attrition"] = self._attrition(data)
        fields |= {"attrition.rate_percent": "attrition_rate", "attrition.backfill_lag": "backfill_lag"}
        hires = self._hires(data, fields)
        if hires:
            result["hires"] = hires
        moves = self._moves(data, fields)
        if moves:
            result["budget_moves"] = moves
        return result, fields

    @staticmethod
    def _attrition(data: dict) -> dict[str, Any]:
        attrition: dict[str, Any] = {}
        if data.get("attrition_rate") is not None:
            attrition["rate_percent"] = _number(data["attrition_rate"])
        if data.get("backfill_lag") is not None:
            attrition["backfill_lag"] = data["backfill_lag"]
        return attrition

    def _hires(self, data: dict, fields: dict[str, str]) -> list[dict[str, Any]]:
        hires: list[dict[str, Any]] = []
        for i in range(self.hire_rows):
            hire = self._hire(data, i)
            if hire is None:
                continue
            n = len(hires)
            for key, name in (("count", "count"), ("start_month", "start"), ("monthly_quota", "quota")):
                fields[f"hires[{n}].{key}"] = f"hire_{name}_{i}"
            fields[f"hires[{n}].ramp"] = fields[f"hires[{n}]"] = f"hire_ramp_{i}"
            fields[f"hires[{n}].unit"] = f"hire_unit_{i}"
            hires.append(hire)
        return hires

    def _hire(self, data: dict, i: int) -> dict[str, Any] | None:
        """One hire row as the assumptions keep it; None for a row left blank."""
        values = {
            "count": data.get(f"hire_count_{i}"),
            "start_month": data.get(f"hire_start_{i}"),
            "monthly_quota": data.get(f"hire_quota_{i}"),
        }
        ramp = (data.get(f"hire_ramp_{i}") or "").strip()
        if all(v is None for v in values.values()) and not ramp:
            return None
        hire: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        if "monthly_quota" in hire:
            hire["monthly_quota"] = _number(hire["monthly_quota"])
        if ramp:
            parsed = _parse_ramp(ramp)
            if parsed is None:
                self.add_error(f"hire_ramp_{i}", "Write the ramp as percentages a month: 0/25/50/75/100.")
            hire["ramp"] = parsed or []
        unit = data.get(f"hire_unit_{i}")
        if unit and unit != self.plan.org_unit.pk:
            hire["unit"] = unit
        return hire

    def _moves(self, data: dict, fields: dict[str, str]) -> list[dict[str, Any]]:
        """The move rows as the assumptions keep them, blank rows dropped; each kept row's schema fields
        mapped to its form fields (a move's own message, e.g. an unknown key, beside its From line)."""
        moves: list[dict[str, Any]] = []
        for i in range(self.move_rows):
            values = {key: data.get(f"move_{key}_{i}") for key in MOVE_KEYS}
            if all(v is None for v in values.values()):
                continue
            n = len(moves)
            fields[f"budget_moves[{n}]"] = f"move_source_{i}"
            fields |= {f"budget_moves[{n}].{key}": f"move_{key}_{i}" for key in MOVE_KEYS}
            move = {k: v for k, v in values.items() if v is not None}
            if "amount" in move:
                move["amount"] = _number(move["amount"])
            moves.append(move)
        return moves


def _field_of(message: str, fields: dict[str, str]) -> str | None:
    """The form field a schema message is about: the longest known prefix before its colon."""
    name = message.split(":", 1)[0]
    while name:
        if name in fields:
            return fields[name]
        name = name.rsplit(".", 1)[0] if "." in name else ""
    return None


def initial_of(scenario: Scenario) -> dict[str, Any]:
    """The form's starting values: the scenario's name, notes, version and assumptions."""
    a = scenario.assumptions
    initial = {"version": scenario.version, "name": scenario.name, "notes": scenario.notes}
    initial |= {k: a[k] for k in NUMBER_FIELDS if k in a}
    if "seasonality_profile" in a:
        initial["seasonality_profile"] = (
            EVEN if a["seasonality_profile"] is None else str(a["seasonality_profile"])
        )
    initial["split_method"] = a.get("split_method", "")
    attrition = a.get("attrition") or {}
    initial["attrition_rate"] = attrition.get("rate_percent")
    initial["backfill_lag"] = attrition.get("backfill_lag")
    initial["hires"] = a.get("hires", [])
    initial["budget_moves"] = a.get("budget_moves", [])
    return initial
