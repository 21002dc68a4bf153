"""Round trips through a real spreadsheet program. LibreOffice Calc (headless) opens the target grid's
and the budget spend's exports (XLSX and CSV) and two hand-made workbooks of actuals, and saves each as
XLSX and as CSV under an en_US and a de_DE locale (and with semicolons under de_DE), as a user would.
Each saved file, loaded by the importer the upload page uses, in the default formats and in the formats
of the locale, either loads exactly the values put in, to the cent, or is refused whole with a message
naming the cause, and nothing is stored. Never a wrong value.

LibreOffice reads its locale from LC_ALL itself: the system's locales need not be generated. It is
Debian's libreoffice-calc-nogui, installed by `make test` (TEST_DEBS); without it this test fails.
"""

import datetime as dt
import io
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook

from budgets import selectors as budget_selectors
from budgets import services as budgets
from budgets.models import Spend
from metrics import importer
from metrics.models import Actual, ImportBatch
from orgs.models import FiscalCalendar, OrgUnit, Role
from planning import cascade, gridfile
from planning import grid as target_grid
from planning.models import SalesTarget
from tests.factories import MembershipFactory, PlanFactory, SellerFactory, UserFactory

CSV = "Text - txt - csv (StarCalc)"
# Filter options: the field separator and text delimiter as character codes, UTF-8 (76), from line 1.
CSV_IN = f"{CSV}:44,34,76,1"
SAVED_AS = {"xlsx": "xlsx", "csv": f"csv:{CSV}:44,34,76,1", "csv;": f"csv:{CSV}:59,34,76,1"}
LOCALES = {  # the locale, what it saves, and the formats an upload declares for its files
    "en_US": (("xlsx", "csv"), ("1,234.50", "MM/DD/YYYY")),
    "de_DE": (("xlsx", "csv", "csv;"), ("1.234,50", "DD.MM.YYYY")),  # German users often save with ';'
}
SOFFICE_SECONDS = 180  # one call takes 2-5 s; a cold start on a busy CI runner takes longer
CAUSE = re.compile(
    r"[Rr]ow \d+.*(is not a number like|is not a date in the format|separates columns with"
    r"|is not an amount of 0 or more|is not a number below)",
    re.S,
)

Z = D("0")
# The target grid of region A: a decimal comma's classic victims (369396.97, 204000.00), a number a
# spreadsheet may read as a date (1.12), cents.
GRID = {
    "team-a1": [D("369396.97"), D("1234.50"), D("1.12"), D("0.20"), D("204000.00"), D("7.05"), *[Z] * 5]
    + [D("1000000.01")],
    "team-a2": [D("10.50")] * 12,
}
UNIT_NAMES = {"team-a1": "+49 team", "team-a2": "=SUM(A1)"}  # names a spreadsheet reads as formulas
SPEND = {  # budget lines, named as a spreadsheet would read formulas: the name identifies the line
    "=SUM(A1)": [D("1234.56"), D("0.10"), D("0.20"), D("99999.99"), *[Z] * 8],
    "+49 team": [D("369396.97"), D("1.12"), *[Z] * 10],
    "Events": [D("204000.00")] + [D("5.05")] * 11,
}
SELLERS = ("+49team@example.com", "=sum@example.com")
# The hand-made actuals: (unit, seller, date, value, the cell's number format).
ACTUALS = [
    ("team-a1", None, dt.date(2027, 1, 31), 369396.97, "#,##0.00"),
    ("team-a1", None, dt.date(2027, 2, 28), 1234.5, "General"),
    (None, SELLERS[0], dt.date(2027, 3, 1), "=0.1+0.1", "General"),
    (None, SELLERS[1], dt.date(2027, 3, 2), "=0.3-0.1", "0.00"),  # 0.19999999999999998, shows 0.20
    ("team-a1", None, dt.date(2027, 4, 1), 204000, "#,##0.00"),
    ("team-a1", None, dt.date(2027, 5, 1), 0.1234, "General"),
    ("team-a1", None, dt.date(2027, 6, 12), -5.05, "General"),
]
ACTUAL_VALUES = [D("369396.97"), D("1234.5"), D("0.2"), D("0.2"), D("204000"), D("0.1234"), D("-5.05")]
# Two workbooks of them, {name: (date cells' format, every value's format or None for the one above)}:
# formatted, with dates in the short date format a typed date gets (built-in format 14, shown 1/31/2027
# or 31.01.2027); and typed, General numbers and ISO dates: the one whose German CSV ("369396,97") a
# comma-stripping reader would have loaded as wrong numbers.
HAND_MADE = {"actuals.xlsx": ("mm-dd-yy", None), "actuals-typed.xlsx": ("yyyy-mm-dd", "General")}


