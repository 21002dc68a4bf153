"""What a scenario may override, and the check of its `assumptions` JSON.

Every key is optional: a key left out means "as the plan". Numbers may be given as JSON numbers or as
decimal strings ("12.5"); they are read as Decimal. Each error message starts with the field it is about
(e.g. ``hires[1].start_month``). References (a profile, a unit, a budget line) are checked against the
database by the services, not here: this check is pure.

    growth_goal_percent      net ARR growth goal, % (−100…1000)        the churn policy's otherwise
    churn_rate_percent       expected churn a year, % (0…100)         the policy's, made annual
    churn_allowance_percent  the reps' churn allowance, % (0…100)
    buffer_percent           over-assignment buffer, % (0…200)         the plan's or the company default
    seasonality_profile      a profile id, or null for an even spread
    quota_per_seller         every seller's full monthly quota (≥ 0)
    split_method             equal | headcount | prior_year | manual   the plan's cascade method
    hires                    [{count 1…500, start_month 1…12, ramp [%…] (default 0/25/50/75/100),
                               monthly_quota (default quota_per_seller), unit (default the plan's unit,
                               which counts in the total only)}]
    attrition                {rate_percent a year (0…100), backfill_lag months (0…24, default 0)}
    budget_moves             [{source line id, target line id, amount > 0}], drafted, never posted here
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from orgs.models import validate_ramp
from planning.models import CascadeMethod

# key: (what it is, low, high) for the plain percentage and amount fields.
NUMBERS: dict[str, tuple[str, Decimal | None, Decimal | None]] = {
    "growth_goal_percent": ("the net ARR growth goal in %", Decimal("-100"), Decimal("1000")),
    "churn_rate_percent": ("the expected churn a year in %", Decimal("0"), Decimal("100")),
    "churn_allowance_percent": ("the churn allowance in %", Decimal("0"), Decimal("100")),
    "buffer_percent": ("the over-assignment buffer in %", Decimal("0"), Decimal("200")),
    "quota_per_seller": ("every seller's full monthly quota", Decimal("0"), None),
}
KEYS = (
    *NUMBERS,
    "seasonality_profile",
    "split_method",
    "hires",
    "attrition",
    "budget_moves",
)
HIRE_KEYS = ("count", "start_month", "ramp", "monthly_quota", "unit")
ATTRITION_KEYS = ("rate_percent", "backfill_lag")
MOVE_KEYS = ("source", "target", "amount")
MAX_HIRES = 500
MAX_LAG = 24


def number(value: Any) -> Decimal | None:
    """A JSON number or decimal string as Decimal; None if it is neither (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _check_number(field: str, value: Any, what: str, low: Decimal | None, high: Decimal | None) -> list[str]:
    n = number(value)
    if n is None:
        return [f"{field}: {what} must be a number; got {value!r}."]
    if (low is not None and n < low) or (high is not None and n > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        return [f"{field}: {what} must be {bounds}; got {n}."]
    return []


def _check_int(field: str, value: Any, what: str, low: int, high: int) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [f"{field}: {what} must be a whole number from {low} to {high}; got {value!r}."]
    return []


def _check_keys(field: str, value: Any, known: tuple[str, ...]) -> list[str]:
    if not isinstance(value, dict):
        return [f"{field}: expected an object with {', '.join(known)}; got {value!r}."]
    unknown = sorted(set(value) - set(known))
    return [f"{field}: unknown key {k!r}; known keys are {', '.join(known)}." for k in unknown]


def _check_id(field: str, value: Any, what: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return [f"{field}: {what} must be the id of one (a whole number); got {value!r}."]
    return []


def _check_hire(field: str, hire: Any) -> list[str]:
    errors = _check_keys(field, hire, HIRE_KEYS)
    if not isinstance(hire, dict):
        return errors
    for key in ("count", "start_month"):
        if key not in hire:
            errors.append(f"{field}.{key}: required.")
    if "count" in hire:
        errors += _check_int(f"{field}.count", hire["count"], "the number of hires", 1, MAX_HIRES)
    if "start_month" in hire:
        errors += _check_int(f"{field}.start_month", hire["start_month"], "the fiscal start month", 1, 12)
    if "ramp" in hire:
        try:
            validate_ramp(hire["ramp"])
        except ValidationError as error:
            errors += [f"{field}.ramp: {m}" for m in error.messages]
    if "monthly_quota" in hire:
        errors += _check_number(
            f"{field}.monthly_quota", hire["monthly_quota"], "the hire's monthly quota", Decimal(0), None
        )
    if "unit" in hire:
        errors += _check_id(f"{field}.unit", hire["unit"], "the hire's org unit")
    return errors


def _check_hires(value: Any, quota_set: bool) -> list[str]:
    if not isinstance(value, list):
        return [f"hires: expected a list of hires; got {value!r}."]
    errors = []
    for i, hire in enumerate(value):
        errors += _check_hire(f"hires[{i}]", hire)
        if isinstance(hire, dict) and "monthly_quota" not in hire and not quota_set:
            errors.append(
                f"hires[{i}].monthly_quota: give the hires' monthly quota (or set quota_per_seller)."
            )
    return errors


def _check_attrition(value: Any) -> list[str]:
    errors = _check_keys("attrition", value, ATTRITION_KEYS)
    if not isinstance(value, dict):
        return errors
    if "rate_percent" not in value:
        errors.append("attrition.rate_percent: required.")
    else:
        what = "the share of sellers leaving a year in %"
        errors += _check_number(
            "attrition.rate_percent", value["rate_percent"], what, Decimal(0), Decimal(100)
        )
    if "backfill_lag" in value:
        what = "the months a leaver's seat stays empty"
        errors += _check_int("attrition.backfill_lag", value["backfill_lag"], what, 0, MAX_LAG)
    return errors


def _check_moves(value: Any) -> list[str]:
    if not isinstance(value, list):
        return [f"budget_moves: expected a list of moves; got {value!r}."]
    errors = []
    for i, move in enumerate(value):
        field = f"budget_moves[{i}]"
        errors += _check_keys(field, move, MOVE_KEYS)
        if not isinstance(move, dict):
            continue
        for key, what in (
            ("source", "the budget line money leaves"),
            ("target", "the budget line it goes to"),
        ):
            errors += (
                [f"{field}.{key}: required."]
                if key not in move
                else _check_id(f"{field}.{key}", move[key], what)
            )
        amount = number(move.get("amount"))
        if amount is None or amount <= 0:
            errors.append(
                f"{field}.amount: the amount moved must be a number above 0; got {move.get('amount')!r}."
            )
        if move.get("source") is not None and move.get("source") == move.get("target"):
            errors.append(f"{field}.target: a move needs two different lines.")
    return errors


def assumption_errors(value: Any) -> list[str]:
    """Every problem with a scenario's assumptions, each naming its field; [] when they are valid."""
    if not isinstance(value, dict):
        return [f"assumptions: expected an object of overrides; got {value!r}."]
    errors = [
        f"{k}: unknown assumption; known ones are {', '.join(KEYS)}." for k in sorted(set(value) - set(KEYS))
    ]
    for key, (what, low, high) in NUMBERS.items():
        if key in value:
            errors += _check_number(key, value[key], what, low, high)
    if value.get("seasonality_profile") is not None:
        errors += _check_id("seasonality_profile", value["seasonality_profile"], "the seasonality profile")
    if "split_method" in value and value["split_method"] not in CascadeMethod.values:
        errors.append(
            f"split_method: one of {', '.join(CascadeMethod.values)}; got {value['split_method']!r}."
        )
    if "hires" in value:
        errors += _check_hires(value["hires"], "quota_per_seller" in value)
    if "attrition" in value:
        errors += _check_attrition(value["attrition"])
    if "budget_moves" in value:
        errors += _check_moves(value["budget_moves"])
    return errors


def validate_assumptions(value: Any) -> None:
    """The model field's validator: ValidationError listing every problem, each naming its field."""
    errors = assumption_errors(value)
    if errors:
        raise ValidationError(errors)
