"""Writes of Step 4: the catalogue and its data sources (company sales ops), targets and manual actuals
(the unit's leaders and sales ops), KPI links on objectives (the plan's leaders), churn policy (sales ops).
File and API loads of actuals are in metrics.importer."""

import datetime as dt
import zlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from core import tabular
from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from core.services import Actor, audit_record, jsonable, versioned_create, versioned_update
from metrics.models import KPI, Actual, ChurnPolicy, DataSource, KPITarget, TargetAdjustment
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc as planning_calc
from planning.models import Objective, Plan, SeasonalityProfile
from planning.services import ensure_plan_editable


def _ensure_catalogue_owner(actor: Actor) -> None:
    if not permissions.is_company_ops(actor):
        raise PermissionDenied("Only company-level sales ops keep the KPI catalogue.")


def _check_ratio(values: dict, kpi: KPI | None = None) -> None:
    aggregation = values.get("aggregation", kpi.aggregation if kpi else KPI.Aggregation.SUM)
    numerator = values.get("numerator", kpi.numerator if kpi else None)
    denominator = values.get("denominator", kpi.denominator if kpi else None)
    if aggregation == KPI.Aggregation.RATIO:
        if numerator is None or denominator is None:
            raise ValidationError({"numerator": "A ratio KPI needs a numerator KPI and a denominator KPI."})
        if numerator == denominator or kpi is not None and kpi.pk in (numerator.pk, denominator.pk):
            raise ValidationError({"denominator": "Numerator and denominator are two other, different KPIs."})
        if {numerator.aggregation, denominator.aggregation} != {KPI.Aggregation.SUM}:
            raise ValidationError({"numerator": "A ratio is built from two summed KPIs."})
    elif numerator is not None or denominator is not None:
        raise ValidationError({"aggregation": "Only a ratio KPI has a numerator and a denominator."})
    if kpi is not None and aggregation != KPI.Aggregation.SUM:
        used_by = [str(k) for k in KPI.objects.filter(Q(numerator=kpi) | Q(denominator=kpi)).order_by("name")]
        if used_by:
            raise ValidationError(
                {"aggregation": f"{', '.join(used_by)} divide by or into this KPI: it stays summed."}
            )
    unit = values.get("unit", kpi.unit if kpi else "")
    if unit == KPI.Unit.PERCENT and aggregation in (KPI.Aggregation.SUM, KPI.Aggregation.LAST):
        raise ValidationError(
            {
                "aggregation": "A percentage cannot be added up across sellers and units: make it a ratio "
                "of two summed KPIs (or an average)."
            }
        )


def kpi_create(*, actor: Actor, values: dict) -> KPI:
    _ensure_catalogue_owner(actor)
    _check_ratio(values)
    kpi = versioned_create(model=KPI, values=values, actor=actor)
    versioned_create(model=DataSource, values={"kpi": kpi}, actor=actor)
    return kpi


def kpi_update(*, actor: Actor, kpi: KPI, version: int, values: dict) -> KPI:
    _ensure_catalogue_owner(actor)
    _check_ratio(values, kpi)
    return versioned_update(instance=kpi, version=version, values=values, actor=actor)


def source_update(*, actor: Actor, source: DataSource, version: int, values: dict) -> DataSource:
    _ensure_catalogue_owner(actor)
    return versioned_update(instance=source, version=version, values=values, actor=actor)


def objective_kpis_set(*, actor: Actor, objective: Objective, version: int, kpis: list[KPI]) -> Objective:
    """Say which KPIs measure an objective (the plan's sales leaders, while it is a draft)."""
    ensure_plan_editable(plan=objective.plan, actor=actor)
    return versioned_update(instance=objective, version=version, values={}, actor=actor, m2m={"kpis": kpis})


# --- Targets and manual actuals ----------------------------------------------------------------------


def _ensure_metrics_writer(actor: Actor, unit: OrgUnit) -> None:
    if not permissions.has_role(actor, unit, permissions.EDIT_METRICS):
        raise PermissionDenied("Only the unit's sales leaders and sales ops set its targets and actuals.")


def _subject(unit: OrgUnit, seller: Seller | None) -> dict:
    if seller is not None and not seller.org_unit.path.startswith(unit.path):
        raise ValidationError({"seller": f"{seller} is not a seller of {unit}."})
    return {"org_unit": seller.org_unit if seller else unit, "seller": seller}


def _value(value, field: str = "value") -> Decimal:
    try:
        number = tabular.cell_number(value)  # a plain number when typed: never a thousands separator
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from None
    if abs(number) >= Decimal("1e14") or number.as_tuple().exponent < -4:
        raise ValidationError({field: f"{value!r}: give a number below 10^14 with at most 4 decimals."})
    return number


