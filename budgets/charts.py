"""Plotly specs for the budget tab: allocation by category, and where the moves took money. Amounts
carry the budget's currency on the axis and in the hover, grouped as the reader's locale writes them
(core.formatting)."""

from capabilities.charts import FONT
from core import formatting

BLUE, GREY, GREEN, RED = "#1d4ed8", "#cbd5e1", "#16a34a", "#dc2626"
LAYOUT = {"font": FONT, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def by_category(categories: dict, *, currency: str | None = None) -> dict:
    """Each category's allocation at opening and now; `currency` is the budget's (the company's when
    None)."""
    names = list(categories)
    opening = [v[0] for v in categories.values()]
    now = [v[1] for v in categories.values()]
    return {
        "data": [
            {
                "type": "bar",
                "name": "At opening",
                "x": names,
                "y": [float(v) for v in opening],
                "customdata": formatting.chart_money_text(opening, currency=currency),
                "marker": {"color": GREY},
                "hovertemplate": "%{x}<br>at opening %{customdata}<extra></extra>",
            },
            {
                "type": "bar",
                "name": "Now",
                "x": names,
                "y": [float(v) for v in now],
                "customdata": formatting.chart_money_text(now, currency=currency),
                "marker": {"color": BLUE},
                "hovertemplate": "%{x}<br>now %{customdata}<extra></extra>",
            },
        ],
        "layout": LAYOUT
        | formatting.chart_layout()
        | {
            "barmode": "group",
            "height": 260,
            "margin": {"l": 80, "r": 10, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": 1.12},
            "yaxis": formatting.chart_money_axis(currency=currency) | {"fixedrange": True},
            "xaxis": {"fixedrange": True},
        },
    }


def flows(lines: list, *, currency: str | None = None) -> dict:
    """Net money each line gained or gave up through moves after its opening allocation."""
    moved = [(line.name, line.amount - line.opening) for line in lines if line.amount != line.opening]
    moved.sort(key=lambda item: item[1])
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [name for name, _ in moved],
                "x": [float(value) for _, value in moved],
                "customdata": formatting.chart_money_text(
                    [value for _, value in moved], currency=currency, signed=True
                ),
                "marker": {"color": [GREEN if value > 0 else RED for _, value in moved]},
                "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
            }
        ],
        "layout": LAYOUT
        | formatting.chart_layout()
        | {
            "height": max(160, 30 * len(moved) + 60),
            "margin": {"l": 170, "r": 10, "t": 10, "b": 40},
            "xaxis": formatting.chart_money_axis(currency=currency) | {"fixedrange": True, "zeroline": True},
            "yaxis": {"fixedrange": True, "automargin": True},
        },
    }