# --- LibreOffice --------------------------------------------------------------------------------------------


def soffice(*args: str, locale: str, profile: Path) -> None:
    """One headless LibreOffice call in `locale`, with a profile of its own (parallel runs never share
    one); killed with all its processes after SOFFICE_SECONDS."""
    command = [
        shutil.which("soffice") or "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
    ]
    env = os.environ | {"LC_ALL": f"{locale}.UTF-8", "LANG": f"{locale}.UTF-8", "LANGUAGE": ""}
    call = subprocess.Popen(
        [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        out, _ = call.communicate(timeout=SOFFICE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(call.pid, signal.SIGKILL)
        call.communicate()
        pytest.fail(f"LibreOffice did not finish within {SOFFICE_SECONDS} s: {' '.join(args)}")
    assert call.returncode == 0, out.decode(errors="replace")


def saved_by_libreoffice(files: dict[str, bytes], folder: Path) -> dict[tuple[str, str, str], bytes]:
    """{(file, locale, saved as): the file LibreOffice saved}: every file opened and saved as each of its
    locale's kinds. A CSV is opened as UTF-8 with commas, as a user chooses in the import dialog. One call
    per kind of input and of output; the two locales run side by side."""

    def one_locale(locale: str) -> dict[tuple[str, str, str], bytes]:
        saved = {}
        for number, kind in enumerate(LOCALES[locale][0]):
            for suffix, infilter in ((".csv", [f"--infilter={CSV_IN}"]), (".xlsx", [])):
                names = [name for name in files if name.endswith(suffix)]
                out = folder / locale / f"{number}-from-{suffix[1:]}"  # no ';' in a path LibreOffice reads
                inputs = [str(folder / "in" / name) for name in names]
                soffice(
                    *infilter,
                    "--convert-to",
                    SAVED_AS[kind],
                    "--outdir",
                    str(out),
                    *inputs,
                    locale=locale,
                    profile=folder / f"profile-{locale}",
                )
                for name in names:
                    made = out / (Path(name).stem + "." + kind.rstrip(";"))
                    assert made.exists(), f"LibreOffice ({locale}) did not save {name} as {kind}"
                    saved[(name, locale, kind)] = made.read_bytes()
        return saved

    (folder / "in").mkdir(parents=True)
    for name, data in files.items():
        (folder / "in" / name).write_bytes(data)
    with ThreadPoolExecutor(len(LOCALES)) as pool:
        return {key: data for part in pool.map(one_locale, LOCALES) for key, data in part.items()}


# --- The app's side -----------------------------------------------------------------------------------------


def hand_made_actuals(date_format: str, value_format: str | None) -> bytes:
    """Actuals typed into a workbook: numbers with decimals, two formulas, formula-like seller emails as
    text, and dates."""
    book = Workbook()
    sheet = book.active
    sheet.append(["kpi", "unit", "seller", "date", "value"])
    for unit, seller, day, value, number_format in ACTUALS:
        sheet.append(["revenue", unit, seller, day, value])
        row = sheet.max_row
        sheet.cell(row, 3).data_type = "s"  # text, though it starts like a formula
        sheet.cell(row, 4).number_format = date_format
        sheet.cell(row, 5).number_format = value_format or number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def declared(name: str, locale: str) -> tuple[str, str]:
    """The formats an upload declares for a file saved in `locale`: the locale's number format, and the
    date format its dates show (grid and spend files have none)."""
    numbers, dates = LOCALES[locale][1]
    return numbers, "YYYY-MM-DD" if HAND_MADE.get(name, ("",))[0] == "yyyy-mm-dd" else dates


def grid_rows(values: dict[str, list[D]]) -> list[tuple[int, str, list[D]]]:
    return [(number, code, months) for number, (code, months) in enumerate(values.items(), start=2)]


def refusal(exc: ValidationError) -> str:
    if isinstance(exc, target_grid.GridImportError):
        return "; ".join(f"row {e.line} ({e.code}): {e.message}" for e in exc.errors)
    return " ".join(exc.messages)


class App:
    """The three imports as the upload pages run them, each a loader (None when loaded, else the message)
    and what it stored."""

    def __init__(self, plan, budget, actor) -> None:
        self.plan, self.budget, self.actor = plan, budget, actor
        self.rules = FiscalCalendar.load().rules

    def load_grid(self, name: str, data: bytes, numbers: str | None, dates: str | None) -> str | None:
        try:
            upload = SimpleUploadedFile(name, data)
            rows = gridfile.read_rows(upload, self.rules, self.plan.fiscal_year, number_format=numbers)
            target_grid.grid_import(actor=self.actor, plan=self.plan, rows=rows)
        except ValidationError as exc:
            return refusal(exc)
        return None

    def load_spend(self, name: str, data: bytes, numbers: str | None, dates: str | None) -> str | None:
        try:
            upload = SimpleUploadedFile(name, data)
            rows = gridfile.read_rows(upload, self.rules, self.plan.fiscal_year, number_format=numbers)
            budgets.spend_import(actor=self.actor, budget=self.budget, rows=rows)
        except ValidationError as exc:
            return refusal(exc)
        return None

    def load_actuals(self, name: str, data: bytes, numbers: str | None, dates: str | None) -> str | None:
        batch = importer.submit(
            actor=self.actor, name=name, data=data, run_inline=True, number_format=numbers, date_format=dates
        )
        if batch.status == ImportBatch.Status.DONE:
            return None
        first: dict[str, str] = {}  # the first problem of each column, values first
        for e in sorted(batch.errors, key=lambda e: e["column"] != "value"):
            first.setdefault(e["column"], f"row {e['row']}, column {e['column']}: {e['reason']}")
        return " ".join([batch.message, *first.values()])

    def grid(self) -> dict:
        return {row.code: row.month_amounts for row in target_grid.allocation_rows(self.plan)}

    def spend(self) -> dict:
        return {line.name: line.months for line in budget_selectors.budget_lines_list(self.budget)}

    def actuals(self) -> list:
        rows = Actual.objects.values_list("seller__email", "date", "value")
        return sorted(rows, key=lambda r: r[1])


def attempt(load: Callable, stored: Callable, expected: object, *args) -> tuple[str, str]:
    """("loaded" or "refused" with the message, or "WRONG" with what was stored), inside a transaction
    rolled back afterwards so that every attempt starts from the same stored state."""
    with transaction.atomic():
        before = stored()
        message = load(*args)
        after = stored()
        transaction.set_rollback(True)
    if message is None:
        return ("loaded", "") if after == expected else ("WRONG", f"stored {after}")
    if after != before:
        return "WRONG", f"refused but stored {after}: {message}"
    if not CAUSE.search(message):
        return "WRONG", f"refused without naming row and cause: {message}"
    return "refused", message


# --- The round trips ----------------------------------------------------------------------------------------


@pytest.fixture
def app(org) -> App:
    """Region A's plan, cascaded to teams A1 and A2, with GRID as its target grid and SPEND as its budget's
    spend; its sales leader loads the files."""
    region_lead = UserFactory(username="region_lead")
    MembershipFactory(user=region_lead, org_unit=org.region_a, role=Role.SALES_LEADER)
    region_plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=region_plan, name="Revenue", new_business=D("1000000"))
    cascade.cascade_run(
        actor=region_lead,
        plan=region_plan,
        version=region_plan.version,
        method="equal",
        level="units",
        buffer_percent=D("0"),
    )
    for code, name in UNIT_NAMES.items():
        OrgUnit.objects.filter(code=code).update(name=name)
    target_grid.grid_import(actor=region_lead, plan=region_plan, rows=grid_rows(GRID))
    budget = budgets.budget_create(actor=region_lead, plan=region_plan, total=D("3000000"))
    for name in SPEND:
        budgets.line_create(
            actor=region_lead,
            budget=budget,
            values={"name": name, "category": "programs", "growth": False, "expected_value": D("1")},
            opening=D("100000"),
        )
    budgets.spend_import(actor=region_lead, budget=budget, rows=grid_rows(SPEND))
    for email in SELLERS:
        SellerFactory(org_unit=org.team_a1, email=email)
    return App(region_plan, budget, region_lead)


def exports(client, app: App) -> dict[str, bytes]:
    """The files the export links give, and the hand-made actuals; then the grid and spend are emptied."""
    client.force_login(app.actor)
    files = {name: hand_made_actuals(*how) for name, how in HAND_MADE.items()}
    for fmt in ("csv", "xlsx"):
        grid = client.get(reverse("planning:grid-export", args=[app.plan.pk, fmt]))
        spend = client.get(reverse("budgets:spend-export", args=[app.plan.pk, fmt]))
        assert grid.status_code == spend.status_code == 200
        files[f"targets.{fmt}"], files[f"spend.{fmt}"] = grid.content, spend.content
    assert app.grid() == GRID and app.spend() == SPEND  # the exports hold the values put in
    target_grid.grid_import(actor=app.actor, plan=app.plan, rows=grid_rows({c: [Z] * 12 for c in GRID}))
    Spend.objects.filter(line__budget=app.budget).delete()
    return files


def show(table: list[tuple], seconds: float) -> str:
    lines = [f"LibreOffice round trips ({seconds:.0f} s in LibreOffice):"]
    lines.append(f"  {'file':<20}{'locale':<8}{'saved as':<10}{'declared':<23}outcome")
    for name, locale, kind, numbers, dates, outcome, message in table:
        formats = " ".join(f for f in (numbers, dates) if f) or "default"
        lines.append(f"  {name:<20}{locale:<8}{kind:<10}{formats:<23}{outcome} {message[:110]}")
    return "\n".join(lines)


def test_files_saved_by_libreoffice_load_exactly_the_values_shown_or_are_refused_whole(
    client, app, tmp_path, capsys
):
    assert shutil.which("soffice"), "LibreOffice is not installed: `make system-debs-test` installs it"
    files = exports(client, app)
    started = time.monotonic()
    saved = saved_by_libreoffice(files, tmp_path)
    seconds = time.monotonic() - started
    rows = zip(ACTUALS, ACTUAL_VALUES, strict=True)
    actuals = sorted(((email, day, value) for (_, email, day, _, _), value in rows), key=lambda r: r[1])
    imports = {
        "targets": (app.load_grid, app.grid, GRID),
        "spend": (app.load_spend, app.spend, SPEND),
        "actuals": (app.load_actuals, app.actuals, actuals),
    }
    table = []
    for (name, locale, kind), data in sorted(saved.items()):
        load, stored, values = imports[name.split(".")[0].split("-")[0]]
        upload = f"{Path(name).stem}.{kind.rstrip(';')}"
        for numbers, dates in ((None, None), declared(name, locale)):
            outcome, message = attempt(load, stored, values, upload, data, numbers, dates)
            dates = dates if name in HAND_MADE else None  # the grid and spend have no dates
            table.append((name, locale, kind, numbers, dates, outcome, message))
    with capsys.disabled():
        print("\n" + show(table, seconds))
    assert not [row for row in table if row[5] == "WRONG"], show(table, seconds)
    outcome = {(name, locale, kind, numbers): result for name, locale, kind, numbers, _, result, _ in table}
    # Every workbook saved keeps numbers as numbers (or the app's plain text): it loads as it is.
    assert {outcome[key] for key in outcome if key[2] == "xlsx" and key[3] is None} == {"loaded"}
    # Decimal commas in a German CSV: refused by default, loaded exactly once their format is declared.
    for name in ("targets.xlsx", "spend.xlsx", *HAND_MADE):
        assert outcome[(name, "de_DE", "csv", None)] == "refused"
        assert outcome[(name, "de_DE", "csv", "1.234,50")] == "loaded"
    semicolons = [message for (_, _, kind, _, _, _, message) in table if kind == "csv;"]
    assert all("this file separates columns with ';'" in message for message in semicolons)
