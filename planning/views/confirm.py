"""The targets tab's destructive actions asking first and being undone (core.undo): re-running the cascade
over a grid that has rows, importing a grid file over values already there, and the undo of either.

Plain forms, no script: the cascade's post shows a confirmation page that posts the same fields again with
`confirm=1`; an import's shows the cells it would change, held in the session for "Apply".
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import editing, undo
from core.exceptions import InvalidTransitionError
from core.sheet import MAX_COMMENT, clean_comment
from orgs.models import FiscalCalendar
from planning import cascade as target_cascade
from planning import forms, selectors, services
from planning import grid as target_grid
from planning.models import CascadeLevel, Plan
from planning.views.plan import plan_context


def targets_url(plan: Plan, anchor: str = "cascade") -> str:
    return reverse("planning:targets", kwargs={"plan_id": plan.pk}) + (f"#{anchor}" if anchor else "")


def cascade_scope(plan: Plan) -> str:
    return f"cascade:{plan.pk}"


def import_scope(plan: Plan) -> str:
    return f"grid-import:{plan.pk}"


# --- the cascade ------------------------------------------------------------------------------------


def cascade_confirm(request: HttpRequest, plan: Plan, form: forms.CascadeForm, *, changed: bool = False):
    """The page that asks before a cascade replaces the grid; it writes nothing. `changed`: the grid or
    the plan moved since the user looked, so this is what the cascade would change now (409)."""
    data = form.cleaned_data
    buffer = data["buffer_percent"]
    try:
        services.ensure_plan_editable(plan=plan, actor=request.user)
        preview = target_cascade.cascade_preview(plan, data["cascade_method"], data["cascade_level"], buffer)
    except InvalidTransitionError as exc:
        messages.error(request, str(exc))
        return redirect(targets_url(plan))
    except ValidationError as exc:
        messages.error(request, "Check the cascade settings: " + editing.error_text(exc))
        return redirect(targets_url(plan))
    context = plan_context(request, plan, tab="alignment") | {
        "subtab": "targets",
        "preview": preview,
        "changed": changed or data["version"] != plan.version,
        "fields": {
            "version": plan.version,
            "cascade_method": data["cascade_method"],
            "cascade_level": data["cascade_level"],
            "buffer_percent": "" if buffer is None else f"{buffer:f}",
            "grid": preview.grid,
            "confirm": "1",
        },
        "default_buffer": buffer is None,
    }
    status = 409 if changed else 200
    return render(request, "planning/cascade_confirm.html", context, status=status)


def cascade_done(request: HttpRequest, plan: Plan, cascaded: target_cascade.Cascaded) -> str:
    """Keep the cascade's undo point; the message that says so."""
    undo.offer_undo(request, scope=cascade_scope(plan), data=cascaded.undo, label="Undo last cascade")
    return (
        f"Target cascaded over {len(cascaded.rows)} rows. “Undo last cascade” puts the grid back as it was."
    )


