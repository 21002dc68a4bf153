import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.exceptions import InvalidTransitionError
from core.models import AuditEntry
from planning.models import Plan
from planning.services import available_transitions, plan_transition, plan_update
from tests.conftest import api_as


def advance(plan, people, *names):
    actors = {"submit": people.leader, "approve": people.executive, "reopen": people.leader}
    for name in names:
        plan = plan_transition(actor=actors[name], plan=plan, name=name, version=plan.version)
    return plan


def test_a_plan_goes_from_draft_through_review_to_approved(plan, people):
    plan = advance(plan, people, "submit")
    assert plan.status == Plan.Status.IN_REVIEW and plan.submitted_at is not None
    plan = advance(plan, people, "approve")
    assert plan.status == Plan.Status.APPROVED
    assert plan.approved_by == people.executive
    assert list(plan.revisions.values_list("number", flat=True)) == [1]


def test_an_approved_plan_is_read_only(plan, people):
    plan = advance(plan, people, "submit", "approve")
    with pytest.raises(InvalidTransitionError, match="read-only"):
        plan_update(actor=people.leader, plan=plan, version=plan.version, summary="Changed after approval")
    plan.refresh_from_db()
    assert plan.summary == "Grow new logos in the core segment."

    response = api_as(people.leader).patch(
        f"/api/plans/{plan.pk}/", {"summary": "Changed", "version": plan.version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_reopening_starts_revision_2_and_revision_1_stays_readable(client, plan, people):
    plan = advance(plan, people, "submit", "approve", "reopen")
    assert (plan.status, plan.revision) == (Plan.Status.DRAFT, 2)
    plan = plan_update(
        actor=people.leader, plan=plan, version=plan.version, summary="Revised at the Q2 review."
    )

    frozen = plan.revisions.get(number=1).snapshot
    assert frozen["plan"]["summary"] == "Grow new logos in the core segment."
    assert frozen["plan"]["revision"] == 1

    client.force_login(people.executive)
    page = client.get(reverse("planning:revision", args=[plan.pk, 1]))
    assert page.status_code == 200
    assert "Grow new logos in the core segment." in page.content.decode()
    assert "Revised at the Q2 review." not in page.content.decode()
    assert client.get(reverse("planning:revision", args=[plan.pk, 2])).status_code == 404  # not approved yet

    revisions = api_as(people.viewer).get(f"/api/plans/{plan.pk}/revisions/").json()
    assert [r["number"] for r in revisions] == [1]


def test_sending_back_needs_a_comment_and_keeps_it_in_history(plan, people):
    plan = advance(plan, people, "submit")
    with pytest.raises(ValidationError):
        plan_transition(
            actor=people.executive, plan=plan, name="send_back", version=plan.version, comment="  "
        )
    plan = plan_transition(
        actor=people.executive,
        plan=plan,
        name="send_back",
        version=plan.version,
        comment="Target too low for EMEA.",
    )
    assert plan.status == Plan.Status.DRAFT
    entry = AuditEntry.objects.filter(plan_id=plan.pk).first()
    assert (entry.action, entry.actor, entry.comment) == (
        "sent_back",
        people.executive,
        "Target too low for EMEA.",
    )
    assert entry.changes["status"] == ["in_review", "draft"]


def test_a_transition_out_of_order_is_refused_with_a_reason(client, plan, people):
    with pytest.raises(InvalidTransitionError, match="Only a plan that is in review can be approved"):
        plan_transition(actor=people.executive, plan=plan, name="approve", version=plan.version)
    response = api_as(people.executive).post(f"/api/plans/{plan.pk}/approve/", {"version": plan.version})
    assert response.status_code == 409

    client.force_login(people.executive)
    page = client.post(
        reverse("planning:transition", args=[plan.pk, "approve"]), {"version": plan.version}, follow=True
    )
    assert "Only a plan that is in review can be approved" in page.content.decode()
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_each_role_is_offered_only_its_own_actions(plan, people):
    assert [t.name for t in available_transitions(plan=plan, user=people.leader)] == ["submit"]
    assert available_transitions(plan=plan, user=people.executive) == []
    plan = advance(plan, people, "submit")
    assert [t.name for t in available_transitions(plan=plan, user=people.executive)] == [
        "approve",
        "send_back",
    ]
    with pytest.raises(PermissionDenied):
        plan_transition(actor=people.ops, plan=plan, name="approve", version=plan.version)


def test_every_step_is_recorded_with_who_and_before_after(client, plan, people):
    advance(plan, people, "submit", "approve", "reopen")
    entries = list(AuditEntry.objects.filter(plan_id=plan.pk).order_by("at", "id"))
    assert [(e.action, e.actor_name) for e in entries] == [
        ("submitted", "leader"),
        ("approved", "executive"),
        ("reopened", "leader"),
    ]
    assert entries[2].changes["revision"] == [1, 2]

    client.force_login(people.viewer)
    page = client.get(reverse("planning:history", args=[plan.pk])).content.decode()
    assert page.count("<li>") >= 3 and "reopened" in page and "approved" in page
