from django.contrib.auth.models import AnonymousUser

from orgs import permissions
from orgs.models import OrgUnit, Role
from orgs.services import org_unit_repath
from planning.models import Plan
from tests.factories import MembershipFactory, PlanFactory, UserFactory


def names(queryset):
    return sorted(u.name for u in queryset)


def test_a_role_reaches_the_unit_and_everything_below_it(org, people):
    assert names(OrgUnit.objects.visible_to(people.leader)) == ["Team A1"]
    assert names(OrgUnit.objects.visible_to(people.viewer)) == ["Region A", "Team A1", "Team A2"]
    assert OrgUnit.objects.visible_to(people.ops).count() == 6
    assert OrgUnit.objects.visible_to(people.outsider).count() == 0


def test_roles_are_checked_by_kind(org, people):
    assert permissions.has_role(people.leader, org.team_a1, permissions.EDIT_PLAN)
    assert not permissions.has_role(people.leader, org.region_a, permissions.EDIT_PLAN)
    assert not permissions.has_role(people.sibling, org.team_a1, permissions.READ)
    assert not permissions.has_role(people.viewer, org.team_a1, permissions.EDIT_PLAN)
    assert permissions.has_role(people.executive, org.team_b1, permissions.APPROVE)
    assert permissions.roles_on(people.viewer, org.team_a2) == {Role.VIEWER}


def test_plans_follow_the_units(org, people):
    PlanFactory(org_unit=org.team_a1)
    PlanFactory(org_unit=org.team_b1)
    assert [p.org_unit.name for p in Plan.objects.visible_to(people.leader)] == ["Team A1"]
    assert Plan.objects.visible_to(people.executive).count() == 2
    assert Plan.objects.visible_to(people.sibling).count() == 0


def test_only_top_level_ops_configure_the_company(org, people):
    regional_ops = UserFactory(username="regional-ops")
    MembershipFactory(user=regional_ops, org_unit=org.region_b, role=Role.SALES_OPS)
    assert permissions.is_company_ops(people.ops)
    assert not permissions.is_company_ops(regional_ops)
    assert not permissions.is_company_ops(people.executive)


def test_moving_a_unit_moves_its_subtree_and_the_access_with_it(org, people):
    # Region A's viewer sees team A1; once A1 moves under region B, the viewer no longer does.
    org.team_a1.parent = org.region_b
    org.team_a1.save()
    org_unit_repath(unit=org.team_a1)
    moved = OrgUnit.objects.get(pk=org.team_a1.pk)
    assert moved.path == f"{org.region_b.path}{moved.pk}/"
    assert names(OrgUnit.objects.visible_to(UserFactory(username="viewer"))) == ["Region A", "Team A2"]


def test_inactive_users_see_nothing(org, people):
    people.ops.is_active = False
    assert OrgUnit.objects.visible_to(people.ops).count() == 0


def test_a_users_roles_are_every_role_they_hold_anywhere_in_the_tree(org, people):
    # The leader of team A1 also views region B: two roles on two units, listed together.
    MembershipFactory(user=people.leader, org_unit=org.region_b, role=Role.VIEWER)
    permissions.forget(people.leader)
    assert permissions.roles_of(people.leader) == {Role.SALES_LEADER, Role.VIEWER}
    assert permissions.roles_of(people.ops) == {Role.SALES_OPS}
    assert permissions.roles_of(UserFactory(username="root", is_superuser=True)) == set(Role.values)
    assert permissions.roles_of(people.outsider) == set()
    assert permissions.roles_of(AnonymousUser()) == set()
    people.executive.is_active = False
    assert permissions.roles_of(people.executive) == set()
