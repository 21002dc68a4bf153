"""Loading pipeline snapshots through the one importer (metrics.importer dispatches here when a batch
loads "pipeline"): the same refusals of a file as a whole, the same reading of numbers and dates
(core.tabular, in the upload's declared formats), the same look-ups of units and sellers
(metrics.references via importer.Lookups), every bad row reported with its row and column, all or
nothing, and an idempotent upsert on the natural key (snapshot date, external id); a file replaces the
snapshot of the units it names on its dates (load).

Columns: snapshot_date, external_id, name, unit, seller, amount, stage, probability, category,
close_date. A deal names a unit or a seller (or both, the seller then of that unit); `category` is a
forecast category by its value or label, whatever the case (commit, Best case, closed_won …);
`probability` is a percentage 0–100; `amount` a number of 0 or more with at most 2 decimals.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from urllib.parse import parse_qsl

from django.db import transaction
from openpyxl import Workbook

from core import tabular
from core.services import Actor
from metrics import importer, references
from metrics.models import ImportBatch, Opportunity

COLUMNS = (
    "snapshot_date",
    "external_id",
    "name",
    "unit",
    "seller",
    "amount",
    "stage",
    "probability",
    "category",
    "close_date",
)
REQUIRED = ("snapshot_date", "external_id", "amount", "probability", "category", "close_date")
NUMBERS = ("amount", "probability")
DATES = ("snapshot_date", "close_date")
AMOUNT_LIMIT = Decimal("1e14")
CENT = Decimal("0.01")
CATEGORIES = {
    references.key(text): value
    for value, label in Opportunity.Category.choices
    for text in (value, label, value.replace("_", " "))
}
CATEGORY_NAMES = ", ".join(label for _, label in Opportunity.Category.choices)


@dataclass(frozen=True)
class Deal:
    """One clean row: the Opportunity's fields, ids for the unit and seller."""

    snapshot_date: dt.date
    external_id: str
    name: str
    org_unit_id: int
    seller_id: int | None
    amount: Decimal
    stage: str
    probability: Decimal
    category: str
    close_date: dt.date

    @property
    def key(self) -> tuple[dt.date, str]:
        return (self.snapshot_date, self.external_id)


FIELDS = [f.name for f in fields(Deal)]


# --- Reading ------------------------------------------------------------------------------------------------


def read(kind: str, data: bytes) -> Iterator[tuple[int, dict]]:
    """(row number, {column: value}) for every non-empty data row of a pipeline file, the numbers and
    dates read in the formats `kind` declares (importer.inspect), as importer.read does for actuals."""
    kind, _, declared = kind.partition("?")
    formats = dict(parse_qsl(declared))
    numbers, dates = tabular.number_format(formats.get("number")), tabular.date_format(formats.get("date"))
    reader = tabular.csv_rows if kind == "csv" else tabular.xlsx_rows
    try:
        lines = reader(data, max_rows=importer.MAX_ROWS, max_columns=importer.MAX_COLUMNS)
        header = _header(next(lines, (1, []))[1])
        for number, line in lines:
            cells = dict(zip(header, line, strict=False))
            if any(v not in (None, "") for v in cells.values()):
                yield number, typed(cells, numbers=numbers, dates=dates)
    except tabular.FileRefused as exc:
        raise importer.UploadRefused(str(exc)) from None


def _header(cells: list) -> list[str]:
    header = [str(c or "").strip().lower() for c in cells]
    missing = [c for c in REQUIRED if c not in header]
    if missing or not ("unit" in header or "seller" in header):
        raise importer.UploadRefused(
            f"Row 1: the header of a pipeline snapshot must name the columns {', '.join(COLUMNS)} "
            f"(name, stage and one of unit or seller optional); missing: "
            f"{', '.join(missing or ['unit or seller'])} (the header reads {', '.join(header)!r})."
        )
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise importer.UploadRefused(
            f"Row 1: unknown column(s) {', '.join(unknown)}. Use {', '.join(COLUMNS)}."
        )
    return header


def typed(
    cells: dict, *, numbers: tabular.NumberFormat = tabular.PLAIN, dates: tabular.DateFormat = tabular.ISO
) -> dict:
    """The row with its numbers and dates read in the declared formats, or tabular.Unreadable with why."""
    for column, parse, fmt in [(c, tabular.cell_number, numbers) for c in NUMBERS] + [
        (c, tabular.cell_date, dates) for c in DATES
    ]:
        if cells.get(column) not in (None, ""):
            cells[column] = tabular.readable(parse, cells[column], fmt)
    return cells


