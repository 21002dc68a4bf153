"""The demo company: every role, every plan status, and data on every tab of every plan, written through
the services so the history reads as users would have written it."""

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.utils.html import escape

from budgets.models import BudgetLine, Move
from capabilities.models import CapabilityAssessment
from core.models import AuditEntry
from metrics import calc
from metrics.models import KPI, Actual, ChurnPolicy, ImportBatch, KPITarget, PullSource, QuarterlyRollup
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning.models import Objective, Plan, PlanningSettings, PlanRevision, SalesTarget, TargetAllocation

RUNNING_YEAR, PLANNED_YEAR = 2027, 2028  # FY2027 is under way in the demo; FY2028 is being planned


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo company, seeded once for the module and rolled back after it; yields what it printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", "--if-empty", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_demo_company_has_every_role_and_every_plan_status(demo, db, client):
    assert "password for all: aop-demo-2026" in demo
    assert OrgUnit.objects.filter(kind="region").count() == 3
    assert OrgUnit.objects.filter(kind="team").count() == 8
    assert Seller.objects.count() == 60
    assert FiscalCalendar.load().start_month == 2
    this_season = set(Plan.objects.filter(fiscal_year=PLANNED_YEAR).values_list("status", flat=True))
    assert this_season == {"draft", "in_review", "approved"}
    for username in ("leader", "ops", "exec", "viewer", "admin"):
        response = client.post("/accounts/login/", {"username": username, "password": "aop-demo-2026"})
        assert response.status_code == 302, username  # signed in through the real form
        client.logout()


def test_seeding_again_with_if_empty_changes_nothing(demo, db):
    counts = (OrgUnit.objects.count(), Seller.objects.count(), Plan.objects.count())
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert (OrgUnit.objects.count(), Seller.objects.count(), Plan.objects.count()) == counts


def test_every_plan_has_data_on_every_tab(demo, db):
    for plan in Plan.objects.select_related("org_unit"):
        has = {
            "alignment": Objective.objects.filter(plan=plan).exists(),
            "targets": SalesTarget.objects.filter(plan=plan).exists(),
            "cascade": TargetAllocation.objects.filter(plan=plan).exists(),
            "capabilities": CapabilityAssessment.objects.filter(plan=plan).exists(),
            "budget": BudgetLine.objects.filter(budget__plan=plan).exists(),
            "linked KPIs": KPI.objects.filter(objectives__plan=plan).exists(),
            "churn policy": ChurnPolicy.objects.filter(plan=plan).exists(),
            "history": AuditEntry.objects.filter(plan_id=plan.pk).exists(),
        }
        if plan.org_unit.kind == OrgUnit.Kind.TEAM:  # KPI targets are set for the teams
            has["KPI targets"] = KPITarget.objects.filter(
                org_unit=plan.org_unit, fiscal_year=plan.fiscal_year
            ).exists()
        assert all(has.values()), f"{plan}: nothing for {[tab for tab, ok in has.items() if not ok]}"


def test_the_history_holds_every_kind_of_change(demo, db):
    assert set(AuditEntry.objects.values_list("action", flat=True)) == set(AuditEntry.Action.values)
    # Transitions with what the person said: a plan sent back and a plan reopened, each with a comment.
    for action in (AuditEntry.Action.SENT_BACK, AuditEntry.Action.REOPENED):
        assert (
            AuditEntry.objects.filter(action=action, content_type__model="plan").exclude(comment="").exists()
        )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETED, plan_id__isnull=False).exists()


def test_the_history_shows_links_added_and_removed(demo, db):
    kpi_links = [
        e.changes["kpis"]
        for e in AuditEntry.objects.filter(content_type__model="objective", action="updated")
        if "kpis" in e.changes
    ]
    assert any(set(before) < set(after) for before, after in kpi_links)  # a KPI linked to an objective
    assert any(set(after) < set(before) for before, after in kpi_links)  # and one unlinked
    strategy_links = [
        e.changes["objectives"]
        for e in AuditEntry.objects.filter(content_type__model="strategy", action="updated")
        if "objectives" in e.changes
    ]
    assert any(set(before) < set(after) for before, after in strategy_links)


def test_a_budget_move_above_the_threshold_waits_for_an_executive(demo, db):
    threshold = PlanningSettings.load().move_approval_threshold
    pending = Move.objects.filter(status=Move.Status.PENDING, amount__gt=threshold)
    assert pending.filter(budget__plan__status=Plan.Status.DRAFT).exists()  # an executive may act on it
    assert Move.objects.filter(status=Move.Status.POSTED, decided_by__username="exec").exists()
    assert Move.objects.filter(status=Move.Status.REJECTED).exclude(decision_comment="").exists()


