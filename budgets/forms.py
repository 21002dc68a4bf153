from django import forms

from budgets.models import Budget, BudgetLine, Move
from core.forms import NumberField, format_fields
from planning.forms import PlanContentForm


class BudgetForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Budget
        fields = ["total", "currency"]
        field_classes = {"total": NumberField}

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise forms.ValidationError("Use a 3-letter currency code such as USD or EUR.")
        return code


class LineForm(PlanContentForm):
    """A line's purpose; when adding one, also the amount it opens with from the pool."""

    opening = NumberField(
        min_value=0,
        max_digits=16,
        decimal_places=2,
        required=False,
        label="Opening amount",
        help_text="Taken from the unallocated pool.",
    )

    class Meta:
        model = BudgetLine
        fields = [
            "name",
            "category",
            "growth",
            "objective",
            "expected_value",
            "initiative",
            "improvement_action",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["opening"]
        action = self.fields["improvement_action"]
        action.queryset = action.queryset.select_related("assessment__capability")

    def split(self) -> tuple[dict, dict]:
        values, m2m = super().split()
        values.pop("opening", None)
        return values, m2m


class MoveForm(forms.Form):
    KINDS = [(k, label) for k, label in Move.Kind.choices if k in ("reallocate", "fund_growth", "deploy")]

    kind = forms.ChoiceField(
        choices=KINDS, widget=forms.RadioSelect, initial="reallocate", label="Kind of move"
    )
    source = forms.ModelChoiceField(
        queryset=BudgetLine.objects.none(), required=False, empty_label="Unallocated pool", label="From"
    )
    target = forms.ModelChoiceField(
        queryset=BudgetLine.objects.none(), required=False, empty_label="— a new growth line —", label="To"
    )
    new_line_name = forms.CharField(
        max_length=120,
        required=False,
        label="New growth line",
        help_text="Deploy only: name the ad-hoc growth initiative.",
    )
    new_line_category = forms.ChoiceField(
        choices=BudgetLine.Category.choices, required=False, initial="programs", label="Its category"
    )
    amount = NumberField(min_value=0.01, max_digits=16, decimal_places=2)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, budget: Budget, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        lines = BudgetLine.objects.filter(budget=budget).order_by("name")
        self.fields["source"].queryset = lines
        self.fields["target"].queryset = lines
        money = lambda line: f"{line.name} ({line.amount:,.2f}){' · growth' if line.growth else ''}"  # noqa: E731
        self.fields["source"].label_from_instance = money
        self.fields["target"].label_from_instance = money

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == "deploy" and data.get("source") is not None:
            self.add_error("source", "Deploy takes money from the unallocated pool.")
        if data.get("kind") != "deploy" and data.get("source") is None and "source" not in self.errors:
            self.add_error("source", "Pick the line the money comes from.")
        if data.get("target") is None and not (data.get("kind") == "deploy" and data.get("new_line_name")):
            self.add_error(
                "target", "Pick the line the money goes to (or name a new growth line to deploy to)."
            )
        return data

    def new_line(self) -> dict | None:
        data = self.cleaned_data
        if data["kind"] == "deploy" and data.get("target") is None:
            return {"name": data["new_line_name"], "category": data["new_line_category"] or "programs"}
        return None


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=2000)


class SpendImportForm(forms.Form):
    file = forms.FileField(label="Spend file (.xlsx or .csv)")
    number_format = format_fields(dates=False)["number_format"]
