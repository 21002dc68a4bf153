"""The review pack as a PDF: the plan's one-pager as its first page, then the review's pages in the same
paper size, landscape (WeasyPrint, SVG charts drawn on the server). The two documents are laid out apart,
each with its own stylesheet, and written as one file."""

from collections.abc import Callable

from django.template.loader import render_to_string

from core import formatting
from metrics.models import KPI
from onepager import pack_charts
from onepager import render as onepager
from onepager.pack import Pack, Trend

SELLERS_CHARTED = 20  # a chart of more sellers than this would not fit a page; the table lists them all


def kpi_tick(kpi: KPI) -> Callable[[float], str]:
    """How a KPI's values read on a chart axis: compact money, a percentage for a ratio, else a number
    (the rule of metrics/partials/value.html, compact)."""
    if kpi.aggregation == KPI.Aggregation.RATIO or kpi.unit == KPI.Unit.PERCENT:
        return lambda v: formatting.percent(v, 0)
    if kpi.unit == KPI.Unit.CURRENCY:
        return lambda v: formatting.money(v, compact=True)
    return lambda v: formatting.number(v, 0)


def charts(pack: Pack) -> dict:
    percent = lambda v: formatting.percent(v, 0)  # noqa: E731
    kpis = [r for r in pack.top if r.attainment is not None]
    charted = sorted(pack.sellers, key=lambda r: (r.credited is None, r.credited or 0, r.seller.name))
    charted = charted[:SELLERS_CHARTED]
    return {
        "attainment": pack_charts.hbars(
            [(r.kpi.name, [_f(r.attainment)]) for r in kpis],
            series=[("Attainment", None)],
            shown=percent,
            reference=1.0,
            row_colours=[pack_charts.STATUS_COLOURS.get(r.status, pack_charts.PALE) for r in kpis],
        ),
        "sellers": pack_charts.hbars(
            [(r.seller.name, [_f(r.attainment), _f(r.credited)]) for r in charted],
            series=[("Attainment", pack_charts.PALE), ("Credited (churn allowance)", pack_charts.BLUE)],
            shown=percent,
            reference=1.0,
        ),
        "sellers_charted": len(charted),
        "trends": [(t, _trend_chart(t)) for t in pack.trends],
        "lines": pack_charts.hbars(
            [
                (line.name, [_f(line.value_per_unit)])
                for line in pack.lines
                if line.value_per_unit is not None
            ],
            series=[("Value per unit of cost", pack_charts.BLUE)],
            shown=lambda v: formatting.number(v, 2),
        ),
    }


def _trend_chart(trend: Trend) -> str:
    return pack_charts.trend(
        trend.months, trend.targets, trend.actuals, tick=kpi_tick(trend.kpi), title=trend.kpi.name
    )


def _f(value) -> float | None:
    return None if value is None else float(value)


def html(pack: Pack, size: str = "a4") -> str:
    """The review's pages (without the one-pager), in the default locale: one PDF for every reader."""
    with formatting.use_locale(formatting.DEFAULT_LOCALE):
        return render_to_string(
            "onepager/pack.html", {"pack": pack, "charts": charts(pack), "size": onepager.SIZES[size]}
        )


def documents(pack: Pack, size: str = "a4") -> list:
    """The pack laid out by WeasyPrint: the one-pager's document, then the review's."""
    from weasyprint import HTML  # importing WeasyPrint is slow; only the renderer pays for it

    def laid_out(text: str):
        return HTML(string=text, base_url=onepager.base_url(), url_fetcher=onepager.url_fetcher()).render()

    return [laid_out(onepager.html(pack.plan, size)), laid_out(html(pack, size))]


def pdf(pack: Pack, size: str = "a4") -> tuple[bytes, int]:
    """(the PDF, its page count): the one-pager, then the review's pages, in one file."""
    laid_out = documents(pack, size)
    pages = [page for document in laid_out for page in document.pages]
    return laid_out[0].copy(pages).write_pdf(), len(pages)
