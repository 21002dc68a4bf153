"""Step 1 over the API: every object and action, with versions, errors and visibility."""

import csv
import io
from decimal import Decimal as D

from planning.models import Objective, TargetAllocation, TargetSubmission
from tests.conftest import api_as
from tests.factories import PlanFactory, SellerFactory


def test_objectives_crud_with_versions(plan, people):
    api = api_as(people.leader)
    created = api.post("/api/objectives/", {"plan": plan.pk, "title": "Grow", "weight": "40"}, format="json")
    assert created.status_code == 201, created.data
    oid = created.data["id"]
    assert created.data["version"] == 1
    no_version = api.patch(f"/api/objectives/{oid}/", {"title": "Grow more"}, format="json")
    assert no_version.status_code == 400 and "version" in no_version.data
    updated = api.patch(f"/api/objectives/{oid}/", {"title": "Grow more", "version": 1}, format="json")
    assert updated.status_code == 200 and updated.data["version"] == 2
    stale = api.patch(f"/api/objectives/{oid}/", {"title": "Mine", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.data["current_version"] == 2
    assert api.delete(f"/api/objectives/{oid}/?version=1").status_code == 409
    assert api.delete(f"/api/objectives/{oid}/?version=2").status_code == 204
    assert not Objective.objects.exists()


def test_links_must_stay_inside_the_plan_and_unseen_ids_are_unknown(org, plan, people):
    api = api_as(people.leader)
    mine = api.post(
        "/api/objectives/", {"plan": plan.pk, "title": "Mine", "weight": "10"}, format="json"
    ).data
    other_plan = PlanFactory(org_unit=org.team_a1, fiscal_year=2027)
    theirs = Objective.objects.create(plan=other_plan, title="Last year")
    response = api.post(
        "/api/initiatives/",
        {"plan": plan.pk, "title": "Hire", "objectives": [mine["id"], theirs.pk]},
        format="json",
    )
    assert response.status_code == 400 and "objectives" in response.data
    hidden = Objective.objects.create(plan=PlanFactory(org_unit=org.team_b1), title="Region B's")
    response = api.post(
        "/api/initiatives/", {"plan": plan.pk, "title": "Hire", "objectives": [hidden.pk]}, format="json"
    )
    assert response.status_code == 400 and "does not exist" in str(response.data["objectives"])
    assert api.get(f"/api/objectives/{hidden.pk}/").status_code == 404


def test_a_record_is_retrieved_by_whoever_lists_it_and_is_404_to_everyone_else(org, plan, people):
    """The retrieve reads its record by id and decides on the unit's path (permissions.visible_row): the
    same answer as the list for every seat, for a record above the seat's unit, and for ids that are no
    record at all; a strategy comes back with its objectives."""
    objective = Objective.objects.create(plan=plan, title="Grow", weight=D("40"))
    company_goal = Objective.objects.create(plan=PlanFactory(org_unit=org.company), title="Company's")
    strategy = api_as(people.leader).post(
        "/api/strategies/", {"plan": plan.pk, "title": "Land", "objectives": [objective.pk]}, format="json"
    )
    assert strategy.status_code == 201
    for user in vars(people).values():
        api = api_as(user)
        listed = {row["id"] for row in api.get("/api/objectives/").data["results"]}
        for record in (objective, company_goal):
            answer = api.get(f"/api/objectives/{record.pk}/")
            assert answer.status_code == (200 if record.pk in listed else 404), (user.username, record.title)
    read = dict(api_as(people.viewer).get(f"/api/objectives/{objective.pk}/").data)
    assert read.pop("created_at") == objective.created_at.isoformat().replace("+00:00", "Z")
    read.pop("updated_at")
    assert read == {
        "id": objective.pk,
        "plan": plan.pk,
        "title": "Grow",
        "description": "",
        "weight": "40.00",
        "long_term_goal": None,
        "version": 1,
    }
    assert api_as(people.sibling).get(f"/api/objectives/{objective.pk}/").status_code == 404
    assert api_as(people.executive).get(f"/api/strategies/{strategy.data['id']}/").data["objectives"] == [
        objective.pk
    ]
    missing = f"/api/objectives/{2**63}/", "/api/objectives/abc/", f"/api/objectives/{company_goal.pk + 99}/"
    assert [api_as(people.ops).get(url).status_code for url in missing] == [404, 404, 404]
    assert api_as(None).get(f"/api/objectives/{objective.pk}/").status_code == 401


def test_a_viewer_reads_but_cannot_write(plan, people):
    api_as(people.leader).post("/api/risks/", {"plan": plan.pk, "title": "Churn"}, format="json")
    viewer = api_as(people.viewer)
    listed = viewer.get(f"/api/risks/?plan={plan.pk}")
    assert listed.status_code == 200 and listed.data["results"][0]["score"] == 9
    assert viewer.post("/api/risks/", {"plan": plan.pk, "title": "X"}, format="json").status_code == 403


def test_cascade_grid_phasing_capacity_and_traceability_endpoints(org, people, region_plan, region_lead):
    SellerFactory(org_unit=org.team_a1, monthly_quota=D("10000"))
    api = api_as(region_lead)
    cascaded = api.post(
        f"/api/plans/{region_plan.pk}/cascade/",
        {
            "version": region_plan.version,
            "cascade_method": "equal",
            "cascade_level": "units",
            "buffer_percent": "10",
        },
        format="json",
    )
    assert cascaded.status_code == 200, cascaded.data
    assert [row["amount"] for row in cascaded.data] == ["550000.00", "550000.00"]
    row = cascaded.data[0]
    months = ["45833.33"] * 12
    changed = api.patch(
        f"/api/target-allocations/{row['id']}/", {"months": months, "version": 1}, format="json"
    )
    assert changed.status_code == 200 and changed.data["amount"] == "549999.96"
    negative = api.patch(
        f"/api/target-allocations/{row['id']}/", {"months": ["-1"] * 12, "version": 2}, format="json"
    )
    assert negative.status_code == 400

    phasing = api.get(f"/api/plans/{region_plan.pk}/phasing/").data
    assert phasing["target"] == "1000000.00" and phasing["periods"][0]["amount"] == "83333.34"
    capacity = api.get(f"/api/plans/{region_plan.pk}/capacity/").data
    assert capacity["total"]["capacity"] == "120000.00" and capacity["rows"][0]["headcount"] == 1
    trace = api.get(f"/api/plans/{region_plan.pk}/traceability/").data
    assert trace == {
        "orphan_targets": [{"id": region_plan.sales_targets.get().pk, "name": "Revenue"}],
        "unfunded_objectives": [],
    }

    exported = api.get(f"/api/plans/{region_plan.pk}/target-grid/?file_type=csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[1][0] == "team-a1" and lines[1][-1] == "549999.96"
    lines[2][3] = "oops"
    body = io.StringIO()
    csv.writer(body).writerows(lines)
    upload = io.BytesIO(body.getvalue().encode())
    upload.name = "grid.csv"
    refused = api.post(
        f"/api/plans/{region_plan.pk}/target-grid/import/", {"file": upload}, format="multipart"
    )
    assert refused.status_code == 400
    assert refused.data["rows"] == [
        {
            "row": 3,
            "code": "team-a2",
            "message": "Feb 2028 · P2 (column 4): 'oops' is not a number like 1234.50: "
            "expected an optional minus, digits and '.' before the decimals.",
        }
    ]
    assert TargetAllocation.objects.get(pk=row["id"]).version == 2


def test_bottom_up_submissions_over_the_api(org, people, region_plan, region_lead):
    team_plan = PlanFactory(org_unit=org.team_a1)
    leader = api_as(people.leader)
    created = leader.post(
        "/api/target-submissions/", {"plan": team_plan.pk, "amount": "300000"}, format="json"
    )
    assert created.status_code == 201, created.data
    sid = created.data["id"]
    submitted = leader.post(f"/api/target-submissions/{sid}/submit/", {"version": 1}, format="json")
    assert submitted.data["status"] == "submitted"
    assert (
        leader.post(f"/api/target-submissions/{sid}/approve/", {"version": 2}, format="json").status_code
        == 403
    )
    parent = api_as(region_lead)
    no_comment = parent.post(f"/api/target-submissions/{sid}/send-back/", {"version": 2}, format="json")
    assert no_comment.status_code == 400
    approved = parent.post(f"/api/target-submissions/{sid}/approve/", {"version": 2}, format="json")
    assert approved.data["status"] == "approved" and approved.data["decided_by"] == "region_lead"
    rollup = parent.get(f"/api/plans/{region_plan.pk}/bottom-up/").data
    assert rollup["approved_total"] == "300000.00"
    assert TargetSubmission.objects.get().status == "approved"


def test_goals_profiles_and_settings(org, people):
    ops = api_as(people.ops)
    goal = ops.post(
        "/api/long-term-goals/",
        {
            "org_unit": org.company.pk,
            "title": "Double",
            "start_year": 2027,
            "end_year": 2030,
            "milestones": {"2028": "ARR $60M"},
        },
        format="json",
    )
    assert goal.status_code == 201, goal.data
    outside = ops.patch(
        f"/api/long-term-goals/{goal.data['id']}/", {"milestones": {"2035": "x"}, "version": 1}, format="json"
    )
    assert outside.status_code == 400 and "outside the goal's years" in str(outside.data)
    bad = ops.post(
        "/api/seasonality-profiles/",
        {"org_unit": org.company.pk, "name": "Flat", "weights": ["8"] * 12},
        format="json",
    )
    assert bad.status_code == 400 and "sum to 96" in str(bad.data)
    derived = ops.post(
        "/api/seasonality-profiles/derive/",
        {"org_unit": org.company.pk, "name": "Bookings", "actuals": ["1"] * 11 + ["9"]},
        format="json",
    )
    assert derived.status_code == 201 and derived.data["weights"][11] == "45.00"
    assert derived.data["source"] == "derived"
    settings = ops.get("/api/planning-settings/").data
    assert settings["default_buffer_percent"] == "10.00"
    changed = ops.put(
        "/api/planning-settings/",
        {"default_buffer_percent": "20", "version": settings["version"]},
        format="json",
    )
    assert changed.status_code == 200 and changed.data["default_buffer_percent"] == "20.00"
    assert (
        api_as(people.leader)
        .put("/api/planning-settings/", {"default_buffer_percent": "5", "version": 2}, format="json")
        .status_code
        == 403
    )
