"""Writes of Step 3. Money moves only through the ledger; every move locks the budget row, so moves on
one budget are serialised, and checks the balances it draws on inside the same transaction."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from budgets.models import Budget, BudgetLine, Move, Spend
from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from core.services import Actor, audit_record, jsonable, versioned_create, versioned_update
from core.undo import ChangedSince, RowChange
from orgs import permissions
from planning.content import check_links, content_update
from planning.grid import month_rows
from planning.models import Plan, PlanningSettings
from planning.services import ensure_plan_editable

ZERO = Decimal("0")
CENT = Decimal("0.01")


def _money(amount: Decimal, field: str = "amount") -> Decimal:
    if amount is None or not Decimal(amount).is_finite() or Decimal(amount) != Decimal(amount).quantize(CENT):
        raise ValidationError({field: "Give an amount with at most 2 decimals."})
    return Decimal(amount).quantize(CENT)


def _locked(budget: Budget) -> Budget:
    """The budget row, locked until the end of the transaction (PostgreSQL); fresh balances either way."""
    return Budget.objects.select_for_update().select_related("plan__org_unit").get(pk=budget.pk)


def budget_create(*, actor: Actor, plan: Plan, total: Decimal, currency: str = "USD") -> Budget:
    ensure_plan_editable(plan=plan, actor=actor)
    total = _money(total, "total")
    values = {"plan": plan, "total": total, "currency": currency.upper(), "unallocated": total}
    return versioned_create(model=Budget, values=values, actor=actor)


@transaction.atomic
def budget_update(*, actor: Actor, budget: Budget, version: int, total: Decimal, currency: str) -> Budget:
    """Change the total (the pool takes the difference) or the currency."""
    ensure_plan_editable(plan=budget.plan, actor=actor)
    current = _locked(budget)
    total = _money(total, "total")
    allocated = current.total - current.unallocated
    if total < allocated:
        raise ValidationError(
            {"total": f"The total cannot be less than the {allocated:,.2f} already allocated to lines."}
        )
    values = {"total": total, "currency": currency.upper(), "unallocated": total - allocated}
    return versioned_update(instance=current, version=version, values=values, actor=actor)


@transaction.atomic
def line_create(
    *, actor: Actor, budget: Budget, values: dict, opening: Decimal = ZERO, baseline: Decimal | None = None
) -> BudgetLine:
    """Add a line, funded from the pool by an opening entry in the ledger. Its expected value is stated
    for `baseline` (the opening amount unless given)."""
    ensure_plan_editable(plan=budget.plan, actor=actor)
    budget = _locked(budget)
    opening = _money(opening, "opening")
    if opening < 0:
        raise ValidationError({"opening": "The opening amount cannot be negative."})
    if opening > budget.unallocated:
        raise ValidationError(
            {
                "opening": f"Only {budget.unallocated:,.2f} is unallocated; "
                f"the line cannot open with {opening:,.2f}."
            }
        )
    check_links(budget.plan, values, None)
    line = versioned_create(
        model=BudgetLine,
        values={
            "plan": budget.plan,
            "budget": budget,
            "baseline": opening if baseline is None else baseline,
            **values,
        },
        actor=actor,
    )
    if opening:
        _record(actor, budget, Move.Kind.OPENING, None, line, opening, "Opening allocation", posted=True)
        line.refresh_from_db()
    return line


def line_update(*, actor: Actor, line: BudgetLine, version: int, values: dict) -> BudgetLine:
    """Change what a line is for; its amount moves only through the ledger."""
    if {"amount", "baseline", "budget"} & set(values):
        raise ValidationError("A line's amount changes only through moves in the ledger.")
    return content_update(actor=actor, instance=line, version=version, values=values)


def _ensure_mover(actor: Actor, budget: Budget) -> None:
    ensure_plan_editable(plan=budget.plan, actor=actor)


def _check_sides(kind: str, source: BudgetLine | None, target: BudgetLine | None) -> None:
    if kind == Move.Kind.REALLOCATE and (source is None or target is None):
        raise ValidationError("Reallocate moves money from one line to another.")
    if kind == Move.Kind.FUND_GROWTH and (source is None or target is None or not target.growth):
        raise ValidationError({"target": "Fund growth moves savings from a line to a growth line."})
    if kind == Move.Kind.DEPLOY and (source is not None or target is None or not target.growth):
        raise ValidationError({"target": "Deploy moves unallocated funds from the pool to a growth line."})
    if source is not None and target is not None and source.pk == target.pk:
        raise ValidationError({"target": "Pick two different lines."})
    if kind not in (Move.Kind.REALLOCATE, Move.Kind.FUND_GROWTH, Move.Kind.DEPLOY):
        raise ValidationError({"kind": "Pick reallocate, fund growth or deploy."})


@transaction.atomic
def move_request(
    *,
    actor: Actor,
    budget: Budget,
    kind: str,
    source: BudgetLine | None,
    target: BudgetLine | None,
    amount: Decimal,
    reason: str,
    new_line: dict | None = None,
) -> Move:
    """Ask for a move. At or below the approval threshold it posts at once; above it, it waits as pending
    and changes no balance until an executive approves it."""
    _ensure_mover(actor, budget)
    budget = _locked(budget)
    amount = _money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Move a positive amount."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the money moves; the ledger keeps it."})
    for line in (source, target):
        if line is not None and line.budget_id != budget.pk:
            raise ValidationError("Both sides of a move must be lines of this budget (or its pool).")
    if kind == Move.Kind.DEPLOY and new_line:
        target = line_create(actor=actor, budget=budget, values={"growth": True, **new_line}, baseline=amount)
    _check_sides(kind, source, target)
    _ensure_funds(budget, source, amount)
    pending = amount > PlanningSettings.load().move_approval_threshold
    return _record(actor, budget, kind, source, target, amount, reason.strip(), posted=not pending)


def _available(budget: Budget, side: BudgetLine | None) -> Decimal:
    if side is None:
        return Budget.objects.values_list("unallocated", flat=True).get(pk=budget.pk)
    return BudgetLine.objects.values_list("amount", flat=True).get(pk=side.pk)


def _ensure_funds(budget: Budget, source: BudgetLine | None, amount: Decimal) -> None:
    available = _available(budget, source)
    if amount > available:
        where = f"“{source}”" if source else "The unallocated pool"
        raise ValidationError(
            {"amount": f"{where} has {available:,.2f}; moving {amount:,.2f} would take it below zero."}
        )


def _apply(budget: Budget, source: BudgetLine | None, target: BudgetLine | None, amount: Decimal) -> None:
    """Move the balances. Each UPDATE is conditional on enough money being there, so even a racing
    writer that slipped past the lock could not take a balance below zero."""
    if source is None:
        taken = Budget.objects.filter(pk=budget.pk, unallocated__gte=amount).update(
            unallocated=F("unallocated") - amount
        )
    else:
        taken = BudgetLine.objects.filter(pk=source.pk, amount__gte=amount).update(
            amount=F("amount") - amount
        )
    if not taken:
        _ensure_funds(budget, source, amount)
        raise ValidationError({"amount": "Not enough money on the source side."})
    if target is None:
        Budget.objects.filter(pk=budget.pk).update(unallocated=F("unallocated") + amount)
    else:
        BudgetLine.objects.filter(pk=target.pk).update(amount=F("amount") + amount)


def _record(actor, budget, kind, source, target, amount, reason, *, posted: bool, reverses=None) -> Move:
    user = actor if actor is not None and actor.is_authenticated else None
    if posted:
        _apply(budget, source, target, amount)
    move = Move.objects.create(
        budget=budget,
        kind=kind,
        source=source,
        target=target,
        amount=amount,
        reason=reason,
        author=user,
        status=Move.Status.POSTED if posted else Move.Status.PENDING,
        reverses=reverses,
    )
    changes = {
        "from": [None, str(source or "Unallocated pool")],
        "to": [None, str(target or "Unallocated pool")],
        "amount": [None, jsonable(amount)],
        "status": [None, move.get_status_display()],
    }
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATED, instance=move, changes=changes, comment=reason
    )
    return move


def _pending(move: Move) -> Move:
    current = Move.objects.select_related("budget", "source", "target").get(pk=move.pk)
    if current.status != Move.Status.PENDING:
        raise InvalidTransitionError(f"This move is already {current.get_status_display().lower()}.")
    return current


@transaction.atomic
def move_approve(*, actor: Actor, move: Move, comment: str = "") -> Move:
    """An executive approves a pending move; it posts now, if the money is still there."""
    budget = _locked(move.budget)
    if not permissions.has_role(actor, budget.plan.org_unit, permissions.APPROVE):
        raise PermissionDenied("Only an executive approves budget moves.")
    if not budget.plan.is_editable:
        raise InvalidTransitionError("The plan is not a draft; reopen it to move money.")
    move = _pending(move)
    _ensure_funds(budget, move.source, move.amount)
    _apply(budget, move.source, move.target, move.amount)
    return _decide(actor, move, Move.Status.POSTED, comment, AuditEntry.Action.APPROVED)


@transaction.atomic
def move_reject(*, actor: Actor, move: Move, comment: str) -> Move:
    budget = _locked(move.budget)
    if not permissions.has_role(actor, budget.plan.org_unit, permissions.APPROVE):
        raise PermissionDenied("Only an executive rejects budget moves.")
    if not comment.strip():
        raise ValidationError({"comment": "Say why the move is rejected."})
    return _decide(actor, _pending(move), Move.Status.REJECTED, comment.strip(), AuditEntry.Action.SENT_BACK)


def _decide(actor, move: Move, status: str, comment: str, action: str) -> Move:
    now = timezone.now()
    updated = Move.objects.filter(pk=move.pk, status=Move.Status.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_comment=comment
    )
    if not updated:
        raise StaleVersionError(current_version=0, label="Move")
    move.refresh_from_db()
    audit_record(
        actor=actor,
        action=action,
        instance=move,
        changes={"status": [Move.Status.PENDING.label, move.get_status_display()]},
        comment=comment,
    )
    return move


@transaction.atomic
def move_reverse(*, actor: Actor, move: Move, reason: str) -> Move:
    """Correct a posted move with a reversing entry: the same amount back the other way."""
    budget = _locked(move.budget)
    _ensure_mover(actor, budget)
    move = Move.objects.select_related("source", "target").get(pk=move.pk)
    if move.status != Move.Status.POSTED:
        raise InvalidTransitionError("Only a posted move can be reversed; a pending one can be rejected.")
    if move.kind == Move.Kind.REVERSAL:
        raise InvalidTransitionError("A reversal cannot itself be reversed; make a new move instead.")
    if Move.objects.filter(reverses=move).exists():
        raise InvalidTransitionError("This move has already been reversed.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the move is reversed."})
    _ensure_funds(budget, move.target, move.amount)
    return _record(
        actor,
        budget,
        Move.Kind.REVERSAL,
        move.target,
        move.source,
        move.amount,
        reason.strip(),
        posted=True,
        reverses=move,
    )


# --- Spend ---------------------------------------------------------------------------------------------


def ensure_spend_writer(actor: Actor, plan: Plan) -> None:
    if not permissions.has_role(actor, plan.org_unit, permissions.EDIT_METRICS):
        raise PermissionDenied("Only the unit's sales leaders and sales ops record spend.")


@transaction.atomic
def spend_set(*, actor: Actor, line: BudgetLine, months: list[Decimal]) -> list[Spend]:
    """Record a line's actual spend for fiscal months 1…12 (0 clears a month)."""
    ensure_spend_writer(actor, line.plan)
    if len(months) != 12:
        raise ValidationError("Give 12 monthly amounts.")
    existing = {s.period: s for s in Spend.objects.select_for_update().filter(line=line)}
    result = []
    for period, amount in enumerate(months, start=1):
        amount = _money(amount)
        if amount < 0:
            raise ValidationError({"amount": f"Spend cannot be negative (month {period})."})
        row = existing.get(period)
        if row is None and amount:
            result.append(
                versioned_create(
                    model=Spend, values={"line": line, "period": period, "amount": amount}, actor=actor
                )
            )
        elif row is not None and row.amount != amount:
            result.append(
                versioned_update(instance=row, version=row.version, values={"amount": amount}, actor=actor)
            )
    return result


