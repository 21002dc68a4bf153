import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from orgs.models import Membership, OrgUnit, Seller
from orgs.services import org_unit_repath
from planning.models import Plan


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pw-for-tests-1")


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = OrgUnit.Kind.TEAM

    @factory.post_generation
    def set_path(unit, create, extracted, **kwargs):
        if create:
            org_unit_repath(unit=unit)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = "sales_leader"


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"Seller {n}")
    email = factory.Sequence(lambda n: f"seller{n}@example.test")
    org_unit = factory.SubFactory(OrgUnitFactory)
    start_date = dt.date(2024, 1, 1)
    monthly_quota = Decimal("50000.00")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    org_unit = factory.SubFactory(OrgUnitFactory)
    fiscal_year = 2028
    summary = "Grow new logos in the core segment."
