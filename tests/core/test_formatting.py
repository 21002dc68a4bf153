"""Numbers, money, percentages and dates as people read them, in en-US and de-DE (core.formatting)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core import formatting
from core.formatting import (
    Display,
    day,
    exact_money,
    locale_from_request,
    money,
    month_label,
    number,
    parse_number,
    percent,
)
from core.models import AuditEntry, DisplaySettings
from tests.factories import SellerFactory

EN, DE = "en-US", "de-DE"


def refusal(text: str, locale: str, **kwargs) -> str:
    with pytest.raises(ValueError) as caught:
        parse_number(text, locale=locale, **kwargs)
    return str(caught.value)


# --- number -------------------------------------------------------------------------------------------------


def test_a_number_is_grouped_as_each_locale_writes_it():
    assert number(D("1234567.5"), 2, locale=EN) == "1,234,567.50"
    assert number(D("1234567.5"), 2, locale=DE) == "1.234.567,50"
    assert number(1234567, locale=EN) == "1,234,567"
    assert number(1234567, locale=DE) == "1.234.567"
    assert number("999.5", locale=EN) == "1,000"  # rounded half up


def test_a_negative_number_has_a_true_minus_and_a_rounded_zero_has_none():
    assert number(D("-1234.5"), 1, locale=EN) == "−1,234.5"
    assert number(D("-1234.5"), 1, locale=DE) == "−1.234,5"
    assert number(D("-0.004"), 2, locale=DE) == "0,00"


def test_nothing_shows_as_a_dash():
    assert number(None) == number("") == money(None) == percent(None) == day(None) == "—"


def test_the_locale_of_the_request_is_used_when_none_is_named():
    assert number(1234.5, 1) == "1,234.5"
    with formatting.use_locale(DE):
        assert number(1234.5, 1) == "1.234,5"
        assert formatting.current_locale() == DE
    assert formatting.current_locale() == EN


# --- money --------------------------------------------------------------------------------------------------


def test_money_shows_whole_units_from_a_thousand_up_and_cents_below():
    assert money(D("18201000.00"), locale=EN) == "$18,201,000"
    assert money(D("18201000.00"), locale=DE) == "18.201.000 $"
    assert money(D("1234.56"), locale=EN) == "$1,235"  # whole units: .56 rounds up
    assert money(D("999.99"), locale=EN) == "$999.99"
    assert money(D("12.5"), locale=EN) == "$12.50"  # nothing dropped from a small amount
    assert money(D("12.5"), locale=DE) == "12,50 $"
    assert money(0, locale=EN) == "$0"  # nothing is nothing


def test_a_company_that_asks_for_cents_sees_every_amount_to_the_cent():
    formatting.display_remember(Display(currency="USD", money_places=2))
    assert money(D("18201000"), locale=EN) == "$18,201,000.00"


def test_the_company_currency_is_used_when_none_is_named():
    formatting.display_remember(Display(currency="EUR", money_places=0))
    assert money(D("1234"), locale=EN) == "€1,234"
    assert money(D("1234"), locale=DE) == "1.234 €"


def test_negative_money_puts_the_minus_before_the_currency():
    assert money(D("-1234"), currency="USD", locale=EN) == "−$1,234"
    assert money(D("-1234"), currency="EUR", locale=DE) == "−1.234 €"


def test_euro_pound_and_other_currencies():
    assert money(1234, currency="EUR", locale=EN) == "€1,234"
    assert money(1234, currency="GBP", locale=EN) == "£1,234"
    assert money(1234, currency="GBP", locale=DE) == "1.234 £"
    assert money(1234, currency="CHF", locale=EN) == "CHF 1,234"  # a code, with a space
    assert money(1234, currency="CHF", locale=DE) == "1.234 CHF"
    assert money(D("-5.5"), currency="SEK", locale=EN) == "−SEK 5.50"


def test_compact_money_keeps_three_significant_digits():
    assert money(D("18201000"), currency="USD", compact=True, locale=EN) == "$18.2M"
    assert money(D("18201000"), currency="USD", compact=True, locale=DE) == "18,2 Mio. $"
    assert money(950000, currency="USD", compact=True, locale=EN) == "$950K"
    assert money(950000, currency="EUR", compact=True, locale=DE) == "950 Tsd. €"
    assert money(1250000000, currency="USD", compact=True, locale=EN) == "$1.25B"
    assert money(1250000000, currency="USD", compact=True, locale=DE) == "1,25 Mrd. $"
    assert money(18000000, currency="USD", compact=True, locale=EN) == "$18M"  # no trailing zeros
    assert money(-2345678, currency="CHF", compact=True, locale=EN) == "−CHF 2.35M"


def test_compact_money_rounds_before_choosing_the_suffix():
    # 999,950 to three significant digits is 1,000,000: one million, not "1,000K".
    assert money(999950, currency="USD", compact=True, locale=EN) == "$1M"
    assert money(999449, currency="USD", compact=True, locale=EN) == "$999K"
    assert money(998500, currency="USD", compact=True, locale=EN) == "$999K"  # 998.5 rounds half up


def test_compact_money_below_a_thousand_is_shown_in_full():
    assert money(D("950.5"), currency="USD", compact=True, locale=EN) == "$950.50"


def test_the_exact_amount_for_a_hover_title_is_to_the_cent():
    assert exact_money(D("18201000"), currency="USD", locale=EN) == "$18,201,000.00"
    assert exact_money(D("18201000"), currency="EUR", locale=DE) == "18.201.000,00 €"


def test_an_amount_without_its_currency_follows_the_display_precision():
    assert formatting.amount(D("18201000.40"), locale=EN) == "18,201,000"
    assert formatting.amount(D("12.5"), locale=DE) == "12,50"


# --- percent and dates ------------------------------------------------------------------------------------


def test_percentages():
    assert percent(D("0.1136"), locale=EN) == "11.4%"
    assert percent(D("0.1136"), locale=DE) == "11,4 %"
    assert percent(D("-0.05"), 0, locale=EN) == "−5%"
    assert percent(D("12.5"), locale=DE) == "1.250,0 %"


def test_days_and_month_labels():
    assert day(dt.date(2026, 12, 1), EN) == "1 Dec 2026"
    assert day(dt.date(2026, 12, 1), DE) == "1. Dez. 2026"
    assert day("2026-03-01", DE) == "1. März 2026"  # Django's German: März and Mai are not abbreviated
    assert day(dt.datetime(2026, 5, 9, 14, 5), EN) == "9 May 2026"
    assert month_label(dt.date(2027, 4, 1), EN) == "Apr 2027"
    assert month_label(dt.date(2027, 4, 1), DE) == "April 2027"
    assert month_label(dt.date(2027, 10, 1), DE) == "Okt. 2027"


def test_dates_in_german_leave_the_page_in_english():
    from django.utils import translation

    day(dt.date(2026, 12, 1), DE)
    assert translation.get_language() in ("en-us", "en")


# --- charts -------------------------------------------------------------------------------------------------


def test_a_money_axis_carries_the_currency_where_the_locale_writes_it():
    assert formatting.chart_money_axis(currency="USD", locale=EN) == {"tickformat": ",.0f", "tickprefix": "$"}
    assert formatting.chart_money_axis(currency="CHF", locale=EN) == {
        "tickformat": ",.0f",
        "tickprefix": "CHF ",
    }
    assert formatting.chart_money_axis(currency="EUR", locale=DE) == {
        "tickformat": ",.0f",
        "ticksuffix": " €",
    }
    assert formatting.chart_layout(locale=EN) == {"separators": ".,"}
    assert formatting.chart_layout(locale=DE) == {"separators": ",."}


def test_chart_hovers_show_amounts_as_the_page_does():
    values = [D("25000"), D("-1234.5"), None]
    assert formatting.chart_money_text(values, currency="USD", signed=True, locale=EN) == [
        "+$25,000",
        "−$1,235",
        "—",
    ]
    assert formatting.chart_money_text(values, currency="EUR", locale=DE) == ["25.000 €", "−1.235 €", "—"]


def test_the_budget_charts_label_their_axis_and_hover_with_the_budget_currency():
    from budgets import charts

    spec = charts.by_category({"Events": (D("40000"), D("52500"))}, currency="GBP")
    assert spec["data"][1]["customdata"] == ["£52,500"]
    assert spec["layout"]["yaxis"]["tickprefix"] == "£" and spec["layout"]["separators"] == ".,"


# --- spreadsheets -------------------------------------------------------------------------------------------


def test_an_xlsx_shows_amounts_grouped_names_their_currency_and_keeps_the_numbers():
    import io

    from openpyxl import load_workbook

    from planning.gridfile import to_xlsx

    rows = [["Code", "Name", "P1", "Total"], ["a1", "Team A1", D("18201000.4"), D("18201000.4")]]
    data = to_xlsx(rows, "T")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["C2"].value == 18201000.4 and sheet["C2"].number_format == "#,##0.00"
    assert sheet["D1"].value == "Total (USD)" and sheet.title == "T (USD)"
    # No currency in the cells' format: a spreadsheet saving them as CSV would write "$18,201,000.40",
    # which the imports refuse.


def test_a_csv_keeps_plain_numbers_whatever_the_locale():
    from planning.gridfile import to_csv

    with formatting.use_locale(DE):
        assert to_csv([["Code", "Total"], ["a1", D("18201000.4")]]).decode("utf-8-sig").splitlines()[1] == (
            "a1,18201000.40"
        )


# --- parse_number -----------------------------------------------------------------------------------------


def test_it_reads_what_number_and_money_show():
    assert parse_number("1,234,567.50", locale=EN) == D("1234567.50")
    assert parse_number("1.234.567,50", locale=DE) == D("1234567.50")
    assert parse_number("$18,201,000", locale=EN) == D("18201000")
    assert parse_number("18.201.000 $", locale=DE) == D("18201000")
    assert parse_number("−$1,234", locale=EN) == D("-1234")
    assert parse_number("−1.234 €", locale=DE, currency="EUR") == D("-1234")
    assert parse_number("CHF 1,234", locale=EN, currency="CHF") == D("1234")
    assert parse_number("  -42 ", locale=DE) == D("-42")


def test_groups_are_optional_and_plain_numbers_read_where_unambiguous():
    assert parse_number("1234.5", locale=EN) == D("1234.5")
    assert parse_number("1234,5", locale=DE) == D("1234.5")
    assert parse_number("1234.5", locale=DE) == D("1234.5")  # four digits before a dot: not a group
    assert parse_number("0.5", locale=DE) == D("0.5")
    assert parse_number("1.234", locale=DE) == D("1234")  # a dot before three digits groups thousands


def test_it_refuses_what_could_mean_two_numbers():
    assert (
        refusal("1,23", EN)
        == "'1,23' is ambiguous; write it like 1,234.56 (1.23 if that is the number meant)"
    )
    assert (
        refusal("1.5", DE) == "'1.5' is ambiguous; write it like 1.234,56 (1,5 if that is the number meant)"
    )
    assert refusal("1234.567", DE).startswith("'1234.567' is ambiguous")


def test_it_refuses_what_is_no_number_quoting_it():
    assert refusal("1.2.3", EN) == "'1.2.3' is not a number; write it like 1,234.56"
    assert refusal("1.2.3", DE) == "'1.2.3' is not a number; write it like 1.234,56"
    assert refusal("12,34,567", EN) == "'12,34,567' is not a number; write it like 1,234.56"
    assert refusal("", EN) == "'' is not a number; write it like 1,234.56"


def test_it_refuses_another_currency_and_a_rounded_amount():
    assert refusal("€1,234", EN) == "'€1,234' names another currency; amounts here are in USD"
    assert refusal("$18.2M", EN) == "'$18.2M' is a rounded amount; write it in full like 1,234.56"
    assert refusal("18,2 Mio. $", DE).startswith("'18,2 Mio. $' is a rounded amount")


two_places = st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=2, allow_nan=False)


@given(two_places)
def test_what_number_shows_reads_back_in_english(value):
    assert parse_number(number(value, 2, locale=EN), locale=EN) == value


@given(two_places)
def test_what_number_shows_reads_back_in_german(value):
    assert parse_number(number(value, 2, locale=DE), locale=DE) == value


@given(two_places, st.sampled_from(["USD", "EUR", "CHF"]), st.sampled_from([EN, DE]))
def test_what_money_shows_to_the_cent_reads_back(value, currency, locale):
    shown = money(value, currency=currency, places=2, locale=locale)
    assert parse_number(shown, locale=locale, currency=currency) == value


# --- the locale of a request -------------------------------------------------------------------------------


def test_a_request_takes_the_first_supported_language_of_its_browser():
    factory = RequestFactory()
    assert locale_from_request(factory.get("/", HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9")) == DE
    assert locale_from_request(factory.get("/", HTTP_ACCEPT_LANGUAGE="fr-CH, fr;q=0.9, de;q=0.8")) == DE
    assert locale_from_request(factory.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,de;q=0.5")) == EN
    assert locale_from_request(factory.get("/", HTTP_ACCEPT_LANGUAGE="fr")) == EN
    assert locale_from_request(factory.get("/")) == EN


def test_the_users_choice_wins_over_the_browser():
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en-US")
    request.session = {formatting.SESSION_KEY: DE}
    assert locale_from_request(request) == DE


# --- the company's setting and the reader's choice, on pages ----------------------------------------------


@pytest.fixture
def seller_page(org):
    SellerFactory(name="Ada", org_unit=org.team_a1, monthly_quota=D("110000.40"))
    return reverse("orgs:unit", args=[org.team_a1.pk])


def test_sales_ops_change_the_currency_on_the_settings_page_and_pages_show_it(client, people, seller_page):
    client.force_login(people.ops)
    assert "$110,000" in client.get(seller_page).content.decode()  # whole units: the 40 cents on hover
    response = client.post(
        reverse("planning:settings"),
        {"form": "display", "currency": "EUR", "money_places": "0", "version": "1"},
    )
    assert response.status_code == 302
    assert "€110,000" in client.get(seller_page).content.decode()
    entry = AuditEntry.objects.get(content_type__model="displaysettings")
    assert entry.changes == {"currency": ["USD", "EUR"]} and entry.actor == people.ops


def test_a_company_that_wants_cents_sees_them_everywhere(client, people, seller_page):
    client.force_login(people.ops)
    client.post(
        reverse("planning:settings"),
        {"form": "display", "currency": "USD", "money_places": "2", "version": "1"},
    )
    assert "$110,000.40" in client.get(seller_page).content.decode()


def test_only_company_sales_ops_change_how_amounts_read(client, people, seller_page):
    client.force_login(people.leader)
    page = client.get(reverse("planning:settings")).content.decode()
    assert "Save display settings" not in page and "US dollar (USD, $)" in page
    client.post(
        reverse("planning:settings"),
        {"form": "display", "currency": "EUR", "money_places": "0", "version": "1"},
    )
    assert DisplaySettings.load().currency == "USD"
    assert "$110,000" in client.get(seller_page).content.decode()


def test_a_reader_who_chooses_german_numbers_sees_them_and_others_do_not(client, people, seller_page):
    client.force_login(people.ops)
    response = client.post(reverse("number-format"), {"locale": "de-DE", "next": seller_page})
    assert response.status_code == 302 and response.url == seller_page
    page = client.get(seller_page).content.decode()
    assert "110.000 $" in page and 'value="de-DE" aria-pressed="true"' in page
    assert "Organisation" in page  # the interface stays English
    other = Client()
    other.force_login(people.executive)
    assert "$110,000" in other.get(seller_page).content.decode()


def test_the_browser_language_sets_the_number_format_until_one_is_chosen(client, people, seller_page):
    client.force_login(people.ops)
    assert "110.000 $" in client.get(seller_page, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    client.post(reverse("number-format"), {"locale": "en-US"})
    assert "$110,000" in client.get(seller_page, HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()


def test_an_unknown_number_format_is_refused(client, people):
    client.force_login(people.ops)
    assert client.post(reverse("number-format"), {"locale": "fr-FR"}).status_code == 400