@transaction.atomic
def spend_months_write(
    *,
    actor: Actor,
    budget: Budget,
    values: dict[tuple[int, int], tuple[Decimal, int]],
    comment: str = "",
) -> int:
    """Record spend for some months of some lines, {(line id, period): (amount, version seen)}, each only
    if still at the version its editor saw (0: none recorded yet); StaleVersionError otherwise, and nothing
    is written. `comment` (why) goes into the history with each change. Returns how many months changed."""
    ensure_spend_writer(actor, budget.plan)
    lines = {
        line.pk: line for line in BudgetLine.objects.filter(budget=budget, pk__in={k[0] for k in values})
    }
    existing = {
        (s.line_id, s.period): s
        for s in Spend.objects.select_for_update().filter(line__in=list(lines.values())).order_by()
    }
    changed = 0
    for (line_id, period), (amount, version) in sorted(values.items()):
        row, amount = existing.get((line_id, period)), _money(amount)
        if amount < 0:
            raise ValidationError({"amount": f"Spend cannot be negative (month {period})."})
        if (row.version if row else 0) != version:
            raise StaleVersionError(
                current_version=row.version if row else 0, label=f"Spend of {lines[line_id]}"
            )
        if row is None:
            if amount:
                versioned_create(
                    model=Spend,
                    values={"line": lines[line_id], "period": period, "amount": amount},
                    actor=actor,
                    comment=comment,
                )
                changed += 1
        elif row.amount != amount:
            versioned_update(
                instance=row, version=version, values={"amount": amount}, actor=actor, comment=comment
            )
            changed += 1
    return changed


