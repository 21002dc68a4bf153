"""Numbers, money, percentages and dates as people read them: the one formatting module.

Every page, grid, chart label, export display and the PDF format through here (the template filters in
core.templatetags.aop delegate to it), driven by two things:

- the company's display settings (core.models.DisplaySettings: currency, display precision), cached;
- the reader's locale, en-US or de-DE, held in a ContextVar that core.middleware sets per request from the
  session's choice or Accept-Language. Without a request (Celery, the PDF, the shell) it is en-US.

Django's translation is never activated for the page (the UI stays English and forms stay plain); each
function passes the locale explicitly, and dates borrow Django's month names under
`translation.override`. Grouping and decimals are core.tabular's COMMA_THOUSANDS and DOT_THOUSANDS, so
what is shown and what parse_number reads are one rule.

Forms, by locale (U+2212 "−" is the minus everywhere):

    number(1234567.5, 2)          1,234,567.50            1.234.567,50
    money(18201000)               $18,201,000             18.201.000 $
    money(12.5)                   $12.50                  12,50 $          (cents below WHOLE_ABOVE)
    money(-1234, currency="CHF")  −CHF 1,234              −1.234 CHF
    money(18201000, compact=True) $18.2M                  18,2 Mio. $
    money(950000, compact=True)   $950K                   950 Tsd. $
    percent(0.1136)               11.4%                   11,4 %
    day(2026-12-01)               1 Dec 2026              1. Dez. 2026
    month_label(2027-04-01)       Apr 2027                April 2027        (Django's German month
                                                                             abbreviations: Jan., März, Dez.)

Compact amounts keep three significant digits (18.2M, 1.25B, 950K); the German suffixes are the usual
business abbreviations Tsd., Mio., Mrd., Bio. with the currency after the amount, as German writes it.
Babel would give CLDR's forms, but it is a dependency for two locales and a dozen strings, and CLDR's
German has no compact form for thousands ("950.000 €"), which defeats the short form in a KPI tile; so the
forms are written out here, with tests.
"""

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.cache import cache
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime

from core import tabular

LOCALES = ("en-US", "de-DE")
DEFAULT_LOCALE = "en-US"
SESSION_KEY = "aop_locale"
LOCALE_LABELS = {"en-US": "English (US)", "de-DE": "Deutsch (Deutschland)"}

MINUS = "\u2212"
NOTHING = "—"
WHOLE_ABOVE = Decimal(1000)  # amounts from here up show in whole units unless the company asks for cents
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}  # every other currency shows its ISO code
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK")


@dataclass(frozen=True)
class LocaleRules:
    """How one locale writes numbers, money and dates."""

    code: str
    language: str  # the Django language whose month names dates use
    numbers: tabular.NumberFormat
    example: str  # what parse_number's refusals show
    currency_after: bool  # "1.234 €" rather than "€1,234"
    percent_space: str
    compact: tuple[tuple[int, str], ...]  # (power of ten, suffix), largest first
    day: str  # Django date format strings
    month: str


_RULES = {
    "en-US": LocaleRules(
        code="en-US",
        language="en-us",
        numbers=tabular.COMMA_THOUSANDS,
        example="1,234.56",
        currency_after=False,
        percent_space="",
        compact=((12, "T"), (9, "B"), (6, "M"), (3, "K")),
        day="j M Y",
        month="M Y",
    ),
    "de-DE": LocaleRules(
        code="de-DE",
        language="de",
        numbers=tabular.DOT_THOUSANDS,
        example="1.234,56",
        currency_after=True,
        percent_space=" ",
        compact=((12, " Bio."), (9, " Mrd."), (6, " Mio."), (3, " Tsd.")),
        day="j. N Y",
        month="N Y",
    ),
}

_locale: ContextVar[str] = ContextVar("aop_locale", default=DEFAULT_LOCALE)


# --- The locale ---------------------------------------------------------------------------------------------


