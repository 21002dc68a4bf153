"""Formatting used on every page: money, numbers, status badges. Numbers and money go through
core.formatting (the company's currency and precision, the reader's locale)."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html

from core import formatting

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


@register.filter
def money(value: object, currency: str | None = None) -> str:
    """An amount with its currency at the company's display precision: '$18,201,000', '$12.50' (below
    1,000), '18.201.000 €' in de-DE. `currency` defaults to the company's (core.formatting)."""
    return formatting.money(value, currency=currency or None)


@register.filter
def money_short(value: object, currency: str | None = None) -> str:
    """A compact amount for a tile or a chart label, the exact amount on hover: '$18.2M'."""
    if value is None or value == "":
        return formatting.NOTHING
    code = currency or None
    return format_html(
        '<span class="money-short" title="{}">{}</span>',
        formatting.exact_money(value, currency=code),
        formatting.money(value, currency=code, compact=True),
    )


@register.filter
def exact_money(value: object, currency: str | None = None) -> str:
    """An amount to the cent: '$18,201,000.00'."""
    return formatting.exact_money(value, currency=currency or None)


@register.filter
def currency_sign(currency: str | None = None) -> str:
    """'$', '€', '£', or the ISO code of any other currency (the company's when none is given)."""
    return formatting.currency_sign(currency or None)


@register.filter
def number(value: object, places: int = 0) -> str:
    """Thousands separators and a fixed number of decimals, as the reader's locale writes them."""
    return formatting.number(value, int(places))


@register.filter
def percent(value: object, places: int = 1) -> str:
    """0.1136 → '11.4%' ('11,4 %' in de-DE)."""
    return formatting.percent(value, int(places))


@register.filter
def day(value: object) -> str:
    """'1 Dec 2026' ('1. Dez. 2026' in de-DE)."""
    return formatting.day(value)


@register.filter
def moment(value: object) -> str:
    """'1 Dec 2026, 14:05' ('1. Dez. 2026, 14:05' in de-DE), in the site's time zone."""
    return formatting.moment(value)


@register.filter
def month_label(value: object) -> str:
    """'Apr 2027' ('April 2027' in de-DE)."""
    return formatting.month_label(value)


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    """A status as text and colour, so it reads without colour too."""
    return format_html('<span class="badge badge-{}">{}</span>', STATUS_TONES.get(status, "neutral"), label)


# --- History: each change of an audit entry in words -------------------------------------------------
# `AuditEntry.changes` is {field: [before, after]} as core.services.jsonable stored it: foreign keys as the
# related row's name, relation sets as lists of names, decimals and dates as ISO text. Services also record
# changes under names that are not fields ("from", "one-page PDF", "Churn target P3").

_ISO_DECIMAL = re.compile(r"^-?\d+\.\d+$")
NOTHING = "—"


@register.filter
def change_lines(entry) -> list[tuple[str, str, str]]:
    """An audit entry's changes as (label, before, after) in words a reader knows; a relation set reads
    (label, "", "Added: …; removed: …"). It never raises: what it does not know shows as name and values."""
    try:
        model = entry.content_type.model_class()
        changes = entry.changes if isinstance(entry.changes, dict) else {"changes": [None, entry.changes]}
    except Exception:
        return []
    # In the model's field order: PostgreSQL's jsonb keeps no key order, so the stored order is not one.
    place = _field_order(model)
    ordered = sorted(changes.items(), key=lambda item: (place.get(str(item[0]), len(place)), str(item[0])))
    return [_change_line(model, str(name), change) for name, change in ordered]


@lru_cache(maxsize=256)
def _field_order(model) -> dict[str, int]:
    if model is None:
        return {}
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many, *model._meta.related_objects]
    return {f.name: i for i, f in enumerate(fields)}


