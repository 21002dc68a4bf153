"""Step 3 pages: the budget tab (lines, pool, ledger, moves, spend, report) and its actions."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from budgets import charts, forms, gridfile, selectors, services
from budgets.hooks import LINES
from budgets.models import Budget, BudgetLine, Move
from budgets.sheets import SpendSheet
from core import editing, formatting, sheet, undo
from core.exceptions import InvalidTransitionError
from orgs import permissions
from orgs.models import FiscalCalendar
from planning import selectors as plan_selectors
from planning.grid import GridImportError
from planning.models import PlanningSettings
from planning.views import confirm
from planning.views.plan import plan_context


def _tab(plan_id: int, anchor: str = "") -> str:
    return reverse("budgets:plan", kwargs={"plan_id": plan_id}) + (f"#{anchor}" if anchor else "")


def _back(plan_id: int, anchor: str = "") -> HttpResponse:
    return redirect(_tab(plan_id, anchor))


def _budget(request: HttpRequest, plan_id: int):
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    return plan, Budget.objects.filter(plan=plan).first()


@login_required
@require_safe
def plan_tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan, budget = _budget(request, plan_id)
    context = plan_context(request, plan, tab="budget") | {
        "budget": budget,
        "can_approve": permissions.has_role(request.user, plan.org_unit, permissions.APPROVE),
        "can_record_spend": permissions.has_role(request.user, plan.org_unit, permissions.EDIT_METRICS),
        "threshold": PlanningSettings.load().move_approval_threshold,
        "spend_import_form": forms.SpendImportForm(auto_id="spend-%s"),
    }
    if budget is None:
        context["budget_form"] = forms.BudgetForm(initial={"currency": formatting.company_display().currency})
        return render(request, "budgets/budget.html", context)
    rows = selectors.budget_lines_list(budget)
    report = selectors.budget_report_get(budget, rows)
    moves = selectors.budget_ledger_list(budget)
    context |= {
        "kind": LINES,
        "rows": rows,
        "report": report,
        "allocated": budget.total - budget.unallocated,
        "pending": [m for m in moves.filter(status=Move.Status.PENDING)],
        "page": Paginator(moves, settings.AOP_PAGE_SIZE).get_page(request.GET.get("page")),
        "move_form": forms.MoveForm(budget=budget),
        "budget_form": forms.BudgetForm(instance=budget, initial={"version": budget.version}),
        "periods": FiscalCalendar.current_rules().periods(plan.fiscal_year),
        "category_chart": charts.by_category(
            selectors.budget_category_totals_get(rows), currency=budget.currency
        ),
        "flow_chart": charts.flows(rows, currency=budget.currency),
        "spend_sheet": SpendSheet(budget, can_edit=context["can_record_spend"], lines=rows),
        "spend_total": sum((line.spent for line in rows), 0),
        "spend_undo": _spend_undo_offer(request, plan, rows),
    }
    return render(request, "budgets/budget.html", context)


@login_required
@require_POST
def budget_save(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Set up the plan's budget, or change its total or currency."""
    plan, budget = _budget(request, plan_id)
    form = forms.BudgetForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: _budget_write(request, plan, budget, form.cleaned_data),
        invalid=lambda form: editing.form_text(form, labels=None),
    )
    if budget is None:
        done = "Budget set up: the whole total starts in the unallocated pool."
    else:
        done = "Budget total saved; the pool took the difference."
    return editing.action(request, outcome, done=done, to=_tab(plan.pk))