@login_required
@require_POST
def cascade_undo(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Put back the grid the user's last cascade of this plan replaced, if nothing changed since."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    point = undo.undo_take(request, scope=cascade_scope(plan))
    if point is None:
        messages.error(request, "There is no cascade of yours to undo on this plan any more.")
        return redirect(targets_url(plan))
    outcome = editing.submit(
        None, lambda: target_cascade.cascade_undo(actor=request.user, plan=plan, undo=point["data"])
    )
    done = lambda rows: f"Cascade undone: the grid's {len(rows)} rows are back as they were."  # noqa: E731
    return editing.action(request, outcome, done=done, to=targets_url(plan))


# --- importing the grid -----------------------------------------------------------------------------


def import_confirm(
    request: HttpRequest,
    plan: Plan,
    *,
    tab: str,
    name: str,
    changes: list[undo.RowChange],
    unchanged: int,
    token: str,
    apply_url: str,
    cancel_url: str,
    what: str,
    reason: str = "",
) -> HttpResponse:
    """The page that asks before a file overwrites values already there: the cells it changes, before and
    after, by fiscal month. Shared by the target grid and budget spend imports; `reason`, when given, is
    the hint under an optional "Why" field kept in the history with each row the import changes."""
    periods = FiscalCalendar.current_rules().periods(plan.fiscal_year)
    cells = undo.cells(changes, periods)
    context = plan_context(request, plan, tab=tab) | {
        "subtab": "targets" if tab == "alignment" else "",
        "name": name,
        "what": what,
        "cells": cells,
        "overwritten": sum(1 for c in cells if c.before),
        "rows_changed": len(changes),
        "unchanged": unchanged,
        "token": token,
        "apply_url": apply_url,
        "cancel_url": cancel_url,
        "reason": reason,
        "comment_max": MAX_COMMENT,
    }
    return render(request, "planning/import_confirm.html", context)


def grid_import_ask_or_apply(
    request: HttpRequest, plan: Plan, name: str, changes: list[undo.RowChange], unchanged: int
) -> HttpResponse:
    """Ask first when the file overwrites a value already in the grid; otherwise apply it now."""
    if not changes:
        messages.info(request, f"Imported: 0 row(s) changed, {unchanged} unchanged. {name} matches the grid.")
        return redirect(targets_url(plan))
    if not undo.overwrites(changes):
        return _grid_import_apply(request, plan, name, changes, unchanged)
    held = {"name": name, "changes": undo.changes_json(changes), "unchanged": unchanged}
    token = undo.hold(request, scope=import_scope(plan), data=held)
    return import_confirm(
        request,
        plan,
        tab="alignment",
        name=name,
        changes=changes,
        unchanged=unchanged,
        token=token,
        apply_url=reverse("planning:grid-import-apply", args=[plan.pk]),
        cancel_url=targets_url(plan),
        what="the target grid",
        reason="Kept in the history with each row the file changes."
        + (" Each seller sees it on their receipt." if plan.cascade_level == CascadeLevel.SELLERS else ""),
    )


@login_required
@require_POST
def grid_import_apply(request: HttpRequest, plan_id: int) -> HttpResponse:
    """ "Apply" on the import's confirmation: write what the file changes, if the grid is still as read."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    held = undo.take(request, scope=import_scope(plan), token=request.POST.get("token", ""))
    if held is None:
        messages.error(request, NOT_WAITING)
        return redirect(targets_url(plan))
    try:
        comment = clean_comment(request.POST.get("comment", ""))
    except ValueError as exc:
        messages.error(request, f"{exc} Nothing was imported: import the file again.")
        return redirect(targets_url(plan))
    changes = undo.changes_from_json(held["changes"])
    return _grid_import_apply(request, plan, held["name"], changes, held["unchanged"], comment)


NOT_WAITING = (
    "That import is no longer waiting (it was applied, or an hour has passed, or you signed in again): "
    "nothing changed. Import the file again."
)


def _grid_import_apply(
    request: HttpRequest,
    plan: Plan,
    name: str,
    changes: list[undo.RowChange],
    unchanged: int,
    comment: str = "",
) -> HttpResponse:
    undo.import_apply(
        request,
        lambda: target_grid.grid_rows_set(actor=request.user, plan=plan, changes=changes, comment=comment),
        scope=import_scope(plan),
        name=name,
        what="grid",
        done=f"Imported: {len(changes)} row(s) changed, {unchanged} unchanged.",
    )
    return redirect(targets_url(plan))


@login_required
@require_POST
def grid_import_undo(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Put back the grid rows the user's last import changed, if none of them changed since."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    undo.import_undo(
        request,
        lambda changes: target_grid.grid_rows_set(actor=request.user, plan=plan, changes=changes),
        scope=import_scope(plan),
        what="grid",
        rows="row(s)",
    )
    return redirect(targets_url(plan))


# --- what the targets tab offers to undo ------------------------------------------------------------


def undo_offers(request: HttpRequest, plan: Plan, rows: list) -> dict:
    """The user's undo points on this plan that still apply to the grid `rows` shown (no query)."""
    offers = {}
    point = undo.undo_get(request, scope=cascade_scope(plan))
    if point and point["data"]["version"] == plan.version and point["data"]["grid"] == _state(rows):
        offers["cascade"] = point
    point = undo.undo_get(request, scope=import_scope(plan))
    if point and _rows_as_left(point["data"]["changes"], rows):
        offers["grid_import"] = point
    return offers


def _state(rows: list) -> str:
    return target_cascade.grid_state(rows)


def _rows_as_left(changes: list[dict], rows: list) -> bool:
    versions = {row.pk: row.version for row in rows}
    return all(versions.get(c["pk"]) == c["seen"] for c in changes)