@transaction.atomic
def spend_import(*, actor: Actor, budget: Budget, rows: list[tuple[int, str, list[object]]]) -> int:
    """Overwrite monthly spend from (line, line name, 12 cells) rows, all or nothing; returns the number
    of lines whose spend changed. (The page asks first: spend_import_preview, then spend_rows_set with
    what it confirmed.)"""
    ensure_spend_writer(actor, budget.plan)
    changes = [c for c in spend_import_preview(budget=budget, rows=rows) if c.changed]
    return len(spend_rows_set(actor=actor, budget=budget, changes=changes))


def spend_import_preview(*, budget: Budget, rows: list[tuple[int, str, list[object]]]) -> list[RowChange]:
    """Each row of the file against the line it names: spend by month now and from the file, and the
    spend rows read (GridImportError lists every bad row). Writes nothing."""
    lines = {line.name.lower(): line for line in BudgetLine.objects.filter(budget=budget)}
    parsed = month_rows(
        rows, lines, thing="line", unknown="not a line of this budget.", fiscal_year=budget.plan.fiscal_year
    )
    state = _spend_state(Spend.objects.filter(line__budget=budget))
    return [
        RowChange(line.pk, line.name, state.get(line.pk, []), _months(state.get(line.pk, [])), tuple(amounts))
        for line, amounts in parsed
    ]