def test_a_reopened_plan_keeps_its_approved_revision_readable_as_it_was(demo, db, client):
    reopened = Plan.objects.get(org_unit__code="emea-ukie", fiscal_year=PLANNED_YEAR)
    assert (reopened.revision, reopened.status) == (2, Plan.Status.DRAFT)
    frozen = PlanRevision.objects.get(plan=reopened, number=1)
    assert frozen.snapshot["plan"]["summary"] != reopened.summary  # edited after reopening
    assert reopened.summary.startswith(frozen.snapshot["plan"]["summary"])
    client.force_login(get_user_model().objects.get(username="viewer"))
    response = client.get(f"/plans/{reopened.pk}/revisions/1/")
    assert response.status_code == 200
    assert escape(frozen.snapshot["plan"]["summary"]) in response.content.decode()


def test_a_refused_import_lists_its_bad_rows(demo, db):
    failed = ImportBatch.objects.get(status=ImportBatch.Status.FAILED)
    assert failed.error_count == len(failed.errors) == 4
    assert {e["column"] for e in failed.errors} == {"date", "kpi", "unit", "value"}
    assert failed.loaded_rows == 0


def test_the_warehouse_pull_source_has_run_once_and_loaded_pipeline_created(demo, db):
    source = PullSource.objects.get(name="Warehouse: pipeline created")
    assert (source.kind, source.schedule, source.created_by.username) == ("sql", "0 6 * * *", "ops")
    batch = source.batches.get()
    assert batch.status == ImportBatch.Status.DONE and batch.loaded_rows == batch.total_rows > 0
    assert source.last_success_at == batch.started_at and batch.uploaded_by == source.created_by
    assert Actual.objects.filter(batch=batch, kpi__code="pipeline-created", seller__isnull=False).exists()


def _dates(code: str) -> dict:
    return Actual.objects.filter(kpi__code=code).aggregate(first=Min("date"), last=Max("date"))


def test_one_kpi_went_stale_and_one_started_mid_year(demo, db):
    year_start = FiscalCalendar.load().rules.year_range(RUNNING_YEAR)[0]
    revenue, emails, calls = _dates("revenue"), _dates("emails-sent"), _dates("calls-made")
    # E-mails sent stopped after month 4 (dated 1 May 2026); revenue runs to 31 Oct 2026: 183 days later,
    # more than the 35 days a monthly KPI may go without data.
    assert KPI.objects.get(code="emails-sent").review_cadence == KPI.Cadence.MONTHLY
    assert revenue["last"] - emails["last"] > dt.timedelta(days=calc.STALE_AFTER_DAYS["monthly"])
    # Calls made start in month 5 (June 2026), four months into the fiscal year that began 1 Feb 2026.
    assert calls["first"] > year_start and calls["last"] == revenue["last"]


def test_the_running_year_is_rolled_up_with_stale_and_partial_rows(demo, db):
    plans = Plan.objects.filter(fiscal_year=RUNNING_YEAR)
    assert plans.count() == 8
    for plan in plans:
        quarters = set(QuarterlyRollup.objects.filter(plan=plan).values_list("quarter", flat=True))
        assert quarters == {1, 2, 3, 4}, plan  # every review quarter, the one in progress included
    rows = QuarterlyRollup.objects.filter(plan__fiscal_year=RUNNING_YEAR).select_related("kpi")
    assert any(r.status == "stale" and r.kpi.code == "emails-sent" for r in rows)
    assert any(r.partial and r.kpi.code == "calls-made" for r in rows)


def test_the_demo_imports_read_names_and_answer_typos_with_the_closest_code(demo, db):
    named = ImportBatch.objects.get(file_name="pipeline-october.csv")  # "Pipeline created", "Enterprise East"
    assert (named.status, named.loaded_rows) == ("done", 28)
    failed = ImportBatch.objects.get(status=ImportBatch.Status.FAILED)
    assert [e["reason"] for e in failed.errors if e["column"] in ("kpi", "unit")] == [
        "no active KPI has the code or name 'pipline-created'; "
        "did you mean 'pipeline-created' (Pipeline created)?",
        "no unit has the code or name 'emea-dahc'; did you mean 'emea-dach' (DACH)?",
    ]


def test_two_pipeline_snapshots_show_every_movement_and_healthy_and_thin_units(demo, db):
    from metrics import pipeline, services

    batches = ImportBatch.objects.filter(loads="pipeline", status=ImportBatch.Status.DONE)
    assert batches.count() == 2 and len(pipeline.snapshot_dates()) == 2
    plans = Plan.objects.filter(fiscal_year=RUNNING_YEAR, org_unit__code__in=["na-ent-east", "na-ent-west"])
    today = services.today()
    found = {
        p.org_unit.code: pipeline.plan_pipeline(p, pipeline.current_quarter(p, today))
        for p in plans.select_related("org_unit")
    }
    assert {code: f.top.coverage.status for code, f in found.items()} == {
        "na-ent-east": "healthy",
        "na-ent-west": "thin",
    }
    for f in found.values():
        assert all(f.movement.moves[kind] for kind in pipeline.KINDS[:6]), f.movement.moves
        assert any(r.kind == "seller" for r in f.rows)
