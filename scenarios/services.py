"""Writes of scenarios: keyword-only, versioned, audited on the plan's history. A scenario is branched by
anyone who may edit the plan, from a plan that can be edited (a draft, or a reopened plan); none of these
writes touches the plan itself."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from budgets.models import BudgetLine, Move
from budgets.services import move_request
from core.exceptions import InvalidTransitionError, StaleVersionError
from core.formatting import money
from core.services import Actor, audited_delete, versioned_create, versioned_update
from metrics import calc as metrics_calc
from metrics.models import ChurnPolicy
from metrics.services import churn_policy_save
from orgs import permissions
from orgs.models import OrgUnit
from planning.calc import CENT
from planning.cascade import cascade_preview, cascade_run, effective_buffer
from planning.models import CascadeMethod, Plan, SeasonalityProfile
from planning.services import ensure_plan_editable, plan_update
from scenarios.models import Scenario
from scenarios.schema import assumption_errors, number

FIELDS = {"name", "notes", "assumptions"}


def reference_errors(plan: Plan, assumptions: dict[str, Any]) -> list[str]:
    """What the assumptions name that the plan cannot use: a profile of another branch of the tree, a unit
    outside the plan's, a budget line of another budget. Each message names its field."""
    errors = []
    pk = assumptions.get("seasonality_profile")
    if pk is not None:
        profile = SeasonalityProfile.objects.filter(pk=pk).select_related("org_unit").first()
        if profile is None or not plan.org_unit.path.startswith(profile.org_unit.path):
            errors.append(f"seasonality_profile: no profile {pk} that {plan.org_unit} may use.")
    units = {h["unit"] for h in assumptions.get("hires", []) if "unit" in h}
    inside = set(
        OrgUnit.objects.filter(pk__in=units, path__startswith=plan.org_unit.path).values_list("pk", flat=True)
    )
    errors += [
        f"hires: unit {pk} is not {plan.org_unit} or a unit below it." for pk in sorted(units - inside)
    ]
    moves = assumptions.get("budget_moves", [])
    named = {m[k] for m in moves for k in ("source", "target")}
    lines = set(BudgetLine.objects.filter(plan=plan, pk__in=named).values_list("pk", flat=True))
    errors += [f"budget_moves: line {pk} is not in this plan's budget." for pk in sorted(named - lines)]
    return errors


def _check(plan: Plan, assumptions: Any) -> None:
    errors = assumption_errors(assumptions) or reference_errors(plan, assumptions)
    if errors:
        raise ValidationError({"assumptions": errors})


@transaction.atomic
def scenario_create(
    *, actor: Actor, plan: Plan, name: str, notes: str = "", assumptions: dict[str, Any] | None = None
) -> Scenario:
    """Branch a scenario from the plan as it is now (its version is kept as the base)."""
    ensure_plan_editable(plan=plan, actor=actor)
    assumptions = {} if assumptions is None else assumptions
    _check(plan, assumptions)
    values = {
        "plan": plan,
        "name": name,
        "notes": notes,
        "assumptions": assumptions,
        "created_by": actor if actor is not None and actor.is_authenticated else None,
        "base_version": plan.version,
        "base_policy_version": _policy_version(plan),
    }
    return versioned_create(model=Scenario, values=values, actor=actor, comment=f"Scenario of {plan}.")


@transaction.atomic
def scenario_update(*, actor: Actor, scenario: Scenario, version: int, **values: Any) -> Scenario:
    """Rename the scenario, change its notes or replace its assumptions (refused if stale)."""
    ensure_plan_editable(plan=scenario.plan, actor=actor)
    unknown = set(values) - FIELDS
    if unknown:
        raise ValueError(f"Not scenario fields: {', '.join(sorted(unknown))}")
    if "assumptions" in values:
        _check(scenario.plan, values["assumptions"])
    return versioned_update(instance=scenario, version=version, values=values, actor=actor)