def typed_rows(rows: list[dict], *, number_format: str | None, date_format: str | None) -> list[dict]:
    """Rows sent to the API, read in the formats the request declares (refused as ValueError)."""
    numbers, dates = tabular.number_format(number_format), tabular.date_format(date_format)
    return [typed(dict(row), numbers=numbers, dates=dates) for row in rows]


# --- Checking -----------------------------------------------------------------------------------------------


def validate(
    rows: Iterable[tuple[int, dict]], actor: Actor, *, progress: Callable[[int], None] | None = None
) -> tuple[list[Deal], list[dict], int]:
    """(clean deals, every problem, rows read). A row repeating another's snapshot date and external id
    is a problem too."""
    look = importer.Lookups(actor)
    clean: list[Deal] = []
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    count = 0
    for count, (number, cells) in enumerate(rows, start=1):
        deal = check_row(number, cells, look, errors)
        if deal is not None:
            if deal.key in seen:
                reason = f"repeats row {seen[deal.key]} (same snapshot date and external id)"
                errors.append({"row": number, "column": "external_id", "reason": reason})
            else:
                seen[deal.key] = number
                clean.append(deal)
        if progress and count % 1000 == 0:
            progress(count)
    return clean, errors, count


def check_row(number: int, cells: dict, look: importer.Lookups, errors: list) -> Deal | None:
    """The clean deal, or None after appending (row, column, reason) for each problem."""
    found: list[dict] = []

    def bad(column: str, reason: str) -> None:  # the look-ups word their refusals for actuals
        reason = reason.replace("load actuals for", "load the pipeline of")
        found.append({"row": number, "column": column, "reason": reason})

    text = {c: importer._text(cells.get(c)) for c in ("external_id", "name", "unit", "seller", "stage")}  # noqa: SLF001
    unit = importer._unit(text["unit"], look, bad) if text["unit"] else None  # noqa: SLF001
    seller = importer._seller(text["seller"], look, bad) if text["seller"] else None  # noqa: SLF001
    if not text["unit"] and not text["seller"]:
        bad("unit", "give a unit or a seller")
    if unit and seller and not seller.org_unit.path.startswith(unit.path):
        bad("seller", f"{text['seller']} is not a seller of {text['unit']}")
    _check_text(text, bad)
    values = {c: _checked(c, cells.get(c), bad) for c in (*DATES, *NUMBERS, "category")}
    if found:
        errors.extend(found)
        return None
    subject = seller.org_unit if seller else unit
    return Deal(
        org_unit_id=subject.pk,
        seller_id=seller.pk if seller else None,
        external_id=text["external_id"],
        name=text["name"],
        stage=text["stage"],
        **values,
    )


def _check_text(text: dict, bad: Callable[[str, str], None]) -> None:
    if not text["external_id"]:
        bad("external_id", "empty; every deal needs the CRM's id")
    for column, limit in (("external_id", 100), ("name", 200), ("stage", 100)):
        if len(text[column]) > limit:
            bad(column, f"longer than {limit} characters ({len(text[column])})")


def _checked(column: str, cell: object, bad: Callable[[str, str], None]) -> object:
    """The column's value, or None after reporting why not."""
    try:
        if cell is None or importer._text(cell) == "":  # noqa: SLF001
            raise ValueError("empty")
        if isinstance(cell, tabular.Unreadable):
            raise ValueError(cell.reason)
        return CHECKS[column](cell)
    except ValueError as exc:
        bad(column, str(exc))
        return None


def _date(cell: object) -> dt.date:
    return tabular.cell_date(cell)


def _amount(cell: object) -> Decimal:
    value = tabular.cell_number(cell)
    if value < 0 or value >= AMOUNT_LIMIT or value != value.quantize(CENT):
        raise ValueError(f"{importer._text(cell)!r} is not an amount of 0 or more with at most 2 decimals")  # noqa: SLF001
    return value.quantize(CENT)


def _probability(cell: object) -> Decimal:
    value = tabular.cell_number(cell)
    if not 0 <= value <= 100 or value != value.quantize(CENT):
        raise ValueError(f"{importer._text(cell)!r} is not a percentage from 0 to 100 (like 40 or 62.5)")  # noqa: SLF001
    return value.quantize(CENT)


def _category(cell: object) -> str:
    text = importer._text(cell)  # noqa: SLF001
    try:
        return CATEGORIES[references.key(text)]
    except KeyError:
        raise ValueError(f"{text!r} is not a forecast category; use one of {CATEGORY_NAMES}") from None


