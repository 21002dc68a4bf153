import re
from decimal import Decimal

from django import forms

from core import editing, tabular
from core.forms import NumberField, format_fields, plain_numbers
from core.models import DisplaySettings
from orgs import permissions
from orgs.fiscal import MONTH_ABBR
from orgs.models import FiscalCalendar, OrgUnit
from planning.models import (
    CascadeLevel,
    CascadeMethod,
    Initiative,
    LongTermGoal,
    Objective,
    Plan,
    PlanningSettings,
    Risk,
    SalesTarget,
    SeasonalityProfile,
    Strategy,
)


class PlanCreateForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    fiscal_year = forms.IntegerField(min_value=2000, max_value=2100, label="Fiscal year")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.with_role(user, permissions.CREATE_PLAN)
        self.fields["org_unit"].label_from_instance = lambda unit: f"{'— ' * (unit.depth - 1)}{unit.name}"
        rules = FiscalCalendar.current_rules()
        self.fields["fiscal_year"].help_text = "Named as the company names its fiscal years, e.g. FY2028."
        self.initial.setdefault("fiscal_year", rules.fiscal_year_of(_today()) + 1)


def _today():
    from django.utils import timezone

    return timezone.localdate()


class PlanSummaryForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Plan
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


# --- Step 1 ---------------------------------------------------------------------------------------


class VersionedModelForm(forms.ModelForm):
    """A model form that carries the version the user read (absent when creating)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        plain_numbers(self)
        if self.instance.pk:
            self.fields["version"].required = True
            self.initial.setdefault("version", self.instance.version)


class PlanContentForm(VersionedModelForm):
    """A form for one kind of plan content; choices of linked records come from the same plan."""

    def __init__(self, *args, plan: Plan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and any(f.name == "plan" for f in queryset.model._meta.fields):
                field.queryset = queryset.filter(plan=plan)
        if "long_term_goal" in self.fields:
            self.fields["long_term_goal"].queryset = LongTermGoal.objects.filter(
                org_unit__in=_line_of(plan.org_unit),
                start_year__lte=plan.fiscal_year,
                end_year__gte=plan.fiscal_year,
            )
        if "objectives" in self.fields:
            self.fields["objectives"].widget = forms.CheckboxSelectMultiple()
            self.fields["objectives"].queryset = self.fields["objectives"].queryset.order_by("pk")

    def split(self) -> tuple[dict, dict]:
        """(field values, many-to-many links) for the services."""
        data = editing.values(self.cleaned_data)
        m2m = {k: list(data.pop(k)) for k in list(data) if k == "objectives"}
        return data, m2m


def _line_of(unit: OrgUnit) -> list[int]:
    """The unit and every unit above it."""
    return [*unit.ancestor_ids, unit.pk]


TEXTAREA = forms.Textarea(attrs={"rows": 2})


class ObjectiveForm(PlanContentForm):
    class Meta:
        model = Objective
        fields = ["title", "weight", "long_term_goal", "description"]
        widgets = {"description": TEXTAREA}


class StrategyForm(PlanContentForm):
    class Meta:
        model = Strategy
        fields = ["title", "description", "objectives"]
        widgets = {"description": TEXTAREA}


class InitiativeForm(PlanContentForm):
    class Meta:
        model = Initiative
        fields = [
            "title",
            "owner",
            "status",
            "start_quarter",
            "end_quarter",
            "strategy",
            "objectives",
            "description",
        ]
        widgets = {"description": TEXTAREA}


class RiskForm(PlanContentForm):
    class Meta:
        model = Risk
        fields = ["title", "likelihood", "impact", "owner", "mitigation"]
        widgets = {"mitigation": TEXTAREA}


class SalesTargetForm(PlanContentForm):
    class Meta:
        model = SalesTarget
        fields = ["name", "new_business", "expansion", "renewal", "objectives"]


class CascadeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    cascade_method = forms.ChoiceField(choices=CascadeMethod.choices, label="Split by")
    cascade_level = forms.ChoiceField(choices=CascadeLevel.choices, label="Split over")
    buffer_percent = NumberField(
        required=False,
        min_value=0,
        max_value=200,
        decimal_places=2,
        label="Buffer (%)",
        help_text="Empty: the company default.",
    )


class PhasingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seasonality = forms.ModelChoiceField(
        queryset=SeasonalityProfile.objects.none(), required=False, empty_label="Even spread"
    )

    def __init__(self, *args, plan: Plan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seasonality"].queryset = SeasonalityProfile.objects.filter(
            org_unit__in=_line_of(plan.org_unit)
        )


class GridImportForm(forms.Form):
    file = forms.FileField(label="Grid file (.xlsx or .csv)")
    number_format = format_fields(dates=False)["number_format"]


class SubmissionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    amount = NumberField(min_value=0, max_digits=16, decimal_places=2, label="Our number")
    note = forms.CharField(widget=TEXTAREA, required=False, max_length=2000, label="Basis")


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("send_back", "Send back")])
    comment = forms.CharField(widget=TEXTAREA, required=False, max_length=2000)


class GoalForm(VersionedModelForm):
    class Meta:
        model = LongTermGoal
        fields = ["title", "start_year", "end_year", "description"]
        widgets = {"description": TEXTAREA}


class ProfileForm(VersionedModelForm):
    """Twelve monthly weights in %, January to December."""

    class Meta:
        model = SeasonalityProfile
        fields = ["name", "note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        weights = self.instance.weights if self.instance.pk else ["8.34"] * 4 + ["8.33"] * 8
        for i, abbr in enumerate(MONTH_ABBR[1:], start=1):
            self.fields[f"w{i}"] = NumberField(
                min_value=0, max_value=100, decimal_places=2, label=abbr, initial=weights[i - 1]
            )

    def clean(self) -> dict:
        data = super().clean()
        weights = [data.get(f"w{i}") for i in range(1, 13)]
        if all(w is not None for w in weights):
            total = sum(weights)
            if total != 100:
                raise forms.ValidationError(f"The 12 weights must add up to 100%; they add up to {total}%.")
            data["weights"] = [str(w.quantize(Decimal("0.01"))) for w in weights]
        return data


class DeriveProfileForm(forms.Form):
    name = forms.CharField(max_length=120)
    actuals = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Prior-year monthly actuals, January to December",
        help_text="12 plain amounts like 120000.50 separated by spaces, semicolons or new lines; "
        "a pasted spreadsheet row or column works.",
    )

    def clean_actuals(self) -> list[Decimal]:
        parts = [p for p in re.split(r"[\s;]+", self.cleaned_data["actuals"]) if p]
        try:
            amounts = [tabular.parse_number(p, declarable=False) for p in parts]
        except ValueError as exc:
            raise forms.ValidationError(f"{exc}; separate the amounts by spaces or new lines.") from None
        if len(amounts) != 12:
            raise forms.ValidationError(f"Give exactly 12 monthly amounts; found {len(amounts)}.")
        if any(a < 0 or not a.is_finite() for a in amounts) or not any(amounts):
            raise forms.ValidationError("Amounts must be 0 or more, and at least one month above 0.")
        return amounts


class SettingsForm(VersionedModelForm):
    class Meta:
        model = PlanningSettings
        fields = ["default_buffer_percent", "move_approval_threshold", "healthy_pipeline_coverage"]


class DisplaySettingsForm(VersionedModelForm):
    """The company's currency and how precisely amounts show (core.formatting)."""

    class Meta:
        model = DisplaySettings
        fields = ["currency", "money_places"]
