"""Step 4 of the demo: KPIs tied to objectives, a catalogue with SMART gaps left to fix, targets and
actuals for the running fiscal year (one KPI collected only from month 5, one whose feed stopped after
month 4), next year's targets, churn policies, and two imports, one of them refused with its bad rows."""

import csv
import io
import random
from decimal import Decimal

from metrics import importer, services
from metrics.models import KPI, Actual, DataSource, KPITarget
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc as planning_calc
from planning import cascade
from planning.models import Objective, Plan

LINKS = {
    0: ["revenue", "pipeline-created", "win-rate", "lead-conversion"],
    1: ["sales-growth"],
    2: ["customer-retention", "churn"],
}
SOURCES = [
    ("revenue", "Sales ops", "Closed-won opportunities synced nightly from the CRM.", "none"),
    ("churn", "Customer success ops", "Billing export of cancelled subscriptions, monthly.", "medium"),
    ("calls-made", "Sales ops", "Dialer activity sync into CRM tasks; vendor integration pending.", "medium"),
    (
        "emails-sent",
        "Marketing ops",
        "Engagement platform to CRM activity sync; owner not yet assigned.",
        "small",
    ),
    ("sales-growth", "Finance", "Quarterly bookings cube from the finance BI team.", "large"),
    ("leads", "Marketing ops", "Lead created in the CRM by web forms and SDRs.", "none"),
]
SMART_FIELDS = {  # what sales ops have filled in so far; the rest shows as SMART gaps
    "revenue": {"owner": "CRO", "alert_threshold": Decimal("85")},
    "win-rate": {"owner": "VP Sales", "alert_threshold": Decimal("80"), "annual_target": Decimal("0.28")},
    "lead-conversion": {
        "owner": "Marketing ops",
        "alert_threshold": Decimal("75"),
        "annual_target": Decimal("0.12"),
    },
    "churn": {
        "owner": "Customer success",
        "alert_threshold": Decimal("90"),
        "annual_target": Decimal("0.07"),
    },
    "pipeline-created": {"owner": "Sales ops", "alert_threshold": Decimal("80")},
    "calls-made": {"alert_threshold": Decimal("70")},
}


def seed(units: dict[str, OrgUnit], users: dict, plans: dict[str, Plan], last_year: dict[str, Plan]) -> None:
    rng = random.Random(5)
    ops, admin = users["ops"], users["admin"]
    leader_of = {"na": users["leader"], "emea": users["emea.leader"], "apac": users["apac.leader"]}
    kpis = {k.code: k for k in KPI.objects.all()}
    for code, values in SMART_FIELDS.items():
        kpi = kpis[code]
        kpis[code] = services.kpi_update(actor=admin, kpi=kpi, version=kpi.version, values=values)
    DataSource.objects.filter(kpi__code="calls-made").update(
        ready_by=FiscalCalendar.current_rules().year_range(2027)[0]
    )

    def leader(unit: OrgUnit):
        return leader_of.get(unit.code) or leader_of.get(unit.parent.code if unit.parent else "", admin)

    for plan in [*plans.values(), *last_year.values()]:
        for index, codes in LINKS.items():
            objective = Objective.objects.filter(plan=plan).order_by("pk")[index : index + 1].first()
            if objective:
                services.objective_kpis_set(
                    actor=leader(plan.org_unit), objective=objective, version=objective.version,
                    kpis=[kpis[c] for c in codes],
                )  # fmt: skip
        total = cascade.target_total(plan)
        policy = {
            "allowance": Decimal("10"),
            "expected_churn": Decimal("6.5"),
            "net_growth_goal": Decimal("12"),
            "starting_arr": (total * Decimal("2.4")).quantize(Decimal("1000")),
        }
        services.churn_policy_save(actor=ops, plan=plan, version=None, values=policy)
    # A second thought on one objective: lead conversion no longer measures it (a link removed).
    objective = Objective.objects.filter(plan=plans["na-mid-market"]).order_by("pk").first()
    services.objective_kpis_set(
        actor=users["leader"], objective=objective, version=objective.version,
        kpis=[kpis[c] for c in LINKS[0] if c != "lead-conversion"],
    )  # fmt: skip
    _running_year(units, last_year, kpis, ops, rng)
    _next_year(units, plans, kpis, ops)
    _imports(ops)


