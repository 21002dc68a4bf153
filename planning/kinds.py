"""The kinds of Step 1 content a plan holds, for the views and the API that edit them alike."""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from core.registry import ContentKind, registry
from planning import forms
from planning.models import Initiative, Objective, Plan, Risk, SalesTarget, Strategy


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    form: type[forms.PlanContentForm]
    title: str
    singular: str
    empty: str
    columns: int  # table columns of a display row, for the edit row's colspan
    page: str = "planning:alignment"  # the page that lists this kind
    tab: str = "alignment"  # the plan tab that page sits under
    row_template: str = ""
    related: tuple[str, ...] = ()  # select_related for its rows
    prefetch: tuple[str, ...] = ()  # prefetch_related for its rows
    headers: tuple[str, ...] = ()  # column headings of a later step's kind ("#" first: a number column)
    create: Callable | None = None  # (actor, plan, form) -> record, when adding one is more than an insert

    def rows(self, plan: Plan) -> QuerySet:
        """The plan's records of this kind with what their rows show, in a fixed number of queries."""
        qs = self.model.objects.filter(plan=plan)
        if self.related or self.prefetch:
            return qs.select_related(*self.related).prefetch_related(*self.prefetch)
        if self.model is Objective:
            return qs.select_related("long_term_goal").annotate(
                initiative_count=Count("initiatives", distinct=True)
            )
        if self.model is Initiative:
            return qs.select_related("strategy").prefetch_related("objectives")
        if self.model in (Strategy, SalesTarget):
            return qs.prefetch_related("objectives")
        return qs

    @property
    def template(self) -> str:
        return self.row_template or f"planning/rows/{self.singular.replace(' ', '_')}.html"


class _Registered(Mapping):
    """Every kind of plan content, Step 1's and those later steps register, by slug in their order."""

    def __getitem__(self, slug: str) -> Kind:
        return registry.get(ContentKind, slug).kind

    def __iter__(self) -> Iterator[str]:
        return (entry.key for entry in registry.entries(ContentKind))

    def __len__(self) -> int:
        return len(registry.entries(ContentKind))


KINDS: Mapping[str, Kind] = _Registered()

# Step 1's kinds, registered by planning.hooks in this order.
STEP1 = {
    k.slug: k
    for k in (
        Kind(
            "objectives",
            Objective,
            forms.ObjectiveForm,
            "Objectives",
            "objective",
            "What must the unit achieve this year? Add the key business objectives and weigh them.",
            5,
        ),
        Kind(
            "strategies",
            Strategy,
            forms.StrategyForm,
            "Strategies",
            "strategy",
            "How will the objectives be reached? Add the strategies and the objectives each serves.",
            3,
        ),
        Kind(
            "initiatives",
            Initiative,
            forms.InitiativeForm,
            "Initiatives",
            "initiative",
            "What will be done, by whom and when? Add initiatives and link them to objectives.",
            6,
        ),
        Kind(
            "risks",
            Risk,
            forms.RiskForm,
            "Risks",
            "risk",
            "What could stop the plan? Add risks with likelihood, impact and mitigation.",
            6,
        ),
        Kind(
            "targets",
            SalesTarget,
            forms.SalesTargetForm,
            "Sales targets",
            "sales target",
            "How much revenue? Add the target split into new business, expansion and renewal.",
            7,
            page="planning:targets",
        ),
    )
}
