"""Step 2: priorities, unaddressed gaps, validation, last year's progress, pages and API by role."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capabilities import selectors
from capabilities.models import Capability, CapabilityAssessment, ImprovementAction
from capabilities.services import assessment_save, capability_update
from core.exceptions import InvalidTransitionError
from planning import overview
from planning.content import content_create, content_update
from planning.services import plan_transition
from tests.conftest import api_as
from tests.factories import PlanFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def assess(plan, actor, name, maturity, target, criticality, **extra):
    capability = Capability.objects.get(name=name)
    values = {"maturity": maturity, "target_maturity": target, "criticality": criticality} | extra
    return assessment_save(actor=actor, plan=plan, capability=capability, version=None, values=values)


def test_the_default_catalogue_is_seeded_in_four_categories(db):
    assert Capability.objects.count() == 18
    assert set(Capability.objects.values_list("category", flat=True)) == {
        "skills",
        "processes",
        "tools",
        "resources",
    }


def test_priority_is_gap_times_criticality_and_ranks_the_gaps(plan, people):
    forecasting = assess(plan, people.leader, "Forecasting", 2, 4, 4)  # gap 2 × critical 4 = 8
    discovery = assess(plan, people.leader, "Discovery", 1, 4, 2)  # gap 3 × medium 2 = 6
    crm = assess(plan, people.leader, "CRM hygiene", 3, 4, 3)  # gap 1 × high 3 = 3
    assess(plan, people.leader, "Negotiation", 4, 3, 4)  # above target: gap 0, not a gap
    ranked = selectors.assessment_gaps_ranked(selectors.assessment_list(plan))
    assert [(a.capability.name, a.gap, a.priority) for a in ranked] == [
        ("Forecasting", 2, 8),
        ("Discovery", 3, 6),
        ("CRM hygiene", 1, 3),
    ]
    assert ranked == [forecasting, discovery, crm]


def test_an_unaddressed_critical_gap_is_flagged_until_a_funded_action_exists(plan, people):
    gap = assess(plan, people.leader, "Forecasting", 1, 3, 4)
    assess(plan, people.leader, "Prospecting", 1, 3, 2)  # medium: never flagged
    assert [a.pk for a in selectors.assessment_unaddressed_list(plan)] == [gap.pk]
    assert [a.label for a in overview.alerts(plan)] == ["Unaddressed"]

    action = content_create(
        actor=people.leader,
        plan=plan,
        model=ImprovementAction,
        values={"assessment": gap, "title": "Cadence"},
    )
    assert [a.pk for a in selectors.assessment_unaddressed_list(plan)] == [
        gap.pk
    ]  # an action with no budget is not funding

    action = content_update(
        actor=people.leader, instance=action, version=action.version, values={"budget": D("25000")}
    )
    assert selectors.assessment_unaddressed_list(plan) == [] and overview.alerts(plan) == []

    content_update(
        actor=people.leader, instance=action, version=action.version, values={"status": "cancelled"}
    )
    assert [a.pk for a in selectors.assessment_unaddressed_list(plan)] == [
        gap.pk
    ]  # a cancelled action funds nothing


def test_maturity_outside_1_to_5_is_refused_with_a_clear_message(plan, people):
    with pytest.raises(ValidationError) as caught:
        assess(plan, people.leader, "Forecasting", 6, 3, 4)
    assert "Maturity is 1 (initial) to 5 (optimizing)." in caught.value.messages
    with pytest.raises(ValidationError, match="Criticality is 1 \\(low\\) to 4 \\(critical\\)"):
        assess(plan, people.leader, "Forecasting", 2, 3, 5)
    assert not CapabilityAssessment.objects.exists()


def test_the_sheet_refuses_maturity_0_beside_the_row_and_saves_nothing(client, plan, people):
    client.force_login(people.leader)
    capability = Capability.objects.get(name="Forecasting")
    row_url = reverse("capabilities:row", args=[plan.pk, capability.pk])
    partial = client.post(row_url, {"maturity": "2"}, **HTMX)
    assert partial.status_code == 200 and "Not saved yet" in partial.content.decode()
    bad = client.post(row_url, {"maturity": "0", "target_maturity": "3", "criticality": "4"}, **HTMX)
    assert bad.status_code == 422 and "Maturity is 1 (initial) to 5 (optimizing)." in bad.content.decode()
    assert not CapabilityAssessment.objects.exists()
    good = client.post(row_url, {"maturity": "2", "target_maturity": "4", "criticality": "4"}, **HTMX)
    assert good.status_code == 200 and good["HX-Trigger"] == "assessment-changed"
    saved = CapabilityAssessment.objects.get()
    assert (saved.priority, saved.assessor, saved.assessed_on is not None) == (8, people.leader, True)
    stale = client.post(
        row_url, {"maturity": "3", "target_maturity": "4", "criticality": "4", "version": "9"}, **HTMX
    )
    assert stale.status_code == 409


def test_progress_against_last_years_assessment_of_the_same_unit(org, plan, people):
    last_year = PlanFactory(org_unit=org.team_a1, fiscal_year=2027)
    assess(last_year, people.leader, "Forecasting", 1, 3, 4)
    assess(last_year, people.leader, "Discovery", 3, 3, 2)
    assess(plan, people.leader, "Forecasting", 3, 4, 4)
    assess(plan, people.leader, "Discovery", 2, 3, 2)
    rows = {
        r.capability.name: r for r in selectors.assessment_sheet_get(plan, selectors.assessment_list(plan))
    }
    assert (rows["Forecasting"].last_year, rows["Forecasting"].change) == (1, 2)
    assert rows["Discovery"].change == -1
    assert rows["Negotiation"].assessment is None and rows["Negotiation"].change is None


def test_heatmap_counts_capabilities_by_criticality_and_maturity(plan, people):
    assess(plan, people.leader, "Forecasting", 1, 3, 4)
    assess(plan, people.leader, "Discovery", 1, 3, 4)
    assess(plan, people.leader, "Negotiation", 3, 3, 1)
    cells = selectors.assessment_heatmap_get(selectors.assessment_list(plan))
    assert cells["z"][3][0] == 2 and cells["text"][3][0] == "Forecasting<br>Discovery"
    assert cells["z"][0][2] == 1 and sum(map(sum, cells["z"])) == 3


def test_roles_who_may_assess(plan, people, org):
    assess(plan, people.leader, "Forecasting", 1, 3, 4)
    for user in (people.ops, people.executive, people.viewer):
        with pytest.raises(PermissionDenied):
            assess(plan, user, "Discovery", 1, 3, 4)
    with pytest.raises(PermissionDenied):
        capability_update(
            actor=people.leader,
            capability=Capability.objects.get(name="Discovery"),
            version=1,
            values={"active": False},
        )
    plan = plan_transition(actor=people.leader, plan=plan, name="submit", version=plan.version)
    with pytest.raises(InvalidTransitionError):
        assess(plan, people.leader, "Discovery", 1, 3, 4)


@pytest.mark.parametrize(
    "who, page, api_write",
    [
        ("leader", 200, 201),
        ("executive", 200, 403),
        ("viewer", 200, 403),
        ("sibling", 404, 400),
        ("outsider", 404, 400),
    ],
)
def test_page_and_api_by_role(client, plan, people, who, page, api_write):
    user = getattr(people, who)
    client.force_login(user)
    response = client.get(reverse("capabilities:plan", args=[plan.pk]))
    assert response.status_code == page
    if page == 200:
        html = response.content.decode()
        assert ("hx-post" in html) == (who == "leader")  # only the unit's leader gets an editable sheet
    created = api_as(user).post(
        "/api/capability-assessments/",
        {
            "plan": plan.pk,
            "capability": Capability.objects.get(name="Forecasting").pk,
            "maturity": 2,
            "target_maturity": 4,
            "criticality": 4,
        },
        format="json",
    )
    assert created.status_code == api_write  # a plan you cannot see is an unknown plan: 400, not 403
    if api_write == 201:
        assert (created.data["gap"], created.data["priority"], created.data["unaddressed"]) == (2, 8, True)
        gaps = api_as(user).get(f"/api/capability-gaps/?plan={plan.pk}").data
        assert gaps[0]["priority"] == 8 and gaps[0]["unaddressed"] is True
        bad = api_as(user).patch(
            f"/api/capability-assessments/{created.data['id']}/", {"maturity": 7, "version": 1}, format="json"
        )
        assert bad.status_code == 400 and "Maturity is 1 (initial) to 5 (optimizing)." in str(bad.data)


def test_the_catalogue_is_kept_by_company_ops(client, people):
    client.force_login(people.leader)
    assert (
        client.post(reverse("capability-catalogue"), {"name": "X", "category": "skills"}).status_code == 403
    )
    client.force_login(people.ops)
    response = client.post(
        reverse("capability-catalogue"), {"name": "Social selling", "category": "skills", "active": "on"}
    )
    assert response.status_code == 302 and Capability.objects.filter(name="Social selling").exists()
    assert api_as(people.ops).get("/api/capabilities/?category=skills").data["count"] == 6


def test_the_assessment_page_costs_the_same_queries_for_3_or_18_assessments(client, plan, people):
    from orgs.models import FiscalCalendar

    FiscalCalendar.load()  # created on first use; not part of what a page costs
    client.force_login(people.leader)
    url = reverse("capabilities:plan", args=[plan.pk])
    names = list(Capability.objects.values_list("name", flat=True))

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for name in names[:3]:
        gap = assess(plan, people.leader, name, 1, 3, 4)
        content_create(
            actor=people.leader, plan=plan, model=ImprovementAction, values={"assessment": gap, "title": "A"}
        )
    small = measure()
    for name in names[3:]:
        gap = assess(plan, people.leader, name, 1, 3, 4)
        content_create(
            actor=people.leader, plan=plan, model=ImprovementAction, values={"assessment": gap, "title": "B"}
        )
    assert measure() == small
