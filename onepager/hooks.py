"""Step 5's parts in the earlier steps: its tab and its line on the plan overview."""

from core.registry import OverviewSection, Registry, Tab


def register(registry: Registry) -> None:
    registry.add(
        Tab(key="onepager", label="One-page", url_name="onepager:plan", step=5, order=50),
        OverviewSection(
            key="onepager",
            title="One-page strategy",
            url_name="onepager:plan",
            description="The plan on one page, HTML and PDF.",
            order=50,
        ),
    )
