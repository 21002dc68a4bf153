"""Step 5 pages: the one-pager previewed in the plan, and its PDF download (recorded in the history)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.models import AuditEntry
from core.services import audit_record
from onepager import render as renderer
from planning import selectors
from planning.models import Plan
from planning.views.plan import plan_context


@login_required
@require_safe
def plan_tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    layout_page = renderer.preview(plan)  # as the A4 PDF lays it out
    context = plan_context(request, plan, tab="onepager") | {
        "page": layout_page,
        "layout": layout_page.layout,
        "cached": renderer.cached(plan),
    }
    return render(request, "onepager/preview.html", context)


def pdf_response(request, plan: Plan) -> HttpResponse:
    size = request.GET.get("size", "a4") if request.GET.get("size") in renderer.SIZES else "a4"
    page = renderer.render(plan, size)
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.DOWNLOADED,
        instance=plan,
        changes={"one-page PDF": [None, f"revision {plan.revision}, {renderer.SIZES[size]}"]},
    )
    response = HttpResponse(bytes(page.pdf), content_type="application/pdf")
    name = f"{plan.org_unit.code}-FY{plan.fiscal_year}-r{plan.revision}-one-pager-{size}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_safe
def pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    return pdf_response(request, selectors.plan_get(user=request.user, plan_id=plan_id))
