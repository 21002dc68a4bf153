"""The review pack on the pages: its panel (on the quarterly review page, loaded by htmx, or as a page of
its own without script), asking for a build and following it, and the downloads (recorded in the history)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.models import AuditEntry
from core.queue import QueueUnavailable
from core.services import audit_record
from onepager import pack_build
from planning import selectors
from planning.models import Plan
from planning.views.plan import plan_context


def pack_response(request: HttpRequest, plan: Plan, quarter: int, kind: str) -> HttpResponse:
    """The current pack as a download, built now if it is not yet; the download goes in the history."""
    if quarter not in (1, 2, 3, 4):
        raise Http404("A fiscal year has quarters 1 to 4.")
    size = request.GET.get("size", "a4") if request.GET.get("size") in pack_build.SIZES else "a4"
    built = pack_build.render(plan, quarter, kind, size)
    shown = pack_build.SIZES[size] if kind == "pdf" else "16:9"
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.DOWNLOADED,
        instance=plan,
        changes={
            f"Q{quarter} review pack ({built.get_kind_display()})": [
                None,
                f"revision {plan.revision}, {shown}",
            ]
        },
    )
    response = HttpResponse(bytes(built.body), content_type=pack_build.MEDIA_TYPES[kind])
    suffix = f"-{size}" if kind == "pdf" else ""
    name = f"{plan.org_unit.code}-FY{plan.fiscal_year}-Q{quarter}-review-pack{suffix}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _plan(request: HttpRequest, plan_id: int, quarter: int) -> Plan:
    if quarter not in (1, 2, 3, 4):
        raise Http404("A fiscal year has quarters 1 to 4.")
    return selectors.plan_get(user=request.user, plan_id=plan_id)


def _panel(request: HttpRequest, plan: Plan, quarter: int) -> dict:
    build = pack_build.latest_build(plan, quarter)
    return {
        "plan": plan,
        "quarter": quarter,
        "build": build,
        "pending": pack_build.is_pending(build),
        "downloads": _downloads(plan, quarter),
        "sizes": pack_build.SIZES,
    }


def _downloads(plan: Plan, quarter: int) -> list[dict]:
    """The packs current now, each with its link."""
    found, kwargs = pack_build.current(plan, quarter), {"plan_id": plan.pk, "quarter": quarter}
    rows = [
        (
            f"PDF · {label}",
            reverse("onepager:pack-pdf", kwargs=kwargs) + f"?size={size}",
            found[size],
            "pages",
        )
        for size, label in pack_build.SIZES.items()
    ]
    rows.append(("PowerPoint deck", reverse("onepager:pack-pptx", kwargs=kwargs), found["pptx"], "slides"))
    return [
        {"label": label, "url": url, "detail": f"{built.pages} {unit}", "built": built.rendered_at}
        for label, url, built, unit in rows
        if built is not None
    ]


@login_required
@require_safe
def panel(request: HttpRequest, plan_id: int, quarter: int) -> HttpResponse:
    """The pack's panel: for htmx (the review page loads it, then polls it while a build runs) the panel
    alone, else a page around it."""
    plan = _plan(request, plan_id, quarter)
    if request.htmx:
        return render(request, "onepager/pack_panel.html", _panel(request, plan, quarter))
    context = plan_context(request, plan, tab="metrics") | _panel(request, plan, quarter)
    return render(request, "onepager/pack_page.html", context)


@login_required
@require_POST
def build(request: HttpRequest, plan_id: int, quarter: int) -> HttpResponse:
    """Ask for the pack to be built in the background; anyone who may read the plan may (it is a cache)."""
    plan = _plan(request, plan_id, quarter)
    size = request.POST.get("size") if request.POST.get("size") in pack_build.SIZES else "a4"
    try:
        pack_build.pack_build_request(plan=plan, quarter=quarter, size=size, actor=request.user)
    except QueueUnavailable as exc:  # the build is recorded as failed with the same message
        messages.error(request, str(exc.detail))
    if request.htmx:
        return render(request, "onepager/pack_panel.html", _panel(request, plan, quarter))
    return redirect(reverse("onepager:pack", kwargs={"plan_id": plan.pk, "quarter": quarter}))


@login_required
@require_safe
def download(request: HttpRequest, plan_id: int, quarter: int, kind: str) -> HttpResponse:
    return pack_response(request, _plan(request, plan_id, quarter), quarter, kind)
