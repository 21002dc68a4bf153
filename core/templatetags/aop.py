"""Formatting used on every page: money, numbers, status badges."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

STATUS_TONES = {
    "draft": "neutral",
    "in_review": "info",
    "approved": "good",
    "on_track": "good",
    "at_risk": "warn",
    "off_track": "bad",
    "stale": "muted",
}


def _grouped(value: object, places: int) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    quantum = Decimal(1).scaleb(-places)
    return f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def money(value: object, currency: str = "USD") -> str:
    """1234567.5 → '$1,234,567.50' (other currencies keep their code: 'EUR 1,234.00')."""
    if value is None or value == "":
        return "—"
    text = _grouped(value, 2)
    if text.startswith("-"):
        return f"−{money(text[1:].replace(',', ''), currency)}"
    return f"${text}" if currency == "USD" else f"{currency} {text}"


@register.filter
def number(value: object, places: int = 0) -> str:
    """Thousands separators and a fixed number of decimals."""
    if value is None or value == "":
        return "—"
    return _grouped(value, int(places))


@register.filter
def percent(value: object, places: int = 1) -> str:
    """0.1136 → '11.4%'."""
    if value is None or value == "":
        return "—"
    return f"{_grouped(Decimal(str(value)) * 100, int(places))}%"


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    """A status as text and colour, so it reads without colour too."""
    return format_html('<span class="badge badge-{}">{}</span>', STATUS_TONES.get(status, "neutral"), label)


@register.filter
def change_lines(entry) -> list[tuple[str, str, str]]:
    """An audit entry's changes as (field label, before, after), in words a reader knows."""
    model = entry.content_type.model_class()
    lines = []
    for name, (before, after) in entry.changes.items():
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        label = str(field.verbose_name).capitalize() if field else name.replace("_", " ").capitalize()
        choices = {str(k): str(v) for k, v in field.flatchoices} if field and field.choices else {}
        lines.append((label, _shown(before, choices), _shown(after, choices)))
    return lines


def _shown(value: object, choices: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    if text in choices:
        return choices[text]
    if _ISO_DATETIME.match(text):
        moment = parse_datetime(text)
        if moment is not None:
            return date_format(timezone.localtime(moment), "j M Y, H:i")
    return text


@register.filter
def absolute(value: object) -> object:
    try:
        return abs(value)
    except TypeError:
        return value


@register.filter
def milestone(goal, fiscal_year: int) -> str:
    """A long-term goal's milestone for one fiscal year ("" when none is set)."""
    return goal.milestone_for(fiscal_year)


@register.filter(name="zip")
def zip_lists(first, second) -> list[tuple]:
    return list(zip(first, second, strict=False))


SUBMISSION_TONES = {
    "draft": "draft",
    "submitted": "in_review",
    "approved": "approved",
    "sent_back": "at_risk",
}


@register.filter
def submission_tone(status: str) -> str:
    """A bottom-up submission's status as one of the badge tones."""
    return SUBMISSION_TONES.get(status, status)


@register.filter
def sub(value: object, other: object) -> object:
    """value − other (for numbers in templates)."""
    try:
        return Decimal(str(value)) - Decimal(str(other))
    except (InvalidOperation, ValueError):
        return value


@register.filter
def points(value: object, places: int = 1) -> str:
    """A change between two fractions in percentage points: 0.058 → '5.8 pts'."""
    if value is None or value == "":
        return "—"
    return f"{_grouped(Decimal(str(value)) * 100, int(places))} pts"


@register.simple_tag
def item_url(plan_id: int, kind: str, pk: int, action: str = "") -> str:
    """A plan item's URL (`planning:content`, or its `delete` action) without one reverse() per table row:
    rows of 500 items spent most of their time reversing the same pattern."""
    return f"{_item_base(plan_id, kind)}{pk}/{action + '/' if action else ''}"


@lru_cache(maxsize=4096)
def _item_base(plan_id: int, kind: str) -> str:
    return reverse("planning:content", args=[plan_id, kind, 0])[: -len("0/")]