@transaction.atomic
def targets_set(
    *, actor: Actor, kpi: KPI, org_unit: OrgUnit, seller: Seller | None, fiscal_year: int, months: list
) -> int:
    """Set a KPI's 12 monthly targets for a unit or one of its sellers; returns how many changed."""
    _ensure_metrics_writer(actor, org_unit)
    if len(months) != 12:
        raise ValidationError("Give 12 monthly targets.")
    values = [_value(m, f"m{i}") for i, m in enumerate(months, start=1)]
    subject = _subject(org_unit, seller)
    existing = {
        t.period: t
        for t in KPITarget.objects.select_for_update()
        .filter(kpi=kpi, fiscal_year=fiscal_year, **subject)
        .order_by()
    }
    changed = 0
    for period, value in enumerate(values, start=1):
        row = existing.get(period)
        if row is None:
            versioned_create(
                model=KPITarget,
                values={"kpi": kpi, "fiscal_year": fiscal_year, "period": period, "value": value, **subject},
                actor=actor,
            )
            changed += 1
        elif row.value != value:
            versioned_update(instance=row, version=row.version, values={"value": value}, actor=actor)
            changed += 1
    return changed


def targets_phase(
    *,
    actor: Actor,
    kpi: KPI,
    org_unit: OrgUnit,
    seller: Seller | None,
    fiscal_year: int,
    annual: Decimal,
    profile: SeasonalityProfile | None,
) -> int:
    """Spread an annual figure over the fiscal months by a seasonality profile (as Step 1 phases targets).
    Averages, last values and ratios keep the same figure every month instead."""
    annual = _value(annual, "annual")
    if kpi.aggregation != KPI.Aggregation.SUM:
        months = [annual] * 12
    else:
        rules = FiscalCalendar.current_rules()
        months = planning_calc.phase(annual, profile.weight_decimals if profile else None, rules)
    return targets_set(
        actor=actor, kpi=kpi, org_unit=org_unit, seller=seller, fiscal_year=fiscal_year, months=months
    )


@transaction.atomic
def actuals_months_set(*, actor: Actor, kpi: KPI, org_unit: OrgUnit, fiscal_year: int, months: list) -> int:
    """Manual entry: a unit's actual for each fiscal month, dated the month's first day ('' leaves a
    month alone). Returns how many values changed."""
    _ensure_metrics_writer(actor, org_unit)
    if kpi.aggregation == KPI.Aggregation.RATIO:
        raise ValidationError(f"{kpi} is a ratio: enter its numerator and denominator instead.")
    periods = FiscalCalendar.current_rules().periods(fiscal_year)
    changed = 0
    for period, raw in zip(periods, months, strict=True):
        if str(raw).strip() == "":
            continue
        value = _value(raw, f"m{period.period}")
        row, created = Actual.objects.get_or_create(
            kpi=kpi,
            org_unit=org_unit,
            seller=None,
            date=period.start,
            defaults={"value": value, "source": Actual.Source.MANUAL},
        )
        if not created and row.value != value:
            Actual.objects.filter(pk=row.pk).update(value=value, source=Actual.Source.MANUAL)
        changed += created or row.value != value
    return changed


def actual_fingerprint(row: Actual | None) -> int:
    """What stands for a manual actual's version (Actual rows carry none): 0 when there is none, otherwise
    a checksum of its value, so an edit based on a value someone has since changed is refused."""
    return 0 if row is None else zlib.crc32(f"{row.value.normalize():f}".encode()) or 1


@transaction.atomic
def target_months_write(
    *,
    actor: Actor,
    kpi: KPI,
    org_unit: OrgUnit,
    fiscal_year: int,
    values: dict[int, tuple[Decimal, int]],
    comment: str = "",
) -> int:
    """Set some of a unit's monthly targets for a KPI, {period: (value, version seen)}, each only if it is
    still at the version its editor saw (0: none yet); StaleVersionError otherwise, and nothing is written.
    `comment` (why) goes into the history with each change. Returns how many changed."""
    _ensure_metrics_writer(actor, org_unit)
    existing = {
        t.period: t
        for t in KPITarget.objects.select_for_update()
        .filter(kpi=kpi, fiscal_year=fiscal_year, org_unit=org_unit, seller=None)
        .order_by()
    }
    changed = 0
    for period, (raw, version) in sorted(values.items()):
        value, row = _value(raw, f"m{period}"), existing.get(period)
        if (row.version if row else 0) != version:
            raise StaleVersionError(
                current_version=row.version if row else 0, label=f"{kpi} target P{period}"
            )
        if row is None:
            values_ = {"kpi": kpi, "org_unit": org_unit, "seller": None, "fiscal_year": fiscal_year}
            versioned_create(
                model=KPITarget,
                values={**values_, "period": period, "value": value},
                actor=actor,
                comment=comment,
            )
            changed += 1
        elif row.value != value:
            versioned_update(
                instance=row, version=version, values={"value": value}, actor=actor, comment=comment
            )
            changed += 1
    return changed


