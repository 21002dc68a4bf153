from django import forms

from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit
from planning.models import Plan


class PlanCreateForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    fiscal_year = forms.IntegerField(min_value=2000, max_value=2100, label="Fiscal year")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.with_role(user, permissions.CREATE_PLAN)
        self.fields["org_unit"].label_from_instance = lambda unit: f"{'— ' * (unit.depth - 1)}{unit.name}"
        rules = FiscalCalendar.load().rules
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