def current_locale() -> str:
    """The locale this request (or task) formats for."""
    return _locale.get()


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Format in `locale` inside the block (en-US, de-DE, or a language such as "de")."""
    token = _locale.set(_rules(locale).code)
    try:
        yield _locale.get()
    finally:
        _locale.reset(token)


def locale_from_request(request) -> str:
    """The session's choice (SESSION_KEY) if any, else the first supported language the browser asks for
    (any de* is de-DE, any en* en-US), else en-US."""
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    if chosen in LOCALES:
        return chosen
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for language, _quality in translation.trans_real.parse_accept_lang_header(header[:255]):
        if language.startswith("de"):
            return "de-DE"
        if language.startswith("en"):
            return "en-US"
    return DEFAULT_LOCALE


def _rules(locale: str | None) -> LocaleRules:
    code = locale or _locale.get()
    if code in _RULES:
        return _RULES[code]
    language = code.lower()[:2]
    found = next((r for r in _RULES.values() if r.code.lower().startswith(language)), None)
    if found is None:
        raise ValueError(f"{code!r} is not a locale AOP formats for; use one of {', '.join(LOCALES)}")
    return found


# --- The company's display settings -------------------------------------------------------------------------

CACHE_KEY = "aop:display-settings"
CACHE_SECONDS = 300  # a safety net: every save clears the key (display_forget)


@dataclass(frozen=True)
class Display:
    currency: str = "USD"
    money_places: int = 0  # 0: whole units from WHOLE_ABOVE up; 2: always to the cent


def company_display() -> Display:
    """The company's currency and display precision, from the cache (one query when it is cold)."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        from core.models import DisplaySettings  # models import nothing from here; apps may not be ready

        row = DisplaySettings.objects.order_by("pk").values_list("currency", "money_places").first()
        cached = row or (Display.currency, Display.money_places)
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return Display(*cached)


def display_remember(display: Display) -> None:
    """Put `display` in the cache (tests start from the defaults this way)."""
    cache.set(CACHE_KEY, (display.currency, display.money_places), CACHE_SECONDS)


def display_forget() -> None:
    """Drop the cached settings now and again when the transaction commits, so that no reader caches
    the old row between the write and its commit."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def currency_sign(currency: str | None = None) -> str:
    """$, € or £; any other currency's ISO code."""
    code = currency or company_display().currency
    return SYMBOLS.get(code, code)


# --- Numbers ------------------------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _digits(number: Decimal, places: int, rules: LocaleRules) -> tuple[str, str]:
    """(sign, grouped digits) of |number| rounded half up to `places`; a value that rounds to zero has
    no sign."""
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}"
    if rules.numbers.group != ",":
        text = text.replace(",", "\0").replace(".", rules.numbers.decimal).replace("\0", rules.numbers.group)
    return (MINUS if rounded < 0 else ""), text


def number(value: object, places: int = 0, *, locale: str | None = None) -> str:
    """1234567.5 → '1,234,567.50' (en-US) / '1.234.567,50' (de-DE); None or '' → '—'."""
    if value is None or value == "":
        return NOTHING
    amount = _decimal(value)
    if amount is None:
        return ""
    sign, digits = _digits(amount, int(places), _rules(locale))
    return sign + digits


def percent(value: object, places: int = 1, *, locale: str | None = None) -> str:
    """A fraction as a percentage: 0.1136 → '11.4%' (en-US) / '11,4 %' (de-DE)."""
    fraction = None if value is None or value == "" else _decimal(value)
    if fraction is None:
        return NOTHING if value is None or value == "" else ""
    rules = _rules(locale)
    sign, digits = _digits(fraction * 100, int(places), rules)
    return f"{sign}{digits}{rules.percent_space}%"


# --- Money --------------------------------------------------------------------------------------------------


def money_places(value: object) -> int:
    """The decimals the company's display precision gives this amount: 2 below WHOLE_ABOVE (nothing is
    dropped from a small amount), 0 from it up unless the company shows every amount to the cent."""
    amount = _decimal(value) or Decimal(0)
    if amount == 0:
        return 0  # nothing is nothing: '$0', not '$0.00'
    return 2 if company_display().money_places == 2 or abs(amount) < WHOLE_ABOVE else 0


def amount(value: object, *, places: int | None = None, locale: str | None = None) -> str:
    """An amount without its currency, at the company's display precision: for cells of a column whose
    heading names the currency. 18201000 → '18,201,000'; 12.5 → '12.50'."""
    return number(value, money_places(value) if places is None else places, locale=locale)


