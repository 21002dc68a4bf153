"""Plotly figure specs (data + layout) for the assessment page; plotly.js draws them in the browser."""

from capabilities.models import CRITICALITY, MATURITY_NAMES

FONT = {"family": "Inter, Segoe UI, system-ui, sans-serif", "size": 12, "color": "#1c2430"}
TONES = {1: "#9ca3af", 2: "#60a5fa", 3: "#f59e0b", 4: "#dc2626"}


def heatmap(cells: dict) -> dict:
    """Criticality (rows) × current maturity (columns): how many capabilities sit in each cell."""
    x = [f"{m} {name}" for m, name in MATURITY_NAMES.items()]
    y = [label for _, label in CRITICALITY]
    annotations = [
        {
            "x": x[m],
            "y": y[c],
            "text": str(count),
            "showarrow": False,
            "font": {"color": "#fff" if count > 1 else "#1c2430"},
        }
        for c, row in enumerate(cells["z"])
        for m, count in enumerate(row)
        if count
    ]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": x,
                "y": y,
                "z": cells["z"],
                "text": cells["text"],
                "hovertemplate": (
                    "%{y} criticality · maturity %{x}<br>%{z} capabilities<br>%{text}<extra></extra>"
                ),
                "colorscale": [[0, "#f1f5f9"], [0.01, "#dbeafe"], [0.5, "#60a5fa"], [1, "#1d4ed8"]],
                "showscale": False,
                "xgap": 3,
                "ygap": 3,
            }
        ],
        "layout": {
            "font": FONT,
            "margin": {"l": 80, "r": 10, "t": 10, "b": 60},
            "height": 260,
            "xaxis": {"title": {"text": "Current maturity"}, "fixedrange": True},
            "yaxis": {"title": {"text": ""}, "fixedrange": True},
            "annotations": annotations,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def gap_chart(ranked: list) -> dict:
    """The top gaps by priority (gap × criticality), coloured by criticality."""
    top = list(reversed(ranked[:12]))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [a.capability.name for a in top],
                "x": [a.priority for a in top],
                "text": [f"gap {a.gap} × {a.get_criticality_display().lower()}" for a in top],
                "textposition": "auto",
                "marker": {"color": [TONES[a.criticality] for a in top]},
                "hovertemplate": "%{y}<br>priority %{x} (%{text})<extra></extra>",
            }
        ],
        "layout": {
            "font": FONT,
            "margin": {"l": 170, "r": 10, "t": 10, "b": 40},
            "height": max(180, 28 * len(top) + 60),
            "xaxis": {"title": {"text": "Priority = gap × criticality"}, "fixedrange": True, "dtick": 2},
            "yaxis": {"fixedrange": True, "automargin": True},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }
