"""The demo's published quotas, through the services, with every answer a seller can give.

North America's leader published the FY2027 quotas of Mid-Market, Enterprise East and Enterprise West:

- Mid-Market: Farid Chen ("seller") asked why his February is lower and was answered, so his quota waits
  for his acceptance; of the three sellers who sign in as seller4 … seller6 (in name order) one accepted,
  one asked a question still open and one only opened it; the rest have not opened theirs.
- Enterprise East: Farid Andersen ("seller2") accepted; its FY2028 quotas, approved this season, were
  published too and wait for him, not opened.
- Enterprise West: Ava Chen ("seller3") accepted, then the plan was reopened after Q2, a tenth of a
  colleague's second half moved to her, approved again and re-published: her quota changed since she
  accepted it (before → after), the colleague's changed before they opened it.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model

from orgs.models import Seller
from orgs.services import seller_update
from planning import grid
from planning.models import Plan, TargetAllocation
from planning.services import plan_transition
from sellers import quotas
from sellers.models import QuotaAcceptance

YEAR = 2027
EXTRA_LOGINS = ["seller4", "seller5", "seller6"]  # Mid-Market sellers who answer: accepted, asked, opened
MOVED = Decimal("0.10")  # of the colleague's months 7–12, to Ava Chen


def seed(users: dict) -> None:
    leader, executive, ops = users["leader"], users["exec"], users["ops"]
    _mid_market(leader, ops)
    _enterprise_east(leader)
    _enterprise_west(leader, executive)


def _plan(code: str, year: int = YEAR) -> Plan:
    return Plan.objects.select_related("org_unit").get(org_unit__code=code, fiscal_year=year)


def _mine(plan: Plan, user) -> QuotaAcceptance:
    return QuotaAcceptance.objects.get(publication__plan=plan, seller__user=user)


def _open(user, plan: Plan) -> QuotaAcceptance:
    return quotas.quota_open(actor=user, acceptance=_mine(plan, user))


def _accept(user, plan: Plan) -> QuotaAcceptance:
    acceptance = _open(user, plan)
    return quotas.quota_accept(actor=user, acceptance=acceptance, version=acceptance.version)


def _ask(user, plan: Plan, body: str) -> QuotaAcceptance:
    acceptance = _open(user, plan)
    return quotas.quota_ask(
        actor=user, acceptance=acceptance, body=body, version=acceptance.version, notify=False
    )


def _login(username: str, seller: Seller, ops):
    from demo.management.commands.seed_demo import PASSWORD  # seed_demo imports this module

    first, last = seller.name.split(" ", 1)
    user = get_user_model().objects.create_user(
        username, f"{username}@northwind.example", PASSWORD, first_name=first, last_name=last
    )
    seller_update(actor=ops, seller=seller, version=seller.version, values={"user": user})
    return user


def _mid_market(leader, ops) -> None:
    plan = _plan("na-mid-market")
    quotas.quotas_publish(
        actor=leader,
        plan=plan,
        message="Your FY2027 quotas as approved. Ask me anything here before you accept.",
        notify=False,
    )
    farid = get_user_model().objects.get(username="seller")
    _ask(farid, plan, "Why is my February lower than March? My pipeline is heavier early in the year.")
    quotas.quota_answer(
        notify=False,
        actor=leader,
        acceptance=_mine(plan, farid),
        body="February follows the Northwind bookings profile: it is the quarter's first month. "
        "If your pipeline is front-loaded you will be ahead of pace, which counts.",
    )
    others = (
        TargetAllocation.objects.filter(plan=plan, seller__isnull=False, seller__user__isnull=True)
        .select_related("seller")
        .order_by("seller__name")
    )
    accepted, asking, opening = (
        _login(name, row.seller, ops) for name, row in zip(EXTRA_LOGINS, others, strict=False)
    )
    _accept(accepted, plan)
    _ask(asking, plan, "Does the churn allowance apply to my renewals, or only to the team's?")
    _open(opening, plan)


def _enterprise_east(leader) -> None:
    farid = get_user_model().objects.get(username="seller2")
    plan = _plan("na-ent-east")
    quotas.quotas_publish(actor=leader, plan=plan, notify=False)
    _accept(farid, plan)
    quotas.quotas_publish(
        actor=leader,
        plan=_plan("na-ent-east", YEAR + 1),
        message="FY2028 is approved: here is your number for next year.",
        notify=False,
    )


def _enterprise_west(leader, executive) -> None:
    ava = get_user_model().objects.get(username="seller3")
    plan = _plan("na-ent-west")
    quotas.quotas_publish(actor=leader, plan=plan, notify=False)
    _accept(ava, plan)
    plan = plan_transition(
        actor=leader,
        plan=plan,
        name="reopen",
        version=plan.version,
        comment="Mid-year review: Ava takes over two renewals from the second half.",
    )
    rows = TargetAllocation.objects.filter(plan=plan, seller__isnull=False).select_related("seller")
    mine = rows.get(seller__user=ava)
    colleague = rows.exclude(pk=mine.pk).order_by("seller__name").first()
    moved = [
        (m * MOVED).quantize(Decimal("0.01")) if i >= 6 else Decimal("0")
        for i, m in enumerate(colleague.month_amounts)
    ]
    for row, sign in ((colleague, -1), (mine, 1)):
        months = [m + sign * d for m, d in zip(row.month_amounts, moved, strict=True)]
        grid.allocation_update(
            actor=leader,
            allocation=row,
            version=row.version,
            months=months,
            weight=row.weight,
            comment=f"Mid-year review: two renewals move from {colleague.seller.name} to Ava from August.",
        )
    plan = Plan.objects.get(pk=plan.pk)
    plan = plan_transition(actor=leader, plan=plan, name="submit", version=plan.version)
    plan = plan_transition(actor=executive, plan=plan, name="approve", version=plan.version)
    quotas.quotas_publish(
        actor=leader,
        plan=plan,
        message="After the mid-year review: two renewals move to Ava from August.",
        notify=False,
    )
