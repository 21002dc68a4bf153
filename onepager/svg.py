"""Small vector charts for the one-pager, drawn as SVG on the server: no JavaScript, no browser."""

import re
from html import escape

from core import formatting

FONT = "font-family='Liberation Sans, DejaVu Sans, sans-serif'"


def _svg(width: int, height: int, body: str, label: str) -> str:
    """An image to a screen reader, named by what it shows ('New business 45%, Expansion 30%')."""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(label)}'>{body}</svg>"
    )


def stacked_bar(
    parts: list[tuple[str, float]],
    colors: list[str],
    width: int = 240,
    height: int = 34,
    *,
    legend: bool = True,
) -> str:
    """One horizontal bar split into its parts, with a legend under it (or, with legend=False, the bar
    alone: the page writes the legend as text)."""
    total = sum(v for _, v in parts) or 1
    x, body, said = 0.0, "", []
    for (_, value), color in zip(parts, colors, strict=False):
        w = width * value / total
        body += f"<rect x='{x:.1f}' y='0' width='{w:.1f}' height='14' fill='{color}'/>"
        x += w
    legend_x = 0
    for (label, value), color in zip(parts, colors, strict=False):
        said.append(f"{label} {value / total:.0%}")
        if not legend:
            continue
        text = f"{escape(label)} {value / total:.0%}"
        body += f"<rect x='{legend_x}' y='21' width='8' height='8' fill='{color}'/>"
        body += f"<text x='{legend_x + 11}' y='29' font-size='8.5' {FONT} fill='#374151'>{text}</text>"
        legend_x += 88
    return _svg(width, height if legend else 14, body, ", ".join(said))


def bars(
    items: list[tuple[str, float]], unit: str = "", width: int = 240, row: int = 13, *, currency: str = ""
) -> str:
    """Horizontal bars with labels, for a few categories; with a `currency`, each value reads as a compact
    amount ('$52.5K', core.formatting). Labels are whole; the value sits in its own column at the right."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    label_w = max(6 * max(len(label) for label, _ in items), 40)
    track = width - label_w - 48
    body, said = "", []
    for i, (label, value) in enumerate(items):
        y = i * row
        w = track * value / top
        if currency:
            shown = formatting.money(value, currency=currency, compact=True)
        else:
            shown = f"{value / 1000:,.0f}k" if unit == "k" else f"{value:,.0f}"
        body += f"<text x='0' y='{y + 9}' font-size='8.5' {FONT} fill='#374151'>{escape(label)}</text>"
        body += f"<rect x='{label_w}' y='{y + 2}' width='{w:.1f}' height='8' rx='1' fill='#1d4ed8'/>"
        body += (
            f"<text x='{width}' y='{y + 9}' text-anchor='end' font-size='8' {FONT} fill='#374151'>"
            f"{escape(shown)}</text>"
        )
        said.append(f"{label} {shown}")
    return _svg(width, row * len(items) + 2, body, ", ".join(said))


def attainment(items: list[tuple[str, object]], width: int = 240, row: int = 13) -> str:
    """Attainment per KPI against a 100% line, coloured by how far off it is. The value reads in its own
    column right of the bars' track (0–150%), so it never meets the 100% line."""
    items = [(label, float(v)) for label, v in items if v is not None]
    if not items:
        return ""
    body, said = "", []
    left, track = 96, width - 96 - 34
    for i, (label, value) in enumerate(items):
        y = i * row
        w = track * min(value, 1.5) / 1.5
        body += f"<text x='0' y='{y + 9}' font-size='8.5' {FONT} fill='#374151'>{escape(label)}</text>"
        body += f"<rect x='{left}' y='{y + 2}' width='{w:.1f}' height='8' fill='{_tone(value)}'/>"
        body += (
            f"<text x='{width}' y='{y + 9}' text-anchor='end' font-size='8' {FONT} fill='#374151'>"
            f"{value:.0%}</text>"
        )
        said.append(f"{label} {value:.0%}")
    line = left + track / 1.5
    body += (
        f"<line x1='{line:.1f}' y1='0' x2='{line:.1f}' y2='{row * len(items)}' "
        "stroke='#111827' stroke-dasharray='2,2'/>"
    )
    return _svg(width, row * len(items) + 2, body, "Attainment: " + ", ".join(said))


def _tone(value: float) -> str:
    return "#16a34a" if value >= 1 else "#f59e0b" if value >= 0.8 else "#dc2626"


def bullet(value: float, width: int = 48, height: int = 8) -> str:
    """One KPI's attainment as a small bar on a 0–150% track with a tick at 100%; its percentage is
    written beside it in the text, not on the bar."""
    w = width * min(max(value, 0), 1.5) / 1.5
    tick = width / 1.5
    body = (
        f"<rect x='0' y='1.5' width='{width}' height='{height - 3}' rx='1' fill='#e5e7eb'/>"
        f"<rect x='0' y='1.5' width='{w:.1f}' height='{height - 3}' rx='1' fill='{_tone(value)}'/>"
        f"<line x1='{tick:.1f}' y1='0' x2='{tick:.1f}' y2='{height}' stroke='#111827' stroke-width='1'/>"
    )
    return _svg(width, height, body, f"{value:.0%} of plan to date")


def placeholder(drawing: str) -> str:
    """An empty box of a chart's proportions, for a measure render (laying out SVG costs time)."""
    found = re.search(r"viewBox='0 0 ([\d.]+) ([\d.]+)'", drawing)
    if not found:
        return ""
    width, height = (float(v) for v in found.groups())
    return f"<div class='chart-space' style='padding-top:{100 * height / width:.3f}%'></div>"
