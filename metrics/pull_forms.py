"""The pull source form, and a schedule's cron fields in words for its pages and the API."""

from django import forms

from metrics import pulls
from metrics.models import PullSource
from planning.forms import VersionedModelForm

WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class PullSourceForm(VersionedModelForm):
    """Sales ops' form of a pull source. The credential is a password input never filled back: blank keeps
    what is stored, ticking Clear removes it."""

    secret = forms.CharField(
        label="Password or header value",
        required=False,
        strip=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="SQL: the database password. File: the header's value. Kept encrypted, never shown.",
    )
    clear_secret = forms.BooleanField(label="Clear the stored credential", required=False)

    class Meta:
        model = PullSource
        fields = list(pulls.EDITABLE)  # what pulls.pull_save takes
        labels = {
            "url": "URL",
            "query": "SQL query",
            "auth_header": "Credential header",
            "lookback_days": "Look-back (days)",
            "timeout_seconds": "Time limit (seconds)",
        }
        widgets = {
            "url": forms.TextInput(attrs={"spellcheck": "false"}),
            "query": forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
            "schedule": forms.TextInput(attrs={"placeholder": "0 6 * * *", "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schedule"].help_text = (
            "Cron fields (minute hour day month weekday): 0 6 * * * is daily at 06:00, 30 7 * * 1 Mondays "
            "at 07:30, 15 * * * * hourly at :15. Empty: it runs only when someone presses Run now."
        )
        self.stored = bool(self.instance.pk and self.instance.secret)  # the page says so; never its value
        if not self.stored:
            del self.fields["clear_secret"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("clear_secret") and data.get("secret"):
            self.add_error("secret", "Either type a new credential or tick Clear, not both.")
        return data

    def secret_value(self) -> str | None:
        """What the service takes: None keeps the stored credential, "" clears it, text replaces it."""
        if self.cleaned_data.get("clear_secret"):
            return ""
        return self.cleaned_data.get("secret") or None

    def values(self) -> dict:
        """The source's own fields, without the version and the credential."""
        return {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}


def schedule_words(schedule: str) -> str:
    """A schedule's cron fields in words for the common shapes ("daily at 06:00", "Mondays at 07:30",
    "hourly at :15"), else the cron text itself; empty: "on demand"."""
    fields = schedule.split()
    if not fields:
        return "On demand"
    if len(fields) != 5 or not all(f.isdigit() or f == "*" for f in fields):
        return schedule
    minute, hour, day, month, weekday = fields
    if not minute.isdigit() or month != "*":
        return schedule
    if hour == "*" and day == weekday == "*":
        return f"Hourly at :{int(minute):02d}"
    if not hour.isdigit() or int(hour) > 23 or int(minute) > 59:
        return schedule
    at = f"{int(hour):02d}:{int(minute):02d}"
    if day == "*" and weekday == "*":
        return f"Daily at {at}"
    if day == "*" and int(weekday) <= 7:
        return f"{WEEKDAYS[int(weekday) % 7]}s at {at}"
    if weekday == "*" and 1 <= int(day) <= 31:
        return f"Monthly on day {int(day)} at {at}"
    return schedule