@transaction.atomic
def scenario_delete(*, actor: Actor, scenario: Scenario, version: int) -> None:
    """Delete a scenario (its last values stay in the plan's history); the plan need not be a draft."""
    if not permissions.has_role(actor, scenario.plan.org_unit, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the unit's sales leaders can delete its scenarios.")
    audited_delete(instance=scenario, version=version, actor=actor)


# --- Promotion: the scenario applied to the plan through the plan's own services ---------------------

CHURN_KEYS = ("growth_goal_percent", "churn_rate_percent", "churn_allowance_percent")
PEOPLE_KEYS = ("quota_per_seller", "hires", "attrition")
PEOPLE_NOTE = (
    "Hires and attrition stay a scenario's assumption; add the sellers in Organisation when they are hired."
)
# Who writes each change elsewhere in the product writes it here: plan settings and budget moves the unit's
# sales leaders (plan_update, cascade_run, move_request), growth and churn sales ops (churn_policy_save).
LEADERS, OPS = "the unit's sales leaders", "sales ops"


def promoter(key: str) -> str:
    """Who promotes a change of this key: OPS for growth and churn, LEADERS for the rest."""
    return OPS if key in CHURN_KEYS else LEADERS


def _may(actor: Actor, plan: Plan, who: str) -> bool:
    roles = permissions.MANAGE_ORG if who == OPS else permissions.EDIT_PLAN
    return permissions.has_role(actor, plan.org_unit, roles)


def may_promote(actor: Actor, plan: Plan) -> bool:
    """Whether `actor` may promote (or refresh) scenarios of the plan at all: a draft, and one of the unit's
    sales leaders or sales ops."""
    return plan.is_editable and (_may(actor, plan, LEADERS) or _may(actor, plan, OPS))


@dataclass(frozen=True)
class Change:
    """One field the promotion writes: the plan's value now and the scenario's, in words."""

    key: str
    label: str
    plan: str
    scenario: str

    @property
    def promoter(self) -> str:
        return promoter(self.key)


def _percent_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f}%"


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a.quantize(CENT) == b.quantize(CENT)


def _annual_churn(policy: ChurnPolicy) -> Decimal:
    return metrics_calc.to_annual(metrics_calc.pct(policy.expected_churn), policy.measurement_period) * 100


def _policy_version(plan: Plan) -> int | None:
    return ChurnPolicy.objects.filter(plan=plan).values_list("version", flat=True).first()


def promotion_changes(scenario: Scenario) -> list[Change]:
    """What promoting the scenario would change on the plan now: each field it sets that differs."""
    plan, a = scenario.plan, scenario.assumptions
    changes = []
    if "buffer_percent" in a:
        now, new = effective_buffer(plan), number(a["buffer_percent"])
        if not _same(now, new):
            changes.append(Change("buffer_percent", "Buffer", _percent_text(now), _percent_text(new)))
    if "split_method" in a and a["split_method"] != plan.cascade_method:
        label = dict(CascadeMethod.choices)
        changes.append(
            Change("split_method", "Split method", label[plan.cascade_method], label[a["split_method"]])
        )
    if "seasonality_profile" in a and a["seasonality_profile"] != plan.seasonality_id:
        new = SeasonalityProfile.objects.filter(pk=a["seasonality_profile"]).first()
        changes.append(
            Change(
                "seasonality_profile",
                "Seasonality",
                plan.seasonality.name if plan.seasonality else "Even spread",
                new.name if new else "Even spread",
            )
        )
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    for key, label, now in (
        ("growth_goal_percent", "Net ARR growth goal", policy and policy.net_growth_goal),
        ("churn_rate_percent", "Expected churn a year", policy and _annual_churn(policy)),
        ("churn_allowance_percent", "Churn allowance", policy and policy.allowance),
    ):
        if key in a and not _same(now, number(a[key])):
            changes.append(Change(key, label, _percent_text(now), _percent_text(number(a[key]))))
    lines = {line.pk: line for line in BudgetLine.objects.filter(plan=plan)}
    for move in a.get("budget_moves", []):
        source, target = lines.get(move["source"]), lines.get(move["target"])
        changes.append(
            Change(
                "budget_moves",
                "Budget move",
                f"{source or '?'} {money(source.amount) if source else ''}".strip(),
                f"{money(number(move['amount']))} from {source or '?'} to {target or '?'}",
            )
        )
    return changes


