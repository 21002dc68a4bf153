"""Step 2's parts in Step 1's machinery: its tab and line on the overview, the roadmap edited in place
like other plan content, the assessment in frozen revisions, unaddressed gaps on the plan overview."""

from django.urls import reverse

from capabilities import api, forms, selectors
from capabilities.models import CapabilityAssessment, ImprovementAction
from core.registry import AlertSource, ContentKind, OverviewSection, Registry, SnapshotSection, Tab
from planning import kinds, overview
from planning.models import Plan

ACTIONS = kinds.Kind(
    "actions",
    ImprovementAction,
    forms.ActionForm,
    "Improvement roadmap",
    "improvement action",
    "Close the gaps that matter: an action with owner, quarter and budget for each high or critical gap.",
    8,
    page="capabilities:plan",
    tab="capabilities",
    row_template="capabilities/action_row.html",
    related=("assessment__capability", "initiative"),
    headers=("Action", "Closes the gap in", "Owner", "When", "Status", "Initiative", "#Budget"),
)


def assessment_section(plan: Plan) -> list[dict]:
    return [
        {
            "Capability": a.capability.name,
            "Maturity": a.maturity,
            "Target": a.target_maturity,
            "Benchmark": a.benchmark_maturity,
            "Criticality": a.get_criticality_display(),
            "Gap": a.gap,
            "Priority": a.priority,
            "Evidence": a.evidence,
        }
        for a in CapabilityAssessment.objects.filter(plan=plan).select_related("capability")
    ]


def actions_section(plan: Plan) -> list[dict]:
    return [
        {
            "Action": a.title,
            "Gap": a.assessment.capability.name,
            "Owner": a.owner,
            "Quarter": f"Q{a.quarter}",
            "Status": a.get_status_display(),
            "Budget": a.budget,
        }
        for a in ImprovementAction.objects.filter(plan=plan).select_related("assessment__capability")
    ]


def unaddressed_alerts(plan: Plan) -> list[overview.Alert]:
    url = reverse("capabilities:plan", kwargs={"plan_id": plan.pk})
    return [
        overview.Alert(
            "bad" if a.criticality == 4 else "warn",
            "Unaddressed",
            f"{a.get_criticality_display()} gap in {a.capability}: maturity {a.maturity} of "
            f"{a.target_maturity}, no funded action",
            f"{url}#gap-{a.pk}",
        )
        for a in selectors.assessment_unaddressed_list(plan)
    ]


def register(registry: Registry) -> None:
    registry.add(
        Tab(key="capabilities", label="Capabilities", url_name="capabilities:plan", step=2, order=20),
        OverviewSection(
            key="capabilities",
            title="Capability assessment",
            url_name="capabilities:plan",
            description="Maturity and criticality; the gaps that matter.",
            order=20,
        ),
        ContentKind(kind=ACTIONS, serializer=api.ImprovementActionSerializer, order=20),
        SnapshotSection(title="Capability assessment", build=assessment_section, order=20),
        SnapshotSection(title="Improvement roadmap", build=actions_section, order=21),
        AlertSource(
            key="unaddressed-gaps",
            build=unaddressed_alerts,
            checks="unaddressed high or critical gaps",
            order=20,
        ),
    )
