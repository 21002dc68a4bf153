"""What Step 1 adds to a plan: the Overview, Alignment and History tabs, its line in the overview's list of
steps, its kinds of content, its sections of a frozen revision, initiatives as funding of objectives, and
orphan targets and unfunded objectives as what is open on a plan."""

from core.registry import (
    AlertSource,
    ContentKind,
    FundingRule,
    OverviewSection,
    Registry,
    SnapshotSection,
    Tab,
)
from planning import kinds, snapshot_sections, traceability
from planning.api.content import STEP1_SERIALIZERS

SNAPSHOT = (
    ("Objectives", snapshot_sections.objectives),
    ("Strategies", snapshot_sections.strategies),
    ("Initiatives", snapshot_sections.initiatives),
    ("Risks", snapshot_sections.risks),
    ("Sales targets", snapshot_sections.sales_targets),
    ("Target cascade", snapshot_sections.cascade),
)


def register(registry: Registry) -> None:
    registry.add(
        Tab(key="overview", label="Overview", url_name="planning:plan", order=0),
        Tab(key="alignment", label="Alignment", url_name="planning:alignment", step=1, order=10),
        Tab(key="history", label="History", url_name="planning:history", order=100),
        OverviewSection(
            key="alignment",
            title="Strategic alignment",
            url_name="planning:alignment",
            description="Objectives, strategies, initiatives, risks; targets cascaded and phased.",
            order=10,
        ),
        FundingRule(funds="planning.Objective", related_name="initiatives", label="initiative", order=10),
        AlertSource(
            key="orphan-targets", build=traceability.orphan_alerts, checks="orphan targets", order=10
        ),
        AlertSource(
            key="unfunded-objectives",
            build=traceability.unfunded_alerts,
            checks="unfunded objectives",
            order=11,
        ),
        *(
            ContentKind(kind=kind, serializer=STEP1_SERIALIZERS[kind.slug], order=10 + i)
            for i, kind in enumerate(kinds.STEP1.values())
        ),
        *(
            SnapshotSection(title=title, build=build, order=10 + i)
            for i, (title, build) in enumerate(SNAPSHOT)
        ),
    )