def _running_year(units, last_year: dict[str, Plan], kpis: dict, ops, rng: random.Random) -> None:
    """FY2027 is under way (Feb–Oct 2026 have closed): targets for every team and seller, actuals to date."""
    rules = FiscalCalendar.current_rules()
    periods = rules.periods(2027)
    closed = periods[:9]
    rows: list = []
    for code in last_year:
        unit = units[code]
        unit_year = {"actor": ops, "org_unit": unit, "seller": None, "fiscal_year": 2027}
        for kpi, yearly in (
            ("leads", 1800),
            ("deals-won", 240),
            ("opportunities-closed", 900),
            ("calls-made", 24000),
        ):
            services.targets_phase(**unit_year, kpi=kpis[kpi], annual=Decimal(yearly), profile=None)
        services.targets_set(**unit_year, kpi=kpis["win-rate"], months=[Decimal("0.28")] * 12)
        services.targets_set(**unit_year, kpi=kpis["lead-conversion"], months=[Decimal("0.12")] * 12)
        pace = Decimal(str(rng.uniform(0.78, 1.08)))
        quotas = []
        for seller in Seller.objects.filter(org_unit=unit):
            ramp = planning_calc.ramp_by_period(seller, rules, 2027)
            quota = [(r * seller.monthly_quota).quantize(Decimal("1")) for r in ramp]
            quotas += [
                KPITarget(
                    kpi=kpis["revenue"], org_unit=unit, seller=seller, fiscal_year=2027, period=p, value=q
                )
                for p, q in enumerate(quota, start=1)
            ]
            for period, q in zip(closed, quota, strict=False):
                if q:
                    value = (q * pace * Decimal(str(rng.uniform(0.7, 1.25)))).quantize(Decimal("1"))
                    rows.append((kpis["revenue"].pk, unit.pk, seller.pk, period.end, value))
        KPITarget.objects.bulk_create(quotas)  # seller quotas straight from their ramp: demo data, no history
        team = [sum((t.value for t in quotas if t.period == p), Decimal("0")) for p in range(1, 13)]
        services.targets_set(
            **unit_year, kpi=kpis["revenue"], months=team
        )  # the team carries its sellers' quota
        for period in closed:
            leads = rng.randint(110, 190)
            opportunities = rng.randint(55, 90)
            won = int(opportunities * rng.uniform(0.2, 0.33))
            day = period.end
            rows += [
                (kpis["leads"].pk, unit.pk, None, day, Decimal(leads)),
                (kpis["opportunities-closed"].pk, unit.pk, None, day, Decimal(opportunities)),
                (kpis["deals-won"].pk, unit.pk, None, day, Decimal(won)),
            ]
            if period.period >= 5:  # the dialer sync went live in the fifth month
                rows.append((kpis["calls-made"].pk, unit.pk, None, day, Decimal(rng.randint(1500, 2300))))
        # Churn, retention and growth are ratios: their sides arrive from billing and finance.
        services.targets_set(**unit_year, kpi=kpis["churn"], months=[Decimal("0.006")] * 12)
        services.targets_set(**unit_year, kpi=kpis["customer-retention"], months=[Decimal("0.95")] * 12)
        services.targets_set(**unit_year, kpi=kpis["sales-growth"], months=[Decimal("0.12")] * 12)
        arr = Decimal(rng.randint(2_000_000, 6_000_000))
        customers = rng.randint(80, 220)
        for period in closed:
            churned = (arr * Decimal(str(rng.uniform(0.002, 0.01)))).quantize(Decimal("1"))
            rows += [
                (kpis["arr-opening"].pk, unit.pk, None, period.start, arr),
                (kpis["arr-churned"].pk, unit.pk, None, period.end, churned),
            ]
            arr = arr - churned + (arr * Decimal(str(rng.uniform(0.01, 0.02)))).quantize(Decimal("1"))
            if period.period % 3 == 0:  # quarterly feeds, at each fiscal quarter's end
                retained = int(customers * rng.uniform(0.9, 0.985))
                prior = Decimal(rng.randint(900_000, 1_500_000))
                rows += [
                    (kpis["customers-opening"].pk, unit.pk, None, period.end, Decimal(customers)),
                    (kpis["customers-retained"].pk, unit.pk, None, period.end, Decimal(retained)),
                    (kpis["bookings-prior-year"].pk, unit.pk, None, period.end, prior),
                    (
                        kpis["bookings-growth"].pk, unit.pk, None, period.end,
                        (prior * Decimal(str(rng.uniform(0.02, 0.2)))).quantize(Decimal("1")),
                    ),
                ]  # fmt: skip
                customers = retained + rng.randint(5, 20)
        # E-mails sent, typed in by hand until the engagement platform's export broke after month 4:
        # stale ever since (its review cadence is monthly).
        services.targets_phase(**unit_year, kpi=kpis["emails-sent"], annual=Decimal(36000), profile=None)
        sent = [Decimal(rng.randint(2600, 3400)) for _ in range(4)]
        services.actuals_months_set(
            actor=ops, kpi=kpis["emails-sent"], org_unit=unit, fiscal_year=2027, months=sent + [""] * 8
        )
    importer.load(rows, source=Actual.Source.UPLOAD, batch=None)