def _spend_state(spend) -> dict[int, list[list]]:
    """Each line's spend rows as [period, version, amount] (JSON types): what a later write checks."""
    state: dict[int, list[list]] = {}
    for row in spend.order_by("line", "period"):
        state.setdefault(row.line_id, []).append([row.period, row.version, str(row.amount)])
    return state


def _months(state: list[list]) -> tuple[Decimal, ...]:
    months = [ZERO] * 12
    for period, _version, amount in state:
        months[period - 1] = Decimal(amount)
    return tuple(months)


@transaction.atomic
def spend_rows_set(*, actor: Actor, budget: Budget, changes: list[RowChange]) -> list[RowChange]:
    """Write the changes' months as the lines' spend, each only if its spend is still as read: one line
    changed since, or gone, and nothing changes (StaleVersionError). Returns the changes that undo it."""
    ensure_spend_writer(actor, budget.plan)
    lines = BudgetLine.objects.select_for_update().in_bulk([c.pk for c in changes])
    undo = []
    for change in changes:
        line = lines.get(change.pk)
        if line is None or line.budget_id != budget.pk:
            raise ChangedSince(f"{change.name} is no longer a line of this budget.")
        spend = Spend.objects.select_for_update().filter(line=line)
        if _spend_state(spend).get(line.pk, []) != change.seen:
            raise ChangedSince(f"{line.name}'s spend was changed since it was read.")
        spend_set(actor=actor, line=line, months=list(change.after))
        undo.append(change.undone(_spend_state(Spend.objects.filter(line=line)).get(line.pk, [])))
    return undo