def _change_line(model, name: str, change: object) -> tuple[str, str, str]:
    pair = isinstance(change, list | tuple) and len(change) == 2
    before, after = change if pair else (None, change)
    try:
        field = _field(model, name)
        if field is None:
            return _first_upper(name.replace("_", " ")), _plain(before), _plain(after)
        if (field.many_to_many or field.one_to_many) and isinstance(after, list):
            return _field_label(field), "", _set_change(before or [], after)
        return _field_label(field), _field_value(field, before), _field_value(field, after)
    except Exception:  # a shape no service writes today: show it rather than fail the page
        return name, str(before), str(after)


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _field_label(field) -> str:
    """A field's verbose name; a reverse relation's is the related model's (plural when it is a set)."""
    if not field.auto_created or field.concrete:
        return _first_upper(str(field.verbose_name))
    meta = field.related_model._meta
    return _first_upper(
        str(meta.verbose_name_plural if field.many_to_many or field.one_to_many else meta.verbose_name)
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _set_change(before: list, after: list) -> str:
    """['Win rate'] → ['Churn']: 'Added: Churn; removed: Win rate'."""
    added = [str(n) for n in after if n not in before]
    removed = [str(n) for n in before if n not in after]
    parts = [
        f"{verb}: {', '.join(names)}" for verb, names in (("added", added), ("removed", removed)) if names
    ]
    return _first_upper("; ".join(parts) or "no change")


def _field_value(field, value: object) -> str:
    if value is None or value == "":
        return NOTHING
    if field.is_relation:
        return f"#{value}" if isinstance(value, int) else _plain(value)  # the admin stores a key's id
    if field.choices:
        return {str(k): str(v) for k, v in field.flatchoices}.get(str(value), _plain(value))
    if isinstance(field, models.BooleanField):
        return _yes_no(value)
    if isinstance(field, models.DecimalField | models.FloatField):
        return _decimal(value)
    if isinstance(field, models.DateTimeField):
        return _moment(value)
    if isinstance(field, models.DateField):
        return _day(value)
    return str(value) if isinstance(value, str | int) else _plain(value)


def _plain(value: object) -> str:
    """A value of unknown kind: lists and mappings spelled out, ISO dates and decimals recognised."""
    if value is None or value == "" or value == [] or value == {}:
        return NOTHING
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    text = str(value)
    if _ISO_DECIMAL.match(text):
        return _decimal(text)
    if _ISO_DATETIME.match(text):
        return _moment(text)
    if _parse_day(text):
        return _day(text)
    return text


def _yes_no(value: object) -> str:
    return ("Yes" if value else "No") if isinstance(value, bool) else str(value)


def _decimal(value: object) -> str:
    """385750.0000 → '385,750.00'; decimals beyond the cents stay when they say something (0.2345)."""
    try:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
    except (InvalidOperation, ValueError):
        return str(value)
    return number(value, max(2, -exponent)) if isinstance(exponent, int) else str(value)


def _moment(value: object) -> str:
    """'2026-03-01T14:05:00+00:00' → '1 Mar 2026, 14:05' (in the site's time zone)."""
    moment = parse_datetime(str(value))
    if moment is None:
        return _day(value)
    return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "j M Y, H:i")


def _day(value: object) -> str:
    """'2026-03-01' → '1 Mar 2026'."""
    day = _parse_day(str(value))
    if day is not None:
        return date_format(day, "j M Y")
    return _moment(value) if parse_datetime(str(value)) else str(value)


def _parse_day(text: str) -> dt.date | None:
    try:
        return parse_date(text) if len(text) == 10 else None
    except ValueError:
        return None


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
    return f"{formatting.number(Decimal(str(value)) * 100, int(places))} pts"


@register.simple_tag
def item_url(plan_id: int, kind: str, pk: int, action: str = "") -> str:
    """A plan item's URL (`planning:content`, or its `delete` action) without one reverse() per table row:
    rows of 500 items spent most of their time reversing the same pattern."""
    return f"{_item_base(plan_id, kind)}{pk}/{action + '/' if action else ''}"


@lru_cache(maxsize=4096)
def _item_base(plan_id: int, kind: str) -> str:
    return reverse("planning:content", args=[plan_id, kind, 0])[: -len("0/")]
