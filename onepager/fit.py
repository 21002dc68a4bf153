"""Fitting the one-pager to its page: which items go on it, at what size, so that it is full and one page.

Each section lists its items in the order they earn their place (onepager.content). A *measure* render
lays out the first CAP items of every section (more when one needs them), with their detail lines unless
the page is crowded, on a page as wide as the real one and endlessly tall, all column sections in one
column as wide as the real ones; it reads back from WeasyPrint's boxes how tall each row is, with and
without its detail, and how many lines each text takes. From that, for each way of arranging the
sections in the two columns, sections take rows in turns (a minimum each first, then by their worth:
three objectives for each capability gap) while the objectives band and the taller column still fit
the page; then rows show their detail lines while they fit. The fullest page wins. A text that needs
more than two lines at this size keeps its item off the page, counted in the section's '+n more':
nothing is cut.

Sizes: the body font is the largest of LEVELS at which everything fits; it steps down before any item is
dropped, and at the smallest level the allocation decides what is left out. A cheap estimate from the
texts' lengths picks the first level to measure; one or two more measures correct it. The final render
is checked: one page, nothing below the sheet's content box or past the page box; should it still not
fit, the last row or detail taken goes and it renders again.
"""

import math
from dataclasses import dataclass, field, replace

from onepager import svg
from onepager.content import Listed, OnePage

PAGES = {"a4": ("A4", 210.0, 297.0), "letter": ("Letter", 215.9, 279.4)}
MARGIN = 9.0  # mm on every side
LEVELS = (10.0, 9.5, 9.0, 8.5, 8.0, 7.6)  # body font sizes in pt, within a printed hand-out's bounds
CAP = 12  # rows of each section a measure render lays out at first on a crowded page…
CAP_MOST = 36  # …and at most: a section with room left that used every row measured gets more
ALL_AT_ONCE = 60  # a page with at most this many items in all is measured whole at once
MINIMUM = {"objectives": 3, "kpis": 4, "initiatives": 3, "risks": 2, "gaps": 2, "moves": 2}
TURNS = ("objectives", "kpis", "initiatives", "risks", "gaps", "moves")  # who takes the next row first
WORTH = {"objectives": 3.0, "kpis": 2.0, "initiatives": 2.0, "risks": 1.5, "gaps": 1.0, "moves": 1.0}
DETAILS = ("objectives", "initiatives", "risks", "gaps", "moves")  # whose detail lines come first
WIDE = "objectives"
COLUMN_SECTIONS = ("kpis", "initiatives", "gaps", "risks", "moves", "churn")
# The ways the sections may share the two columns (each in reading order); the fullest page wins.
ARRANGEMENTS = (
    (("initiatives", "risks", "churn"), ("kpis", "gaps", "moves")),
    (("initiatives", "gaps", "risks"), ("kpis", "moves", "churn")),
    (("initiatives", "gaps", "risks", "churn"), ("kpis", "moves")),
    (("initiatives", "risks"), ("kpis", "gaps", "moves", "churn")),
    (("initiatives", "gaps", "churn"), ("kpis", "risks", "moves")),
    (("kpis", "initiatives"), ("gaps", "risks", "moves", "churn")),
    (("kpis", "risks", "churn"), ("initiatives", "gaps", "moves")),
    (("kpis", "gaps"), ("initiatives", "risks", "moves", "churn")),
)
BAR_SPACE = "<span class='bar-space'></span>"  # a KPI's bullet bar while measuring
PX_PER_MM = 96 / 25.4
PT_IN_MM = 25.4 / 72
SAFETY = 2.0  # px kept free under the content: rounding between the measure and the final render


@dataclass
class Layout:
    size: str
    font: float
    rows: dict  # section → [(item index, shows its detail)]
    caps: dict = field(default_factory=dict)  # measuring: rows of each section laid out (else CAP)
    details: bool = True  # measuring: with the rows' detail lines
    left: tuple = ARRANGEMENTS[0][0]
    right: tuple = ARRANGEMENTS[0][1]
    renders: int = 0  # how many WeasyPrint renders choosing it took
    counts: dict = field(default_factory=dict)  # how many items each section had when it was chosen


