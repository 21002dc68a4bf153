"""The file an import of actuals starts from: the header and two example rows built from the real
catalogue — an active KPI, a unit the user may load and one of its sellers, dates in the running fiscal
year, plain numbers — that load as they are. The XLSX adds a sheet "Codes" with every KPI, and the units
and sellers the user may load, each by code (a seller's e-mail) and name: what the columns may say."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from core.services import Actor
from metrics import importer
from metrics.models import KPI
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning.gridfile import neutralise

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
VALUES = {  # by the KPI's unit; written plain: a dot before the decimals, no grouping
    KPI.Unit.CURRENCY: (Decimal("1234.50"), Decimal("980.00")),
    KPI.Unit.COUNT: (Decimal("42"), Decimal("37")),
    KPI.Unit.PERCENT: (Decimal("0.25"), Decimal("0.3")),
}
HEADING = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="E8ECF2")


@dataclass(frozen=True)
class Catalogue:
    """What the template is built from, read once for the user."""

    kpis: list[KPI]
    units: list[OrgUnit]
    sellers: list[Seller]


def catalogue_get(*, actor: Actor, today: dt.date) -> Catalogue:
    """Active KPIs, the units the actor may load actuals for, their sellers (those still working first)."""
    units = OrgUnit.objects.with_role(actor, permissions.EDIT_METRICS).order_by("path")
    sellers = Seller.objects.filter(org_unit__in=units).select_related("org_unit")
    return Catalogue(
        kpis=list(
            KPI.objects.filter(active=True).select_related("numerator", "denominator").order_by("code")
        ),
        units=list(units),
        sellers=sorted(sellers.order_by("org_unit__path", "name", "email"), key=lambda s: _left(s, today)),
    )


def _left(seller: Seller, today: dt.date) -> bool:
    return seller.end_date is not None and seller.end_date < today


def example_rows(catalogue: Catalogue, today: dt.date) -> list[list[object]]:
    """Two rows that load as they are, of the example KPI: first for a unit, then for one of its sellers
    (the unit again if it has none), at the ends of the running fiscal year's first two months."""
    kpi = example_kpi(catalogue.kpis)
    seller = catalogue.sellers[0] if catalogue.sellers else None
    unit = seller.org_unit if seller else (catalogue.units[0] if catalogue.units else None)
    rules = FiscalCalendar.current_rules()
    year = rules.fiscal_year_of(today)
    first, second = rules.period(year, 1).end, rules.period(year, 2).end
    kpi_code, unit_code = kpi.code if kpi else "kpi-code", unit.code if unit else "unit-code"
    values = VALUES.get(kpi.unit if kpi else "", VALUES[KPI.Unit.CURRENCY])
    return [
        [kpi_code, unit_code, "", first, values[0]],
        [kpi_code, unit_code, seller.email if seller else "", second, values[1]],
    ]


def example_kpi(kpis: list[KPI]) -> KPI | None:
    """A KPI loaded as it is: summed, and not one side of a ratio if there is one (then any but a ratio)."""
    sides = {k.numerator_id for k in kpis} | {k.denominator_id for k in kpis}
    summed = [k for k in kpis if k.aggregation == KPI.Aggregation.SUM]
    loadable = [k for k in kpis if k.aggregation != KPI.Aggregation.RATIO]
    return next(iter([k for k in summed if k.pk not in sides] + summed + loadable), None)


def actuals_template(*, actor: Actor, fmt: str, today: dt.date) -> tuple[bytes, str]:
    """(the file, its content type) of the actuals template as CSV or XLSX."""
    catalogue = catalogue_get(actor=actor, today=today)
    rows = example_rows(catalogue, today)
    body = _xlsx(rows, catalogue) if fmt == "xlsx" else _csv(rows)
    return body, CONTENT_TYPES[fmt]


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(importer.COLUMNS)
    for row in rows:
        writer.writerow([_plain(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(neutralise(value))


def _xlsx(rows: list[list[object]], catalogue: Catalogue) -> bytes:
    """The rows as real dates (shown YYYY-MM-DD) and numbers (shown 1234.50), then the Codes sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Actuals"
    _table(sheet, list(importer.COLUMNS), rows, widths=(22, 18, 28, 12, 12))
    for cells in sheet.iter_rows(min_row=2):
        cells[3].number_format, cells[4].number_format = "yyyy-mm-dd", "0.00"
    _table(
        book.create_sheet("Codes"), ["column", "code", "name", "note"], _codes(catalogue), (10, 28, 32, 48)
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _codes(catalogue: Catalogue) -> list[list[object]]:
    """What each column may say: a code or the name beside it."""
    kpis = [["kpi", k.code, k.name, _kpi_note(k)] for k in catalogue.kpis]
    units = [["unit", u.code, u.name, u.get_kind_display()] for u in catalogue.units]
    sellers = [["seller", s.email, s.name, _seller_note(s)] for s in catalogue.sellers]
    return kpis + units + sellers


def _kpi_note(kpi: KPI) -> str:
    if kpi.aggregation != KPI.Aggregation.RATIO:
        return ""
    parts = [p.code for p in (kpi.numerator, kpi.denominator) if p]
    return f"a ratio: load {' and '.join(parts) or 'its numerator and denominator'} instead"


def _seller_note(seller: Seller) -> str:
    left = f", left {seller.end_date.isoformat()}" if seller.end_date else ""
    return f"in {seller.org_unit.code}{left}"


def _table(sheet: Worksheet, header: list[str], rows: list[list[object]], widths: tuple[int, ...]) -> None:
    """A styled header row kept in view, then the rows; text is never read as a formula."""
    sheet.append(header)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADING, HEADING_FILL
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v if v != "" else None for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for column, width in zip("ABCDE", widths, strict=False):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