def _budget_write(request: HttpRequest, plan, budget: Budget | None, data: dict) -> Budget:
    if budget is None:
        return services.budget_create(
            actor=request.user, plan=plan, total=data["total"], currency=data["currency"]
        )
    return services.budget_update(
        actor=request.user,
        budget=budget,
        version=data["version"] or 0,
        total=data["total"],
        currency=data["currency"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def move_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Make a move: in a dialog on the budget page (htmx) or on a page of its own."""
    plan, budget = _budget(request, plan_id)
    if budget is None:
        raise Http404("This plan has no budget yet.")
    form = forms.MoveForm(request.POST or None, budget=budget)
    context = plan_context(request, plan, tab="budget") | {
        "budget": budget,
        "move_form": form,
        "threshold": PlanningSettings.load().move_approval_threshold,
    }
    if request.method == "POST":
        outcome = editing.submit(form, lambda: _move_request(request, budget, form))
        if outcome.ok:
            return _moved(request, plan, outcome.saved, context["threshold"])
    template = "budgets/partials/move_form.html" if request.htmx else "budgets/move.html"
    return render(request, template, context, status=422 if request.method == "POST" else 200)


def _move_request(request: HttpRequest, budget: Budget, form: forms.MoveForm) -> Move:
    data = form.cleaned_data
    return services.move_request(
        actor=request.user,
        budget=budget,
        kind=data["kind"],
        source=data["source"],
        target=data["target"],
        amount=data["amount"],
        reason=data["reason"],
        new_line=form.new_line(),
    )


def _moved(request: HttpRequest, plan, move: Move, threshold: Decimal) -> HttpResponse:
    """A move made: said (a pending one waits for an executive), and the ledger again."""
    if move.status == Move.Status.PENDING:
        messages.warning(request, f"{move} is above {threshold:,.2f} and waits for an executive.")
    else:
        messages.success(request, f"Posted: {move}.")
    if request.htmx:
        response = HttpResponse(status=204)
        # A new URL (not just a new #fragment), so that the browser really loads the page again.
        response["HX-Redirect"] = (
            reverse("budgets:plan", kwargs={"plan_id": plan.pk}) + f"?move={move.pk}#ledger"
        )
        return response
    return _back(plan.pk, "ledger")


@login_required
@require_POST
def move_decide(request: HttpRequest, plan_id: int, move_id: int, decision: str) -> HttpResponse:
    plan, budget = _budget(request, plan_id)
    move = get_object_or_404(Move, pk=move_id, budget=budget) if budget else None
    if move is None or decision not in ("approve", "reject"):
        raise Http404("No such move.")
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    decide = services.move_approve if decision == "approve" else services.move_reject
    outcome = editing.submit(None, lambda: decide(actor=request.user, move=move, comment=comment))
    done = "Approved and posted" if decision == "approve" else "Rejected"
    return editing.action(request, outcome, done=lambda _: f"{done}: {move}.", to=_tab(plan.pk, "pending"))


@login_required
@require_POST
def move_reverse(request: HttpRequest, plan_id: int, move_id: int) -> HttpResponse:
    plan, budget = _budget(request, plan_id)
    move = get_object_or_404(Move, pk=move_id, budget=budget) if budget else None
    if move is None:
        raise Http404("No such move.")
    form = forms.ReverseForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: services.move_reverse(actor=request.user, move=move, reason=form.cleaned_data["reason"]),
        invalid="Say why the move is reversed.",
    )
    done = lambda reversal: f"Reversed with a new entry: {reversal}."  # noqa: E731
    return editing.action(request, outcome, done=done, to=_tab(plan.pk, "ledger"))


@login_required
@require_POST
def spend_cells(request: HttpRequest, plan_id: int) -> JsonResponse:
    """A batch of edits from the spend grid (core.sheet), applied whole."""
    plan, budget = _budget(request, plan_id)
    if budget is None:
        raise Http404("This plan has no budget yet.")
    can_edit = permissions.has_role(request.user, plan.org_unit, permissions.EDIT_METRICS)
    return sheet.respond(request, SpendSheet(budget, can_edit=can_edit))


@login_required
@require_GET
def spend_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    plan, budget = _budget(request, plan_id)
    if budget is None or fmt not in ("csv", "xlsx"):
        raise Http404("Nothing to export.")
    body, content_type = gridfile.spend_file(
        plan,
        selectors.budget_lines_list(budget),
        FiscalCalendar.current_rules(),
        fmt,
        currency=budget.currency,
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{plan.org_unit.code}-FY{plan.fiscal_year}-spend.{fmt}"'
    )
    return response


@login_required
@require_POST
def spend_import(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Import spend from a file, all or nothing. Over spend already recorded it asks first (the shared
    confirmation page, planning.views.confirm); either way the import can be undone."""
    plan, budget = _budget(request, plan_id)
    form = forms.SpendImportForm(request.POST, request.FILES)
    if budget is None or not form.is_valid():
        messages.error(request, "Choose a file to import.")
        return _back(plan.pk, "spend")
    upload = form.cleaned_data["file"]
    try:
        rows = gridfile.read_rows(
            upload,
            FiscalCalendar.current_rules(),
            plan.fiscal_year,
            number_format=form.cleaned_data["number_format"],
        )
        services.ensure_spend_writer(request.user, plan)
        read = services.spend_import_preview(budget=budget, rows=rows)
    except GridImportError as exc:
        lines = "; ".join(f"row {e.line} ({e.code}): {e.message}" for e in exc.errors)
        messages.error(request, f"{upload.name} was not imported, nothing changed. {lines}")
        return _back(plan.pk, "spend")
    except (ValidationError, InvalidTransitionError) as exc:
        messages.error(request, editing.error_text(exc))
        return _back(plan.pk, "spend")
    changes = [change for change in read if change.changed]
    if not changes:
        messages.info(
            request, f"Spend imported: 0 line(s) changed. {upload.name} matches the spend recorded."
        )
        return _back(plan.pk, "spend")
    if not undo.overwrites(changes):
        return _spend_import_apply(request, plan, budget, upload.name, changes)
    held = {"name": upload.name, "changes": undo.changes_json(changes), "unchanged": len(read) - len(changes)}
    token = undo.hold(request, scope=_spend_scope(plan), data=held)
    return confirm.import_confirm(
        request,
        plan,
        tab="budget",
        name=upload.name,
        changes=changes,
        unchanged=held["unchanged"],
        token=token,
        apply_url=reverse("budgets:spend-import-apply", args=[plan.pk]),
        cancel_url=_tab(plan.pk, "spend"),
        what="the recorded spend",
    )


def _spend_scope(plan) -> str:
    return f"spend-import:{plan.pk}"


@login_required
@require_POST
def spend_import_apply(request: HttpRequest, plan_id: int) -> HttpResponse:
    """ "Apply" on the import's confirmation: record what the file changes, if the spend is still as read."""
    plan, budget = _budget(request, plan_id)
    held = undo.take(request, scope=_spend_scope(plan), token=request.POST.get("token", ""))
    if budget is None or held is None:
        messages.error(request, confirm.NOT_WAITING)
        return _back(plan.pk, "spend")
    changes = undo.changes_from_json(held["changes"])
    return _spend_import_apply(request, plan, budget, held["name"], changes)


def _spend_import_apply(request: HttpRequest, plan, budget: Budget, name: str, changes) -> HttpResponse:
    undo.import_apply(
        request,
        lambda: services.spend_rows_set(actor=request.user, budget=budget, changes=changes),
        scope=_spend_scope(plan),
        name=name,
        what="spend",
        done=f"Spend imported: {len(changes)} line(s) changed.",
    )
    return _back(plan.pk, "spend")


@login_required
@require_POST
def spend_import_undo(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Put back the spend the user's last import changed, if none of it changed since."""
    plan, budget = _budget(request, plan_id)
    write = (
        (lambda changes: services.spend_rows_set(actor=request.user, budget=budget, changes=changes))
        if budget is not None
        else None
    )
    undo.import_undo(request, write, scope=_spend_scope(plan), what="spend", rows="line(s)")
    return _back(plan.pk, "spend")


def _spend_undo_offer(request: HttpRequest, plan, rows: list[BudgetLine]) -> dict | None:
    """The user's last spend import on this plan while the lines still hold what it wrote (no query)."""
    point = undo.undo_get(request, scope=_spend_scope(plan))
    months = {row.pk: tuple(row.months) for row in rows}
    if point and all(months.get(c.pk) == c.before for c in undo.changes_from_json(point["data"]["changes"])):
        return point
    return None
