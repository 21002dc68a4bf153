"""The review pack as a PowerPoint deck (python-pptx, 16:9): the same sections as the PDF, with native
charts (attainment bars, monthly trends, seller credit, value per unit of cost) whose values are the KPI
engine's stored answers, and tables whose text reads as the pages write it (core.formatting, the metrics
partials for KPI values and statuses). Places and sizes are in inches: (left, top, width, height)."""

import io
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils.html import strip_tags
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from core import formatting
from metrics.models import KPI
from onepager import content
from onepager.pack import Pack

Box = tuple[float, float, float, float]
INK, MUTED = RGBColor.from_string("1C2430"), RGBColor.from_string("5D6B7C")
BLUE, PALE = RGBColor.from_string("1D4ED8"), RGBColor.from_string("CBD5E1")
STATUS_COLOURS = {"on_track": "16A34A", "at_risk": "F59E0B", "off_track": "DC2626"}
ROW = 0.3  # a table row's height
ROWS_PER_SLIDE = 14
LEFT, WIDTH = 0.5, 12.33
CHART, TABLE = (0.5, 1.3, 5.2, 5.6), (5.9, 1.3, 6.9)  # a slide with a chart beside a table


def value(kpi: KPI, v) -> str:
    """A KPI's value as the pages write it (metrics/partials/value.html)."""
    return render_to_string("metrics/partials/value.html", {"kpi": kpi, "v": v}).strip()


def status(s: str) -> str:
    """A status as the pages name it (metrics/partials/status.html): 'On track', 'Stale', …"""
    return strip_tags(render_to_string("metrics/partials/status.html", {"s": s})).strip()


def deck(pack: Pack) -> tuple[bytes, int]:
    """(the .pptx file, its slide count), in the default locale: one deck for every reader."""
    with formatting.use_locale(formatting.DEFAULT_LOCALE):
        prs = Presentation()
        prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
        for slides in (_title, _one_pager, _attainment, _units, _sellers, _trends, _churn, _changes):
            slides(prs, pack)
        out = io.BytesIO()
        prs.save(out)
    return out.getvalue(), len(prs.slides)


# --- Building blocks ----------------------------------------------------------------------------------


def _inches(box: Box) -> list[Emu]:
    return [Inches(n) for n in box]


def _blank(prs):
    return prs.slides.add_slide(prs.slide_layouts[6])


def _slide(prs, pack: Pack, title: str):
    """A slide with the pack's kicker, a title and the plan's stamp at the foot."""
    slide = _blank(prs)
    _text(slide, (LEFT, 0.3, WIDTH, 0.3), pack.title.upper(), size=10, colour=BLUE, bold=True)
    _text(slide, (LEFT, 0.55, WIDTH, 0.6), title, size=24, bold=True)
    stamp = (
        f"{pack.plan.get_status_display()} · revision {pack.plan.revision} · {pack.period_label} · "
        f"data as of {formatting.day(pack.data_date)}"
    )
    _text(slide, (LEFT, 7.05, WIDTH, 0.3), stamp, size=9, colour=MUTED)
    return slide


def _text(slide, box: Box, text: str, *, size: int = 12, colour: RGBColor = INK, bold: bool = False):
    frame = slide.shapes.add_textbox(*_inches(box)).text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour


def _label(slide, box: Box, text: str) -> None:
    _text(slide, box, text.upper(), size=10, colour=MUTED, bold=True)


def _table(
    slide,
    at: tuple[float, float, float],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    numeric: Sequence[int] = (),
    size: int = 10,
) -> None:
    """A table at (left, top, width) with a header row; `widths` are shares of the width; the columns in
    `numeric` align right."""
    left, top, width = at
    shape = slide.shapes.add_table(
        len(rows) + 1, len(header), *_inches((left, top, width, ROW * (len(rows) + 1)))
    )
    table = shape.table
    for c, share in enumerate(widths):
        table.columns[c].width = Inches(width * share)
    for r, cells in enumerate([header, *rows]):
        table.rows[r].height = Inches(ROW)
        for c, text in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = str(text)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if c in numeric else PP_ALIGN.LEFT
            for run in paragraph.runs:
                run.font.size, run.font.bold = Pt(size - 1 if r == 0 else size), r == 0


