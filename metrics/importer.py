"""Loading actuals from a file or the API: refuse what is unsafe before parsing, validate every row,
change nothing if any row is bad, and upsert the rest set-wise on the natural key.

Columns: kpi, unit (org unit), seller (optional), date (YYYY-MM-DD), value (a plain number like
1234.50); an upload may declare another number and date format, read by core.tabular. A KPI or unit is
named by its code or its exact name, a seller by e-mail or exact name (metrics.references: an ambiguous
name is refused naming the candidates, a near miss gets "did you mean").
On PostgreSQL a plain CSV is checked set-wise: its text is COPYed into a temporary table and each
distinct reference and date checked once (`_staged`; any doubt falls back to the row by row reading,
which words every problem); other files' rows are COPYed into a staging table. A first load is one
INSERT … SELECT, a load over existing actuals one INSERT … ON CONFLICT per kind of row; elsewhere one
executemany of the same upsert. Re-loading the same rows changes nothing.
"""

import codecs
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import psycopg
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from core import queue, tabular
from core.models import AuditEntry
from core.services import Actor, audit_record
from metrics import jobs, references
from metrics.models import KPI, Actual, ImportBatch, PullSource
from metrics.references import T
from orgs import permissions
from orgs.models import OrgUnit, Seller

MAX_BYTES = 20 * 1024 * 1024  # the upload itself
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all members of an XLSX once inflated
MAX_RATIO = 200  # inflated ÷ compressed size of any XLSX member: beyond it, a zip bomb
MAX_ROWS = 500_000
MAX_COLUMNS = 16  # the header names five columns; a much wider first line is not a file of actuals
INLINE_ROWS = 2_000  # more rows than this, estimated from the file's size, run as a Celery job
CSV_ROW_BYTES = 24  # the shortest plausible row, so that the estimate errs towards the background
XLSX_ROW_BYTES = 48  # the same for a row of the sheet's XML once inflated
MAX_KEPT_ERRORS = 1_000
COLUMNS = ("kpi", "unit", "seller", "date", "value")
REQUIRED = ("kpi", "date", "value")
LIMIT = Decimal("1e14")  # values are below 10^14 with at most 4 decimals
FOUR_PLACES = Decimal("0.0001")


logger = logging.getLogger(__name__)


class UploadRefused(ValidationError):
    """A file refused as a whole, before any row is read."""


