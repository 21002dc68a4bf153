"""The strategy tree of a plan: each objective → the strategies serving it → their initiatives, and what later
steps hang under the objective (KPIs, budget lines: core.registry.TreeBranch), with counts and totals on
each node. Read set-wise: a fixed number of queries whatever the plan's size."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from core.registry import TreeBranch, registry
from planning import traceability
from planning.models import Initiative, Objective, Plan, Strategy

OPEN_UP_TO = 8  # objectives shown unfolded; more start folded

STATUS_TONES = {
    Initiative.Status.PLANNED: "muted",
    Initiative.Status.IN_PROGRESS: "info",
    Initiative.Status.AT_RISK: "warn",
    Initiative.Status.DONE: "good",
    Initiative.Status.CANCELLED: "muted",
}


@dataclass(frozen=True)
class Leaf:
    """A record a later step hangs under objectives (`objective_ids`) and, optionally, one initiative."""

    name: str
    url: str
    objective_ids: tuple[int, ...] = ()
    initiative_id: int | None = None
    detail: str = ""  # e.g. "Headcount · growth"
    amount: Decimal | None = None  # money, in `currency`
    currency: str = ""
    tone: str = ""  # a status badge: tone and label, none when empty
    status: str = ""


@dataclass
class Group:
    """One branch's leaves under a node, with their count and money total."""

    branch: TreeBranch
    leaves: list[Leaf]

    @property
    def total(self) -> Decimal | None:
        amounts = [leaf.amount for leaf in self.leaves if leaf.amount is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    @property
    def currency(self) -> str:
        return next((leaf.currency for leaf in self.leaves if leaf.currency), "")


@dataclass
class InitiativeNode:
    initiative: Initiative
    groups: list[Group]  # only the branches with leaves on this initiative

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.initiative.status, "muted")


@dataclass
class StrategyNode:
    strategy: Strategy
    initiatives: list[InitiativeNode]

    @property
    def groups(self) -> list[Group]:
        """Each branch's leaves over the strategy's initiatives (its budget, say)."""
        merged: dict[str, Group] = {}
        for node in self.initiatives:
            for group in node.groups:
                merged.setdefault(group.branch.key, Group(group.branch, [])).leaves.extend(group.leaves)
        return list(merged.values())


@dataclass
class ObjectiveNode:
    objective: Objective
    strategies: list[StrategyNode]
    others: list[InitiativeNode]  # initiatives behind the objective outside its strategies
    groups: list[Group]  # every branch, empty or not
    unfunded: bool

    @property
    def initiative_count(self) -> int:
        return sum(len(s.initiatives) for s in self.strategies) + len(self.others)


@dataclass
class Tree:
    objectives: list[ObjectiveNode]
    loose_strategies: list[Strategy] = field(default_factory=list)  # serving no objective
    loose_initiatives: list[Initiative] = field(default_factory=list)  # no objective, no strategy
    loose_leaves: list[Leaf] = field(default_factory=list)  # under no objective and no initiative

    @property
    def open(self) -> bool:
        """Whether the objectives show unfolded: a plan of many objectives starts folded, one line each."""
        return len(self.objectives) <= OPEN_UP_TO

    @property
    def loose_count(self) -> int:
        return len(self.loose_strategies) + len(self.loose_initiatives) + len(self.loose_leaves)

    @property
    def empty(self) -> bool:
        return not (self.objectives or self.loose_count)


def plan_tree(plan: Plan) -> Tree:
    """The plan's strategy tree, objectives in the order they were entered."""
    objectives = list(Objective.objects.filter(plan=plan).order_by("pk"))
    strategies = list(Strategy.objects.filter(plan=plan).prefetch_related("objectives").order_by("pk"))
    initiatives = list(
        Initiative.objects.filter(plan=plan).prefetch_related("objectives").order_by("start_quarter", "pk")
    )
    branches = [(branch, branch.build(plan)) for branch in registry.entries(TreeBranch)]
    unfunded = set(traceability.unfunded_objectives(plan).values_list("pk", flat=True))
    links = _Links(strategies, initiatives, _by_initiative(branches))
    return Tree(
        [links.objective(o, branches, o.pk in unfunded) for o in objectives],
        loose_strategies=[s for s in strategies if not links.serves[s.pk]],
        loose_initiatives=[i for i in initiatives if not links.behind[i.pk] and i.strategy_id is None],
        loose_leaves=[
            leaf
            for _, leaves in branches
            for leaf in leaves
            if not leaf.objective_ids and not leaf.initiative_id
        ],
    )


class _Links:
    """Who serves which objective, read once from the prefetched links."""

    def __init__(self, strategies: list[Strategy], initiatives: list[Initiative], groups: dict) -> None:
        self.strategies, self.initiatives, self.groups = strategies, initiatives, groups
        self.serves = {s.pk: {o.pk for o in s.objectives.all()} for s in strategies}
        self.behind = {i.pk: {o.pk for o in i.objectives.all()} for i in initiatives}

    def node(self, initiative: Initiative) -> InitiativeNode:
        return InitiativeNode(initiative, self.groups.get(initiative.pk, []))

    def under(self, strategy: Strategy, objective_id: int) -> list[InitiativeNode]:
        # An initiative of a strategy serves the strategy's objectives unless it names objectives of its own.
        return [
            self.node(i)
            for i in self.initiatives
            if i.strategy_id == strategy.pk and (objective_id in self.behind[i.pk] or not self.behind[i.pk])
        ]

    def objective(self, objective: Objective, branches: list, unfunded: bool) -> ObjectiveNode:
        serving = [s for s in self.strategies if objective.pk in self.serves[s.pk]]
        own = {s.pk for s in serving}
        others = [
            i for i in self.initiatives if objective.pk in self.behind[i.pk] and i.strategy_id not in own
        ]
        return ObjectiveNode(
            objective,
            strategies=[StrategyNode(s, self.under(s, objective.pk)) for s in serving],
            others=[self.node(i) for i in others],
            groups=[
                Group(b, [leaf for leaf in leaves if objective.pk in leaf.objective_ids])
                for b, leaves in branches
            ],
            unfunded=unfunded,
        )


def _by_initiative(branches: list[tuple[TreeBranch, list[Leaf]]]) -> dict[int, list[Group]]:
    found: dict[int, list[Group]] = defaultdict(list)
    for branch, leaves in branches:
        per: dict[int, list[Leaf]] = defaultdict(list)
        for leaf in leaves:
            if leaf.initiative_id is not None:
                per[leaf.initiative_id].append(leaf)
        for initiative_id, own in per.items():
            found[initiative_id].append(Group(branch, own))
    return found
