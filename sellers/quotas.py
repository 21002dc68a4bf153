"""Publishing a plan's seller quotas, and each seller's answer to theirs.

A sales leader publishes an approved plan's seller rows: each seller gets their months as they stand
(`QuotaAcceptance.months`) and an e-mail with a link to their page. The seller opens it, asks a question
(the leader answers in the thread) or accepts; what they accepted is kept, so a re-publication after the
plan changed shows them before → after and asks again. Every step is written to the plan's history.

Services: quotas_publish, quota_open, quota_ask, quota_answer, quota_accept (keyword-only, checked and
audited here). What pages read is in sellers.quota_selectors.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.exceptions import InvalidTransitionError
from core.models import AuditEntry
from core.services import Actor, audit_record, versioned_update
from orgs import permissions
from orgs.models import Membership, Role, Seller
from planning.models import Plan, TargetAllocation
from sellers.models import QuotaAcceptance, QuotaComment, QuotaPublication
from sellers.quota_selectors import amounts

logger = logging.getLogger(__name__)

S = QuotaAcceptance.Status
ZERO = Decimal("0")
BODY_LIMIT = 2000
Action = AuditEntry.Action


# --- Checks --------------------------------------------------------------------------------------------


def may_publish(user, plan: Plan) -> bool:
    """The plan's sales leaders publish its quotas and answer its sellers."""
    return permissions.has_role(user, plan.org_unit, permissions.EDIT_PLAN)


def _ensure_leader(actor: Actor, plan: Plan) -> None:
    if not may_publish(actor, plan):
        raise PermissionDenied("Only the unit's sales leaders publish its quotas and answer its sellers.")


def _ensure_own(actor: Actor, acceptance: QuotaAcceptance) -> None:
    seller = permissions.seller_of(actor) if actor is not None else None
    if seller is None or seller.pk != acceptance.seller_id:
        raise PermissionDenied("Only the seller answers their own quota.")


def _ensure_live(acceptance: QuotaAcceptance) -> None:
    if acceptance.status == S.WITHDRAWN:
        raise InvalidTransitionError("This quota was withdrawn: the plan no longer has a row for you.")


