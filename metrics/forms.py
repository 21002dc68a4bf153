from django import forms

from core.forms import NumberField, format_fields
from metrics.models import KPI, ChurnPolicy, DataSource, PullSource
from planning.forms import VersionedModelForm


class KPIForm(VersionedModelForm):
    class Meta:
        model = KPI
        fields = [
            "code",
            "name",
            "description",
            "unit",
            "direction",
            "aggregation",
            "numerator",
            "denominator",
            "annual_target",
            "review_cadence",
            "alert_threshold",
            "owner",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        summed = KPI.objects.exclude(aggregation=KPI.Aggregation.RATIO).order_by("name")
        if self.instance.pk:
            summed = summed.exclude(pk=self.instance.pk)
        self.fields["numerator"].queryset = summed
        self.fields["denominator"].queryset = summed


class DataSourceForm(VersionedModelForm):
    class Meta:
        model = DataSource
        fields = ["kind", "field_name", "capture_process", "owner", "readiness", "effort", "ready_by"]
        widgets = {
            "capture_process": forms.Textarea(attrs={"rows": 2}),
            "ready_by": forms.DateInput(attrs={"type": "date"}),
        }


class ChurnPolicyForm(VersionedModelForm):
    class Meta:
        model = ChurnPolicy
        fields = [
            "allowance",
            "measurement_period",
            "expected_churn",
            "net_growth_goal",
            "starting_arr",
            "benchmark_low",
            "benchmark_high",
            "warn_above",
        ]


class PhaseForm(forms.Form):
    annual = NumberField(max_digits=18, decimal_places=4, label="Annual figure")
    seasonality = forms.ModelChoiceField(queryset=None, required=False, empty_label="Even spread")

    def __init__(self, *args, profiles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seasonality"].queryset = profiles


class UploadForm(forms.Form):
    loads = forms.ChoiceField(
        choices=PullSource.Loads.choices,
        initial=PullSource.Loads.ACTUALS,
        required=False,
        label="What the file holds",
        help_text="KPI actuals, or one or more pipeline snapshots (opportunities by snapshot date).",
    )
    file = forms.FileField(label="File (.csv or .xlsx)")
    number_format, date_format = format_fields(dates=True).values()
