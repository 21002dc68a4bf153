"""Small vector charts for the one-pager, drawn as SVG on the server: no JavaScript, no browser."""

from html import escape

from core import formatting

FONT = "font-family='Liberation Sans, DejaVu Sans, sans-serif'"


def _svg(width: int, height: int, body: str, label: str) -> str:
    """An image to a screen reader, named by what it shows ('New business 45%, Expansion 30%')."""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(label)}'>{body}</svg>"
    )


def stacked_bar(parts: list[tuple[str, float]], colors: list[str], width: int = 240, height: int = 34) -> str:
    """One horizontal bar split into its parts, with a legend under it."""
    total = sum(v for _, v in parts) or 1
    x, body, said = 0.0, "", []
    for (_, value), color in zip(parts, colors, strict=False):
        w = width * value / total
        body += f"<rect x='{x:.1f}' y='0' width='{w:.1f}' height='14' fill='{color}'/>"
        x += w
    legend_x = 0
    for (label, value), color in zip(parts, colors, strict=False):
        text = f"{escape(label)} {value / total:.0%}"
        body += f"<rect x='{legend_x}' y='21' width='8' height='8' fill='{color}'/>"
        body += f"<text x='{legend_x + 11}' y='29' font-size='8.5' {FONT} fill='#374151'>{text}</text>"
        legend_x += 88
        said.append(f"{label} {value / total:.0%}")
    return _svg(width, height, body, ", ".join(said))


def bars(
    items: list[tuple[str, float]], unit: str = "", width: int = 240, row: int = 13, *, currency: str = ""
) -> str:
    """Horizontal bars with labels, for a few categories; with a `currency`, each value reads as a compact
    amount ('$52.5K', core.formatting)."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    body, said = "", []
    for i, (label, value) in enumerate(items):
        y = i * row
        w = 130 * value / top
        if currency:
            shown = formatting.money(value, currency=currency, compact=True)
        else:
            shown = f"{value / 1000:,.0f}k" if unit == "k" else f"{value:,.0f}"
        body += f"<text x='0' y='{y + 9}' font-size='8.5' {FONT} fill='#374151'>{escape(label[:14])}</text>"
        body += f"<rect x='72' y='{y + 2}' width='{w:.1f}' height='8' fill='#1d4ed8'/>"
        value_at = f"x='{76 + w:.1f}' y='{y + 9}'"
        body += f"<text {value_at} font-size='8' {FONT} fill='#374151'>{escape(shown)}</text>"
        said.append(f"{label} {shown}")
    return _svg(width, row * len(items) + 2, body, ", ".join(said))


def attainment(items: list[tuple[str, object]], width: int = 240, row: int = 13) -> str:
    """Attainment per KPI against a 100% line, coloured by how far off it is."""
    items = [(label, float(v)) for label, v in items if v is not None]
    if not items:
        return ""
    body, said = "", []
    for i, (label, value) in enumerate(items):
        y = i * row
        w = 120 * min(value, 1.5) / 1.5
        color = "#16a34a" if value >= 1 else "#f59e0b" if value >= 0.8 else "#dc2626"
        body += f"<text x='0' y='{y + 9}' font-size='8.5' {FONT} fill='#374151'>{escape(label[:16])}</text>"
        body += f"<rect x='84' y='{y + 2}' width='{w:.1f}' height='8' fill='{color}'/>"
        body += f"<text x='{88 + w:.1f}' y='{y + 9}' font-size='8' {FONT} fill='#374151'>{value:.0%}</text>"
        said.append(f"{label} {value:.0%}")
    line = 84 + 120 / 1.5
    body += (
        f"<line x1='{line:.1f}' y1='0' x2='{line:.1f}' y2='{row * len(items)}' "
        "stroke='#111827' stroke-dasharray='2,2'/>"
    )
    return _svg(width, row * len(items) + 2, body, "Attainment: " + ", ".join(said))
