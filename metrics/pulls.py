"""Pull sources: actuals (or pipeline snapshots) that arrive by themselves, from a SQL query against a
warehouse or a CSV/XLSX file at a URL, on a schedule kept in the database or on demand.

Each pull is an ImportBatch run by the importer like an upload (metrics.importer.run): the fetch happens
inside the batch, then the same validation, all or nothing, idempotent upsert. A query runs in a read-only
transaction with a statement timeout, from the incremental window's first day (`:since`). The credential
(the database password, or the authorisation header's value) is Fernet-encrypted at rest
(metrics.credentials) and never shown back, logged, or written to a batch's message or the history.
docs/connectors.md is the guide for sales ops.
"""

import csv
import datetime as dt
import io
import json
import logging
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core import queue
from core.services import Actor, audited_delete, versioned_create, versioned_update
from metrics import credentials, importer
from metrics.models import ImportBatch, PullSource
from orgs import permissions

logger = logging.getLogger(__name__)

EDITABLE = (
    "name",
    "kind",
    "loads",
    "url",
    "query",
    "auth_header",
    "lookback_days",
    "timeout_seconds",
    "schedule",
    "enabled",
)
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
CRON_WORDS = ("minute", "hour", "day of month", "month", "day of week")
BACKENDS = ("postgresql", "sqlite")  # where AOP can make a transaction read-only and bound its time
FIRST_DAY = dt.date(1, 1, 1)  # the first pull has no lower bound
TASK = "metrics.tasks.run_pull"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SINCE = re.compile(r"(?<![:\w]):since\b")
HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,100}")


class PullRefused(importer.UploadRefused):
    """A pull that ends its batch failed with this message, nothing loaded (no secret inside)."""


# --- Writes ------------------------------------------------------------------------------------------------


def _ensure_sales_ops(actor: Actor) -> None:
    # The KPI catalogue's rule (metrics.services): sales ops at the company root keep the data sources.
    if not permissions.is_company_ops(actor):
        raise PermissionDenied("Only company-level sales ops keep the pull sources.")


@transaction.atomic
def pull_save(
    *,
    actor: Actor,
    source: PullSource | None,
    version: int | None,
    values: dict,
    secret: str | None = None,
) -> PullSource:
    """Create (source None) or update a pull source, versioned with its history, and keep its schedule in
    Celery beat. `secret` None keeps the stored credential, "" clears it, any other text replaces it."""
    _ensure_sales_ops(actor)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValidationError({unknown[0]: "This field is not set through a pull source's form."})
    values = _normalised(values)
    merged = {name: getattr(source, name) for name in EDITABLE} if source else {}
    merged |= values
    token = None if secret is None else credentials.encrypt(secret)
    if (
        source
        and source.secret
        and secret is None
        and _host(merged) != _host({"kind": source.kind, "url": source.url})
    ):
        raise ValidationError(
            {
                "secret": "The source now points at another host: enter its credential again (or clear it), "
                "so that a stored credential is never sent somewhere new."
            }
        )
    _check(merged, has_secret=bool(token if token is not None else source and source.secret))
    if source is None:
        comment = "With a credential, kept encrypted." if token else ""
        source = versioned_create(
            model=PullSource, values={**values, "created_by": actor}, actor=actor, comment=comment
        )
    else:
        source = _update(actor=actor, source=source, version=version, values=values, token=token)
    if token is not None:
        PullSource.objects.filter(pk=source.pk).update(secret=token)
        source.secret = token
    _sync_schedule(source)
    return source


def _update(
    *, actor: Actor, source: PullSource, version: int | None, values: dict, token: str | None
) -> PullSource:
    if version is None:
        raise ValidationError({"version": "An update names the version it was based on."})
    owner = source.created_by
    if owner is None or not permissions.is_company_ops(owner):
        values = {**values, "created_by": actor}  # whoever saves a source whose owner left takes it over
    extra = {}
    if token is not None and token != source.secret:
        extra["credential"] = ["set" if source.secret else "none", "changed" if token else "cleared"]
    return versioned_update(instance=source, version=version, values=values, actor=actor, extra_changes=extra)


