from django import forms

from orgs.models import FiscalCalendar


class FiscalCalendarForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = FiscalCalendar
        fields = ["start_month", "naming"]
        widgets = {"start_month": forms.Select(choices=[(m, m) for m in range(1, 13)])}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        import calendar

        self.fields["start_month"].widget.choices = [(m, calendar.month_name[m]) for m in range(1, 13)]
        self.fields["naming"].widget = forms.RadioSelect(choices=FiscalCalendar.Naming.choices)