def _chunks(rows: list, size: int = ROWS_PER_SLIDE) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]


def _part(title: str, n: int, parts: int) -> str:
    return title if parts == 1 else f"{title} ({n} of {parts})"


def _bars(
    slide,
    box: Box,
    categories: list[str],
    series: list[tuple[str, list]],
    *,
    fmt: str,
    colours: Sequence[RGBColor] = (),
    point_colours: Sequence[str] = (),
):
    """A native horizontal bar chart, the first category on top, its values labelled in `fmt`; each series
    in its colour, or each bar of a single series in its own (`point_colours`)."""
    data = CategoryChartData(number_format=fmt)
    data.categories = list(reversed(categories))  # a bar chart draws its first category at the bottom
    for name, values in series:
        data.add_series(name, list(reversed(values)))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, *_inches(box), data).chart
    chart.has_title = False  # the slide or its label names it
    chart.has_legend = len(series) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.TOP, False
        chart.legend.font.size = Pt(10)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = fmt, False
    plot.data_labels.font.size = Pt(9)
    chart.category_axis.tick_labels.font.size = Pt(10)
    axis = chart.value_axis
    axis.has_major_gridlines = False
    axis.tick_labels.font.size = Pt(9)
    axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = fmt, False
    for s, colour in zip(plot.series, colours, strict=False):
        _fill(s.format, colour)
    for point, colour in zip(plot.series[0].points, reversed(point_colours), strict=False):
        _fill(point.format, RGBColor.from_string(colour))
    return chart


def _fill(fmt, colour: RGBColor) -> None:
    fmt.fill.solid()
    fmt.fill.fore_color.rgb = colour


def _f(v) -> float | None:
    return None if v is None else float(v)


def _none(slide, text: str) -> None:
    _text(slide, (LEFT, 1.4, WIDTH, 0.5), text, size=14, colour=MUTED)


# --- Slides -------------------------------------------------------------------------------------------


def _title(prs, pack: Pack) -> None:
    slide = _blank(prs)
    kicker = f"Q{pack.quarter} business review · {pack.period_label}".upper()
    _text(slide, (LEFT, 2.2, WIDTH, 0.4), kicker, size=14, colour=BLUE, bold=True)
    _text(slide, (LEFT, 2.7, WIDTH, 1), f"{pack.plan.org_unit.name} · {pack.fy_label}", size=40, bold=True)
    run = pack.run
    rolled = (
        f"rollup computed {formatting.moment(run.finished_at)}"
        if run and run.status == "done"
        else "no rollup"
    )
    stamp = (
        f"{pack.plan.get_status_display()} · revision {pack.plan.revision} · "
        f"data as of {formatting.day(pack.data_date)} · {rolled}"
    )
    _text(slide, (LEFT, 3.8, WIDTH, 0.4), stamp, size=14, colour=MUTED)
    tiles = [
        (f"{status(key)} (KPIs)", sum(1 for r in pack.top if r.status == key), colour)
        for key, colour in STATUS_COLOURS.items()
    ]
    tiles.append(("Targets adjusted", len(pack.adjustments), "1D4ED8"))
    for i, (label, n, colour) in enumerate(tiles):
        x = LEFT + 3.1 * i
        _text(slide, (x, 4.7, 2.9, 0.8), str(n), size=36, bold=True, colour=RGBColor.from_string(colour))
        _text(slide, (x, 5.5, 2.9, 0.4), label, size=12, colour=MUTED)