@dataclass
class Row:
    height: float  # with its detail line
    bare: float  # without it
    lines: int  # the most lines any text of the item takes
    detail_fits: bool  # it has a detail, in at most two lines

    @property
    def fits(self) -> bool:
        """Every text of the item in at most two lines."""
        return self.lines <= 2


@dataclass
class Measure:
    font: float
    caps: dict = field(default_factory=dict)  # rows of each section measured
    rows: dict = field(default_factory=dict)  # (section, index) → Row
    overhead: dict = field(default_factory=dict)  # section → height without its rows and '+n more'
    more: dict = field(default_factory=dict)  # section → height of its '+n more' line
    between: float = 0.0  # space between two sections of a column
    available: float = 0.0  # px for the objectives band, the gap under it and the columns
    gap: float = 0.0  # between the objectives band and the columns


def page_box(size: str) -> dict:
    """The page's name and the sheet's box in mm, for the templates."""
    name, width, height = PAGES[size]
    return {"size": name, "margin_mm": MARGIN, "width_mm": width, "height_mm": round(height - 2 * MARGIN, 2)}


def apply(page: OnePage, layout: Layout | None, *, measure: bool = False) -> OnePage:
    """Put the layout's rows in page.shown; measuring, the first `cap` rows of each section (with their
    details, unless the page is too crowded for any), SVG replaced by boxes of its size."""
    page.shown = {}
    page.drawings = {k: svg.placeholder(v) for k, v in page.charts.items()} if measure else page.charts
    for key, items in page.sections.items():
        if measure:
            cap, details = layout.caps.get(key, CAP), layout.details
            rows = [
                replace(item, show_detail=details, bar=BAR_SPACE if item.bar else "") for item in items[:cap]
            ]
            page.shown[key] = Listed(rows, max(len(items) - cap, 1) if items else 0, len(rows))
            continue
        chosen = layout.rows.get(key, []) if layout else [(i, False) for i in range(len(items))]
        rows = [replace(items[i], show_detail=detail) for i, detail in chosen]
        page.shown[key] = Listed(rows, len(items) - len(rows), sum(1 for _, d in chosen if d))
    return page


def counts(page: OnePage) -> dict:
    """How many items each section has: a layout applies only to a page with these counts."""
    return {key: len(items) for key, items in page.sections.items()}


def first_caps(page: OnePage) -> dict:
    """How many rows of each section to measure first: all of a small page's, else CAP of each."""
    everything = {key: min(len(items), CAP_MOST) for key, items in page.sections.items()}
    if sum(everything.values()) <= ALL_AT_ONCE:
        return everything
    return {key: min(n, CAP + (6 if key == WIDE else 0)) for key, n in everything.items()}


def measure_layout(size: str, font: float, caps: dict, details: bool = True) -> Layout:
    """Every column section in one column, for a measure render."""
    return Layout(size=size, font=font, rows={}, left=COLUMN_SECTIONS, right=(), caps=caps, details=details)


# --- Reading the laid-out boxes ----------------------------------------------------------------------


def _boxes(box):
    """Every box with its element, once per element (the outermost box), with the item row and the
    section it lies in."""
    seen = set()
    stack = [(box, None, None)]
    while stack:
        current, item, section = stack.pop()
        element = getattr(current, "element", None)
        if element is not None and id(element) not in seen:
            seen.add(id(element))
            item = element.get("data-item") or item
            section = element.get("data-section") or section
            yield current, element, item, section
        children = getattr(current, "children", None) or []
        stack.extend((child, item, section) for child in reversed(children))


def _lines(box) -> int:
    from weasyprint.formatting_structure.boxes import LineBox

    return sum(1 for child in getattr(box, "children", []) if isinstance(child, LineBox))


def _cell_heights(row_box) -> tuple[float, float]:
    """The tallest cell's content with and without the row's detail line."""
    with_detail = without = 0.0
    for cell in row_box.children:
        heights = [(child.margin_height(), _is_detail(child)) for child in cell.children]
        padding = 2 * cell.padding_top  # the bottom padding is stretched to the row; the sheet's are equal
        content = sum(h for h, _ in heights) + padding
        with_detail = max(with_detail, content)
        without = max(without, content - sum(h for h, detail in heights if detail))
    return with_detail, without


def _is_detail(box) -> bool:
    element = getattr(box, "element", None)
    return element is not None and "data-detail" in element.attrib


