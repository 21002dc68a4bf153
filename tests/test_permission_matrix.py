"""The permission matrix: every API operation of /api/schema/ and every page route, as every seat of the
role matrix, against a plan that holds one of everything.

The expected status of each (operation, role) is written down in `permission_matrix.txt` beside this file,
one line per operation, one column per role (see `ROLES`); the test builds the same table from real
requests and fails on any difference, listing it. Rules every line must also obey are checked on their own
(`test_the_matrix_keeps_the_rules`): no 5xx; the anonymous API caller gets 401 and the anonymous page
visitor the sign-in page; a leader of another unit, a user without roles and a seller of team A1 (the seller
seat: their own number, their answer to their published quota and their unit's contests only) get 404 on
anything of team A1 (another unit's objects answer 404, not 403) — the quota the table addresses is Sam's
peer's, so Sam's 404 there is a seller kept from another seller's figures; the viewer never changes
anything.

Each request runs in a savepoint that is rolled back, so every row sees the same world. Bodies are the
objects' own representations (what a client would send back), so that authorised callers pass validation
where they can and refused ones are refused for who they are, not for what they sent.

To accept a deliberate change of the rules: AOP_MATRIX_WRITE=1 pytest tests/test_permission_matrix.py, then
read the diff of permission_matrix.txt before committing it.
"""

import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from budgets import services as budget_services
from budgets.models import Budget, BudgetLine, Move, Spend
from capabilities.models import Capability, CapabilityAssessment, ImprovementAction
from core.models import AuditEntry
from metrics.models import (
    KPI,
    Actual,
    ChurnPolicy,
    DataSource,
    ImportBatch,
    KPITarget,
    Opportunity,
    PullSource,
)
from orgs.models import Seller
from planning.kinds import KINDS
from planning.models import (
    Initiative,
    LongTermGoal,
    Objective,
    PlanningSettings,
    PlanRevision,
    Risk,
    SalesTarget,
    SeasonalityProfile,
    Strategy,
    TargetAllocation,
    TargetSubmission,
)
from planning.snapshot import plan_snapshot
from scenarios.models import Scenario
from sellers.models import Contest, QuotaAcceptance, QuotaPublication
from tests.factories import PlanFactory, UserFactory