def inspect(
    name: str, data: bytes, *, number_format: str | None = None, date_format: str | None = None
) -> tuple[str, int]:
    """(kind, estimated rows) of an upload, or UploadRefused if it is too large, not a CSV or XLSX, a CSV
    whose first line is not a header of actuals, or an XLSX that would inflate beyond the limits.

    The kind carries the declared number and date formats (`csv?number=1.234%2C50`), for `read`. Rows
    are estimated from the upload's size (its sheet's inflated size for an XLSX), never from a count the
    file declares; only the first line is looked at."""
    try:
        numbers, dates = tabular.number_format(number_format), tabular.date_format(date_format)
    except ValueError as exc:
        raise UploadRefused(str(exc)) from None
    kind, size = _kind(name, data)
    if (numbers, dates) != (tabular.PLAIN, tabular.ISO):
        kind += "?" + urlencode({"number": numbers.code, "date": dates.code})
    return kind, -(-size // (CSV_ROW_BYTES if kind.startswith("csv") else XLSX_ROW_BYTES))


def _kind(name: str, data: bytes) -> tuple[str, int]:
    """("csv" or "xlsx", bytes the rows take): the CSV itself, or the XLSX's first sheet inflated."""
    if len(data) > MAX_BYTES:
        raise UploadRefused(f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // 2**20} MB.")
    lowered = name.lower()
    if lowered.endswith(".csv"):
        try:
            tabular.check_first_line(data, max_columns=MAX_COLUMNS)
        except tabular.FileRefused as exc:
            raise UploadRefused(str(exc)) from None
        return "csv", len(data)
    if not lowered.endswith(".xlsx"):
        raise UploadRefused("Upload a .csv or an .xlsx file.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRefused("The file is not a valid .xlsx workbook (it is not a zip archive).")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
            raise UploadRefused(f"The workbook inflates beyond {MAX_UNCOMPRESSED // 2**20} MB; split it.")
        for member in members:
            if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
                raise UploadRefused(f"The workbook member {member.filename} is compressed suspiciously far.")
        sheets = sorted(
            (m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")),
            key=lambda m: m.filename,
        )
        if not sheets:
            raise UploadRefused("The workbook has no worksheet.")
    return "xlsx", sheets[0].file_size


def read(kind: str, data: bytes) -> Iterator[tuple[int, dict]]:
    """(row number, {column: value}) for every non-empty data row; the header row is row 1. The value
    and date are read in the formats `kind` declares (see `inspect`): a Decimal and a date, or
    tabular.Unreadable with the reason, reported by check_row. A file that cannot be read as a table
    (separator, cell counts, rows beyond the limit) raises UploadRefused with the row, column and text.

    The rows are read when first asked for: until then `validate` may check the file set-wise instead
    (see `_staged`)."""
    return File(kind, data)


class File(Iterator[tuple[int, dict]]):
    """An uploaded file's rows, read row by row when iterated (`_rows`), and the file itself."""

    def __init__(self, kind: str, data: bytes) -> None:
        self.kind, self.data, self.rows = kind, data, None

    def __next__(self) -> tuple[int, dict]:
        if self.rows is None:
            self.rows = _rows(self.kind, self.data)
        return next(self.rows)


def _rows(kind: str, data: bytes) -> Iterator[tuple[int, dict]]:
    kind, _, declared = kind.partition("?")
    formats = dict(parse_qsl(declared))
    numbers, dates = tabular.number_format(formats.get("number")), tabular.date_format(formats.get("date"))
    reader = tabular.csv_rows if kind == "csv" else tabular.xlsx_rows
    try:
        lines = reader(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
        header = _header(next(lines, (1, []))[1])
        for number, line in lines:
            cells = dict(zip(header, line, strict=False))
            if any(v not in (None, "") for v in cells.values()):
                yield number, typed(cells, numbers=numbers, dates=dates)
    except tabular.FileRefused as exc:
        raise UploadRefused(str(exc)) from None


def _header(cells: list) -> list[str]:
    header = [str(c or "").strip().lower() for c in cells]
    missing = [c for c in REQUIRED if c not in header]
    if missing or not ("unit" in header or "seller" in header):
        raise UploadRefused(
            f"Row 1: the header must name the columns {', '.join(COLUMNS)} (seller optional); "
            f"missing: {', '.join(missing or ['unit or seller'])} (the header reads {', '.join(header)!r})."
        )
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise UploadRefused(f"Row 1: unknown column(s) {', '.join(unknown)}. Use {', '.join(COLUMNS)}.")
    return header


def typed(
    cells: dict, *, numbers: tabular.NumberFormat = tabular.PLAIN, dates: tabular.DateFormat = tabular.ISO
) -> dict:
    """The row with its value and date read in the declared formats, each a Decimal or a date, or
    tabular.Unreadable with the reason (so that every bad cell of a file is reported, not the first)."""
    value, day = cells.get("value"), cells.get("date")
    if value not in (None, ""):
        cells["value"] = tabular.readable(tabular.cell_number, value, numbers)
    if day not in (None, ""):
        cells["date"] = tabular.readable(tabular.cell_date, day, dates)
    return cells


def typed_rows(rows: list[dict], *, number_format: str | None, date_format: str | None) -> list[dict]:
    """Rows sent to the bulk API, read in the formats the request declares (refused as ValueError)."""
    numbers, dates = tabular.number_format(number_format), tabular.date_format(date_format)
    return [typed(dict(row), numbers=numbers, dates=dates) for row in rows]


def may_load(actor: Actor) -> bool:
    """Whether the actor may load actuals anywhere (sales leaders and sales ops; not viewers, executives)."""
    return permissions.holds_any(actor, permissions.EDIT_METRICS)


def ensure_may_load(actor: Actor) -> None:
    """Refuse a load before reading it when the actor may write actuals nowhere."""
    if not may_load(actor):
        raise PermissionDenied("Only sales leaders and sales ops load actuals.")


Row = tuple[int, int, int | None, dt.date, Decimal]  # kpi, org unit, seller, date, value


class Lookups:
    """What rows may refer to, read once per file: active KPIs, every unit (to tell "not yours" from
    "no such unit") and the sellers of the units the actor may load, each by code or name."""

    def __init__(self, actor: Actor) -> None:
        kpis = KPI.objects.filter(active=True).order_by("code")
        self.kpis = references.Index(references.Entry(k.code, k.name, k) for k in kpis)
        self.units = references.Index(references.Entry(u.code, u.name, u) for u in OrgUnit.objects.all())
        loadable = OrgUnit.objects.with_role(actor, permissions.EDIT_METRICS)
        self.loadable = set(loadable.values_list("pk", flat=True))
        sellers = (
            Seller.objects.filter(org_unit__in=loadable).select_related("org_unit").order_by("name", "email")
        )
        self.sellers = references.Index(references.Entry(s.email, s.name, s) for s in sellers)

    def may_load(self, unit: OrgUnit) -> bool:
        return unit.pk in self.loadable


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def check_row(number: int, cells: dict, look: Lookups, errors: list) -> Row | None:
    """The clean row, or None after appending (row, column, reason) for each problem."""
    found = []

    def bad(column: str, reason: str) -> None:
        found.append({"row": number, "column": column, "reason": reason})

    subject = _subject(cells, look, bad)
    day = value = None
    try:
        day = _day(cells.get("date"))
    except ValueError as exc:
        bad("date", str(exc))
    try:
        value = _value(cells.get("value"))
    except ValueError as exc:
        bad("value", str(exc))
    if found:
        errors.extend(found)
        return None
    return (*subject, day, value)


Report = Callable[[str, str], None]  # (column, reason)


def _subject(cells: dict, look: Lookups, bad: Report) -> tuple[int, int, int | None]:
    """(KPI id, org unit id, seller id) the row's kpi, unit and seller cells name; each problem is
    reported through `bad` (and the answer is then meaningless)."""
    kpi = _kpi(_text(cells.get("kpi")), look, bad)
    unit_text, seller_text = _text(cells.get("unit")), _text(cells.get("seller"))
    unit = _unit(unit_text, look, bad) if unit_text else None
    seller = _seller(seller_text, look, bad) if seller_text else None
    if not unit_text and not seller_text:
        bad("unit", "give a unit or a seller")
    if unit and seller and not seller.org_unit.path.startswith(unit.path):
        bad("seller", f"{seller_text} is not a seller of {unit_text}")
    subject = seller.org_unit if seller else unit
    if kpi is None or subject is None:
        return (0, 0, None)
    return (kpi.pk, subject.pk, seller.pk if seller else None)


def _kpi(text: str, look: Lookups, bad: Report) -> KPI | None:
    if not text:
        bad("kpi", "empty")
        return None
    kpi = _found(look.kpis, text, "kpi", bad, missing=f"no active KPI has the code or name {text!r}")
    if kpi and kpi.aggregation == KPI.Aggregation.RATIO:
        bad("kpi", f"{kpi.code} is a ratio; load its numerator and denominator instead")
        return None
    return kpi


def _unit(text: str, look: Lookups, bad: Report) -> OrgUnit | None:
    missing = f"no unit has the code or name {text!r}"
    unit = _found(look.units, text, "unit", bad, missing=missing, allowed=look.may_load)
    if unit and not look.may_load(unit):
        bad("unit", f"you may not load actuals for this unit ({text})")
        return None
    return unit


def _seller(text: str, look: Lookups, bad: Report) -> Seller | None:
    missing = f"no seller has the e-mail or name {text!r} in the units you may load"
    return _found(look.sellers, text, "seller", bad, missing=missing)


def _found(
    index: references.Index[T],
    text: str,
    column: str,
    bad: Report,
    *,
    missing: str,
    allowed: Callable[[T], bool] | None = None,
) -> T | None:
    """What `text` names in `index`; else None, reported as missing (with the near misses) or ambiguous."""
    try:
        entry = index.find(text)
    except references.Ambiguous as exc:
        bad(column, str(exc))
        return None
    if entry is None:
        bad(column, missing + index.hint(text, allowed=allowed))
        return None
    return entry.item


def _day(cell: object) -> dt.date:
    if isinstance(cell, tabular.Unreadable):
        raise ValueError(cell.reason)
    return tabular.cell_date(cell)


def _value(cell: object) -> Decimal:
    """A value below 10^14 with at most 4 decimals: a cell read in its declared format, or plain text."""
    if isinstance(cell, tabular.Unreadable):
        raise ValueError(cell.reason)
    value = tabular.cell_number(cell)
    if not _fits(value):
        raise ValueError(f"{_text(cell)!r} is not a number below 10^14 with at most 4 decimals")
    return value


def _fits(value: Decimal) -> bool:
    return abs(value) < LIMIT and value == value.quantize(FOUR_PLACES)


PLAIN_NUMBER = re.compile(r"-?[0-9]{1,14}(?:\.[0-9]{1,4})?")


def validate(
    rows: Iterable[tuple[int, dict]], actor: Actor, *, progress: Callable[[int], None] | None = None
) -> tuple[list[Row], list[dict], int]:
    """(clean rows, every problem, rows read). A row repeating another's natural key is a problem too.

    A file repeats a few thousand (KPI, unit, seller) triples and a few hundred dates over its rows: once
    check_row has accepted a triple or a date, later rows reuse the answer, and a number already read
    (or plain text) skips the general parser. Anything else goes through check_row, which words every
    problem."""
    if isinstance(rows, File) and rows.rows is None and connection.vendor == "postgresql":
        staged = _staged(rows, actor)
        if staged is not None:
            if progress:
                progress(staged.count)
            return staged, [], staged.count
    look = Lookups(actor)
    clean: list[Row] = []
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    refs: dict[tuple, tuple] = {}  # (kpi, unit, seller) cells → (kpi id, org unit id, seller id)
    days: dict[object, dt.date] = {}  # date cell → date
    count = 0
    for count, (number, cells) in enumerate(rows, start=1):
        ref = (cells.get("kpi"), cells.get("unit"), cells.get("seller"))
        raw_date, raw_value = cells.get("date"), cells.get("value")
        known, day = refs.get(ref), days.get(raw_date)
        if known and day and isinstance(raw_value, Decimal) and _fits(raw_value):
            row = (*known, day, raw_value)
        elif known and day and isinstance(raw_value, str) and PLAIN_NUMBER.fullmatch(raw_value):
            row = (*known, day, Decimal(raw_value))
        else:
            row = check_row(number, cells, look, errors)
            if row is not None:
                refs[ref], days[raw_date] = row[:3], row[3]
        if row is not None:
            key = (row[0], row[1] if row[2] is None else None, row[2], row[3])
            if key in seen:
                errors.append(
                    {
                        "row": number,
                        "column": "date",
                        "reason": f"repeats row {seen[key]} (same KPI, unit or seller, date)",
                    }
                )
            else:
                seen[key] = number
                clean.append(row)
        if progress and count % 1000 == 0:
            progress(count)
    return clean, errors, count


# --- Set-wise, on PostgreSQL --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staged:
    """A file checked set-wise: its rows are in the temporary tables of `_staged`, for `load`."""

    count: int


STAGE = (
    "DROP TABLE IF EXISTS pg_temp.actual_file, pg_temp.actual_refs, pg_temp.actual_days",
    "CREATE TEMPORARY TABLE actual_file (kpi text NOT NULL DEFAULT '', unit text NOT NULL DEFAULT '', "
    "seller text NOT NULL DEFAULT '', date text NOT NULL DEFAULT '', value text NOT NULL DEFAULT '')",
    "CREATE TEMPORARY TABLE actual_refs (kpi text, unit text, seller text, kpi_id bigint, "
    "org_unit_id bigint, seller_id bigint)",
    "CREATE TEMPORARY TABLE actual_days (date text, day date)",
)
# One scan: each (kpi, unit, seller) and each date once, then the rows and the values not plain numbers.
SHAPES = (
    "SELECT kpi, unit, seller, date, count(*), count(*) FILTER (WHERE value !~ %s) FROM actual_file "
    "GROUP BY GROUPING SETS ((kpi, unit, seller), (date), ())"
)
REPEATED = "SELECT EXISTS (SELECT FROM actual_file GROUP BY kpi, unit, seller, date HAVING count(*) > 1)"
NAMED = ("kpi", "unit", "seller")
STAGED_ROWS = (
    "SELECT r.kpi_id, r.org_unit_id, r.seller_id, d.day, f.value::numeric(18, 4) FROM actual_file f "
    "JOIN actual_refs r USING (kpi, unit, seller) JOIN actual_days d USING (date)"
)


def _staged(file: File, actor: Actor) -> Staged | None:
    """The file checked set-wise in PostgreSQL, or None when it is not certainly good: the caller then
    reads it row by row, which words every problem.

    Taken only by a CSV whose bytes both parsers split alike (no quote, backslash or lone carriage
    return), with plain numbers: the raw text is COPYed into a temporary table (bad UTF-8, a short or
    long row or a blank line stops the COPY); each distinct (kpi, unit, seller) and date is checked by
    the same code as a row (`_subject`, `_day`), the values by PLAIN_NUMBER in SQL, and no two rows may
    share a natural key. Nothing here is reported: any doubt falls back."""
    kind, _, declared = file.kind.partition("?")
    formats, raw = dict(parse_qsl(declared)), file.data
    if kind != "csv" or formats.get("number", tabular.PLAIN.code) != tabular.PLAIN.code:
        return None
    if b'"' in raw or b"\\" in raw or b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    try:
        dates = tabular.date_format(formats.get("date"))
        tabular.check_first_line(raw, max_columns=MAX_COLUMNS)
    except ValueError:  # FileRefused too
        return None
    start, end = (3 if raw.startswith(codecs.BOM_UTF8) else 0), raw.find(b"\n")
    data, first = memoryview(raw)[start:], raw[start : end if end >= 0 else len(raw)]
    try:
        header = _header(first.decode().removesuffix("\r").split(","))
    except (UploadRefused, UnicodeDecodeError):
        return None
    if "" in header or len(set(header)) != len(header):
        return None
    columns = ", ".join(header)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in STAGE:
                cursor.execute(sql)
            copy_sql = (
                f"COPY actual_file ({columns}) FROM STDIN "
                f"WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL ({columns}))"
            )
            with cursor.cursor.copy(copy_sql) as copy:
                copy.write(data)
            cursor.execute(SHAPES, [f"^{PLAIN_NUMBER.pattern}$"])
            shapes = cursor.fetchall()
    except (DatabaseError, psycopg.Error):  # the COPY's own errors are psycopg's
        return None
    refs, days = [], []
    count = unplain = 0
    for kpi, unit, seller, day, rows, not_plain in shapes:
        if kpi is not None:
            refs.append((kpi, unit, seller))
        elif day is not None:
            days.append(day)
        else:
            count, unplain = rows, not_plain
    if unplain or count > MAX_ROWS:
        return None
    look, problems = Lookups(actor), []

    def bad(column: str, reason: str) -> None:
        problems.append(reason)

    subjects = {ref: _subject(dict(zip(NAMED, ref, strict=True)), look, bad) for ref in refs}
    found = {}
    for day in days:
        try:
            found[day] = _day(tabular.readable(tabular.cell_date, day, dates)) if day else None
        except ValueError:
            return None
    keys = {(k, None if s else u, s) for k, u, s in subjects.values()}
    if problems or None in found.values() or len(keys) < len(refs) or len(set(found.values())) < len(days):
        return None  # a bad reference or date, or two spellings of one: the row by row reading says which
    # A line beyond tabular.MAX_LINE is refused row by row; the accepted cells bound every line's length.
    longest = max((sum(map(len, ref)) for ref in refs), default=0) + max(map(len, days), default=0) + 40
    if longest > tabular.MAX_LINE:
        return None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy("COPY actual_refs FROM STDIN") as copy:
                for ref, subject in subjects.items():
                    copy.write_row((*ref, *subject))
            with cursor.cursor.copy("COPY actual_days FROM STDIN") as copy:
                for day, date in found.items():
                    copy.write_row((day, date))
            cursor.execute(REPEATED)
            if cursor.fetchone()[0]:
                return None
    except (DatabaseError, psycopg.Error):  # the COPY's own errors are psycopg's
        return None
    return Staged(count)


TABLE = Actual._meta.db_table
UPSERT = (
    "INSERT INTO {table} (kpi_id, org_unit_id, seller_id, date, value, source, batch_id, updated_at) {rows} "
    "ON CONFLICT (kpi_id, {key}, date) WHERE seller_id IS {null} "
    "DO UPDATE SET value = excluded.value, source = excluded.source, batch_id = excluded.batch_id, "
    "updated_at = excluded.updated_at WHERE {table}.value <> excluded.value"
)
INSERT = (
    "INSERT INTO {table} (kpi_id, org_unit_id, seller_id, date, value, source, batch_id, updated_at) {rows}"
)
# Whether any actual of the staged (KPI, unit or seller) triples exists within the staged dates: one index
# probe per triple, where the upsert probes per row.
FIRST_LOAD = (
    "WITH span AS (SELECT min(day) AS first, max(day) AS last FROM actual_days) "
    f"SELECT EXISTS (SELECT FROM actual_refs r, span JOIN {TABLE} a ON a.date BETWEEN first AND last "
    "WHERE a.kpi_id = r.kpi_id AND a.seller_id = r.seller_id) "
    f"OR EXISTS (SELECT FROM actual_refs r, span JOIN {TABLE} a ON a.date BETWEEN first AND last "
    "WHERE a.kpi_id = r.kpi_id AND a.org_unit_id = r.org_unit_id AND a.seller_id IS NULL "
    "AND r.seller_id IS NULL)"
)


def load(rows: list[Row] | Staged, *, source: str, batch: ImportBatch | None) -> int:
    """Upsert the rows in one transaction, set-wise; returns how many rows were inserted or changed."""
    now = timezone.now()
    batch_id = batch.pk if batch else None
    if isinstance(rows, Staged):
        return _load_staged(source=source, batch_id=batch_id, now=now)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DROP TABLE IF EXISTS pg_temp.actual_stage"
            )  # left by an earlier load in this transaction
            cursor.execute(
                "CREATE TEMPORARY TABLE actual_stage (kpi_id bigint, org_unit_id bigint, seller_id bigint, "
                "date date, value numeric(18, 4)) ON COMMIT DROP"
            )
            with cursor.cursor.copy(
                "COPY actual_stage (kpi_id, org_unit_id, seller_id, date, value) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            changed = 0
            for key, null, where in (
                ("org_unit_id", "NULL", "IS NULL"),
                ("seller_id", "NOT NULL", "IS NOT NULL"),
            ):
                select = (
                    "SELECT kpi_id, org_unit_id, seller_id, date, value, %s, %s, %s FROM actual_stage "
                    f"WHERE seller_id {where}"
                )
                cursor.execute(
                    UPSERT.format(table=TABLE, rows=select, key=key, null=null), [source, batch_id, now]
                )
                changed += cursor.rowcount
            return changed
        changed = 0
        for key, null, part in (
            ("org_unit_id", "NULL", [r for r in rows if r[2] is None]),
            ("seller_id", "NOT NULL", [r for r in rows if r[2] is not None]),
        ):
            if not part:
                continue
            sql = UPSERT.format(
                table=TABLE, rows="VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", key=key, null=null
            )
            cursor.executemany(sql, [(*r[:4], str(r[4]), source, batch_id, now) for r in part])
            changed += cursor.rowcount  # the statement's own rows, not the monthly sums its trigger writes
        return changed


def _load_staged(*, source: str, batch_id: int | None, now: dt.datetime) -> int:
    """Load a file `_staged` checked. When no actual of its (KPI, unit or seller) triples exists in its
    dates (a first load), a plain INSERT; if a load running meanwhile added one, or some existed, the
    upsert of `load` (INSERT … ON CONFLICT per kind of row), which changes only different values."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FIRST_LOAD)
        rows = f"SELECT s.*, %s, %s, %s FROM ({STAGED_ROWS}) s"
        changed = None
        if not cursor.fetchone()[0]:
            try:
                with transaction.atomic():
                    cursor.execute(INSERT.format(table=TABLE, rows=rows), [source, batch_id, now])
                    changed = cursor.rowcount
            except IntegrityError:
                changed = None
        if changed is None:
            changed = 0
            for key, null, where in (
                ("org_unit_id", "NULL", "IS NULL"),
                ("seller_id", "NOT NULL", "IS NOT NULL"),
            ):
                select = f"{rows} WHERE s.seller_id {where}"
                cursor.execute(
                    UPSERT.format(table=TABLE, rows=select, key=key, null=null), [source, batch_id, now]
                )
                changed += cursor.rowcount
        cursor.execute(STAGE[0])
    return changed


# --- Batches ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    """What reads, checks and loads one kind of rows; every batch runs through the same steps."""

    read: Callable[[str, bytes], Iterator[tuple[int, dict]]]
    validate: Callable[..., tuple[list, list[dict], int]]
    load: Callable[..., int]
    counted: str  # what loaded_rows counts, in the batch's message


def handler(loads: str) -> Handler:
    """Actuals (this module) or a pipeline snapshot (metrics.pipeline_import), by the batch's `loads`."""
    if loads == PullSource.Loads.PIPELINE:
        from metrics import pipeline_import

        return Handler(
            pipeline_import.read,
            pipeline_import.validate,
            pipeline_import.load,
            "new, changed or removed deals",
        )
    return Handler(read, validate, load, "new or changed values")


def submit(
    *,
    actor: Actor,
    name: str,
    data: bytes,
    run_inline: bool | None = None,
    number_format: str | None = None,
    date_format: str | None = None,
    loads: str = PullSource.Loads.ACTUALS,
) -> ImportBatch:
    """Record an upload and process it: at once when small, else as a Celery job. A file refused as a
    whole is recorded as refused with the reason; a job the queue refuses is recorded as failed, and
    queue.QueueUnavailable is raised (503). `loads`: what the rows are (actuals or a pipeline snapshot)."""
    batch = ImportBatch.objects.create(
        file_name=name[:200], uploaded_by=actor if actor.is_authenticated else None, loads=loads
    )
    try:
        kind, estimate = inspect(name, data, number_format=number_format, date_format=date_format)
    except UploadRefused as exc:
        return _finish(batch, ImportBatch.Status.FAILED, message=" ".join(exc.messages))
    batch.total_rows = estimate
    batch.content = kind.encode() + b"\n" + data
    batch.save(update_fields=["total_rows", "content"])
    return _start(
        batch, actor=actor, inline=run_inline if run_inline is not None else estimate <= INLINE_ROWS
    )


def _start(batch: ImportBatch, *, actor: Actor, inline: bool) -> ImportBatch:
    if inline:
        return run(batch.pk, actor=actor)
    from metrics.tasks import run_import

    queue.send(
        run_import,
        batch.pk,
        refused=lambda: _finish(batch, ImportBatch.Status.FAILED, message=queue.QUEUE_DOWN),
    )
    return batch


def run(
    batch_id: int, *, actor: Actor | None = None, fetch: Callable[[ImportBatch], None] | None = None
) -> ImportBatch:
    """Validate the stored file whole; load it only if every row is good. Whatever goes wrong, the batch
    ends failed with a message; a batch already ended (a message delivered again) is left as it is.
    `fetch(batch)` first stores the batch's content (a pull, metrics.pulls), inside the batch's time;
    UploadRefused from it fails the batch with its message."""
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status not in jobs.PENDING:
        return batch
    batch.status, batch.started_at, batch.attempts = (
        ImportBatch.Status.RUNNING,
        timezone.now(),
        batch.attempts + 1,
    )
    batch.save(update_fields=["status", "started_at", "attempts"])
    if batch.attempts > jobs.MAX_ATTEMPTS:
        stopped = batch.attempts - 1
        return _finish(
            batch,
            ImportBatch.Status.FAILED,
            message=f"A worker stopped while loading this file {stopped} times (it may need more memory "
            "than the worker has); nothing was loaded.",
        )
    try:
        if fetch is not None:
            fetch(batch)
        return _run(batch, actor or batch.uploaded_by)
    except UploadRefused as exc:
        return _finish(batch, ImportBatch.Status.FAILED, message=" ".join(exc.messages))
    except SoftTimeLimitExceeded:
        minutes = jobs.minutes(jobs.IMPORT_LIMIT - jobs.SOFT)
        message = f"The import took longer than {minutes} minutes and was stopped; nothing was loaded."
    except Exception as exc:  # whatever it is, the batch must not stay running
        logger.exception("Import %s stopped", batch.pk)
        message = f"The import stopped on an unexpected error ({_describe(exc)}); nothing was loaded."
    return _finish(batch, ImportBatch.Status.FAILED, message=message)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _run(batch: ImportBatch, actor: Actor) -> ImportBatch:
    kind, _, data = bytes(batch.content or b"").partition(b"\n")

    def progress(count: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=count)

    rows = handler(batch.loads)
    try:
        clean, errors, count = rows.validate(rows.read(kind.decode(), data), actor, progress=progress)
    except UploadRefused as exc:
        return _finish(batch, ImportBatch.Status.FAILED, message=" ".join(exc.messages))
    batch.total_rows = batch.processed_rows = count
    if errors:
        batch.error_count, batch.errors = len(errors), errors[:MAX_KEPT_ERRORS]
        return _finish(
            batch,
            ImportBatch.Status.FAILED,
            message=f"{len(errors)} problem(s) in {count} rows; nothing was loaded.",
        )
    with transaction.atomic():  # rows and status commit together: a worker that dies between leaves neither
        batch.loaded_rows = rows.load(clean, source=_source(batch), batch=batch)
        return _finish(
            batch,
            ImportBatch.Status.DONE,
            message=f"{count} rows read; {batch.loaded_rows} {rows.counted}.",
        )


def _source(batch: ImportBatch) -> str:
    return Actual.Source.PULL if batch.pull_source_id else Actual.Source.UPLOAD


def _finish(batch: ImportBatch, status: str, *, message: str) -> ImportBatch:
    """End the batch and record it in the history. A failed batch keeps its file (jobs.RETRY_DAYS) so
    that it can be retried from its page."""
    batch.status, batch.message, batch.finished_at = status, message[:300], timezone.now()
    fields = ["status", "message", "finished_at", "total_rows", "processed_rows", "loaded_rows"]
    if status == ImportBatch.Status.DONE:
        batch.content = None
        fields.append("content")
    batch.save(update_fields=[*fields, "error_count", "errors"])
    if batch.uploaded_by:
        audit_record(
            actor=batch.uploaded_by,
            action=AuditEntry.Action.CREATED,
            instance=batch,
            changes={"status": [None, batch.get_status_display()], "rows": [None, batch.total_rows]},
            comment=message,
        )
    return batch


def load_api(*, actor: Actor, rows: list[dict], loads: str = PullSource.Loads.ACTUALS) -> ImportBatch:
    """The bulk API: the same checks and the same upsert, for rows sent as JSON, in the request. An
    unexpected error ends the batch failed with its message, then propagates (500)."""
    batch = ImportBatch.objects.create(
        file_name="API",
        loads=loads,
        uploaded_by=actor,
        total_rows=len(rows),
        status=ImportBatch.Status.RUNNING,
        started_at=timezone.now(),
        attempts=1,
    )
    try:
        return _load_api(batch, actor, rows)
    except Exception as exc:
        message = f"The load stopped on an unexpected error ({_describe(exc)}); nothing was loaded."
        _finish(batch, ImportBatch.Status.FAILED, message=message)
        raise


def _load_api(batch: ImportBatch, actor: Actor, rows: list[dict]) -> ImportBatch:
    kind = handler(batch.loads)
    clean, errors, count = kind.validate(((i, r) for i, r in enumerate(rows, start=1)), actor)
    batch.processed_rows = count
    if errors:
        batch.error_count, batch.errors = len(errors), errors[:MAX_KEPT_ERRORS]
        return _finish(
            batch, ImportBatch.Status.FAILED, message=f"{len(errors)} problem(s); nothing was loaded."
        )
    with transaction.atomic():
        batch.loaded_rows = kind.load(clean, source=Actual.Source.API, batch=batch)
        return _finish(
            batch,
            ImportBatch.Status.DONE,
            message=f"{count} rows; {batch.loaded_rows} {kind.counted}.",
        )


def retry(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Run a failed import's kept file again as a new batch, which the failed one hands its file to; both
    batches' history say so. Refused when the batch did not fail or its file is no longer kept."""
    ensure_may_load(actor)
    with transaction.atomic():
        old = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if old.status != ImportBatch.Status.FAILED or not old.content:
            raise ValidationError(
                "Only a failed import whose file is still kept can be retried; upload it again."
            )
        new = ImportBatch.objects.create(
            file_name=old.file_name,
            uploaded_by=actor,
            total_rows=old.total_rows,
            content=old.content,
            loads=old.loads,
            pull_source=old.pull_source,  # a pull's retry is still that pull's, in its history
        )
        ImportBatch.objects.filter(pk=old.pk).update(content=None)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATED,
            instance=old,
            changes={"retried as": [None, f"import {new.pk}"]},
            comment=f"Retried after: {old.message}",
        )
    return _start(new, actor=actor, inline=new.total_rows <= INLINE_ROWS)


def fail_stuck(batch: ImportBatch, *, message: str) -> int:
    """End a batch the sweeper found stuck (1), unless a worker moved it on meanwhile (0)."""
    ended = ImportBatch.objects.filter(pk=batch.pk, status=batch.status, attempts=batch.attempts).update(
        status=ImportBatch.Status.FAILED, message=message[:300], finished_at=timezone.now()
    )
    if ended:
        audit_record(
            actor=None,
            action=AuditEntry.Action.UPDATED,
            instance=batch,
            changes={"status": [batch.get_status_display(), ImportBatch.Status.FAILED.label]},
            comment=message,
        )
    return ended