def _one_pager(prs, pack: Pack) -> None:
    """The plan's one-page strategy in brief: its target, and the first items of each of its sections."""
    page = content.build(pack.plan)
    slide = _slide(prs, pack, "The plan on one page")
    _label(slide, (LEFT, 1.3, 4, 0.3), "Sales target")
    _text(slide, (LEFT, 1.55, 4, 0.6), formatting.money(page.target), size=28, bold=True)
    if page.summary:
        _text(slide, (4.8, 1.3, 8, 0.9), page.summary[:400], size=11, colour=MUTED)
    sections = [(key, items) for key, items in page.sections.items() if items][:6]
    for i, (key, items) in enumerate(sections):
        x, y = LEFT + 4.15 * (i % 3), 2.4 + 2.3 * (i // 3)
        lines = [f"• {item.text[:70]}" for item in items[:5]]
        if len(items) > 5:
            lines.append(f"+{len(items) - 5} more")
        _label(slide, (x, y, 4, 0.3), key.replace("_", " "))
        _text(slide, (x, y + 0.3, 4, 1.9), "\n".join(lines), size=11)


def _attainment(prs, pack: Pack) -> None:
    slide = _slide(prs, pack, f"{pack.plan.org_unit.name}: attainment against target and pace")
    if not pack.top:
        return _none(slide, f"No rollup yet for Q{pack.quarter}.")
    charted = [r for r in pack.top if r.attainment is not None]
    if charted:
        names, values = [r.kpi.name for r in charted], [_f(r.attainment) for r in charted]
        colours = [STATUS_COLOURS.get(r.status, "94A3B8") for r in charted]
        _bars(slide, CHART, names, [("Attainment", values)], fmt="0%", point_colours=colours)
    rows = [
        [r.kpi.name, value(r.kpi, r.target), value(r.kpi, r.actual), value(r.kpi, r.pace)]
        + [formatting.percent(r.attainment), formatting.percent(r.credited), status(r.status)]
        for r in pack.top
    ]
    header = ["KPI", "Target", "Actual", "Pace", "Attainment", "Credited", "Status"]
    widths = [0.24, 0.14, 0.14, 0.14, 0.12, 0.1, 0.12]
    size = 8 if len(rows) > ROWS_PER_SLIDE else 10  # 17 rows of 0.3 in fit under the title at 8 pt
    _table(slide, TABLE, header, rows, widths, numeric=(1, 2, 3, 4, 5), size=size)


def _units(prs, pack: Pack) -> None:
    if not pack.units:
        return
    chunks = _chunks(pack.units, 16)
    header = ["Unit", "KPI", "Target", "Actual", "Pace", "Attainment", "Credited", "Status"]
    widths = [0.16, 0.2, 0.12, 0.12, 0.12, 0.1, 0.08, 0.1]
    for n, chunk in enumerate(chunks, 1):
        slide = _slide(prs, pack, _part(f"Units below {pack.plan.org_unit.name}", n, len(chunks)))
        rows = [
            [
                r.org_unit.name,
                r.kpi.name,
                value(r.kpi, r.target),
                value(r.kpi, r.actual),
                value(r.kpi, r.pace),
            ]
            + [formatting.percent(r.attainment), formatting.percent(r.credited), status(r.status)]
            for r in chunk
        ]
        _table(slide, (LEFT, 1.3, WIDTH), header, rows, widths, numeric=(2, 3, 4, 5, 6))


def _sellers(prs, pack: Pack) -> None:
    allowance = (
        f"allowance {formatting.number(pack.policy.allowance, 2)}%" if pack.policy else "no churn policy"
    )
    chunks = _chunks(pack.sellers)
    header = ["Seller", "Quota", "Actual", "Pace", "Attainment", "Credited", "Status"]
    widths = [0.22, 0.14, 0.14, 0.14, 0.13, 0.11, 0.12]
    for n, chunk in enumerate(chunks, 1):
        slide = _slide(
            prs, pack, _part(f"Sellers: attainment and churn credit · {allowance}", n, len(chunks))
        )
        if not chunk:
            _none(slide, "No seller figures in this rollup.")
            continue
        series = [
            ("Attainment", [_f(r.attainment) for r in chunk]),
            ("Credited", [_f(r.credited) for r in chunk]),
        ]
        _bars(slide, CHART, [r.seller.name for r in chunk], series, fmt="0%", colours=[PALE, BLUE])
        rows = [
            [r.seller.name, formatting.money(r.target), formatting.money(r.actual), formatting.money(r.pace)]
            + [formatting.percent(r.attainment), formatting.percent(r.credited), status(r.status)]
            for r in chunk
        ]
        _table(slide, TABLE, header, rows, widths, numeric=(1, 2, 3, 4, 5))


def _trends(prs, pack: Pack) -> None:
    slide = _slide(prs, pack, "Trends by fiscal month: target and actual")
    if not pack.trends:
        return _none(slide, f"No KPI has a target in Q{pack.quarter}.")
    for i, trend in enumerate(pack.trends):
        data = CategoryChartData(number_format=_number_format(trend.kpi))
        data.categories = [m.split()[0] for m in trend.months]
        data.add_series("Target", trend.targets)
        data.add_series("Actual", trend.actuals)
        box = (LEFT + 6.2 * (i % 2), 1.25 + 2.85 * (i // 2), 6, 2.75)
        chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *_inches(box), data).chart
        chart.has_title = True
        chart.chart_title.text_frame.text = trend.kpi.name
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
        chart.has_legend = True
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        chart.legend.font.size = Pt(9)
        chart.category_axis.tick_labels.font.size = Pt(9)
        axis = chart.value_axis.tick_labels
        axis.font.size, axis.number_format, axis.number_format_is_linked = (
            Pt(9),
            _axis_format(trend.kpi),
            False,
        )
        for s, colour in zip(chart.plots[0].series, (PALE, BLUE), strict=True):
            s.smooth = False
            s.format.line.color.rgb, s.format.line.width = colour, Pt(2.25)
            _fill(s.marker.format, colour)


def _number_format(kpi: KPI) -> str:
    """The chart number format of a KPI's values (the rule of metrics/partials/value.html)."""
    if kpi.aggregation == KPI.Aggregation.RATIO or kpi.unit == KPI.Unit.PERCENT:
        return "0%"
    if kpi.unit == KPI.Unit.CURRENCY:
        return f'"{formatting.currency_sign()}"#,##0'
    return "#,##0"


def _axis_format(kpi: KPI) -> str:
    """An axis reads compact: money and large counts in thousands ($400K)."""
    if kpi.unit == KPI.Unit.CURRENCY and kpi.aggregation != KPI.Aggregation.RATIO:
        return f'"{formatting.currency_sign()}"#,##0,"K"'
    return _number_format(kpi)


def _churn(prs, pack: Pack) -> None:
    slide = _slide(prs, pack, "Churn against the allowance · budget and value")
    _label(slide, (LEFT, 1.3, 6, 0.3), "Churn allowance")
    _text(slide, (LEFT, 1.6, 6, 2.6), "\n".join(_churn_facts(pack)), size=12)
    _budget(slide, pack)


def _churn_facts(pack: Pack) -> list[str]:
    c, p = pack.churn, pack.policy
    if c is None:
        return ["No churn policy on this plan: sellers are credited what they attain."]
    credited = ", ".join(
        f"{r.seller.name} ({formatting.percent(r.attainment, 0)} → {formatting.percent(r.credited, 0)})"
        for r in pack.credited_by_allowance
    )
    return [
        f"Allowance {formatting.number(p.allowance, 2)}%: credited = actual ÷ (quota × (1 − allowance))",
        f"Expected churn {formatting.percent(c.quarterly, 2)} a quarter · "
        f"{formatting.percent(c.annual, 2)} a year",
        f"Net growth goal {formatting.number(p.net_growth_goal, 2)}% → {formatting.money(c.target_arr)}",
        f"New business needed {formatting.money(c.new_business_needed)} · "
        f"planned {formatting.money(c.planned_new_business)}",
        f"Growth ceiling {formatting.money(c.ceiling)}",
        f"Credited 100% through the allowance: {credited or 'nobody this quarter'}",
        *(f"Warning: {w}" for w in c.warnings),
    ]


def _budget(slide, pack: Pack) -> None:
    right = 6.9
    _label(slide, (right, 1.3, 6, 0.3), "Budget this quarter")
    if pack.budget is None:
        return _text(slide, (right, 1.6, 6, 0.5), "No budget on this plan.")
    b, currency = pack.budget, pack.budget["currency"]
    facts = [
        f"Value per unit of cost {b['value_before'] or '—'} planned → {b['value_after'] or '—'} after moves",
        f"Spent in Q{pack.quarter} {formatting.money(b['spent'], currency=currency)} of about "
        f"{formatting.money(b['quarter_allocation'], currency=currency)} (a quarter of the allocation)",
        f"Budget moves requested in Q{pack.quarter}: {len(pack.moves) or 'none'}",
    ]
    _text(slide, (right, 1.6, 6, 1.2), "\n".join(facts), size=12)
    valued = [line for line in pack.lines if line.value_per_unit is not None]
    if valued:
        series = [("Value per unit of cost", [_f(line.value_per_unit) for line in valued])]
        _label(slide, (right, 2.9, 6, 0.3), "Value per unit of cost, by line")
        _bars(slide, (right, 3.2, 6, 3.6), [line.name for line in valued], series, fmt="0.00", colours=[BLUE])
    if pack.moves:
        rows = [
            [
                formatting.day(m.created_at),
                m.get_kind_display(),
                f"{m.source or 'pool'} → {m.target or 'pool'}",
            ]
            + [formatting.money(m.amount, currency=currency), m.get_status_display()]
            for m in pack.moves[:7]
        ]
        header = ["Date", "Kind", "From → to", "Amount", "Status"]
        _table(slide, (LEFT, 4.4, 6), header, rows, [0.17, 0.2, 0.33, 0.15, 0.15], numeric=(3,), size=9)


def _changes(prs, pack: Pack) -> None:
    slide = _slide(prs, pack, "Changes made at the review · open risks")
    _label(slide, (LEFT, 1.3, WIDTH, 0.3), f"Targets adjusted at the Q{pack.quarter} review")
    top = 1.6
    if pack.adjustments:
        rows = [
            [a.actor.get_full_name() or a.actor.username if a.actor else "—", f"{a.kpi.name} · {a.month}"]
            + [value(a.kpi, a.before), value(a.kpi, a.after), a.reason[:120]]
            for a in pack.adjustments[:6]
        ]
        header = ["Who", "KPI · month", "Before", "After", "Why"]
        _table(slide, (LEFT, top, WIDTH), header, rows, [0.13, 0.2, 0.11, 0.11, 0.45], numeric=(2, 3))
        top += ROW * (len(rows) + 1) + 0.3
    else:
        _text(slide, (LEFT, top, WIDTH, 0.4), f"No targets were changed at the Q{pack.quarter} review.")
        top += 0.6
    _label(slide, (LEFT, top, WIDTH, 0.3), "Open risks, highest first")
    if not pack.risks:
        return _text(slide, (LEFT, top + 0.3, WIDTH, 0.4), "No risks recorded on this plan.")
    room = max(int((6.7 - top - 0.3) / ROW) - 1, 1)  # table rows that fit above the stamp
    rows = [
        [r.title[:80], f"{r.level[1]} {r.score} ({r.likelihood} × {r.impact})", r.owner or "—"]
        + [r.mitigation[:110] or "—"]
        for r in pack.risks[:room]
    ]
    _table(
        slide,
        (LEFT, top + 0.3, WIDTH),
        ["Risk", "Score", "Owner", "Mitigation"],
        rows,
        [0.3, 0.15, 0.13, 0.42],
    )
    if len(pack.risks) > room:
        _text(
            slide,
            (LEFT, 6.75, WIDTH, 0.3),
            f"+{len(pack.risks) - room} more in the PDF",
            size=9,
            colour=MUTED,
        )
