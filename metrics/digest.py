"""The e-mail each sales leader gets after a rollup: their off-track and stale KPIs, with links."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from metrics.models import QuarterlyRollup
from orgs.models import Membership, Role
from planning.models import Plan


def recipients(plan: Plan) -> list:
    """Active sales leaders of the plan's unit or a unit above it, with an e-mail address."""
    units = [*plan.org_unit.ancestor_ids, plan.org_unit_id]
    return [
        m.user
        for m in Membership.objects.filter(org_unit__in=units, role=Role.SALES_LEADER, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
        .distinct()
        if m.user.email
    ]


def send(plan: Plan, quarter: int) -> int:
    """Send the digest for a plan's quarter; returns how many e-mails went out (none when all is well)."""
    flagged = list(
        QuarterlyRollup.objects.filter(
            plan=plan, quarter=quarter, org_unit=plan.org_unit, seller=None, status__in=["off_track", "stale"]
        )
        .select_related("kpi")
        .order_by("status", "kpi__name")
    )
    if not flagged:
        return 0
    link = f"{settings.AOP_BASE_URL}{reverse('metrics:qbr', kwargs={'plan_id': plan.pk})}?q={quarter}"
    lines = [
        f"- {r.kpi.name}: {'off track' if r.status == 'off_track' else 'stale (no recent data)'}"
        + (f", {r.attainment * 100:.0f}% of target" if r.attainment is not None else "")
        for r in flagged
    ]
    body = (
        f"The Q{quarter} review of {plan} has {len(flagged)} KPI(s) needing attention:\n\n"
        + "\n".join(lines)
        + f"\n\nOpen the review: {link}\n"
    )
    sent = 0
    seen = set()
    for user in recipients(plan):
        if user.pk in seen:
            continue
        seen.add(user.pk)
        sent += send_mail(
            f"AOP · {plan} Q{quarter}: {len(flagged)} KPI(s) off track or stale", body, None, [user.email]
        )
    return sent
