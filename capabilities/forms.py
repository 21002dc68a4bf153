from django import forms

from capabilities.models import (
    CRITICALITY,
    CRITICALITY_MESSAGE,
    MATURITY,
    MATURITY_MESSAGE,
    Capability,
    ImprovementAction,
)
from planning.forms import PlanContentForm, VersionedModelForm


def _level(
    label: str, choices, *, required: bool = True, low: int, high: int, message: str
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=low,
        max_value=high,
        widget=forms.Select(choices=[("", "—"), *choices]),
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class AssessmentRowForm(forms.Form):
    """One capability's row of the assessment sheet."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    performance = forms.CharField(max_length=300, required=False, label="Current performance")
    maturity = _level("Current maturity", MATURITY, low=1, high=5, message=MATURITY_MESSAGE)
    target_maturity = _level("Target maturity", MATURITY, low=1, high=5, message=MATURITY_MESSAGE)
    benchmark_maturity = _level(
        "Industry benchmark", MATURITY, required=False, low=1, high=5, message=MATURITY_MESSAGE
    )
    criticality = _level("Criticality", CRITICALITY, low=1, high=4, message=CRITICALITY_MESSAGE)
    evidence = forms.CharField(max_length=2000, required=False)

    def incomplete(self) -> bool:
        """A new row the user is still filling in: not all three required levels are chosen yet."""
        return any(not self.data.get(name) for name in ("maturity", "target_maturity", "criticality"))


class ActionForm(PlanContentForm):
    class Meta:
        model = ImprovementAction
        fields = ["title", "assessment", "owner", "quarter", "status", "initiative", "budget"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assessment"]
        field.queryset = field.queryset.select_related("capability").order_by("capability__name")
        field.label_from_instance = lambda a: (
            f"{a.capability} (gap {a.gap}, {a.get_criticality_display().lower()})"
        )


class CapabilityForm(VersionedModelForm):
    class Meta:
        model = Capability
        fields = ["name", "category", "description", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
