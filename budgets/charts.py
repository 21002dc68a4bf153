"""Plotly specs for the budget tab: allocation by category, and where the moves took money."""

from capabilities.charts import FONT

BLUE, GREY, GREEN, RED = "#1d4ed8", "#cbd5e1", "#16a34a", "#dc2626"
LAYOUT = {"font": FONT, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def by_category(categories: dict) -> dict:
    names = list(categories)
    return {
        "data": [
            {
                "type": "bar",
                "name": "At opening",
                "x": names,
                "y": [float(v[0]) for v in categories.values()],
                "marker": {"color": GREY},
                "hovertemplate": "%{x}<br>at opening %{y:,.0f}<extra></extra>",
            },
            {
                "type": "bar",
                "name": "Now",
                "x": names,
                "y": [float(v[1]) for v in categories.values()],
                "marker": {"color": BLUE},
                "hovertemplate": "%{x}<br>now %{y:,.0f}<extra></extra>",
            },
        ],
        "layout": LAYOUT
        | {
            "barmode": "group",
            "height": 260,
            "margin": {"l": 70, "r": 10, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": 1.12},
            "yaxis": {"tickformat": ",.0f", "fixedrange": True},
            "xaxis": {"fixedrange": True},
        },
    }


def flows(lines: list) -> dict:
    """Net money each line gained or gave up through moves after its opening allocation."""
    moved = [(line.name, float(line.amount - line.opening)) for line in lines if line.amount != line.opening]
    moved.sort(key=lambda item: item[1])
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [name for name, _ in moved],
                "x": [value for _, value in moved],
                "marker": {"color": [GREEN if value > 0 else RED for _, value in moved]},
                "hovertemplate": "%{y}<br>%{x:+,.0f}<extra></extra>",
            }
        ],
        "layout": LAYOUT
        | {
            "height": max(160, 30 * len(moved) + 60),
            "margin": {"l": 170, "r": 10, "t": 10, "b": 40},
            "xaxis": {"tickformat": "+,.0f", "fixedrange": True, "zeroline": True},
            "yaxis": {"fixedrange": True, "automargin": True},
        },
    }
