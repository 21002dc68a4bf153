"""The cascade grid's cells: a batch of edits from the grid component (core.sheet), applied whole."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from core import sheet
from planning import selectors
from planning.sheets import CascadeSheet
from planning.views.plan import can_edit


@login_required
@require_POST
def grid_cells(request: HttpRequest, plan_id: int) -> JsonResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    return sheet.respond(request, CascadeSheet(plan, can_edit=can_edit(request, plan)))
