"""The review pack's charts as SVG drawn on the server, for the PDF (WeasyPrint runs no script): bars of
attainment against the 100% line, target bars with the actual line by month, and bars of value per unit of
cost. Each is an image named by what it shows, for a screen reader."""

import math
from collections.abc import Callable, Sequence
from html import escape

FONT = "font-family='Liberation Sans, DejaVu Sans, sans-serif'"
INK, MUTED, GRID = "#1c2430", "#5d6b7c", "#e5e9ef"
BLUE, PALE, GREEN, AMBER, RED = "#1d4ed8", "#cbd5e1", "#16a34a", "#f59e0b", "#dc2626"


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(label)}'>{body}</svg>"
    )


def _text(x: float, y: float, text: str, *, size: float = 11, anchor: str = "start", fill: str = INK) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' {FONT} fill='{fill}' "
        f"text-anchor='{anchor}'>{escape(text)}</text>"
    )


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def nice_step(rough: float) -> float:
    """A round gridline step at least `rough`: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten."""
    if rough <= 0:
        return 1
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power >= rough)


STATUS_COLOURS = {"on_track": GREEN, "at_risk": AMBER, "off_track": RED}


def hbars(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    series: Sequence[tuple[str, str | None]],
    shown: Callable[[float], str],
    reference: float | None = None,
    row_colours: Sequence[str] = (),
    width: int = 460,
    label_width: int = 130,
) -> str:
    """Horizontal bars, one group per row and one bar per series (name, colour; a series without a colour
    takes each row's colour from `row_colours`), with an optional dashed reference line (100%)."""
    values = [v for _, vs in rows for v in vs if v is not None]
    if not values:
        return ""
    top = max([*values, reference or 0]) * 1.12 or 1
    bar, gap = 13, 9
    legend = 22 if len(series) > 1 else 0
    group = bar * len(series) + gap
    plot = width - label_width - 42
    body, said = "", []
    for i, (name, color) in enumerate(series if legend else []):
        x = label_width + i * 110
        body += f"<rect x='{x}' y='4' width='11' height='11' fill='{color or BLUE}'/>"
        body += _text(x + 16, 14, name, size=11, fill=MUTED)
    for r, (label, vs) in enumerate(rows):
        y = legend + r * group
        body += _text(label_width - 8, y + bar * len(series) / 2 + 4, _short(label, 22), anchor="end")
        for s, value in enumerate(vs):
            if value is None:
                continue
            w = max(plot * max(value, 0) / top, 1)
            fill = series[s][1] or row_colours[r]
            at = f"x='{label_width}' y='{y + s * bar}'"
            body += f"<rect {at} width='{w:.1f}' height='{bar - 2}' fill='{fill}'/>"
            body += _text(label_width + w + 5, y + s * bar + bar - 3, shown(value), size=10, fill=MUTED)
        said.append(f"{label} " + " / ".join(shown(v) for v in vs if v is not None))
    height = legend + group * len(rows)
    if reference is not None:
        x = label_width + plot * reference / top
        body += f"<line x1='{x:.1f}' y1='{legend}' x2='{x:.1f}' y2='{height - gap / 2}' stroke='{INK}' "
        body += "stroke-dasharray='4,3' stroke-width='1.2'/>"
    return _svg(width, height, body, "; ".join(said))


def trend(
    months: Sequence[str],
    targets: Sequence[float | None],
    actuals: Sequence[float | None],
    *,
    tick: Callable[[float], str],
    title: str,
    width: int = 480,
    height: int = 210,
) -> str:
    """Target bars and the actual line by fiscal month (the review page's trend), with four gridlines."""
    values = [v for v in (*targets, *actuals) if v is not None]
    if not values:
        return ""
    step_value = nice_step(max(values) / 4)
    top = step_value * 4
    left, bottom, plot_top = 62, height - 22, 8
    plot_h = bottom - plot_top
    step = (width - left - 6) / len(months)
    body = ""
    for g in range(5):
        value = step_value * g
        y = bottom - plot_h * g / 4
        body += f"<line x1='{left}' y1='{y:.1f}' x2='{width - 4}' y2='{y:.1f}' stroke='{GRID}'/>"
        body += _text(left - 5, y + 4, tick(value), size=10, anchor="end", fill=MUTED)
    points = []
    for i, month in enumerate(months):
        x = left + i * step
        if targets[i] is not None:
            h = plot_h * targets[i] / top
            body += f"<rect x='{x + step * 0.18:.1f}' y='{bottom - h:.1f}' width='{step * 0.64:.1f}' "
            body += f"height='{h:.1f}' fill='{PALE}'/>"
        if actuals[i] is not None:
            points.append((x + step / 2, bottom - plot_h * actuals[i] / top))
        body += _text(x + step / 2, height - 7, month.split()[0][:3], size=10, anchor="middle", fill=MUTED)
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body += f"<polyline points='{path}' fill='none' stroke='{BLUE}' stroke-width='2.5'/>"
        body += "".join(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{BLUE}'/>" for x, y in points)
    said = ", ".join(
        f"{m} target {tick(t) if t is not None else '—'} actual {tick(a) if a is not None else '—'}"
        for m, t, a in zip(months, targets, actuals, strict=True)
    )
    return _svg(width, height, body, f"{title} by month: {said}")