@transaction.atomic
def actual_months_write(
    *,
    actor: Actor,
    kpi: KPI,
    org_unit: OrgUnit,
    fiscal_year: int,
    values: dict[int, tuple[Decimal, int]],
    comment: str = "",
) -> int:
    """Manual entry of a unit's own actuals, dated each fiscal month's first day: {period: (value,
    fingerprint seen)}; a month someone changed since is refused (StaleVersionError), nothing written.
    `comment` (why) goes into the history with each change."""
    _ensure_metrics_writer(actor, org_unit)
    if kpi.aggregation == KPI.Aggregation.RATIO:
        raise ValidationError(f"{kpi} is a ratio: enter its numerator and denominator instead.")
    periods = {p.period: p for p in FiscalCalendar.current_rules().periods(fiscal_year)}
    dates = [periods[p].start for p in values]
    existing = {
        a.date: a
        for a in Actual.objects.select_for_update().filter(
            kpi=kpi, org_unit=org_unit, seller=None, date__in=dates
        )
    }
    changed = 0
    for period, (raw, seen) in sorted(values.items()):
        value, row = _value(raw, f"m{period}"), existing.get(periods[period].start)
        if actual_fingerprint(row) != seen:
            raise StaleVersionError(current_version=actual_fingerprint(row), label=f"{kpi} actual P{period}")
        if row is not None and row.value == value:
            continue
        before = None if row is None else row.value
        if row is None:
            row = Actual.objects.create(
                kpi=kpi, org_unit=org_unit, seller=None, date=periods[period].start, value=value
            )
        else:
            Actual.objects.filter(pk=row.pk).update(value=value, source=Actual.Source.MANUAL)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATED,
            instance=kpi,
            changes={f"{org_unit} actual P{period} FY{fiscal_year}": [jsonable(before), jsonable(value)]},
            comment=comment,
        )
        changed += 1
    return changed


# --- Churn policy -------------------------------------------------------------------------------------


def churn_policy_save(
    *, actor: Actor, plan: Plan, version: int | None, values: dict, comment: str = ""
) -> ChurnPolicy:
    """Sales ops set the plan's churn policy while the plan is a draft."""
    if not permissions.has_role(actor, plan.org_unit, permissions.MANAGE_ORG):
        raise PermissionDenied("Only sales ops set the churn policy.")
    if not plan.is_editable:
        raise InvalidTransitionError("The plan is not a draft; reopen it to change the churn policy.")
    existing = ChurnPolicy.objects.filter(plan=plan).first()
    if existing is None:
        return versioned_create(
            model=ChurnPolicy, values={"plan": plan, **values}, actor=actor, comment=comment
        )
    return versioned_update(
        instance=existing, version=version or 0, values=values, actor=actor, comment=comment
    )


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- Mid-year adjustments at a quarterly review ------------------------------------------------------


@transaction.atomic
def target_adjust(
    *, actor: Actor, plan: Plan, quarter: int, kpi: KPI, period: int, value, reason: str
) -> TargetAdjustment:
    """Change one monthly target of the plan's unit at a quarterly review, saying why. The plan must be
    a draft: an approved plan is reopened first, which starts a new revision."""
    _ensure_metrics_writer(actor, plan.org_unit)
    if not plan.is_editable:
        raise InvalidTransitionError(
            "Reopen the plan as a new revision to adjust its targets at this review."
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why the target changes; the review keeps it."})
    if not 1 <= period <= 12 or not 1 <= quarter <= 4:
        raise ValidationError({"period": "Pick a fiscal month 1–12 and a review quarter 1–4."})
    value = _value(value)
    row = KPITarget.objects.filter(
        kpi=kpi, org_unit=plan.org_unit, seller=None, fiscal_year=plan.fiscal_year, period=period
    ).first()
    before = row.value if row else None
    if row is None:
        versioned_create(
            model=KPITarget,
            values={
                "kpi": kpi,
                "org_unit": plan.org_unit,
                "fiscal_year": plan.fiscal_year,
                "period": period,
                "value": value,
            },
            actor=actor,
        )
    elif row.value != value:
        versioned_update(
            instance=row, version=row.version, values={"value": value}, actor=actor, comment=reason
        )
    adjustment = TargetAdjustment.objects.create(
        plan=plan,
        review_quarter=quarter,
        plan_revision=plan.revision,
        kpi=kpi,
        org_unit=plan.org_unit,
        period=period,
        before=before,
        after=value,
        reason=reason.strip(),
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATED,
        instance=adjustment,
        changes={f"{kpi.name} target P{period}": [jsonable(before), jsonable(value)]},
        comment=f"Q{quarter} review: {reason.strip()}",
    )
    return adjustment
