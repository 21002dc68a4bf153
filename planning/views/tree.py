"""The strategy tree on the alignment tab: objectives → strategies → initiatives, with the KPIs and budget
lines later steps hang under each objective (planning.tree). Read-only; it reloads when a row changes."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from planning import selectors
from planning.views.content import tree_context


@login_required
@require_GET
def tree(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    return render(request, "planning/partials/tree.html", {"plan": plan} | tree_context(plan, request))
