"""One grid component for every month × row grid (the target cascade, KPI targets and actuals, budget
spend): what a grid shows, how a browser's edits reach it, and the answer the page updates itself from.

A grid is a `Sheet`: columns (the 12 fiscal months, and per grid a weight or a total column), rows of
cells, and footer rows of totals. Each cell carries the version its write must name: grids that store a
row of 12 months share the row's version across its cells, grids that store a row per month give every
cell its own (0 = nothing stored yet). The page (templates/includes/sheet.html, static/aop/sheet.js)
sends a batch of edits — one cell left, a pasted block, an undo — as JSON; `respond` reads every cell
as a number in the user's locale, names each bad cell by its fiscal month, and lets the sheet apply the
batch in one transaction: all of it or none. A batch may say why it was made ("comment", the toolbar's
"Why" box): the sheet's writes keep it in the history with each change. The answer carries the changed
rows and the footer as display text made here, so the browser formats nothing itself.
"""

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse

from core import formatting
from core.editing import error_text
from core.exceptions import InvalidTransitionError, StaleVersionError

MAX_EDITS = 5000  # a pasted block of 400 rows × 12 months, and some
MAX_COMMENT = 300  # a one-line reason: the history and a seller's receipt show it whole
SHAPE = 'Send {"edits": [{"row", "col", "value", "version"}], "comment": "why (optional)"}.'


@dataclass(frozen=True)
class Column:
    key: str  # "m1".."m12", "total", "weight" or a grid's own read-only column
    label: str  # the header: "Apr 2027"
    long: str  # what an error calls the column: "Apr 2027 · P3"
    editable: bool = True
    kind: str = "money"  # money | number | percent: how its values read
    places: int = 2  # the decimals an amount may have when typed


def month_columns(periods: Iterable, *, editable: bool = True) -> list[Column]:
    """A column per fiscal period: header "Apr 2027" (in the reader's locale), errors name "Apr 2027 · P3"."""
    columns = []
    for p in periods:
        label = formatting.month_label(p.start)
        columns.append(Column(f"m{p.period}", label, f"{label} · P{p.period}", editable=editable))
    return columns


@dataclass
class Cell:
    value: Decimal | None
    version: int = 0
    editable: bool = True
    tone: str = ""  # "neg" for a shortfall shown in red (with its minus sign as text)
    note: str = ""  # a line under the value: "72% used"


@dataclass
class Row:
    key: str
    label: str
    sub: str = ""
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    row: str
    col: str
    text: str
    version: int


class Refused(Exception):
    """A batch the sheet will not apply: {(row, col): why} names each bad cell; nothing was written."""

    def __init__(self, errors: dict[tuple[str, str], str], status: int = 422):
        self.errors, self.status = errors, status
        super().__init__("; ".join(errors.values()))


class Sheet:
    """A grid as the page shows it. Subclasses give columns, rows, totals and `apply`."""

    columns: list[Column]
    url: str = ""
    caption: str = ""
    corner: str = ""  # the first header cell: "Unit", "Line", "Seller"
    can_edit: bool = False
    total_note: str = ""  # a line under the grid about its total ("Fully assigned …"), as safe HTML
    currency: str | None = None  # the money columns' currency (None: the company's)
    comment: str = ""  # why the batch being applied was made: `respond` sets it, `apply` writes it along
    comment_max: int = MAX_COMMENT
    comment_note: str = ""  # who else reads the reason ("Sellers see it on their receipt.")

    def rows(self) -> list[Row]:
        raise NotImplementedError

    def footer(self) -> list[Row]:
        return []

    def apply(self, actor, values: dict[tuple[str, str], tuple[Decimal, int]]) -> None:
        """Write {(row, col): (amount, version)} all or nothing; raise Refused naming the bad cells
        (and StaleVersionError, ValidationError or PermissionDenied as every other write does)."""
        raise NotImplementedError

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    # -- what the page shows ------------------------------------------------------------------------
    def shown(self, row: Row) -> dict:
        return {key: shown_cell(self.column(key), cell, self.currency) for key, cell in row.cells.items()}

    def table(self) -> dict:
        """What templates/includes/sheet.html renders: each row's cells in column order."""

        def laid_out(row: Row) -> dict:
            shown = self.shown(row)
            cells = [(c, shown.get(c.key)) for c in self.columns]
            return {"key": row.key, "label": row.label, "sub": row.sub, "cells": cells}

        return {"rows": [laid_out(r) for r in self.rows()], "footer": [laid_out(r) for r in self.footer()]}

    def affected(self, keys: set[str]) -> set[str] | None:
        """The rows whose cells an edit of rows `keys` changes (None: all of them)."""
        return keys

    def payload(self, keys: set[str] | None = None) -> dict:
        rows = [r for r in self.rows() if keys is None or r.key in keys]
        return {
            "rows": {r.key: self.shown(r) for r in rows},
            "footer": {r.key: self.shown(r) for r in self.footer()},
            "note": self.total_note,
        }


def shown_cell(column: Column | None, cell: Cell, currency: str | None = None) -> dict:
    """A cell as display text (whole units or compact per the company's setting), the exact value an
    input shows while it is edited, and the exact amount with its currency for the hover title."""
    kind = column.kind if column else "money"
    value = cell.value
    if value is None:
        text, exact, title = "", "", ""
    elif kind == "money":
        text = formatting.amount(value)
        exact = formatting.number(value, 2)
        title = formatting.exact_money(value, currency=currency)
    elif kind == "percent":
        text = exact = formatting.percent(value)
        title = text
    else:
        text = exact = title = _exact_number(value)
    return {
        "text": text,
        "exact": exact,
        "title": title,
        "version": cell.version,
        "editable": bool(cell.editable and column and column.editable),
        "tone": cell.tone,
        "note": cell.note,
    }