ROLES = ("leader", "sibling", "ops", "executive", "viewer", "outsider", "seller", "anonymous")
TABLE = Path(__file__).with_name("permission_matrix.txt")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def world(org, people, catalogues):
    """Team A1's draft plan (revision 1 approved earlier) under region A's plan, with one of everything."""
    region_plan = PlanFactory(org_unit=org.region_a)
    plan = PlanFactory(org_unit=org.team_a1, revision=2)
    PlanRevision.objects.create(
        plan=plan,
        number=1,
        snapshot=plan_snapshot(plan),
        approved_at=timezone.now(),
        approved_by=people.executive,
    )
    PlanningSettings.objects.filter(pk=PlanningSettings.load().pk).update(move_approval_threshold=1000)
    # The seller seat: Sam signs in, with no role; his own row is in the grid below.
    people.seller = UserFactory(username="sam")
    seller = Seller.objects.create(
        name="Sam Seller",
        email="sam@example.com",
        org_unit=org.team_a1,
        start_date=date(2027, 1, 1),
        user=people.seller,
    )
    goal = LongTermGoal.objects.create(
        org_unit=org.team_a1, title="Double ARR", start_year=2026, end_year=2030
    )
    profile = SeasonalityProfile.objects.create(
        org_unit=org.team_a1, name="Flat", weights=["8.33"] * 11 + ["8.37"]
    )
    objective = Objective.objects.create(plan=plan, title="Grow", long_term_goal=goal)
    strategy = Strategy.objects.create(plan=plan, title="Land")
    initiative = Initiative.objects.create(plan=plan, title="Partners", strategy=strategy)
    risk = Risk.objects.create(plan=plan, title="Churn")
    sales_target = SalesTarget.objects.create(plan=plan, name="FY target", new_business=Decimal("100000"))
    allocation = TargetAllocation.objects.create(plan=plan, seller=seller, weight=1, months=["0"] * 12)
    submission = TargetSubmission.objects.create(
        plan=plan, amount=Decimal("90000"), status=TargetSubmission.Status.SUBMITTED
    )
    capability = Capability.objects.order_by("pk").first()
    assessment = CapabilityAssessment.objects.create(
        plan=plan, capability=capability, maturity=2, target_maturity=4, criticality=3
    )
    action = ImprovementAction.objects.create(plan=plan, assessment=assessment, title="Train")
    budget = budget_services.budget_create(actor=people.leader, plan=plan, total=Decimal("1000000"))
    line = budget_services.line_create(
        actor=people.leader,
        budget=budget,
        values={"name": "Events", "category": BudgetLine.Category.PROGRAMS, "growth": True},
        opening=Decimal("100000"),
    )
    Spend.objects.create(line=line, period=1, amount=Decimal("100"))
    move = budget_services.move_request(  # above the threshold: pending an executive's decision
        actor=people.leader,
        budget=Budget.objects.get(pk=budget.pk),
        kind="deploy",
        source=None,
        target=line,
        amount=Decimal("90000"),
        reason="More events",
    )
    kpi = KPI.objects.order_by("pk").first()
    DataSource.objects.get_or_create(kpi=kpi)
    KPITarget.objects.create(kpi=kpi, org_unit=org.team_a1, fiscal_year=plan.fiscal_year, period=1, value=10)
    Actual.objects.create(kpi=kpi, org_unit=org.team_a1, date=date(2027, 1, 15), value=8)
    batch = ImportBatch.objects.create(file_name="actuals.csv", uploaded_by=people.leader, status="failed")
    churn = ChurnPolicy.objects.create(plan=plan)
    # One deal of team A1 in a pipeline snapshot: listed to those who see the unit, nothing to the others.
    opportunity = Opportunity.objects.create(
        snapshot_date=date(2027, 1, 10),
        external_id="OPP-1",
        org_unit=org.team_a1,
        seller=seller,
        amount=Decimal("50000"),
        probability=Decimal("40"),
        category=Opportunity.Category.COMMIT,
        close_date=date(2027, 2, 20),
    )
    # A pull source whose warehouse file is missing: a run (sales ops only) records a failed batch.
    pull = PullSource.objects.create(
        name="Warehouse",
        url="sqlite:////nonexistent/warehouse.db",
        query="SELECT kpi, unit, seller, date, value FROM actuals WHERE date >= :since",
        created_by=people.ops,
    )
    # Quotas published to team A1's sellers: Sam's own, and the one the table addresses, his peer Pat's
    # (a seller reads and answers only their own: Pat's is 404 to Sam).
    pat = Seller.objects.create(
        name="Pat Peer", email="pat@example.com", org_unit=org.team_a1, start_date=date(2027, 1, 1)
    )
    pat_row = TargetAllocation.objects.create(plan=plan, seller=pat, weight=1, months=["0"] * 12)
    now = timezone.now()
    publication = QuotaPublication.objects.create(plan=plan, published_by=people.leader, published_at=now)
    for someone, row in ((seller, allocation), (pat, pat_row)):
        QuotaAcceptance.objects.create(
            publication=publication, seller=someone, allocation=row, months=row.months, sent_at=now
        )
    acceptance = QuotaAcceptance.objects.get(seller=pat)
    # A buffer to promote: the unit's leaders write it (200*), sales ops are told it is not theirs (400).
    scenario = Scenario.objects.create(
        plan=plan, name="What if", base_version=plan.version, assumptions={"buffer_percent": 12}
    )
    contest = Contest.objects.create(
        name="Call sprint",
        kpi=KPI.objects.get(code="calls-made"),
        org_unit=org.team_a1,
        start=date(2027, 1, 1),
        end=date(2027, 3, 31),
        created_by=people.leader,
    )
    return {
        # API resources (first path segment) and page parameters, to the object they address
        "org-units": org.team_a1,
        "unit_id": org.team_a1,
        "sellers": seller,
        "plans": plan,
        "plan_id": plan,
        "objectives": objective,
        "objective_id": objective,
        "strategies": strategy,
        "initiatives": initiative,
        "risks": risk,
        "sales-targets": sales_target,
        "long-term-goals": goal,
        "goal_id": goal,
        "seasonality-profiles": profile,
        "profile_id": profile,
        "target-allocations": allocation,
        "target-submissions": submission,
        "capabilities": capability,
        "capability_id": capability,
        "capability-assessments": assessment,
        "improvement-actions": action,
        "budgets": budget,
        "budget-lines": line,
        "line_id": line,
        "budget-moves": move,
        "move_id": move,
        "kpis": kpi,
        "kpi_id": kpi,
        "kpi-targets": KPITarget.objects.get(),
        "actuals": Actual.objects.get(),
        "imports": batch,
        "batch_id": batch,
        "churn-policies": churn,
        "opportunities": opportunity,
        "pull-sources": pull,
        "source_id": pull,
        "quota-publications": publication,
        "quota-acceptances": acceptance,
        "acceptance_id": acceptance,
        "seller_id": pat,
        "contests": contest,
        "contest_id": contest,
        "scenarios": scenario,
        "scenario_id": scenario,
        "child_plan_id": plan,
        "region_plan": region_plan,
        "spare_plan": PlanFactory(org_unit=org.team_a1, fiscal_year=plan.fiscal_year + 1),
    }