def _host(values: dict) -> tuple:
    """Where a source's credential goes: its kind, scheme, host and port (user and database may change)."""
    url = values.get("url") or ""
    if values.get("kind") == PullSource.Kind.SQL:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except ArgumentError:
            return ("sql", url)
        return ("sql", _backend(parsed), parsed.host, parsed.port)
    parts = urllib.parse.urlsplit(url)
    return (values.get("kind"), parts.scheme, parts.hostname, parts.port)


def _normalised(values: dict) -> dict:
    out = dict(values)
    for name in ("name", "url", "auth_header"):
        if isinstance(out.get(name), str):
            out[name] = out[name].strip()
    if isinstance(out.get("query"), str):
        out["query"] = out["query"].strip()
    if isinstance(out.get("schedule"), str):
        out["schedule"] = " ".join(out["schedule"].split())
    return out


def _check(values: dict, *, has_secret: bool) -> None:
    """Every problem of a source's settings, each under its field's name."""
    errors: dict[str, str] = {}
    kind = values.get("kind") or PullSource.Kind.SQL
    url = values.get("url") or ""
    if not url:
        errors["url"] = "Give the URL to pull from."
    elif kind == PullSource.Kind.SQL:
        _add(errors, "url", _sql_url_problem, url)
        _add(errors, "query", query_problem, values.get("query") or "")
    else:
        _add(errors, "url", _file_url_problem, url)
        if values.get("query"):
            errors["query"] = "Only a SQL source has a query; leave it empty for a file URL."
    header = values.get("auth_header") or ""
    if kind == PullSource.Kind.SQL and header:
        errors["auth_header"] = (
            "Only a file URL sends an authorisation header; a SQL source's credential is its password."
        )
    elif header and not HEADER_NAME.fullmatch(header):
        errors["auth_header"] = "A header name is letters, digits and hyphens, e.g. Authorization."
    elif kind == PullSource.Kind.FILE_URL and has_secret and not header:
        errors["auth_header"] = "Name the header that carries the credential, e.g. Authorization."
    _add(errors, "schedule", schedule_problem, values.get("schedule") or "")
    if errors:
        raise ValidationError(errors)


def _add(errors: dict, field: str, check, value: str) -> None:
    problem = check(value)
    if problem:
        errors[field] = problem