def read(document, size: str, font: float, caps: dict) -> Measure:
    """What a measure render says: row heights, line counts, each section's fixed part, the room."""
    found = Measure(font=font, caps=caps)
    row_boxes, texts, details, sections, mores = {}, {}, {}, {}, {}
    sheet = cols = None
    for box, element, item, section in _boxes(document.pages[0]._page_box):
        attrs = element.attrib
        if attrs.get("data-fit") == "sheet":
            sheet = box
        elif attrs.get("class") == "cols":
            cols = box
        elif "data-section" in attrs:
            sections[section] = box
        elif "data-item" in attrs:
            row_boxes[item] = box
        elif "data-text" in attrs and item:
            texts.setdefault(item, []).append(_lines(box))
        elif "data-detail" in attrs and item:
            details[item] = _lines(box)
        elif "data-more" in attrs and section:
            mores[section] = box.margin_height()
    heights = {key: 0.0 for key in sections}
    for item, row_box in row_boxes.items():
        key, index = item.split(":")
        with_detail, without = _cell_heights(row_box)
        height = row_box.margin_height()
        found.rows[key, int(index)] = Row(
            height=height,
            bare=height - (with_detail - without),
            lines=max(texts.get(item, [1])),
            detail_fits=0 < details.get(item, 0) <= 2,
        )
        heights[key] += height
    for key, box in sections.items():
        found.more[key] = mores.get(key, 0.0)
        found.overhead[key] = box.border_height() - heights[key] - found.more[key]
    found.between = max(box.margin_bottom for key, box in sections.items() if key != WIDE)
    wide = sections[WIDE]
    below = min(box.position_y for key, box in sections.items() if key != WIDE)  # the columns' top
    found.gap = below - (wide.position_y + wide.border_height())
    fixed = (
        sheet.margin_height()
        - wide.border_height()
        - found.gap
        - (cols.position_y + cols.margin_height() - below)
    )
    found.available = (PAGES[size][2] - 2 * MARGIN) * PX_PER_MM - fixed - SAFETY
    return found


def merge(base: Measure, extra: Measure, keys: set) -> Measure:
    """`base` with the rows of `keys` as a later measure of just those sections found them."""
    rows = {(k, i): row for (k, i), row in base.rows.items() if k not in keys}
    rows |= {(k, i): row for (k, i), row in extra.rows.items() if k in keys}
    return replace(base, rows=rows, caps={**base.caps, **{k: extra.caps[k] for k in keys}})


# --- Choosing ------------------------------------------------------------------------------------------


