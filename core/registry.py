"""One registry of what the steps add to a plan: its tabs, the overview's list of steps, the alerts on its
overview (what is open on the plan), the home page's panels, the sections of a frozen revision, the kinds of
content edited in place, what counts as funding and what hangs under each objective of the strategy tree.

Each app declares its entries in its `hooks.py`; its `AppConfig.ready()` calls `hooks.register(registry)`.
Every entry has an `order` and is read in that order, never in INSTALLED_APPS order, so an earlier step
lists what later steps add without importing them. Step N takes orders N×10 to N×10+9 (the plan's Overview
tab 0, its History tab 100). A later step adding a tab:

    def register(registry: Registry) -> None:
        registry.add(Tab(key="budget", label="Budget", url_name="budgets:plan", step=3, order=30))
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured


class RegistryError(ImproperlyConfigured):
    """An entry refused: not an entry, without an order, registered twice, or sharing an order."""


@dataclass(frozen=True, kw_only=True)
class Tab:
    """A tab of a plan's page, reversed with the plan's id."""

    key: str  # the `tab` a view passes to plan_context: it marks this tab as the current one
    label: str
    url_name: str
    order: int
    step: int | None = None  # the step's number, shown before the label (none for Overview and History)


@dataclass(frozen=True, kw_only=True)
class OverviewSection:
    """A step's line in the overview's list of the steps, linking to its tab."""

    key: str
    title: str
    url_name: str
    description: str
    order: int


@dataclass(frozen=True, kw_only=True)
class AlertSource:
    """What a step flags as open on a plan (its overview, and the dialog before an approval or a send back):
    `build(plan)` returns planning.overview.Alert rows; `checks` names what it looks for, for the line that
    says nothing is open."""

    key: str
    build: Callable[[Any], list]
    order: int
    checks: str = ""  # e.g. "pending budget moves"


@dataclass(frozen=True, kw_only=True)
class DashboardPanel:
    """Panels a step adds to the home page: `build(user)` returns planning.dashboard.Panel rows."""

    key: str
    build: Callable[[Any], list]
    order: int


@dataclass(frozen=True, kw_only=True)
class SnapshotSection:
    """A titled section of a frozen revision: `build(plan)` returns its rows as dicts."""

    title: str
    build: Callable[[Any], list[dict[str, Any]]]
    order: int

    @property
    def key(self) -> str:
        return self.title


@dataclass(frozen=True, kw_only=True)
class FundingRule:
    """A reverse relation of the model `funds` (an app label, e.g. "planning.Objective") whose records fund
    it. `predicate` says which records count; without one, every linked record does (the only rule a
    query can read: objectives are checked in SQL, improvement actions in Python over prefetched rows)."""

    funds: str
    related_name: str
    label: str  # what the record is called where funding is explained, e.g. "budget line"
    order: int
    predicate: Callable[[Any], bool] | None = None

    @property
    def key(self) -> str:
        return f"{self.funds}.{self.related_name}"

    def counts(self, record: Any) -> bool:
        return self.predicate is None or self.predicate(record)


@dataclass(frozen=True, kw_only=True)
class ContentKind:
    """A kind of plan content edited in place and through the API (a planning.kinds.Kind), with the
    serializer planning's PlanContentViewSet uses for it (None where the kind's viewset picks its own)."""

    kind: Any
    order: int
    serializer: type | None = None

    @property
    def key(self) -> str:
        return self.kind.slug


@dataclass(frozen=True, kw_only=True)
class TreeBranch:
    """A group a step hangs under each objective of the strategy tree (and under the initiatives it names):
    `build(plan)` returns planning.tree.Leaf rows, read set-wise for the whole plan."""

    key: str
    title: str  # the group's heading under an objective, e.g. "Budget lines"
    build: Callable[[Any], list]
    order: int


ENTRY_TYPES = (
    Tab,
    OverviewSection,
    AlertSource,
    DashboardPanel,
    SnapshotSection,
    FundingRule,
    ContentKind,
    TreeBranch,
)
Entry = (
    Tab
    | OverviewSection
    | AlertSource
    | DashboardPanel
    | SnapshotSection
    | FundingRule
    | ContentKind
    | TreeBranch
)
E = TypeVar("E", bound=Entry)


class Registry:
    """Entries by type and key, each type read in its entries' order."""

    def __init__(self) -> None:
        self._entries: dict[type, dict[str, Any]] = {kind: {} for kind in ENTRY_TYPES}

    def add(self, *entries: Entry) -> None:
        for entry in entries:
            self._add(entry)

    def _add(self, entry: Entry) -> None:
        store = self._entries.get(type(entry))
        if store is None:
            names = ", ".join(kind.__name__ for kind in ENTRY_TYPES)
            raise RegistryError(f"{entry!r} is not a registry entry (one of {names}).")
        name = f"{type(entry).__name__} {entry.key!r}"
        if not isinstance(entry.order, int) or isinstance(entry.order, bool):
            raise RegistryError(f"{name} has no order: give it an `order` number, the place it is listed in.")
        if entry.key in store:
            raise RegistryError(f"{name} is registered twice.")
        same = next((other for other in store.values() if other.order == entry.order), None)
        if same is not None:
            raise RegistryError(f"{name} and {same.key!r} share order {entry.order}: give each its own.")
        store[entry.key] = entry

    def entries(self, kind: type[E]) -> list[E]:
        """The entries of one type, in their order."""
        return sorted(self._entries[kind].values(), key=lambda entry: entry.order)

    def get(self, kind: type[E], key: str) -> E:
        """One entry by its key; KeyError when there is none."""
        return self._entries[kind][key]

    def funding(self, funds: str) -> list[FundingRule]:
        """The funding rules of one model ("planning.Objective"), in their order."""
        return [rule for rule in self.entries(FundingRule) if rule.funds == funds]


registry = Registry()