def _exact_number(value: Decimal) -> str:
    """A number with the decimals it has (1.5, not 1.5000), grouped as the user's locale writes it."""
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent) if isinstance(normal.as_tuple().exponent, int) else 0
    return formatting.number(value, places)


# -- the write ------------------------------------------------------------------------------------------
def read_batch(request: HttpRequest) -> tuple[list[Edit], str]:
    """The batch a grid page posts: {"edits": [{"row", "col", "value", "version"}, …], "comment": "…"};
    ValueError, saying what is wrong, when the body is not that shape."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ValueError(SHAPE) from exc
    if not isinstance(body, dict):
        raise ValueError(SHAPE)
    return read_edits(body), read_comment(body)


def read_edits(body: dict) -> list[Edit]:
    try:
        edits = [
            Edit(str(e["row"]), str(e["col"]), str(e.get("value") or ""), int(e.get("version") or 0))
            for e in body["edits"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(SHAPE) from exc
    if not edits or len(edits) > MAX_EDITS:
        raise ValueError(f"Send from 1 to {MAX_EDITS:,} edits at a time.")
    return edits


def read_comment(body: dict) -> str:
    """The batch's reason on one line (spaces collapsed, control characters dropped); "" when none."""
    comment = body.get("comment")
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise ValueError("The reason for these changes must be text.")
    return clean_comment(comment)


def clean_comment(text: str) -> str:
    """A reason typed for some changes, on one line; ValueError when it is longer than MAX_COMMENT."""
    comment = "".join(c for c in " ".join(text.split()) if unicodedata.category(c) != "Cc")
    if len(comment) > MAX_COMMENT:
        raise ValueError(
            f"Nothing was saved: the reason is {len(comment):,} characters long; "
            f"shorten it to {MAX_COMMENT} or fewer."
        )
    return comment


def read_values(sheet: Sheet, edits: list[Edit]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """Every edit read as an amount, or Refused naming each cell that is not one (by its fiscal month)."""
    known = {r.key: r for r in sheet.rows()}
    errors: dict[tuple[str, str], str] = {}
    values: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for edit in edits:
        where = (edit.row, edit.col)
        column, row = sheet.column(edit.col), known.get(edit.row)
        if row is None or column is None or not column.editable or edit.col not in row.cells:
            errors[where] = "This cell is not part of the grid any more: reload the page."
            continue
        label = f"{row.label}, {column.long}"
        if not row.cells[edit.col].editable:
            errors[where] = f"{label}: this cell cannot be edited."
            continue
        try:
            amount = Decimal(0) if not edit.text.strip() else formatting.parse_number(edit.text)
        except ValueError as exc:
            errors[where] = f"{label}: {exc}"
            continue
        if amount < 0:
            errors[where] = f"{label}: enter 0 or more, not {edit.text.strip()}."
        elif amount != amount.quantize(Decimal(1).scaleb(-column.places)):
            errors[where] = f"{label}: {edit.text.strip()} has more than {column.places} decimals."
        elif abs(amount) >= Decimal("1e14"):
            errors[where] = f"{label}: {edit.text.strip()} is too large."
        else:
            values[where] = (amount, edit.version)
    if errors:
        raise Refused(errors)
    return values


def respond(request: HttpRequest, sheet: Sheet) -> JsonResponse:
    """Apply a posted batch to `sheet` and answer with the changed rows and the footer (200), or with
    every refused cell and why (422; 409 when someone else changed a cell since the page was loaded;
    400 when the body is not a batch or its reason is too long). Nothing is written unless all of it is."""
    if not sheet.can_edit:
        return JsonResponse({"message": "You cannot edit this grid.", "errors": []}, status=403)
    try:
        edits, sheet.comment = read_batch(request)
    except ValueError as exc:
        return JsonResponse({"message": str(exc), "errors": []}, status=400)
    try:
        with transaction.atomic():
            sheet.apply(request.user, read_values(sheet, edits))
    except Refused as exc:
        return _refused(exc.errors, exc.status)
    except StaleVersionError as exc:
        cells = {(e.row, e.col): _stale(exc) for e in edits}
        return _refused(cells, 409)
    except (ValidationError, InvalidTransitionError, PermissionDenied) as exc:
        message = error_text(exc) if not isinstance(exc, PermissionDenied) else "You cannot edit this grid."
        return _refused(
            {(e.row, e.col): message for e in edits}, 403 if isinstance(exc, PermissionDenied) else 422
        )
    return JsonResponse(sheet.payload(sheet.affected({e.row for e in edits})))


def _stale(exc: StaleVersionError) -> str:
    return f"{exc} Someone changed it since you loaded the page: reload to see their values."


def _refused(errors: dict[tuple[str, str], str], status: int) -> JsonResponse:
    listed = [{"row": row, "col": col, "message": message} for (row, col), message in errors.items()]
    count = len({m["message"] for m in listed})
    first = listed[0]["message"] if listed else ""
    summary = "Nothing was saved: " + (first if count == 1 else f"{len(listed)} cells need attention.")
    return JsonResponse({"message": summary, "errors": listed}, status=status)