# --- the API: every operation of the schema -------------------------------------------------------


def api_operations() -> list[tuple[str, str, bool]]:
    """(method, path template, takes a file) for every operation the schema documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, set(op.get("requestBody", {}).get("content", {})) == {"multipart/form-data"})
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def api_url(path: str, world: dict) -> str:
    resource = path.split("/")[2]
    target = world.get(resource)
    filled = path.replace("{id}", str(getattr(target, "pk", 0))).replace("{plan_id}", str(world["plans"].pk))
    return filled.replace("{quarter}", "1")


ONE_PER_PLAN = (
    "/api/budgets/",
    "/api/churn-policies/",
    "/api/target-submissions/",
    "/api/capability-assessments/",
)


def api_body(admin: APIClient, method: str, path: str, world: dict, takes_file: bool) -> dict:
    """What a client would send: the object's own representation (it carries the version), made unique
    for a create; a file for an upload; a few actions' own bodies."""
    kpi, unit, plan = world["kpis"], world["unit_id"], world["plans"]
    special = {
        "/api/actuals/bulk/": {
            "rows": [{"kpi": kpi.code, "unit": unit.code, "date": "2028-02-15", "value": "5"}]
        },
        "/api/kpi-targets/set/": {
            "kpi": kpi.code,
            "org_unit": unit.pk,
            "fiscal_year": plan.fiscal_year,
            "annual": "1200",
        },
        "/api/seasonality-profiles/derive/": {
            "org_unit": unit.pk,
            "name": "Derived",
            "actuals": ["100"] * 12,
        },
        "/api/opportunities/load/": {
            "rows": [
                {
                    "snapshot_date": "2027-01-24",
                    "external_id": "OPP-2",
                    "unit": unit.code,
                    "amount": "1000",
                    "probability": "50",
                    "category": "commit",
                    "close_date": "2027-02-20",
                }
            ]
        },
        "/api/budget-moves/{id}/reject/": {"comment": "Not now"},
        "/api/budget-moves/{id}/reverse/": {"reason": "Booked twice"},
    }
    if path in special:
        return special[path]
    if takes_file:
        return {"file": SimpleUploadedFile("rows.csv", b"kpi,unit,seller,date,value\nnope,,,x,y\n")}
    if method == "DELETE":
        return {}
    source = path.split("{id}/")[0] + "{id}/" if "{id}" in path else path
    response = admin.get(api_url(source, world))
    body = response.json() if response.status_code == 200 and "json" in response["Content-Type"] else {}
    if "results" in body:  # a list: send one of its items back
        body = body["results"][0] if body["results"] else {}
    body = {k: v for k, v in body.items() if v is not None}
    if method == "POST" and "{" not in path:  # a create: not a copy of what exists
        for field in ("title", "name", "code"):
            if field in body:
                body[field] = f"{body[field]}-2"
        if "email" in body:
            body["email"] = "second-" + body["email"]
        if path == "/api/plans/":
            body["fiscal_year"] += 2
        if path in ONE_PER_PLAN:
            body["plan"] = world["spare_plan"].pk
    return body


def api_query(method: str, path: str, world: dict) -> str:
    """The required query parameters: the version a delete was read at, the read-outs' subject."""
    if method == "DELETE" and path != "/api/auth/token/":  # revoking one's token names no version
        return f"?version={world[path.split('/')[2]].version}"
    if path in ("/api/capability-gaps/", "/api/kpi-attainment/", "/api/pipeline-coverage/"):
        return f"?plan={world['plans'].pk}"
    if path == "/api/kpi-readiness/":
        return f"?fiscal_year={world['plans'].fiscal_year}"
    return ""


