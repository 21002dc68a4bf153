"""A believable company: regions, teams, ~60 sellers, a user per role, plans in every status."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from core import formatting
from core.models import DisplaySettings
from demo import contests, pipeline, pulls, quotas, scenarios, step1, step2, step3, step4, step5
from orgs.models import FiscalCalendar, OrgUnit, Role, Seller
from orgs.services import membership_grant, org_unit_repath, seller_update
from planning.models import Plan, TargetAllocation
from planning.services import plan_create, plan_transition, plan_update

PASSWORD = "aop-demo-2026"

TREE = {
    ("North America", "na"): [
        ("Enterprise East", "na-ent-east"),
        ("Enterprise West", "na-ent-west"),
        ("Mid-Market", "na-mid-market"),
    ],
    ("EMEA", "emea"): [("UK & Ireland", "emea-ukie"), ("DACH", "emea-dach"), ("Nordics", "emea-nordics")],
    ("APAC", "apac"): [("ANZ", "apac-anz"), ("Japan", "apac-japan")],
}
QUOTA = {
    "na-ent-east": 110_000,
    "na-ent-west": 105_000,
    "na-mid-market": 55_000,
    "emea-ukie": 80_000,
    "emea-dach": 85_000,
    "emea-nordics": 60_000,
    "apac-anz": 65_000,
    "apac-japan": 75_000,
}
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonas",
    "Kara",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Yuki",
    "Zoe",
]
LAST = [
    "Andersen",
    "Brooks",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Hughes",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Müller",
    "Nakamura",
    "O'Neill",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Walker",
]

# One login per role, printed by `make run`.
LOGINS = [
    ("leader", "Lena", "Park", Role.SALES_LEADER, "na", "Sales leader, North America"),
    ("ops", "Omar", "Reyes", Role.SALES_OPS, "northwind", "Sales ops, whole company"),
    ("exec", "Erin", "Walsh", Role.EXECUTIVE, "northwind", "Executive, whole company"),
    ("viewer", "Victor", "Hale", Role.VIEWER, "emea", "Viewer, EMEA"),
]
# Seller logins (no role: the seller seat sees only their own number), one per North America team; the
# Mid-Market one is the seller whose FY2028 row its leader edited by hand (demo.step1._hand_edit).
SELLER_LOGINS = [("seller", "na-mid-market"), ("seller2", "na-ent-east"), ("seller3", "na-ent-west")]
OTHER_LEADERS = [("emea.leader", "Elif", "Demir", "emea"), ("apac.leader", "Arjun", "Rao", "apac")]


class Command(BaseCommand):
    help = "Load the demo company (skipped with --if-empty when data exists) and print a login per role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any org unit exists.")

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and OrgUnit.objects.exists():
            self.stdout.write("Demo data already loaded; leaving the database as it is.")
        else:
            with transaction.atomic():
                self._seed()
            self.stdout.write(self.style.SUCCESS("Demo company loaded."))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD})")
        for username, first, last, _role, _unit, what in LOGINS:
            self.stdout.write(f"  {username:<8} {first} {last}: {what}")
        sellers = Seller.objects.filter(user__isnull=False).select_related("user", "org_unit")
        for seller in sellers.order_by("user__username"):
            self.stdout.write(f"  {seller.user.username:<8} {seller.name}: Seller, {seller.org_unit}")
        self.stdout.write("  admin    Django admin (superuser)\n")

    def _seed(self) -> None:
        rng = random.Random(2026)
        calendar = FiscalCalendar.load()
        FiscalCalendar.objects.filter(pk=calendar.pk).update(start_month=2, naming=FiscalCalendar.Naming.END)
        # Amounts in US dollars, whole units from 1,000 up (Settings → How amounts read changes it).
        display = DisplaySettings.load()
        DisplaySettings.objects.filter(pk=display.pk).update(currency="USD", money_places=0)
        formatting.display_forget()
        units = self._tree()
        users = self._users(units)
        self._sellers(units, rng)
        self._plans(units, users)
        self._seller_logins(units, users["ops"])
        quotas.seed(users)  # after the seller logins: they answer their published quotas
        contests.seed(units, users)  # after the actuals: calls logged by North America's sellers
        scenarios.seed(units, users)  # two what-ifs on North America's FY2028 draft
        pulls.seed(units, users)  # the warehouse's pull source, run once (after the actuals)
        pipeline.seed(units, users)  # two pipeline snapshots of North America, through the importer

    def _unit(self, name: str, code: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
        unit = OrgUnit.objects.create(name=name, code=code, kind=kind, parent=parent)
        org_unit_repath(unit=unit)
        return unit

    def _tree(self) -> dict[str, OrgUnit]:
        company = self._unit("Northwind Cloud", "northwind", OrgUnit.Kind.COMPANY, None)
        units = {"northwind": company}
        for (region_name, region_code), teams in TREE.items():
            region = units[region_code] = self._unit(region_name, region_code, OrgUnit.Kind.REGION, company)
            for team_name, team_code in teams:
                units[team_code] = self._unit(team_name, team_code, OrgUnit.Kind.TEAM, region)
        return units

    def _users(self, units: dict[str, OrgUnit]) -> dict:
        User = get_user_model()
        users = {}
        admin = User.objects.create_superuser("admin", "admin@northwind.example", PASSWORD)
        admin.first_name, admin.last_name = "Ada", "Admin"
        admin.save(update_fields=["first_name", "last_name"])
        users["admin"] = admin
        for username, first, last, role, unit_code, _ in LOGINS:
            users[username] = self._user(username, first, last, role, units[unit_code])
        for username, first, last, unit_code in OTHER_LEADERS:
            users[username] = self._user(username, first, last, Role.SALES_LEADER, units[unit_code])
        return users

    def _user(self, username: str, first: str, last: str, role: str, unit: OrgUnit):
        user = get_user_model().objects.create_user(
            username, f"{username}@northwind.example", PASSWORD, first_name=first, last_name=last
        )
        membership_grant(user=user, org_unit=unit, role=role)
        return user

    def _sellers(self, units: dict[str, OrgUnit], rng: random.Random) -> None:
        names = [(f, last) for f in FIRST for last in LAST]
        rng.shuffle(names)
        sellers = []
        for index, (code, quota) in enumerate(QUOTA.items()):
            for n in range(8 if index < 4 else 7):
                first, last = names.pop()
                if n == 6:  # a recent hire still ramping
                    start = dt.date(2026, rng.randint(6, 10), 1)
                elif n == 7:  # starts in the coming fiscal year
                    start = dt.date(2027, rng.randint(2, 6), 1)
                else:
                    start = dt.date(rng.randint(2018, 2025), rng.randint(1, 12), 1)
                slug = f"{first}.{last}".lower().replace("'", "").replace("í", "i").replace("ü", "u")
                sellers.append(
                    Seller(
                        name=f"{first} {last}",
                        email=f"{slug}@northwind.example",
                        org_unit=units[code],
                        start_date=start,
                        end_date=dt.date(2026, 9, 30) if n == 5 and index % 3 == 0 else None,
                        monthly_quota=Decimal(quota + rng.randint(-8, 8) * 1_000),
                    )
                )
        Seller.objects.bulk_create(sellers)

    def _seller_logins(self, units: dict[str, OrgUnit], ops) -> None:
        """Link a user to the first seller (by name) of each team who has a cascade row in both years; in
        Mid-Market, to the seller whose row was edited by hand."""
        for username, code in SELLER_LOGINS:
            rows = TargetAllocation.objects.filter(plan__org_unit=units[code], seller__isnull=False)
            if code == "na-mid-market":
                rows = rows.filter(plan__fiscal_year=2028, version__gt=1)
            else:
                both = rows.filter(plan__fiscal_year=2027).values("seller")
                rows = rows.filter(plan__fiscal_year=2028, seller__in=both)
            seller = rows.select_related("seller").order_by("seller__name").first().seller
            first, last = seller.name.split(" ", 1)
            user = get_user_model().objects.create_user(
                username, f"{username}@northwind.example", PASSWORD, first_name=first, last_name=last
            )
            seller_update(actor=ops, seller=seller, version=seller.version, values={"user": user})

    def _plans(self, units: dict[str, OrgUnit], users: dict) -> None:
        leader_of = {"na": users["leader"], "emea": users["emea.leader"], "apac": users["apac.leader"]}
        executive, ops = users["exec"], users["ops"]
        # Last year: every team approved. This year's planning season: every status on show.
        season = {
            "na-ent-east": "approved",
            "na-ent-west": "in_review",
            "na-mid-market": "draft",
            "emea-ukie": "reopened",
            "emea-dach": "in_review",
            "emea-nordics": "sent_back",
            "apac-anz": "approved",
            "apac-japan": "draft",
        }
        last_year, plans = {}, {}
        for code, unit in units.items():
            if unit.kind == OrgUnit.Kind.TEAM:
                last_year[code] = plan_create(
                    actor=ops, org_unit=unit, fiscal_year=2027, summary=_summary(unit, 2027)
                )
            plans[code] = plan_create(
                actor=ops, org_unit=unit, fiscal_year=2028, summary=_summary(unit, 2028)
            )
        step1.seed(units, users, plans, last_year)
        step2.seed(units, users, plans, last_year)
        step3.seed(units, users, plans, last_year)
        step4.seed(units, users, plans, last_year)
        for code, unit in units.items():
            leader = leader_of.get(code) or leader_of.get(unit.parent.code if unit.parent else "", ops)
            if code in last_year:
                self._walk(Plan.objects.get(pk=last_year[code].pk), "approved", leader, executive)
            self._walk(Plan.objects.get(pk=plans[code].pk), season.get(code, "draft"), leader, executive)
        step4.reviews(units, users, last_year)
        step5.seed(users, plans)

    def _walk(self, plan: Plan, goal: str, leader, executive) -> None:
        if goal == "draft":
            return
        plan = plan_transition(actor=leader, plan=plan, name="submit", version=plan.version)
        if goal == "in_review":
            return
        if goal == "sent_back":  # back to draft, with what to change
            plan_transition(
                actor=executive,
                plan=plan,
                name="send_back",
                version=plan.version,
                comment="Nordics pipeline coverage is 2.1×; show how you reach 3× before I approve.",
            )
            return
        plan = plan_transition(actor=executive, plan=plan, name="approve", version=plan.version)
        if goal == "reopened":
            plan = plan_transition(
                actor=leader,
                plan=plan,
                name="reopen",
                version=plan.version,
                comment="Mid-year review: targets rebalanced after Q2.",
            )
            plan_update(
                actor=leader,
                plan=plan,
                version=plan.version,
                summary=plan.summary + " Revised after the Q2 review.",
            )


def _summary(unit: OrgUnit, year: int) -> str:
    if unit.kind == OrgUnit.Kind.COMPANY:
        return f"FY{year}: grow ARR 25% with net revenue retention above 110%, shifting mix toward expansion."
    if unit.kind == OrgUnit.Kind.REGION:
        return f"{unit.name} FY{year}: win new logos in our core segments and deepen the top 50 accounts."
    return (
        f"{unit.name} FY{year}: hit the number with pipeline discipline, faster ramp and fewer lost renewals."
    )
