"""The Scenarios tab's forms: a new scenario, its assumptions edited in place, the hires solver.

The assumptions form reads blank as "as the plan" and leaves every range to scenarios.schema: its messages
are put beside the field they name (``hires[1].start_month`` beside the second hire row's start month)."""

from decimal import Decimal
from typing import Any

from django import forms

from orgs.models import OrgUnit
from planning.models import CascadeMethod, Plan, SeasonalityProfile
from scenarios.models import Scenario
from scenarios.schema import assumption_errors

AS_PLAN = "As the plan"
EVEN = "even"  # the seasonality choice for an even spread (null in the assumptions)
SPARE_HIRE_ROWS = 2
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
        if "budget_moves" in self.scenario.assumptions:  # not edited here: kept as they are
            result["budget_moves"] = self.scenario.assumptions["budget_moves"]
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
    return initial