def promotion_conflicts(scenario: Scenario, changes: list[Change] | None = None) -> list[Change]:
    """The changes the plan has moved under since the scenario was branched. The history does not say which
    field changed at which version, so once the plan's version moved on, every plan setting the scenario
    sets that now differs from the plan is a conflict; likewise growth and churn once the churn policy's
    version moved on. Budget moves are deltas on the balances of the day, checked by the ledger, never a
    conflict. `changes`: promotion_changes(scenario), when the caller has them already."""
    plan_moved = scenario.plan.version != scenario.base_version
    policy_moved = _policy_version(scenario.plan) != scenario.base_policy_version
    return [
        c
        for c in (promotion_changes(scenario) if changes is None else changes)
        if c.key != "budget_moves" and (policy_moved if c.key in CHURN_KEYS else plan_moved)
    ]


def promotable(actor: Actor, scenario: Scenario, changes: list[Change]) -> tuple[list[Change], list[Change]]:
    """The changes `actor` may promote and the ones left for the other role (promoter)."""
    mine = {who for who in (LEADERS, OPS) if _may(actor, scenario.plan, who)}
    return [c for c in changes if c.promoter in mine], [c for c in changes if c.promoter not in mine]


def _ensure_promotable(actor: Actor, plan: Plan) -> None:
    if not (_may(actor, plan, LEADERS) or _may(actor, plan, OPS)):
        raise PermissionDenied(
            "Only the unit's sales leaders and sales ops promote or refresh its scenarios."
        )
    if not plan.is_editable:
        raise InvalidTransitionError(
            f"This plan is {plan.get_status_display().lower()} and read-only: scenarios are promoted into "
            "a draft (reopen it first)."
        )


@transaction.atomic
def scenario_refresh(*, actor: Actor, scenario: Scenario, version: int) -> Scenario:
    """Rebase the scenario on the plan (and its churn policy) as they are now, keeping its assumptions."""
    _ensure_promotable(actor, scenario.plan)
    return versioned_update(
        instance=scenario,
        version=version,
        values={"base_version": scenario.plan.version, "base_policy_version": _policy_version(scenario.plan)},
        actor=actor,
        comment=f"Scenario “{scenario.name}” refreshed on plan version {scenario.plan.version}.",
    )


@transaction.atomic
def scenario_promote(*, actor: Actor, scenario: Scenario, version: int) -> list[Change]:
    """Write the scenario's changes that `actor` may write into its plan, all or nothing, through the plan's
    services (plan_update, cascade_run, churn_policy_save, move_request), each history entry saying `from
    scenario “name”`; returns them. The unit's sales leaders write its settings and budget moves, sales ops
    its growth and churn (promoter): a scenario that changes both is promoted by each in turn, the second
    finding only its own changes left.

    Refused, writing nothing, on a stale scenario, when the plan changed since the branch in something the
    scenario also sets (scenario_refresh, then promote again), or when none of its changes is the actor's.
    People (quota, hires, attrition) are not written: PEOPLE_NOTE. The scenario is rebased on the plan it
    leaves, less the budget moves it posted, so promoting it again moves no money twice."""
    plan = Plan.objects.select_for_update().get(pk=scenario.plan_id)
    scenario.plan = plan
    _ensure_promotable(actor, plan)
    if scenario.version != version:
        raise StaleVersionError(current_version=scenario.version, label="This scenario")
    _check(plan, scenario.assumptions)
    everything = promotion_changes(scenario)
    conflicts = promotion_conflicts(scenario, everything)
    if conflicts:
        raise ValidationError(
            [
                f"{c.label}: the plan changed since the branch; it is {c.plan} now, the scenario's is "
                f"{c.scenario}. Refresh the scenario to promote it over the plan as it is."
                for c in conflicts
            ]
        )
    changes, others = promotable(actor, scenario, everything)
    if not changes:
        raise ValidationError(
            f"Nothing here for you to promote: {', '.join(c.label.lower() for c in others)} "
            f"{'is' if len(others) == 1 else 'are'} promoted by {others[0].promoter}."
            if others
            else "Nothing to promote: the plan already has what this scenario sets."
        )
    keys = {c.key for c in changes}
    a, comment = scenario.assumptions, f"from scenario “{scenario.name}”"
    _promote_settings(actor, plan, a, keys, comment)
    plan.refresh_from_db()
    if keys & set(CHURN_KEYS):
        _promote_churn(actor, plan, {k: a[k] for k in keys & set(CHURN_KEYS)}, comment)
    if "budget_moves" in keys:
        _promote_moves(actor, plan, a["budget_moves"], comment)
    versioned_update(
        instance=scenario,
        version=version,
        values={
            "base_version": plan.version,
            "base_policy_version": _policy_version(plan),
            "assumptions": {k: v for k, v in a.items() if k != "budget_moves" or "budget_moves" not in keys},
            "promoted_at": timezone.now(),
            "promoted_by": actor,
        },
        actor=actor,
        comment=f"Scenario “{scenario.name}” promoted into the plan: {', '.join(c.label for c in changes)}."
        + (" Its budget moves are the ledger's now." if "budget_moves" in keys else ""),
    )
    return changes