def _next_year(units, plans: dict[str, Plan], kpis: dict, ops) -> None:
    """FY2028's targets for every team: revenue phased by the plan's seasonality profile, a win rate."""
    for code, plan in plans.items():
        unit = units[code]
        if unit.kind != OrgUnit.Kind.TEAM:
            continue
        unit_year = {"actor": ops, "org_unit": unit, "seller": None, "fiscal_year": 2028}
        plan = Plan.objects.select_related("seasonality").get(pk=plan.pk)
        annual = cascade.target_total(plan)
        services.targets_phase(**unit_year, kpi=kpis["revenue"], annual=annual, profile=plan.seasonality)
        services.targets_phase(**unit_year, kpi=kpis["win-rate"], annual=Decimal("0.30"), profile=None)


def _imports(ops) -> None:
    good = [("kpi", "unit", "seller", "date", "value")]
    good += [  # named as sales ops write them, not by code: the import reads either
        ("Pipeline created", "Enterprise East", "", f"2026-10-{d:02d}", str(40000 + d * 1500))
        for d in range(1, 29)
    ]
    importer.submit(actor=ops, name="pipeline-october.csv", data=_csv(good), run_inline=True)
    bad = [("kpi", "unit", "seller", "date", "value")]
    bad += [
        ("pipeline-created", "emea-dach", "", f"2026-10-{d:02d}", str(30000 + d * 900)) for d in range(1, 29)
    ]
    bad[6] = ("pipeline-created", "emea-dach", "", "2026-10-32", "35400")
    bad[12] = ("pipline-created", "emea-dach", "", "2026-10-12", "40800")
    bad[20] = ("pipeline-created", "emea-dahc", "", "2026-10-20", "48000")
    bad[25] = ("pipeline-created", "emea-dach", "", "2026-10-25", "51,500.5.0")
    importer.submit(actor=ops, name="pipeline-dach-october.csv", data=_csv(bad), run_inline=True)


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def reviews(units: dict[str, OrgUnit], users: dict, last_year: dict[str, Plan]) -> None:
    """After the plans are approved: the running year's quarters rolled up, and one team reopened at
    its Q3 review to lower a target, with the reason on record."""
    from metrics import rollup
    from metrics.models import RollupRun
    from planning.services import plan_transition

    for plan in Plan.objects.filter(pk__in=[p.pk for p in last_year.values()]):
        for quarter in (1, 2, 3, 4):
            rows = rollup.save(plan, quarter)
            done = {"status": RollupRun.Status.DONE, "rows": rows, "finished_at": plan.updated_at}
            RollupRun.objects.create(plan=plan, quarter=quarter, message=f"{rows} rows computed.", **done)
    plan = Plan.objects.get(pk=last_year["apac-anz"].pk)
    plan = plan_transition(
        actor=users["apac.leader"], plan=plan, name="reopen", version=plan.version,
        comment="Q3 review: Japan expansion deal moved to next year.",
    )  # fmt: skip
    revenue = KPI.objects.get(code="revenue")
    for period, value in ((10, Decimal("310000")), (11, Decimal("330000"))):
        services.target_adjust(
            actor=users["apac.leader"], plan=plan, quarter=3, kpi=revenue, period=period, value=value,
            reason="Japan deal slipped to next fiscal year; Q4 target lowered to the named pipeline.",
        )  # fmt: skip