def money(
    value: object,
    *,
    currency: str | None = None,
    places: int | None = None,
    compact: bool = False,
    locale: str | None = None,
) -> str:
    """An amount with its currency: '$18,201,000' / '18.201.000 $'; compact: '$18.2M' / '18,2 Mio. $'.
    `currency` defaults to the company's, `places` to its display precision (see money_places)."""
    if value is None or value == "":
        return NOTHING
    number_value = _decimal(value)
    if number_value is None:
        return ""
    rules = _rules(locale)
    code = currency or company_display().currency
    if compact and (short := _compact(number_value, rules)):
        sign, digits = short
    else:
        shown_places = money_places(number_value) if places is None else int(places)
        sign, digits = _digits(number_value, shown_places, rules)
    return _with_currency(sign, digits, code, rules)


def exact_money(value: object, *, currency: str | None = None, locale: str | None = None) -> str:
    """An amount to the cent, for a hover title: '$18,201,000.00'."""
    return money(value, currency=currency, places=2, locale=locale)


def _with_currency(sign: str, digits: str, code: str, rules: LocaleRules) -> str:
    sign_or_code = SYMBOLS.get(code, code)
    if rules.currency_after:
        return f"{sign}{digits} {sign_or_code}"
    return f"{sign}{sign_or_code}{digits}" if code in SYMBOLS else f"{sign}{sign_or_code} {digits}"


def _compact(value: Decimal, rules: LocaleRules) -> tuple[str, str] | None:
    """(sign, '18.2M') for |value| ≥ 1,000 at three significant digits; None below (shown in full)."""
    if abs(value) < WHOLE_ABOVE:
        return None
    # Round first, then choose the suffix: 999,950 is 1.00M, not 1,000K.
    rounded = value.quantize(Decimal(1).scaleb(value.adjusted() - 2), rounding=ROUND_HALF_UP)
    power, suffix = next((p, s) for p, s in rules.compact if abs(rounded) >= Decimal(10) ** p)
    scaled = rounded.scaleb(-power).normalize()
    exponent = scaled.as_tuple().exponent
    sign, digits = _digits(scaled, max(0, -exponent) if isinstance(exponent, int) else 0, rules)
    return sign, digits + suffix


# --- Charts (plotly) ----------------------------------------------------------------------------------------


def chart_layout(*, locale: str | None = None) -> dict:
    """Layout keys every chart takes: plotly's `separators` (decimal, then thousands) for the locale, so
    that its axis ticks and hover numbers group as the page does."""
    numbers = _rules(locale).numbers
    return {"separators": numbers.decimal + numbers.group}


def chart_money_axis(*, currency: str | None = None, locale: str | None = None) -> dict:
    """An amount axis: whole units grouped, with the currency before ('$') or after (' €') the number."""
    rules, code = _rules(locale), currency or company_display().currency
    sign = SYMBOLS.get(code, code)
    if rules.currency_after:
        return {"tickformat": ",.0f", "ticksuffix": f" {sign}"}
    return {"tickformat": ",.0f", "tickprefix": sign if code in SYMBOLS else f"{sign} "}


def chart_money_text(
    values: list, *, currency: str | None = None, signed: bool = False, locale: str | None = None
) -> list[str]:
    """Each amount as money() writes it, for a trace's customdata and its hovertemplate ('%{customdata}');
    `signed` puts a '+' before a gain."""
    return [
        ("+" if signed and v is not None and v > 0 else "") + money(v, currency=currency, locale=locale)
        for v in values
    ]


# --- Dates --------------------------------------------------------------------------------------------------


def _as_date(value: object) -> dt.date | None:
    """A date, a datetime (its date) or ISO text ('2026-12-01', '2026-12-01T09:00:00Z')."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value)[:10])
    except ValueError:
        return None


def day(date: object, locale: str | None = None) -> str:
    """'1 Dec 2026' (en-US) / '1. Dez. 2026' (de-DE); None → '—'."""
    return _date_text(date, _rules(locale), "day")


def month_label(date: object, locale: str | None = None) -> str:
    """'Apr 2027' (en-US) / 'April 2027' (de-DE): a fiscal month's column heading."""
    return _date_text(date, _rules(locale), "month")


