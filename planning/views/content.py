"""The alignment tab: Step 1's tables (objectives … risks, sales targets), each row edited in place,
and the traceability panel."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core import editing, paging
from planning import content, selectors, tree
from planning import goals as long_term_goals
from planning import traceability as trace
from planning.kinds import KINDS, Kind
from planning.models import Objective, Plan
from planning.views.plan import plan_context

REFRESH = "alignment-changed"  # htmx event: panels that summarise the plan reload themselves


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such section.")
    return KINDS[slug]


def _refreshing(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = REFRESH
    return response


# --- The alignment tab ----------------------------------------------------------------------------


STEP1_PAGE = paging.TABLE_PAGE  # rows of one Step 1 table (and of the tree's objectives) per page
TRACE_SHOWN = 10  # names listed in each traceability list; the badge gives the count


def alignment_context(plan: Plan, request: HttpRequest | None = None) -> dict:
    """The Step 1 tables, a page of each (`?<kind>_page=N`), with the plan's weight total and goals."""
    sections = []
    for kind in KINDS.values():
        if kind.page == "planning:alignment":
            param = f"{kind.slug}_page"
            rows = kind.rows(plan)
            rows = rows if rows.ordered else rows.order_by("pk")  # the order they were entered in
            sections.append((kind, paging.paged(request, rows, param, size=STEP1_PAGE)))
    weight_total = Objective.objects.filter(plan=plan).aggregate(total=Sum("weight"))["total"]
    return {
        "sections": sections,
        "weight_total": weight_total or 0,
        "weights_off": weight_total is not None and weight_total != 100,
        "goals": long_term_goals.goal_list_for_plan(plan=plan),
    } | trace_context(plan)


def trace_context(plan: Plan) -> dict:
    orphans, unfunded = trace.orphan_targets(plan), trace.unfunded_objectives(plan)
    orphan_count, unfunded_count = orphans.count(), unfunded.count()
    return {
        "orphans": list(orphans[:TRACE_SHOWN]),
        "orphan_count": orphan_count,
        "orphans_more": max(orphan_count - TRACE_SHOWN, 0),
        "unfunded": list(unfunded[:TRACE_SHOWN]),
        "unfunded_count": unfunded_count,
        "unfunded_more": max(unfunded_count - TRACE_SHOWN, 0),
        "funding_labels": [rule.label for rule in trace.objective_funding()],
    }


def tree_context(plan: Plan, request: HttpRequest) -> dict:
    """The strategy tree with a page of its objectives (`?tree_page=N`, as many as a table shows): a plan
    of hundreds of objectives stays quick to draw and to read."""
    plan_tree = tree.plan_tree(plan)
    page = paging.paged(request, plan_tree.objectives, "tree_page", size=STEP1_PAGE, anchor="strategy-tree")
    return {"tree": plan_tree, "tree_page": page}


@login_required
@require_safe
def alignment(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="alignment") | alignment_context(plan, request)
    context |= {"subtab": "alignment"} | tree_context(plan, request)
    return render(request, "planning/alignment.html", context)


@login_required
@require_GET
def traceability(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    return render(request, "planning/partials/traceability.html", {"plan": plan} | trace_context(plan))


def _row_response(request, plan, kind, *, form=None, obj=None, status=200, stale="", editing=False):
    context = plan_context(request, plan, tab=kind.tab) | {
        "kind": kind,
        "form": form,
        "obj": obj,
        "stale": stale,
        "editing": editing,
    }
    if request.htmx:
        template = "planning/partials/edit_row.html" if editing else kind.template
        return render(request, template, context, status=status)
    return render(request, "planning/content_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def content_new(request: HttpRequest, plan_id: int, kind: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    kind = _kind(kind)
    instance = kind.model(plan=plan)
    if request.method == "GET":
        if request.htmx and request.GET.get("cancel"):
            return HttpResponse("")
        if not plan_context(request, plan, tab=kind.tab)["can_edit"]:
            raise PermissionDenied("This plan is not open to you for editing.")
        return _row_response(request, plan, kind, form=kind.form(plan=plan, instance=instance), editing=True)
    form = kind.form(request.POST, plan=plan, instance=instance)
    outcome = editing.submit(form, lambda: _create(request, plan, kind, form))
    added = lambda obj: f"{kind.singular.capitalize()} “{obj}” added."  # noqa: E731
    return _content_answer(request, plan, kind, outcome, form=form, done=added)


def _create(request: HttpRequest, plan: Plan, kind: Kind, form):
    if kind.create:
        return kind.create(actor=request.user, plan=plan, form=form)
    values, m2m = form.split()
    return content.content_create(actor=request.user, plan=plan, model=kind.model, values=values, m2m=m2m)


def _content_answer(request, plan, kind, outcome, *, form, done, obj=None) -> HttpResponse:
    """A content row once posted: saved, the row (htmx) or the section's page; refused, the form again
    (the edit row, or the page of its own), with the latest values if someone else's edit came first."""

    def shown() -> HttpResponse:
        if outcome.ok:
            return _row_response(request, plan, kind, obj=kind.rows(plan).get(pk=outcome.saved.pk))
        stale = outcome.message if outcome.stale else ""
        context = {"form": form, "obj": obj, "status": outcome.status, "stale": stale}
        return _row_response(request, plan, kind, editing=True, **context)

    to = _section_url(plan, kind)
    return editing.row(request, outcome, shown=shown, page=shown, to=to, done=done, trigger=REFRESH)


def _section_url(plan: Plan, kind: Kind) -> str:
    return reverse(kind.page, kwargs={"plan_id": plan.pk}) + f"#{kind.slug}"


@login_required
@require_http_methods(["GET", "POST"])
def content_item(request: HttpRequest, plan_id: int, kind: str, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    kind = _kind(kind)
    obj = get_object_or_404(kind.rows(plan), pk=pk)
    can_edit = plan_context(request, plan, tab=kind.tab)["can_edit"]
    if request.method == "GET":
        with_form = can_edit and (request.GET.get("edit") == "1" or not request.htmx)
        form = kind.form(plan=plan, instance=obj) if with_form else None
        return _row_response(request, plan, kind, form=form, obj=obj, editing=with_form)
    form = kind.form(request.POST, plan=plan, instance=kind.model.objects.get(pk=obj.pk))
    outcome = editing.submit(form, lambda: _update(request, obj, form))
    done = f"{kind.singular.capitalize()} “{obj}” saved."
    if outcome.stale:  # the form shows the saved values to redo the edit on
        obj = kind.rows(plan).get(pk=pk)
        form = kind.form(plan=plan, instance=obj)
    return _content_answer(request, plan, kind, outcome, form=form, done=done, obj=obj)


def _update(request: HttpRequest, obj, form):
    values, m2m = form.split()
    version = form.cleaned_data["version"]
    return content.content_update(actor=request.user, instance=obj, version=version, values=values, m2m=m2m)


@login_required
@require_POST
def content_delete(request: HttpRequest, plan_id: int, kind: str, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    kind = _kind(kind)
    obj = get_object_or_404(kind.model.objects.filter(plan=plan), pk=pk)
    version = request.POST.get("version", 0)
    outcome = editing.submit(
        None, lambda: content.content_delete(actor=request.user, instance=obj, version=int(version))
    )
    editing.report(request, outcome, done=f"{kind.singular.capitalize()} “{obj}” removed.")
    if request.htmx and outcome.ok:
        return _refreshing(HttpResponse(""))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _section_url(plan, kind)
        return response
    return redirect(_section_url(plan, kind))