CHECKS: dict[str, Callable[[object], object]] = {
    "snapshot_date": _date,
    "close_date": _date,
    "amount": _amount,
    "probability": _probability,
    "category": _category,
}


# --- Loading ------------------------------------------------------------------------------------------------


def load(deals: list[Deal], *, batch: ImportBatch | None, **_ignored: object) -> int:
    """Upsert the deals on (snapshot date, external id) in one transaction; returns how many were inserted,
    changed or removed (a deal loaded again as it is counts nothing and keeps its batch).

    A file is the whole snapshot of the units it names on its dates: a deal of the same date and unit that
    it no longer lists is removed, so a corrected re-upload leaves no stale deal counted as pipeline. Other
    units' deals of that date (loaded by their own file) stay."""
    if not deals:
        return 0
    dates = {d.snapshot_date for d in deals}
    with transaction.atomic():
        existing = {
            (o.snapshot_date, o.external_id): o
            for o in Opportunity.objects.select_for_update().filter(snapshot_date__in=dates)
        }
        new, changed = [], []
        for deal in deals:
            row = existing.get(deal.key)
            values = {f: getattr(deal, f) for f in FIELDS}
            if row is None:
                new.append(Opportunity(**values, batch=batch))
            elif any(getattr(row, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(row, f, v)
                row.batch = batch
                changed.append(row)
        covered, listed = {(d.snapshot_date, d.org_unit_id) for d in deals}, {d.key for d in deals}
        gone = [
            row.pk
            for key, row in existing.items()
            if (row.snapshot_date, row.org_unit_id) in covered and key not in listed
        ]
        Opportunity.objects.filter(pk__in=gone).delete()
        Opportunity.objects.bulk_create(new, batch_size=1000)
        Opportunity.objects.bulk_update(changed, [*FIELDS, "batch"], batch_size=1000)
    return len(new) + len(changed) + len(gone)


# --- The template file --------------------------------------------------------------------------------------


def example_rows(actor: Actor, today: dt.date) -> list[list[object]]:
    """Two deals that load as they are: one of a unit the actor may load, one of its seller (the unit again
    when it has none), in a snapshot of today, closing within the next two months."""
    from metrics.template_file import catalogue_get

    catalogue = catalogue_get(actor=actor, today=today)
    seller = catalogue.sellers[0] if catalogue.sellers else None
    unit = seller.org_unit if seller else (catalogue.units[0] if catalogue.units else None)
    unit_code = unit.code if unit else "unit-code"
    soon, later = today + dt.timedelta(days=30), today + dt.timedelta(days=60)
    email = seller.email if seller else ""
    first = ["OPP-1001", "Contoso platform", unit_code, "", Decimal("120000.00"), "Negotiate", 80, "Commit"]
    second = [
        "OPP-1002",
        "Fabrikam renewal",
        unit_code,
        email,
        Decimal("45000.00"),
        "Discover",
        20,
        "Pipeline",
    ]
    return [[today, *first, soon], [today, *second, later]]


def template(*, actor: Actor, fmt: str, today: dt.date) -> tuple[bytes, str]:
    """(the file, its content type) a pipeline snapshot starts from, as CSV or XLSX: the header and two
    example deals; the XLSX lists the forecast categories and the units and sellers on a Codes sheet."""
    from metrics import template_file

    rows = example_rows(actor, today)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([[template_file._plain(v) for v in row] for row in rows])  # noqa: SLF001
        return ("\ufeff" + out.getvalue()).encode("utf-8"), template_file.CONTENT_TYPES[fmt]
    book = Workbook()
    sheet = book.active
    sheet.title = "Pipeline"
    template_file._table(sheet, list(COLUMNS), rows, widths=(14, 14, 24, 18, 28, 14, 14, 12, 12, 14))  # noqa: SLF001
    for cells in sheet.iter_rows(min_row=2):
        cells[0].number_format = cells[9].number_format = "yyyy-mm-dd"
        cells[5].number_format = "0.00"
    catalogue = template_file.catalogue_get(actor=actor, today=today)
    codes = [["category", value, label, ""] for value, label in Opportunity.Category.choices]
    codes += [r for r in template_file._codes(catalogue) if r[0] != "kpi"]  # noqa: SLF001
    template_file._table(
        book.create_sheet("Codes"), ["column", "code", "name", "note"], codes, (10, 28, 32, 48)
    )  # noqa: SLF001
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), template_file.CONTENT_TYPES[fmt]