class Allocation:
    """The rows taken so far at one measured size and arrangement, and the height they need."""

    def __init__(self, page: OnePage, found: Measure, left: tuple, right: tuple):
        self.found, self.left, self.right = found, left, right
        self.totals = {k: len(v) for k, v in page.sections.items()}
        self.rows = {k: [] for k in page.sections}
        self.next = {k: 0 for k in page.sections}
        self.closed = set()
        self.capped = set()  # sections that used every row measured, with more to show and room left
        self.taken = []  # (section, position in rows, kind) in the order taken, for backing off
        self._heights = {}

    def section(self, key: str) -> float:
        if key not in self._heights:
            self._heights[key] = self._section(key)
        return self._heights[key]

    def _section(self, key: str) -> float:
        if key not in self.found.overhead:
            return 0.0
        rows = self.rows.get(key, [])
        height = self.found.overhead[key] + sum(
            self.found.rows[key, i].height if detail else self.found.rows[key, i].bare for i, detail in rows
        )
        return height + (self.found.more[key] if len(rows) < self.totals.get(key, 0) else 0.0)

    def column(self, keys: tuple) -> float:
        present = [k for k in keys if k in self.found.overhead]
        return sum(self.section(k) for k in present) + self.found.between * max(len(present) - 1, 0)

    def height(self) -> float:
        return self.section(WIDE) + self.found.gap + max(self.column(self.left), self.column(self.right))

    def fits(self) -> bool:
        return self.height() <= self.found.available

    def _changed(self, key: str) -> None:
        self._heights.pop(key, None)

    def take(self, key: str) -> bool:
        """The section's next item that fits in two lines, if the page still holds it."""
        if key in self.closed:
            return False
        limit = min(self.totals[key], self.found.caps.get(key, CAP))
        while self.next[key] < limit and not self.found.rows[key, self.next[key]].fits:
            self.next[key] += 1  # too long at this size: it stays off, counted in '+n more'
        if self.next[key] >= limit:
            self.closed.add(key)
            if limit < self.totals[key]:
                self.capped.add(key)
            return False
        self.rows[key].append((self.next[key], False))
        self._changed(key)
        if not self.fits():
            self.rows[key].pop()
            self._changed(key)
            self.closed.add(key)
            return False
        self.next[key] += 1
        self.taken.append((key, len(self.rows[key]) - 1, "row"))
        return True

    def show_detail(self, key: str, position: int) -> bool:
        index, shown = self.rows[key][position]
        if shown or not self.found.rows[key, index].detail_fits:
            return False
        self.rows[key][position] = (index, True)
        self._changed(key)
        if not self.fits():
            self.rows[key][position] = (index, False)
            self._changed(key)
            return False
        self.taken.append((key, position, "detail"))
        return True

    def back_off(self) -> bool:
        """Take back the last row or detail added."""
        if not self.taken:
            return False
        key, position, kind = self.taken.pop()
        if kind == "detail":
            self.rows[key][position] = (self.rows[key][position][0], False)
        else:
            self.rows[key].pop(position)
        self._changed(key)
        return True

    def everything(self) -> bool:
        """Every item of every section is on the page, but those too long for two lines even at the
        smallest size (lines shrink about as the font does): a smaller font would not bring them."""
        return all(len(self.rows[k]) == self.totals[k] - self.hopeless(k) for k in self.rows)

    def hopeless(self, key: str) -> int:
        shrink = LEVELS[-1] / self.found.font
        return sum(
            1
            for i in range(min(self.totals[key], self.found.caps.get(key, CAP)))
            if self.found.rows[key, i].lines * shrink > 2.15
        )

    def score(self) -> tuple:
        """Everything shown first; then the rows' worth, each further row of a section worth less (a
        page with the top five of each reads better than one with fifteen of one); then balance."""
        shown = sum(
            WORTH.get(k, 1.0) / (1 + n / 5) for k, rows in self.rows.items() for n in range(len(rows))
        )
        details = sum(1 for rows in self.rows.values() for _, d in rows if d)
        balance = abs(self.column(self.left) - self.column(self.right))
        return (self.everything(), shown + 0.25 * details, -balance)

    def need(self) -> float:
        """The height every item would take in its best column, without details (rows not measured at
        the measured rows' mean), for choosing the next size to measure."""
        total = self.found.gap
        for key, count in self.totals.items():
            if key not in self.found.overhead:
                continue
            measured = [
                self.found.rows[key, i].bare for i in range(min(count, self.found.caps.get(key, CAP)))
            ]
            rows = sum(measured) + (count - len(measured)) * (
                sum(measured) / len(measured) if measured else 0
            )
            share = 1.0 if key == WIDE else 0.5  # the columns split the rest
            total += share * (self.found.overhead[key] + rows + self.found.between)
        return total

    def short_of_rows(self) -> set:
        """Sections that used every row measured, or all but two, and have more items: another
        arrangement of the columns may want more of them than were measured."""
        short = set(self.capped)
        for key, total in self.totals.items():
            cap = self.found.caps.get(key, CAP)
            eligible = sum(1 for i in range(min(total, cap)) if self.found.rows[key, i].fits)
            if total > cap and eligible - len(self.rows[key]) <= 2:
                short.add(key)
        return short

    def may_fit(self, font: float) -> bool:
        """Whether everything may fit at a larger `font`, scaling this size's need by the font's ratio to
        the power 1.5."""
        return self.need() * (font / self.found.font) ** 1.5 <= 0.97 * self.found.available

    def layout(self, size: str) -> Layout:
        return Layout(
            size=size,
            font=self.found.font,
            rows={k: list(v) for k, v in self.rows.items()},
            left=self.left,
            right=self.right,
            counts=dict(self.totals),
        )