def _body(body: str, *, what: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": f"Write your {what} before sending it."})
    if len(body) > BODY_LIMIT:
        raise ValidationError({"body": f"Keep it under {BODY_LIMIT:,} characters (this is {len(body):,})."})
    return body


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "system"


# --- Publishing ----------------------------------------------------------------------------------------


@transaction.atomic
def quotas_publish(*, actor: Actor, plan: Plan, message: str = "", notify: bool = True) -> QuotaPublication:
    """Send each seller row of an approved plan to its seller, or send them again after a change: a seller
    whose months differ from what they accepted must accept again, one whose months did not keeps their
    acceptance, one who lost their row is marked withdrawn. Sellers with something to do are e-mailed
    (`notify`: the demo loads its history without mailing anyone)."""
    _ensure_leader(actor, plan)
    plan = Plan.objects.select_for_update().select_related("org_unit").get(pk=plan.pk)
    if plan.status != Plan.Status.APPROVED:
        raise InvalidTransitionError(
            f"{plan} is {plan.get_status_display().lower()}: quotas are published from an approved plan."
        )
    rows = list(
        TargetAllocation.objects.filter(plan=plan, seller__isnull=False)
        .select_related("seller__user")
        .order_by("seller__name", "pk")
    )
    if not rows:
        raise ValidationError(f"{plan} has no seller rows: cascade its target over its sellers first.")
    now = timezone.now()
    publication, before = _publication(plan, actor, (message or "").strip(), now)
    outcome = _send(publication, rows, now)
    changes = {"sent_count": [before, publication.sent_count]} | {
        key: [None, ", ".join(names)] for key, names in outcome.items() if names and key != "unchanged"
    }
    audit_record(
        actor=actor,
        action=Action.PUBLISHED,
        instance=publication,
        changes=changes,
        comment=publication.message,
    )
    if notify:
        ids = list(publication.acceptances.exclude(status=S.ACCEPTED).values_list("pk", flat=True))
        transaction.on_commit(lambda: _mail_published(ids), robust=True)
    return publication


def _publication(plan: Plan, actor: Actor, message: str, now) -> tuple[QuotaPublication, int | None]:
    """The plan's publication, created or sent once more; with how many times it had been sent."""
    user = actor if actor is not None and actor.is_authenticated else None
    current = QuotaPublication.objects.filter(plan=plan).first()
    if current is None:
        created = QuotaPublication.objects.create(
            plan=plan, published_by=user, published_at=now, message=message
        )
        return created, None
    QuotaPublication.objects.filter(pk=current.pk).update(
        published_by=user,
        published_at=now,
        message=message,
        sent_count=F("sent_count") + 1,
        version=F("version") + 1,
        updated_at=now,
    )
    sent = current.sent_count
    current.refresh_from_db()
    return current, sent


def _send(publication: QuotaPublication, rows: list[TargetAllocation], now) -> dict[str, list[str]]:
    """Write each row's acceptance; the sellers' names by what happened to them."""
    outcome: dict[str, list[str]] = {"sent": [], "changed": [], "unchanged": [], "withdrawn": []}
    current = {a.seller_id: a for a in publication.acceptances.select_for_update()}
    for row in rows:
        acceptance = current.pop(row.seller_id, None)
        if acceptance is None:
            QuotaAcceptance.objects.create(
                publication=publication, seller=row.seller, allocation=row, months=row.months, sent_at=now
            )
            outcome["sent"].append(row.seller.name)
        else:
            outcome[_resend(acceptance, row, now)].append(row.seller.name)
    for acceptance in current.values():  # a seller the plan no longer has a row for
        if acceptance.status != S.WITHDRAWN:
            _update(acceptance, now, status=S.WITHDRAWN, allocation=None)
            outcome["withdrawn"].append(acceptance.seller.name)
    return outcome


def _resend(acceptance: QuotaAcceptance, row: TargetAllocation, now) -> str:
    """Send the row to a seller who had it before: what happened, "changed" or "unchanged"."""
    moved = amounts(acceptance.months) != amounts(row.months) or acceptance.status == S.WITHDRAWN
    status = _status_after(acceptance, row.months)
    values: dict = {"months": row.months, "allocation": row, "status": status, "sent_at": now}
    if moved:  # new figures: not opened yet
        values["opened_at"] = None
    _update(acceptance, now, **values)
    return "changed" if moved else "unchanged"


def _status_after(acceptance: QuotaAcceptance, months: list) -> str:
    """What a re-sent quota's status becomes: an accepted one stays accepted only with the same months."""
    if acceptance.accepted_months is not None:
        if amounts(acceptance.accepted_months) != amounts(months):
            return S.CHANGED
        return S.QUESTION if acceptance.status == S.QUESTION else S.ACCEPTED
    if acceptance.status == S.WITHDRAWN or amounts(acceptance.months) != amounts(months):
        return S.SENT
    return acceptance.status


def _update(acceptance: QuotaAcceptance, now, **values) -> None:
    QuotaAcceptance.objects.filter(pk=acceptance.pk).update(
        **values, version=F("version") + 1, updated_at=now
    )


# --- The seller's answer and the leader's -----------------------------------------------------------------


def quota_open(*, actor: Actor, acceptance: QuotaAcceptance) -> QuotaAcceptance:
    """The seller's first look at their quota (as sent last): the time, once, in the history."""
    _ensure_own(actor, acceptance)
    if acceptance.opened_at is not None or acceptance.status == S.WITHDRAWN:
        return acceptance
    now = timezone.now()
    status = S.OPENED if acceptance.status == S.SENT else acceptance.status
    with transaction.atomic():
        # Conditional on not being opened yet: two tabs opening at once record it once.
        opened = QuotaAcceptance.objects.filter(pk=acceptance.pk, opened_at__isnull=True).update(
            opened_at=now, status=status, version=F("version") + 1, updated_at=now
        )
        if opened:
            changes = {"status": [acceptance.get_status_display(), S(status).label]}
            audit_record(actor=actor, action=Action.OPENED, instance=acceptance, changes=changes)
    acceptance.refresh_from_db()
    return acceptance


@transaction.atomic
def quota_ask(
    *, actor: Actor, acceptance: QuotaAcceptance, body: str, version: int, notify: bool = True
) -> QuotaAcceptance:
    """The seller asks about their quota: a question in the thread; the unit's leaders are e-mailed."""
    _ensure_own(actor, acceptance)
    _ensure_live(acceptance)
    body = _body(body, what="question")
    values = {"status": S.QUESTION, "answered_at": timezone.now()}
    acceptance = versioned_update(
        instance=acceptance, version=version, values=values, actor=actor, action=Action.ASKED, comment=body
    )
    QuotaComment.objects.create(
        acceptance=acceptance, author=actor, author_name=_name(actor), by_seller=True, body=body
    )
    if notify:
        transaction.on_commit(lambda: _mail_question(acceptance.pk, body), robust=True)
    return acceptance


@transaction.atomic
def quota_answer(
    *, actor: Actor, acceptance: QuotaAcceptance, body: str, notify: bool = True
) -> QuotaComment:
    """A leader of the unit answers in the seller's thread; the seller is e-mailed. The quota's status and
    version stay: the seller's open page can still accept."""
    acceptance = QuotaAcceptance.objects.select_related("publication__plan__org_unit").get(pk=acceptance.pk)
    _ensure_leader(actor, acceptance.publication.plan)
    body = _body(body, what="answer")
    comment = QuotaComment.objects.create(
        acceptance=acceptance, author=actor, author_name=_name(actor), by_seller=False, body=body
    )
    audit_record(actor=actor, action=Action.ANSWERED, instance=acceptance, comment=body)
    if notify:
        transaction.on_commit(lambda: _mail_answer(acceptance.pk, body), robust=True)
    return comment


@transaction.atomic
def quota_accept(*, actor: Actor, acceptance: QuotaAcceptance, version: int) -> QuotaAcceptance:
    """The seller accepts their quota as sent: those months are what they accepted."""
    _ensure_own(actor, acceptance)
    _ensure_live(acceptance)
    if acceptance.status == S.ACCEPTED and acceptance.accepted_months == acceptance.months:
        raise InvalidTransitionError("You have already accepted this quota.")
    values = {"accepted_months": acceptance.months, "status": S.ACCEPTED, "answered_at": timezone.now()}
    return versioned_update(
        instance=acceptance, version=version, values=values, actor=actor, action=Action.ACCEPTED
    )


# --- E-mail (after the commit: a mail server that is down loses a mail, never the answer) -----------------


def seller_link(plan: Plan) -> str:
    return f"{settings.AOP_BASE_URL}{reverse('my-number')}?year={plan.fiscal_year}"


def board_link(plan: Plan) -> str:
    return f"{settings.AOP_BASE_URL}{reverse('quotas:plan', kwargs={'plan_id': plan.pk})}"


def _address(seller: Seller) -> str:
    """Where a seller who signs in is written to: their login's address, else the seller's."""
    return (seller.user.email or seller.email) if seller.user_id else ""


def _acceptances(ids: list[int]) -> list[QuotaAcceptance]:
    qs = QuotaAcceptance.objects.filter(pk__in=ids).select_related(
        "seller__user", "publication__plan__org_unit", "publication__published_by"
    )
    return list(qs.order_by("seller__name", "pk"))


def _mail_published(ids: list[int]) -> int:
    sent = 0
    for acceptance in _acceptances(ids):
        if to := _address(acceptance.seller):
            sent += send_mail(*_published_text(acceptance), None, [to])
    return sent


def _published_text(acceptance: QuotaAcceptance) -> tuple[str, str]:
    publication = acceptance.publication
    plan = publication.plan
    if acceptance.status == S.WITHDRAWN:
        return (
            f"AOP · your {plan} quota was withdrawn",
            f"{plan} no longer has a quota row for you; nothing waits for your answer.\n",
        )
    total = sum(amounts(acceptance.months), ZERO)
    what = "changed since you accepted it" if acceptance.status == S.CHANGED else "is ready for you"
    note = (
        f"\n{_name(publication.published_by)} wrote: {publication.message}\n" if publication.message else ""
    )
    body = (
        f"Your {plan} quota {what}: {total:,.2f} for the year.\n{note}\n"
        f"Open it, see how it was set, ask a question or accept it: {seller_link(plan)}\n"
    )
    return f"AOP · your {plan} quota {what}", body


def _mail_question(acceptance_id: int, body: str) -> int:
    [acceptance] = _acceptances([acceptance_id])
    plan = acceptance.publication.plan
    units = [*plan.org_unit.ancestor_ids, plan.org_unit_id]
    leaders = (
        Membership.objects.filter(org_unit__in=units, role=Role.SALES_LEADER, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    text = (
        f"{acceptance.seller.name} asks about their {plan} quota:\n\n{body}\n\nAnswer: {board_link(plan)}\n"
    )
    return send_mail(
        f"AOP · {acceptance.seller.name} asks about their quota", text, None, sorted(set(leaders))
    )


def _mail_answer(acceptance_id: int, body: str) -> int:
    [acceptance] = _acceptances([acceptance_id])
    to = _address(acceptance.seller)
    if not to:
        return 0
    plan = acceptance.publication.plan
    text = f"Your question about your {plan} quota was answered:\n\n{body}\n\nOpen it: {seller_link(plan)}\n"
    return send_mail(f"AOP · your question about your {plan} quota was answered", text, None, [to])