def _sql_url_problem(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "Not a SQLAlchemy URL; write it like postgresql+psycopg://reader@host:5432/warehouse."
    if parsed.password:
        return "Take the password out of the URL and put it in the credential, where it is kept encrypted."
    if _backend(parsed) not in BACKENDS:
        return (
            f"AOP pulls from PostgreSQL and SQLite (where it can make the query read-only and bound its "
            f"time), not from {parsed.get_backend_name()}."
        )
    return ""


def _backend(url) -> str:
    name = url.get_backend_name()
    return "postgresql" if name == "postgres" else name


def query_problem(query: str) -> str:
    """Why a query cannot be pulled ("" if it can): one statement beginning with SELECT or WITH, whose
    only parameter is :since. The read-only transaction, not this text check, is what stops a write."""
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", query, flags=re.S).strip()
    if not text:
        return "A SQL source needs a query: one SELECT returning kpi, unit, seller, date, value."
    if not re.match(r"(select|with)\b", text, flags=re.I):
        return "The query must be one statement beginning with SELECT or WITH."
    if ";" in text.rstrip(";").rstrip():
        return "The query must be one statement: take out the semicolons (inside text too)."
    from sqlalchemy import text as sql_text

    others = sorted(set(sql_text(text)._bindparams) - {"since"})
    if others:
        return f"The only parameter a query may name is :since (the window's first day), not :{others[0]}."
    return ""


def _file_url_problem(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "A file URL starts with https:// (or http://) and names a host."
    if parts.username or parts.password:
        return "Take the user and password out of the URL; put the credential in the authorisation header."
    return ""


def schedule_problem(schedule: str) -> str:
    """Why five cron fields are not a schedule ("" if they are, or if empty: on demand only)."""
    if not schedule:
        return ""
    fields = schedule.split()
    if len(fields) != 5:
        return (
            f"Give five cron fields (minute hour day-of-month month day-of-week), e.g. 0 6 * * 1-5; "
            f"{len(fields)} given."
        )
    for name, word, value in zip(CRON_FIELDS, CRON_WORDS, fields, strict=True):
        try:
            crontab(**{name: value})
        except (ValueError, IndexError, TypeError) as exc:
            return f"The {word} field {value!r} is not valid: {exc}"
    return ""


def _cron(schedule: str) -> crontab:
    return crontab(**dict(zip(CRON_FIELDS, schedule.split(), strict=True)), app=current_app)


def task_name(source: PullSource) -> str:
    return f"pull source {source.pk}"


def _sync_schedule(source: PullSource) -> None:
    """One PeriodicTask per source with a schedule (disabled while the source is); none without."""
    if not source.schedule:
        PeriodicTask.objects.filter(name=task_name(source)).delete()
        return
    fields = dict(zip(CRON_FIELDS, source.schedule.split(), strict=True))
    cron, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    PeriodicTask.objects.update_or_create(
        name=task_name(source),
        defaults={
            "task": TASK,
            "crontab": cron,
            "interval": None,
            "args": json.dumps([source.pk]),
            "enabled": source.enabled,
            "description": f"Pull {source.get_loads_display()} from {source.name} (metrics.pulls).",
        },
    )


@transaction.atomic
def pull_delete(*, actor: Actor, source: PullSource, version: int) -> None:
    """Delete a source and its schedule; its batches stay in the import history."""
    _ensure_sales_ops(actor)
    PeriodicTask.objects.filter(name=task_name(source)).delete()
    audited_delete(instance=source, version=version, actor=actor)


def pull_start(*, actor: Actor, source: PullSource) -> ImportBatch:
    """Run a pull now: record its batch and queue it (at once when tasks run eagerly). A job the queue
    refuses ends failed with queue.QUEUE_DOWN (and QueueUnavailable, 503, outside a transaction)."""
    _ensure_sales_ops(actor)
    batch = _new_batch(source, started_by=actor)
    if current_app.conf.task_always_eager:
        return pull_run(source.pk, batch_id=batch.pk)
    from metrics.tasks import run_pull

    queue.send(
        run_pull,
        source.pk,
        batch.pk,
        refused=lambda: importer._finish(batch, ImportBatch.Status.FAILED, message=queue.QUEUE_DOWN),
    )
    return batch


def _new_batch(source: PullSource | None, *, started_by: Actor = None) -> ImportBatch:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    name = source.name if source else "A deleted source"
    return ImportBatch.objects.create(
        file_name=f"{name} pull {stamp}"[:200],
        uploaded_by=started_by if started_by and started_by.is_authenticated else None,
        pull_source=source,
        loads=source.loads if source else PullSource.Loads.ACTUALS,
    )


# --- The pull itself ----------------------------------------------------------------------------------------


def pull_run(source_id: int, *, batch_id: int | None = None) -> ImportBatch:
    """The task's body: fetch, then load through the importer as one batch (a scheduled run records its
    own batch). The batch ends done or failed; on success the source's last success is the batch's start."""
    source = PullSource.objects.select_related("created_by").filter(pk=source_id).first()
    batch = ImportBatch.objects.get(pk=batch_id) if batch_id else _new_batch(source)
    actor = source.created_by if source else None

    def fetch(batch: ImportBatch) -> None:
        if source is None:
            raise PullRefused("The pull source was deleted; nothing was loaded.")
        _ensure_owner(source)
        kind, data, rows = _fetch(source)
        batch.content, batch.total_rows = kind.encode() + b"\n" + data, rows
        ImportBatch.objects.filter(pk=batch.pk).update(content=batch.content, total_rows=rows)

    batch = importer.run(batch.pk, actor=actor, fetch=fetch)
    if source and batch.status == ImportBatch.Status.DONE:
        PullSource.objects.filter(pk=source.pk).update(last_success_at=batch.started_at)
    return batch


def _ensure_owner(source: PullSource) -> None:
    """A scheduled pull has no request user: it loads as the source's owner, who must still be sales ops."""
    owner = source.created_by
    if owner is None:
        raise PullRefused(
            "The user who set up this pull source no longer exists, so nobody vouches for its rows; "
            "a sales ops user saving the source takes it over. Nothing was loaded."
        )
    if not permissions.is_company_ops(owner):
        raise PullRefused(
            f"{owner.get_username()}, who owns this pull source, is no longer company-level sales ops; "
            "a sales ops user saving the source takes it over. Nothing was loaded."
        )


def _fetch(source: PullSource) -> tuple[str, bytes, int]:
    """(the importer's kind, the bytes, rows or an estimate) of what the source holds now."""
    try:
        secret = credentials.decrypt(source.secret)
    except credentials.Unreadable as exc:
        raise PullRefused(str(exc) + " Nothing was loaded.") from None
    if source.kind == PullSource.Kind.SQL:
        return _fetch_sql(source, secret)
    return _fetch_file(source, secret)


def since(source: PullSource) -> dt.date:
    """The incremental window's first day: the last success's day less the look-back; the first pull
    reads everything."""
    if source.last_success_at is None:
        return FIRST_DAY
    return timezone.localtime(source.last_success_at).date() - dt.timedelta(days=source.lookback_days)


# --- SQL ----------------------------------------------------------------------------------------------------


def _fetch_sql(source: PullSource, password: str) -> tuple[str, bytes, int]:
    from sqlalchemy import exc as sa_exc

    problem = _sql_url_problem(source.url) or query_problem(source.query)
    if problem:
        raise PullRefused(problem)
    try:
        columns, rows = _query(source, password)
    except sa_exc.DBAPIError as exc:
        raise PullRefused(_database_message(exc, password)) from None
    except sa_exc.SQLAlchemyError as exc:
        raise PullRefused(
            f"The pull's query failed: {_clean(str(exc), password)}; nothing was loaded."
        ) from None
    if len(rows) > importer.MAX_ROWS:
        raise PullRefused(
            f"The query returned more than {importer.MAX_ROWS:,} rows; narrow it or shorten the look-back "
            "window. Nothing was loaded."
        )
    return "csv", _as_csv(columns, rows), len(rows)


def _engine(source: PullSource, password: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(source.url)
    if url.get_backend_name() == "postgres":
        url = url.set(drivername="postgresql+psycopg")
    if password:
        url = url.set(password=password)  # on the URL object only: never rendered, stored or logged
    if _backend(url) == "sqlite":
        path = url.database or ""

        def connect() -> sqlite3.Connection:
            # mode=ro: the file is opened read-only (and never created when the path is wrong).
            return sqlite3.connect(
                f"file:{urllib.parse.quote(path)}?mode=ro", uri=True, check_same_thread=False
            )

        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    return create_engine(
        url, poolclass=NullPool, connect_args={"connect_timeout": min(source.timeout_seconds, 30)}
    )


def _query(source: PullSource, password: str) -> tuple[list[str], list]:
    """The columns and rows (at most MAX_ROWS + 1) of the query, run read-only within the timeout."""
    from sqlalchemy import Date, bindparam, text

    statement = text(source.query)
    if SINCE.search(source.query):
        statement = statement.bindparams(bindparam("since", value=since(source), type_=Date))
    engine = _engine(source, password)
    try:
        with engine.connect() as connection:
            _read_only(connection, source.timeout_seconds)
            result = connection.execute(statement)
            columns = [str(c) for c in result.keys()]  # noqa: SIM118 (a Result, not a dict)
            rows = result.fetchmany(importer.MAX_ROWS + 1)
            connection.rollback()  # nothing to keep: a read-only transaction ends without a commit
        return columns, rows
    finally:
        engine.dispose()


def _read_only(connection, seconds: int) -> None:
    """Make the transaction read-only and bound its time, before the query runs."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds) * 1000}")
        connection.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 60000")
        return
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA query_only = ON")
    deadline = time.monotonic() + seconds
    # SQLite has no statement timeout: a progress handler that answers non-zero interrupts the query.
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)


def _database_message(exc, password: str) -> str:
    original = getattr(exc, "orig", None)
    text = _clean(
        str(original or exc).strip().splitlines()[0] if str(original or exc).strip() else "", password
    )
    code = getattr(original, "sqlstate", None)
    if code == "25006" or "readonly" in text.lower() or "read-only" in text.lower():
        return f"The pull's query tried to write: {text}. Pulls only read; nothing was loaded."
    if code == "57014" or text.lower() == "interrupted":
        return "The pull's query took longer than its timeout and was stopped; nothing was loaded."
    return f"The pull's query failed: {text}; nothing was loaded."


def _clean(text: str, secret: str) -> str:
    """A database's message without the credential, whatever the driver put in it."""
    return (text.replace(secret, "•••") if secret else text)[:200]


def _as_csv(columns: list[str], rows: list) -> bytes:
    """The rows as the CSV an upload would be: plain numbers, ISO dates, the query's column names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue().encode()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral() else value, "f")
    return str(value)


# --- File URL -----------------------------------------------------------------------------------------------


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to http(s), and drop the credential's header when it leaves the host."""

    def __init__(self, header: str) -> None:
        self.header = header

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urlsplit(newurl)
        if target.scheme not in ("http", "https"):
            raise PullRefused(f"GET {req.full_url} redirected to a non-HTTP address; nothing was loaded.")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and self.header and target.netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.remove_header(self.header.capitalize())
        return new


def _fetch_file(source: PullSource, secret: str) -> tuple[str, bytes, int]:
    problem = _file_url_problem(source.url)
    if problem:
        raise PullRefused(problem)
    request = urllib.request.Request(source.url, headers={"User-Agent": "AOP pull"})
    if secret and source.auth_header:
        request.add_header(source.auth_header, secret)
    opener = urllib.request.build_opener(_SameHostRedirects(source.auth_header))
    try:
        with opener.open(request, timeout=source.timeout_seconds) as response:
            data = _read_capped(response, source.url)
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raise PullRefused(f"GET {source.url} answered {exc.code} {exc.reason}; nothing was loaded.") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PullRefused(
            f"GET {source.url} failed: {_clean(str(reason), secret)}; nothing was loaded."
        ) from None
    kind, estimate = importer.inspect(_file_name(source.url, content_type), data)
    return kind, data, estimate


def _read_capped(response, url: str) -> bytes:
    limit = importer.MAX_BYTES
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PullRefused(
            f"The file at {url} is {int(declared) / 1e6:.1f} MB; the limit is {limit // 2**20} MB."
        )
    data = response.read(limit + 1)
    if len(data) > limit:
        raise PullRefused(
            f"The file at {url} is larger than {limit // 2**20} MB, the limit; nothing was loaded."
        )
    return data


def _file_name(url: str, content_type: str) -> str:
    """A name the importer reads as an upload's: the URL's own file name when it ends .csv or .xlsx,
    else one the answer's content type gives (anything else is refused as an upload would be)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]) or "file"
    if name.lower().endswith((".csv", ".xlsx")):
        return name
    if content_type == XLSX_TYPE:
        return name + ".xlsx"
    if content_type in ("text/csv", "application/csv", "text/plain"):
        return name + ".csv"
    return name


# --- Freshness ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """What the ops home and Day-1 readiness show of a source: its last batch and whether it is overdue."""

    last_batch: ImportBatch | None
    status: str  # the last batch's status, or "never"
    last_success_at: dt.datetime | None
    overdue: bool
    reason: str  # why it is overdue, in words ("" when it is not)


def freshness(source: PullSource, *, now: dt.datetime | None = None) -> Freshness:
    """Overdue: the last run failed, or a scheduled source has had no success within twice its
    schedule's interval (counted from its creation until its first success)."""
    now = now or timezone.now()
    last = source.batches.defer("content").order_by("-created_at", "-pk").first()
    status = last.status if last else "never"
    reason = ""
    if last and last.status == ImportBatch.Status.FAILED:
        reason = f"The last pull failed: {last.message}"
    elif source.schedule and source.enabled:
        interval = schedule_interval(source.schedule, now)
        since_ok = source.last_success_at or source.created_at
        if since_ok and now - since_ok > 2 * interval:
            when = (
                "No pull has succeeded" if source.last_success_at is None else "No pull has succeeded since"
            )
            reason = f"{when} {'' if source.last_success_at is None else _shown(since_ok)}".rstrip() + (
                f", more than twice its schedule's interval ({_span(interval)})."
            )
    return Freshness(last, status, source.last_success_at, bool(reason), reason)


def schedule_interval(schedule: str, now: dt.datetime) -> dt.timedelta:
    """The time between the schedule's next two runs after `now`."""
    cron = _cron(schedule)
    first = _next_run(cron, now)
    return _next_run(cron, first) - first


def _next_run(cron: crontab, after: dt.datetime) -> dt.datetime:
    start, delta, _ = cron.remaining_delta(after, tz=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return start + delta


def _shown(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _span(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"