def allocate(page: OnePage, found: Measure, left: tuple, right: tuple) -> Allocation:
    plan = Allocation(page, found, left, right)
    for key in TURNS:  # a few of each first, so that no section is crowded out
        for _ in range(MINIMUM.get(key, 1)):
            if not plan.take(key):
                break
    plan.closed.clear()
    while open_ := [k for k in TURNS if k not in plan.closed]:  # then by worth: 3 objectives a gap
        plan.take(min(open_, key=lambda k: ((len(plan.rows[k]) + 1) / WORTH[k], TURNS.index(k))))
    for position in range(max(found.caps.values(), default=CAP)):
        for key in DETAILS:
            if position < len(plan.rows.get(key, [])):
                plan.show_detail(key, position)
    return plan


def best(page: OnePage, found: Measure) -> Allocation:
    """The fullest page over the arrangements of the columns at this size."""
    return max((allocate(page, found, left, right) for left, right in ARRANGEMENTS), key=Allocation.score)


def next_level(font: float, need: float, available: float, *, up: bool = False) -> float | None:
    """The next size to measure: one up after everything fitted; after it did not, the largest level
    below at which the content, scaling with the font size to the power 1.5 (lines get shorter and
    fewer), should fit. None when there is no such level."""
    if up:
        larger = [level for level in LEVELS if level > font]
        return larger[-1] if larger else None
    smaller = [level for level in LEVELS if level < font]
    if not smaller:
        return None
    guess = font / (max(need / available, 1.0) if available > 0 else 10.0) ** (1 / 1.5)
    return next((level for level in smaller if level <= guess), smaller[-1])


def first_level(page: OnePage, size: str) -> tuple[float, bool]:
    """A guess from the texts' lengths of the largest level at which everything fits, to measure first,
    and whether the page is crowded: more than fits even at the smallest level, so that no detail line
    will have room and the measure leaves them out."""
    _, width, height = PAGES[size]
    column = (width - 2 * MARGIN) * 0.487
    room = (height - 2 * MARGIN - 62) * 0.9  # less the band, header, tiles and footer, in mm; calibrated
    # on the demo plans to guess the chosen level or the one below (a measure then predicts the one above)
    need = 0.0
    for font in LEVELS:
        line = 1.3 * font * PT_IN_MM
        char = 0.5 * font * PT_IN_MM
        need = 0.0
        for key, items in page.sections.items():
            share = 0.58 if key == WIDE else 0.45  # the text column's part of its section's width
            span = (width - 2 * MARGIN) if key == WIDE else column
            per_line = max(span * share / char, 1)
            rows = sum(max(math.ceil(len(item.text) / per_line), 2 if key == "kpis" else 1) for item in items)
            need += (rows * line + len(items) * 1.2 + 4 * line) * (1.0 if key == WIDE else 0.5)
        if need <= room:
            return font, False
    return LEVELS[-1], need > 1.3 * room


def overflows(document) -> tuple[float, float]:
    """How far the laid-out content runs past its room (px, down and across; 0 when it is within):
    below the sheet's content box (the band under it is the footer's), or past the page box. More
    than one page runs down without end."""
    if len(document.pages) != 1:
        return float("inf"), 0.0
    page = document.pages[0]._page_box
    bottom = page.margin_height() - page.margin_bottom - page.padding_bottom
    right = page.margin_width() - page.margin_right - page.padding_right
    sheet = next(box for box, element, _, _ in _boxes(page) if element.get("data-fit") == "sheet")
    content_bottom = sheet.position_y + sheet.margin_height() - sheet.padding_bottom - sheet.margin_bottom
    down = across = 0.0
    stack = [sheet]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        is_footer = element is not None and element.tag == "footer"
        if box is not sheet and getattr(box, "height", None) is not None:
            down = max(down, box.position_y + box.margin_height() - (bottom if is_footer else content_bottom))
            across = max(across, box.position_x + box.margin_width() - right)
        if not is_footer:
            stack.extend(getattr(box, "children", None) or [])
    return (down if down > 0.01 else 0.0), (across if across > 0.01 else 0.0)  # less is float rounding


def too_long(document) -> list[str]:
    """Items whose text takes more than two lines in a render (a fitted page has none)."""
    return [
        item
        for box, element, item, _ in _boxes(document.pages[0]._page_box)
        if item and ("data-text" in element.attrib or "data-detail" in element.attrib) and _lines(box) > 2
    ]
