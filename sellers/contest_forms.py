"""The contest form: name, unit (where the user may run contests), activity KPI, dates, description."""

from django import forms
from django.db.models import Q

from metrics.models import KPI
from planning.forms import VersionedModelForm
from sellers import contests
from sellers.models import Contest

# The house stylesheet styles text inputs only; a date input takes their look here.
LOOK = (
    "width: 100%; padding: .5rem .65rem; border: 1px solid var(--border-strong); border-radius: 6px; "
    "font: inherit; background: #fff; color: var(--text)"
)
DATE = forms.DateInput(attrs={"type": "date", "style": LOOK}, format="%Y-%m-%d")


class ContestForm(VersionedModelForm):
    class Meta:
        model = Contest
        fields = ["name", "org_unit", "kpi", "start", "end", "description"]
        labels = {"org_unit": "Org unit", "kpi": "Activity KPI", "start": "First day", "end": "Last day"}
        widgets = {"start": DATE, "end": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "kpi": "Counts that add up over the days, like calls or meetings; ratios, stocks and money are "
            "not ranked in contests.",
            "org_unit": "Its sellers, and those of the units below it, are on the board.",
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = contests.units_for_contests(user)
        self.fields["org_unit"].label_from_instance = lambda unit: f"{'— ' * (unit.depth - 1)}{unit.name}"
        kpis = Q(pk__in=contests.activity_kpis().values("pk"))
        if self.instance.pk:
            kpis |= Q(pk=self.instance.kpi_id)
        self.fields["kpi"].queryset = KPI.objects.filter(kpis).order_by("name")
