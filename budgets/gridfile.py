"""Monthly spend as a file, in the same layout as the target grid: Code (the line's name), Name (its
category), one column per fiscal month, Total."""

from orgs.fiscal import FiscalYearRules
from planning.gridfile import header, read_rows, to_csv, to_xlsx
from planning.models import Plan

__all__ = ["read_rows", "spend_file"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spend_file(
    plan: Plan, lines: list, rules: FiscalYearRules, fmt: str, *, currency: str | None = None
) -> tuple[bytes, str]:
    """The file and its content type; an XLSX names `currency` (the budget's; the company's when None)
    and groups the amounts, a CSV keeps plain numbers."""
    data = [header(rules, plan.fiscal_year)]
    data += [[line.name, line.get_category_display(), *line.months, line.spent] for line in lines]
    if fmt == "csv":
        return to_csv(data), "text/csv; charset=utf-8"
    return to_xlsx(data, f"FY{plan.fiscal_year} spend", currency=currency), XLSX
