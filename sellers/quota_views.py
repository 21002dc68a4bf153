"""Published quotas in pages: a plan's Quotas tab for its leaders (publish, follow, answer, read a seller's
receipt) and, on the seller's own page, their quota as sent with Accept and Ask."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core import editing
from orgs import permissions
from orgs.models import Seller
from planning import cascade
from planning import selectors as plan_selectors
from planning.models import Plan, TargetAllocation
from planning.views.plan import plan_context
from sellers import forms, number, quota_selectors, quotas
from sellers.models import QuotaAcceptance

# --- The plan's Quotas tab (its leaders act; whoever reads the plan reads it) -------------------------


def _board_url(plan: Plan, anchor: str = "") -> str:
    return reverse("quotas:plan", kwargs={"plan_id": plan.pk}) + anchor


@login_required
@require_safe
def board(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="quotas") | {
        "board": quota_selectors.plan_board(plan),
        "can_publish": quotas.may_publish(request.user, plan),
        "publish_form": forms.PublishForm(),
        "target": cascade.target_total(plan),
    }
    return render(request, "sellers/quotas.html", context)


@login_required
@require_POST
def publish(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    editing.permit(
        quotas.may_publish(request.user, plan), "Only the unit's sales leaders publish its quotas."
    )
    form = forms.PublishForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: quotas.quotas_publish(actor=request.user, plan=plan, message=form.cleaned_data["message"]),
    )
    return editing.action(
        request, outcome, done=_published, to=_board_url(plan), failed="The quotas were not sent: "
    )


def _published(publication) -> str:
    live = publication.acceptances.exclude(status=QuotaAcceptance.Status.WITHDRAWN)
    mailed = live.filter(seller__user__isnull=False).count()
    n = live.count()
    return f"Quotas sent to {n} seller{'s' if n != 1 else ''}; {mailed} e-mailed" + (
        f" ({n - mailed} without a sign-in were not)." if n > mailed else "."
    )


@login_required
@require_POST
def answer(request: HttpRequest, plan_id: int, acceptance_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    acceptance = get_object_or_404(QuotaAcceptance, pk=acceptance_id, publication__plan=plan)
    editing.permit(
        quotas.may_publish(request.user, plan), "Only the unit's sales leaders answer its sellers."
    )
    form = forms.AnswerForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: quotas.quota_answer(
            actor=request.user, acceptance=acceptance, body=form.cleaned_data["body"]
        ),
    )
    done = f"Answer sent to {acceptance.seller.name}."
    return editing.action(
        request, outcome, done=done, to=_board_url(plan, f"#quota-{acceptance.pk}"), failed="Not sent: "
    )


@login_required
@require_safe
def receipt(request: HttpRequest, plan_id: int, seller_id: int) -> HttpResponse:
    """A seller's receipt as their leaders (and whoever reads the plan) see it: the seller's own page's."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    row = get_object_or_404(
        TargetAllocation.objects.select_related("seller", "plan"), plan=plan, seller_id=seller_id
    )
    context = plan_context(request, plan, tab="quotas") | {
        "seller": row.seller,
        "row": row,
        "receipt": number.receipt(row),
        "months": quota_selectors.month_labels(plan),
        "quota": quota_selectors.seller_quota(row.seller, plan),
        "answer_form": forms.AnswerForm(),
        "can_publish": quotas.may_publish(request.user, plan),
    }
    return render(request, "sellers/quota_receipt.html", context)


# --- The seller's side, on their own page -------------------------------------------------------------------


def seller_context(request: HttpRequest, seller: Seller, page: number.MyNumber) -> dict:
    """What the seller's page adds for a published quota; the first view marks it opened."""
    quota = quota_selectors.seller_quota(seller, page.plan)
    if quota is not None and quota.acceptance.opened_at is None:
        quota.acceptance = quotas.quota_open(actor=request.user, acceptance=quota.acceptance)
    version = quota.acceptance.version if quota else None
    return {
        "quota": quota,
        "question_form": forms.QuestionForm(initial={"version": version}),
        "pending": quota_selectors.pending_elsewhere(seller, page.plan),
        "plan_target": cascade.target_total(page.plan) if quota else None,
    }


def _own(request: HttpRequest, acceptance_id: int) -> QuotaAcceptance:
    """The signed-in seller's own published quota; any other is 404."""
    seller = permissions.seller_of(request.user)
    if seller is None:
        raise Http404("You are not a seller.")
    qs = QuotaAcceptance.objects.select_related("publication__plan")
    return get_object_or_404(qs, pk=acceptance_id, seller=seller)


def _page_url(acceptance: QuotaAcceptance) -> str:
    return f"{reverse('my-number')}?year={acceptance.publication.plan.fiscal_year}#quota"


@login_required
@require_POST
def accept(request: HttpRequest, acceptance_id: int) -> HttpResponse:
    acceptance = _own(request, acceptance_id)
    form = forms.AcceptForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: quotas.quota_accept(
            actor=request.user, acceptance=acceptance, version=form.cleaned_data["version"]
        ),
    )
    return editing.action(
        request, outcome, done="Quota accepted.", to=_page_url(acceptance), failed="Not accepted: "
    )


@login_required
@require_POST
def ask(request: HttpRequest, acceptance_id: int) -> HttpResponse:
    acceptance = _own(request, acceptance_id)
    form = forms.QuestionForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: quotas.quota_ask(
            actor=request.user,
            acceptance=acceptance,
            body=form.cleaned_data["body"],
            version=form.cleaned_data["version"],
        ),
    )
    return editing.action(
        request, outcome, done="Question sent to your leader.", to=_page_url(acceptance), failed="Not sent: "
    )