def _promote_settings(actor: Actor, plan: Plan, a: dict, keys: set[str], comment: str) -> None:
    values: dict[str, Any] = {}
    if "buffer_percent" in keys:
        values["buffer_percent"] = number(a["buffer_percent"])
    if "split_method" in keys:
        values["cascade_method"] = a["split_method"]
    if "seasonality_profile" in keys:
        pk = a["seasonality_profile"]
        values["seasonality"] = None if pk is None else SeasonalityProfile.objects.get(pk=pk)
    if values:
        plan = plan_update(actor=actor, plan=plan, version=plan.version, comment=comment, **values)
        _recascade(actor, plan, comment)


def _promote_moves(actor: Actor, plan: Plan, moves: list[dict], comment: str) -> None:
    for i, move in enumerate(moves):
        source = BudgetLine.objects.select_related("budget").get(plan=plan, pk=move["source"])
        target = BudgetLine.objects.get(plan=plan, pk=move["target"])
        try:
            move_request(
                actor=actor,
                budget=source.budget,
                kind=Move.Kind.REALLOCATE,
                source=source,
                target=target,
                amount=number(move["amount"]),
                reason=comment,
            )
        except ValidationError as error:
            raise ValidationError([f"Budget move {i + 1}: {m}" for m in error.messages]) from error


def _recascade(actor: Actor, plan: Plan, comment: str) -> None:
    """Split the target again by the plan's new settings, as the scenario's outcomes do; a plan with
    nothing to split over (no target, no recipients) keeps its grid, as the scenario's split is empty."""
    try:
        cascade_preview(plan, plan.cascade_method, plan.cascade_level, plan.buffer_percent)
    except ValidationError:
        return
    cascade_run(
        actor=actor,
        plan=plan,
        version=plan.version,
        method=plan.cascade_method,
        level=plan.cascade_level,
        buffer_percent=plan.buffer_percent,
        comment=comment,
    )


def _promote_churn(actor: Actor, plan: Plan, a: dict, comment: str) -> None:
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    if policy is None:
        raise ValidationError("The plan has no churn policy yet: sales ops set one before churn can move.")
    values: dict[str, Any] = {}
    if "growth_goal_percent" in a:
        values["net_growth_goal"] = number(a["growth_goal_percent"])
    if "churn_rate_percent" in a:  # the scenario's rate is a year's
        values |= {
            "measurement_period": ChurnPolicy.Period.ANNUAL,
            "expected_churn": number(a["churn_rate_percent"]),
        }
    if "churn_allowance_percent" in a:
        values["allowance"] = number(a["churn_allowance_percent"])
    churn_policy_save(actor=actor, plan=plan, version=policy.version, values=values, comment=comment)
