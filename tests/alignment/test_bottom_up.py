"""Bottom-up numbers: a child submits, the parent decides, approved numbers roll up."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.exceptions import InvalidTransitionError, StaleVersionError
from orgs.models import FiscalCalendar
from planning import bottom_up, capacity, cascade, content, traceability
from planning.models import TargetSubmission
from tests.factories import PlanFactory, SellerFactory


def submit(plan, actor, amount):
    row = bottom_up.submission_save(actor=actor, plan=plan, version=None, amount=D(amount))
    return bottom_up.submission_submit(actor=actor, submission=row, version=row.version)


def test_an_approved_child_submission_changes_the_parents_bottom_up_total(
    org, people, region_plan, region_lead
):
    team_plan = PlanFactory(org_unit=org.team_a1)
    submitted = submit(team_plan, people.leader, "640000")
    assert bottom_up.bottom_up(region_plan).approved_total == 0
    assert bottom_up.bottom_up(region_plan).pending_total == D("640000")

    bottom_up.submission_decide(
        actor=region_lead, submission=submitted, version=submitted.version, approve=True
    )

    result = bottom_up.bottom_up(region_plan)
    assert result.approved_total == D("640000.00")
    assert result.gap_to_target == D("-360000.00")  # region target is 1,000,000
    row = next(c for c in result.children if c.unit == org.team_a1)
    assert row.submission.status == TargetSubmission.Status.APPROVED


def test_the_gap_to_the_top_down_number_is_shown_per_child(org, people, region_plan, region_lead):
    region_plan.refresh_from_db()
    cascade.cascade_run(
        actor=region_lead,
        plan=region_plan,
        version=region_plan.version,
        method="equal",
        level="units",
        buffer_percent=D("10"),
    )  # 550,000 each
    submitted = submit(PlanFactory(org_unit=org.team_a1), people.leader, "500000")
    bottom_up.submission_decide(
        actor=region_lead, submission=submitted, version=submitted.version, approve=True
    )
    result = bottom_up.bottom_up(region_plan)
    a1, a2 = result.children
    assert (a1.top_down, a1.gap) == (D("550000.00"), D("-50000.00"))
    assert (a2.top_down, a2.gap, a2.plan) == (D("550000.00"), None, None)
    assert result.gap == D("500000.00") - D("1100000.00")


def test_approval_rolls_up_level_by_level(org, people, region_plan, region_lead):
    """The region leader sees the team's approved number and passes the region's own up to the company."""
    company_plan = PlanFactory(org_unit=org.company)
    team = submit(PlanFactory(org_unit=org.team_a1), people.leader, "400000")
    bottom_up.submission_decide(actor=region_lead, submission=team, version=team.version, approve=True)
    region = submit(region_plan, region_lead, str(bottom_up.bottom_up(region_plan).approved_total))
    assert bottom_up.bottom_up(company_plan).pending_total == D("400000.00")
    with pytest.raises(PermissionDenied):  # sales ops do not own the company's number; its leaders do
        bottom_up.submission_decide(actor=people.ops, submission=region, version=region.version, approve=True)


def test_sending_back_needs_a_comment_and_reopens_the_number(org, people, region_lead):
    submitted = submit(PlanFactory(org_unit=org.team_a1), people.leader, "100")
    with pytest.raises(ValidationError, match="Say what needs to change"):
        bottom_up.submission_decide(
            actor=region_lead, submission=submitted, version=submitted.version, approve=False
        )
    back = bottom_up.submission_decide(
        actor=region_lead, submission=submitted, version=submitted.version, approve=False, comment="Too low"
    )
    assert (back.status, back.comment) == (TargetSubmission.Status.SENT_BACK, "Too low")
    again = bottom_up.submission_save(
        actor=people.leader, plan=back.plan, version=back.version, amount=D("150")
    )
    assert again.status == TargetSubmission.Status.DRAFT and again.amount == D("150")


def test_only_the_parents_leader_decides_and_not_twice(org, people, region_lead):
    submitted = submit(PlanFactory(org_unit=org.team_a1), people.leader, "100")
    for outsider in (people.leader, people.sibling, people.executive):
        with pytest.raises(PermissionDenied):
            bottom_up.submission_decide(
                actor=outsider, submission=submitted, version=submitted.version, approve=True
            )
    done = bottom_up.submission_decide(
        actor=region_lead, submission=submitted, version=submitted.version, approve=True
    )
    with pytest.raises(InvalidTransitionError):
        bottom_up.submission_decide(actor=region_lead, submission=done, version=done.version, approve=True)


def test_a_submitted_number_cannot_change_and_a_stale_decision_is_refused(org, people, region_lead):
    submitted = submit(PlanFactory(org_unit=org.team_a1), people.leader, "100")
    with pytest.raises(InvalidTransitionError):
        bottom_up.submission_save(
            actor=people.leader, plan=submitted.plan, version=submitted.version, amount=D("1")
        )
    with pytest.raises(StaleVersionError):
        bottom_up.submission_decide(actor=region_lead, submission=submitted, version=1, approve=True)
    submitted.refresh_from_db()
    assert submitted.status == TargetSubmission.Status.SUBMITTED


def test_capacity_counts_ramped_seller_months_per_child_unit(org, region_plan):
    rules = FiscalCalendar.load().rules  # January start: FY2028 = calendar 2028
    SellerFactory(org_unit=org.team_a1, start_date=dt.date(2020, 1, 1), monthly_quota=D("10000"))  # 12 months
    SellerFactory(
        org_unit=org.team_a1, start_date=rules.period(2028, 4).start, monthly_quota=D("10000")
    )  # 6.5
    SellerFactory(
        org_unit=org.team_a2, start_date=dt.date(2029, 1, 1), monthly_quota=D("10000")
    )  # not active
    rows, total = capacity.capacity(region_plan)
    a1, a2 = rows
    assert (a1.headcount, a1.seller_months, a1.capacity) == (2, D("18.5"), D("185000.00"))
    assert (a2.headcount, a2.capacity) == (0, D("0"))
    assert total.capacity == D("185000.00") and total.target == D("1000000")
    assert total.coverage == D("0.1850")


def test_traceability_finds_orphan_targets_and_unfunded_objectives(region_plan, region_lead):
    from planning.models import Initiative, Objective, SalesTarget

    growth = content.content_create(
        actor=region_lead, plan=region_plan, model=Objective, values={"title": "Grow", "weight": D("60")}
    )
    keep = content.content_create(
        actor=region_lead, plan=region_plan, model=Objective, values={"title": "Keep", "weight": D("40")}
    )
    content.content_create(
        actor=region_lead,
        plan=region_plan,
        model=Initiative,
        values={"title": "Hire"},
        m2m={"objectives": [growth]},
    )
    linked = content.content_create(
        actor=region_lead,
        plan=region_plan,
        model=SalesTarget,
        values={"name": "Services", "renewal": D("5")},
        m2m={"objectives": [keep]},
    )
    assert [t.name for t in traceability.orphan_targets(region_plan)] == ["Revenue"]
    assert list(traceability.unfunded_objectives(region_plan)) == [keep]
    assert linked.objectives.get() == keep