def moment(value: object, locale: str | None = None) -> str:
    """'1 Dec 2026, 14:05' (en-US) / '1. Dez. 2026, 14:05' (de-DE), in the site's time zone."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, str):
        value = parse_datetime(value) or value
    if not isinstance(value, dt.datetime):
        return day(value, locale)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local.date(), locale)}, {local:%H:%M}"


def _date_text(value: object, rules: LocaleRules, which: str) -> str:
    if value is None or value == "":
        return NOTHING
    date = _as_date(value)
    if date is None:
        return str(value)
    with translation.override(rules.language):
        return formats.date_format(date, getattr(rules, which))


# --- Reading what was shown ---------------------------------------------------------------------------------

_COMPACT_TAIL = re.compile(r"(?:[0-9]\s*[KMBT]|Tsd\.?|Mio\.?|Mrd\.?|Bio\.?)$", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z]{3}$")


def parse_number(text: object, *, locale: str | None = None, currency: str | None = None) -> Decimal:
    """The number `text` writes as number() or money() show it in `locale`: thousands groups optional but
    well placed, the currency's symbol or code optional (the company's, or `currency`), '−' or '-' for
    minus, spaces around. A plain '1234.5' is read in de-DE only where a dot cannot be a thousands
    separator ('0.5', '1234.5'); anything that could mean two numbers ('1,23' in en-US, '1.5' in de-DE)
    is refused, never guessed. ValueError quotes the text and shows the form expected."""
    rules = _rules(locale)
    shown = str(text)
    body = _without_currency(shown, shown.replace("\u00a0", " ").replace(MINUS, "-").strip(), currency)
    try:
        return tabular.parse_number(body, rules.numbers, declarable=False)
    except ValueError:
        pass
    if rules.numbers.group == "." and _plain_and_unambiguous(body):
        return tabular.parse_number(body, declarable=False)
    raise ValueError(_refusal(shown, rules, body))


def _without_currency(shown: str, text: str, currency: str | None) -> str:
    """`text` without the currency's sign or code at either end (a minus may stand before it); a
    ValueError when it names another currency than the one amounts are in."""
    sign, rest = ("-", text[1:].lstrip()) if text.startswith("-") else ("", text)
    mark = _mark(rest)
    if mark:
        expected = currency or company_display().currency
        if mark not in (expected, SYMBOLS.get(expected, expected)):
            raise ValueError(f"{_shown(shown)} names another currency; amounts here are in {expected}")
        rest = (rest[len(mark) :] if rest.startswith(mark) else rest[: -len(mark)]).strip()
    if rest.startswith("-") and not sign:
        sign, rest = "-", rest[1:]
    return sign + rest


def _mark(text: str) -> str:
    """The currency sign or ISO code `text` begins or ends with ("" when none)."""
    for sign in SYMBOLS.values():
        if text.startswith(sign) or text.endswith(sign):
            return sign
    words = text.split()
    ends = [words[0], words[-1]] if len(words) > 1 else []
    return next((w for w in ends if _CODE.fullmatch(w)), "")


def _plain_and_unambiguous(body: str) -> bool:
    """A plain '1234.5' where the dot cannot group thousands: '0.5', or four digits or more before it and
    not three after it."""
    if not tabular.PLAIN.pattern.fullmatch(body) or "." not in body:
        return False
    whole, decimals = body.lstrip("-").split(".")
    return len(decimals) != 3 and (whole == "0" or len(whole) >= 4)


def _shown(text: str) -> str:
    return repr(text if len(text) <= tabular.SHOWN else text[: tabular.SHOWN] + "…")


def _refusal(text: str, rules: LocaleRules, body: str) -> str:
    """Why `body` (text without its currency) is not a number here, quoting `text`."""
    if _COMPACT_TAIL.search(body):
        return f"{_shown(text)} is a rounded amount; write it in full like {rules.example}"
    other = next(r for r in _RULES.values() if r is not rules)
    try:
        meant = tabular.parse_number(body, other.numbers, declarable=False)
    except ValueError:
        return f"{_shown(text)} is not a number; write it like {rules.example}"
    places = max(0, -meant.as_tuple().exponent)
    return (
        f"{_shown(text)} is ambiguous; write it like {rules.example} "
        f"({number(meant, places, locale=rules.code)} if that is the number meant)"
    )