def written() -> tuple[int, ...]:
    """Rows of the tables every change leaves a trace in: the audit history, the budget ledger, imports."""
    return tuple(m.objects.count() for m in (AuditEntry, Move, ImportBatch, Actual))


def api_client(people, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(getattr(people, role))
    return client


def api_rows(world: dict, people) -> dict[str, list[str]]:
    admin = APIClient()
    admin.force_authenticate(UserFactory(username="root", is_superuser=True))
    rows = {}
    for method, path, takes_file in api_operations():
        url = api_url(path, world) + api_query(method, path, world)
        codes = []
        for role in ROLES:
            with transaction.atomic():
                body = api_body(admin, method, path, world, takes_file)
                fmt = "multipart" if takes_file else "json"
                before = written()
                response = api_client(people, role).generic(method, url, **_encoded(body, fmt))
                codes.append(f"{response.status_code}{'*' if written() != before else ''}")
                transaction.set_rollback(True)
        rows[f"{method:6} {path}"] = codes
    return rows


def _encoded(body: dict, fmt: str) -> dict:
    from rest_framework.test import APIRequestFactory

    data, content_type = APIRequestFactory()._encode_data(body, fmt)
    return {"data": data, "content_type": content_type}


# --- the pages: every route outside /api/ and /admin/ ----------------------------------------------

CHOICES = {  # route parameters that name a choice rather than an object
    "kind": tuple(KINDS),
    "name": ("submit", "approve", "send-back", "reopen"),
    "action": ("save", "submit"),
    "decision": ("approve", "reject"),
    "fmt": ("csv", "xlsx"),
    "number": (1,),
    "quarter": (1,),  # a quarterly review (its pack)
    # a password reset link: user 1 (whoever that is) and the token Django keeps in the session instead
    "uidb64": ("MQ",),
    "token": ("set-password",),
}


def page_routes() -> list[tuple[str, str]]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return [r for r in walk(get_resolver().url_patterns) if not r.startswith(("api/", "admin/"))]


def page_urls(route: str, world: dict) -> list[tuple[str, str, object]]:
    """(label, url, the object the page is about) for each filling of the route's parameters."""
    filled = [("/" + route, "/" + route, world["plans"])]
    for param in re.findall(r"<(?:\w+:)?(\w+)>", route):
        nxt = []
        for label, url, about in filled:
            if param in CHOICES:
                for choice in CHOICES[param]:
                    nxt.append((label, _put(url, param, choice), about))
            elif param == "pk" and "/alignment/" in url:  # an item of the kind chosen before
                kind = url.split("/alignment/")[1].split("/")[0]
                obj = KINDS[kind].model.objects.filter(plan=world["plans"]).first()
                nxt.append((label, _put(url, param, obj.pk), obj))
            elif param == "pk":  # a row of the target grid
                obj = world["target-allocations"]
                nxt.append((label, _put(url, param, obj.pk), obj))
            elif param == "plan_id" and "<int:child_plan_id>" in route:  # decided on the parent's plan
                nxt.append((label, _put(url, param, world["region_plan"].pk), world["region_plan"]))
            else:
                obj = world[param]
                nxt.append((label, _put(url, param, obj.pk), obj if param != "plan_id" else about))
        filled = nxt
    return [(_label(route, url), url, about) for _, url, about in filled]


def _put(url: str, param: str, value) -> str:
    return re.sub(rf"<(?:\w+:)?{param}>", str(value), url, count=1)


def _label(route: str, url: str) -> str:
    """The route with ids as <param> and choices filled in, e.g. /plans/<plan_id>/actions/submit/."""
    parts, out = route.split("/"), []
    for part, got in zip(parts, url.lstrip("/").split("/"), strict=False):
        names = re.findall(r"<(?:(\w+):)?(\w+)>", part)
        out.append(got if names and names[0][1] in CHOICES else re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", part))
    return "/" + "/".join(out)


def page_client(people, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(people, role))
    return client


def page_rows(world: dict, people) -> dict[str, list[str]]:
    rows = {}
    for route in page_routes():
        clients = {role: page_client(people, role) for role in ROLES}  # afresh: one route signs out
        for label, url, about in page_urls(route, world):
            for method in ("GET", "POST"):
                codes = []
                for role in ROLES:
                    with transaction.atomic():
                        body = {"version": getattr(about, "version", 1)} if method == "POST" else None
                        before = written()
                        response = clients[role].generic(
                            method, url, **(_encoded(body, "multipart") if body else {})
                        )
                        codes.append(f"{response.status_code}{'*' if written() != before else ''}")
                        transaction.set_rollback(True)
                rows[f"{method:6} {label}"] = codes
    return rows


# --- the table --------------------------------------------------------------------------------------


def render(rows: dict[str, list[str]]) -> str:
    width = max(map(len, rows))
    head = f"{'# operation':{width}}  " + " ".join(f"{r[:9]:>9}" for r in ROLES)
    lines = [f"{k:{width}}  " + " ".join(f"{c:>9}" for c in v) for k, v in rows.items()]
    return "\n".join([head, *lines]) + "\n"


def parse(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        (*key,) = line.split()
        rows[f"{key[0]:6} {key[1]}"] = key[2:]
    return rows


@pytest.fixture
def matrix(world, people) -> dict[str, list[str]]:
    return {**api_rows(world, people), **page_rows(world, people)}


def test_every_operation_and_page_answers_each_role_as_written_down(matrix):
    if os.environ.get("AOP_MATRIX_WRITE") == "1":
        TABLE.write_text(render(matrix))
    expected = parse(TABLE.read_text())
    missing = sorted(set(matrix) - set(expected))
    gone = sorted(set(expected) - set(matrix))
    differ = [
        f"{key}: expected {expected[key]}, got {codes}"
        for key, codes in matrix.items()
        if key in expected and expected[key] != codes
    ]
    problems = [
        *(f"not in the table: {k} {matrix[k]}" for k in missing),
        *(f"no longer exists: {k}" for k in gone),
        *differ,
    ]
    assert not problems, "\n".join(problems)


# company-wide, read by all
CATALOGUE = ("/api/capabilities/", "/api/kpis/", "/api/pull-sources/", "/capabilities/", "/kpis/")
OPEN_PAGES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/healthz",
    # a password reset is asked for and completed without signing in
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/done/",
)
# a sibling loads their own unit's; a refused load is kept
LOADS = ("/api/imports/", "/api/actuals/bulk/", "/api/opportunities/load/")
DOWNLOADS = ("one-pager", "/pack.")  # a download is recorded in the history, whoever reads the plan
DECISIONS = ("/approve/", "/reject/", "/send-back/", "/reopen/", *DOWNLOADS)
# The seller seat reads the contests of their own unit (team A1's, here): its board is theirs too.
SELLER_READS = ("/api/contests/{id}/", "/api/contests/{id}/leaderboard/", "/me/contests/<contest_id>/")


def test_the_matrix_keeps_the_rules():
    broken = []
    for key, codes in parse(TABLE.read_text()).items():
        method, path = key.split()
        got = dict(zip(ROLES, codes, strict=True))
        api = path.startswith("/api/")
        if any(c.startswith("5") for c in codes):
            broken.append(f"{key}: a server error")
        if api and path != "/api/auth/token/" and got["anonymous"] != "401":
            broken.append(f"{key}: anonymous API callers get 401")
        if not api and path not in OPEN_PAGES and got["anonymous"] != "302":
            broken.append(f"{key}: anonymous visitors are sent to sign in")
        about_team_a1 = ("{" in path or "<" in path) and not path.startswith(CATALOGUE)
        for role in ("sibling", "outsider", "seller"):
            own = role == "seller" and method == "GET" and path in SELLER_READS
            if about_team_a1 and got[role] not in ("404", "405") and not own:
                broken.append(f"{key}: {role} must get 404 for another unit's object, got {got[role]}")
            if got[role].endswith("*") and path not in LOADS:
                broken.append(f"{key}: {role} changed something")
        if got["viewer"].endswith("*") and not any(d in path for d in DOWNLOADS):
            broken.append(f"{key}: the viewer changed something")
        if got["executive"].endswith("*") and not any(d in path for d in DECISIONS):
            broken.append(f"{key}: the executive changed something outside a decision")
    assert not broken, "\n".join(broken)
