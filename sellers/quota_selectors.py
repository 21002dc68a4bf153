"""Reading published quotas: each seller's as a page shows it (figures, thread, what changed since they
accepted) and a plan's board for its leaders (counts, statuses, rows not sent as they stand). The writes
are sellers.quotas'."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from orgs import permissions
from orgs.models import FiscalCalendar, Seller
from planning.models import Plan, TargetAllocation
from sellers.models import QuotaAcceptance, QuotaComment, QuotaPublication

S = QuotaAcceptance.Status
ZERO = Decimal("0")


# --- Reading ------------------------------------------------------------------------------------------


def sent_total(acceptance: QuotaAcceptance) -> Decimal:
    """The quota as last sent to the seller: the sum of its months (the page's and the API's figure)."""
    return sum(amounts(acceptance.months), ZERO)


def amounts(months: list | None) -> list[Decimal]:
    """Stored month amounts (strings) as Decimals."""
    return [Decimal(str(m)) for m in months or []]


@dataclass(frozen=True)
class MonthChange:
    """One fiscal month of a quota sent again: what the seller accepted and what is sent now."""

    label: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass
class Quota:
    """A seller's published quota as a page shows it: the figures, the thread and what changed."""

    acceptance: QuotaAcceptance
    labels: list[str]  # the plan's fiscal months
    comments: list[QuotaComment] = field(default_factory=list)

    @property
    def months(self) -> list[tuple[str, Decimal]]:
        return list(zip(self.labels, amounts(self.acceptance.months), strict=True))

    @property
    def total(self) -> Decimal:
        return sent_total(self.acceptance)

    @property
    def accepted_total(self) -> Decimal | None:
        accepted = self.acceptance.accepted_months
        return None if accepted is None else sum(amounts(accepted), ZERO)

    @property
    def differs(self) -> bool:
        """Sent again with months other than the ones the seller accepted."""
        accepted = self.acceptance.accepted_months
        return accepted is not None and amounts(accepted) != amounts(self.acceptance.months)

    @property
    def changes(self) -> list[MonthChange]:
        """Every month, before (accepted) → after (sent now); empty unless the quota differs."""
        if not self.differs:
            return []
        pairs = zip(amounts(self.acceptance.accepted_months), amounts(self.acceptance.months), strict=True)
        return [MonthChange(label, b, a) for label, (b, a) in zip(self.labels, pairs, strict=True)]

    @property
    def change(self) -> Decimal:
        return self.total - (self.accepted_total or ZERO)

    @property
    def questions(self) -> list[QuotaComment]:
        return [c for c in self.comments if c.by_seller]

    @property
    def latest_question(self) -> QuotaComment | None:
        return self.questions[-1] if self.questions else None

    @property
    def answered(self) -> bool:
        """The thread's last word is the leader's: an asked question waits on the seller again."""
        return bool(self.comments) and not self.comments[-1].by_seller

    @property
    def open(self) -> bool:
        """The seller has something to do: accept, or accept again."""
        return self.acceptance.status not in (S.ACCEPTED, S.WITHDRAWN)

    @property
    def tone(self) -> str:
        """The badge colour of the status (the text says it too)."""
        return TONES[self.acceptance.status]

    @property
    def status_text(self) -> str:
        if self.acceptance.status == S.QUESTION and self.answered:
            return "Question answered"
        return self.acceptance.get_status_display()


TONES = {
    S.SENT: "muted",
    S.OPENED: "info",
    S.QUESTION: "warn",
    S.ACCEPTED: "good",
    S.CHANGED: "bad",
    S.WITHDRAWN: "muted",
}


@dataclass
class Board:
    """A plan's publication for its leaders: each seller's quota and answer, and the counts."""

    plan: Plan
    publication: QuotaPublication | None
    quotas: list[Quota]
    rows: int  # the plan's seller rows, published or not
    unsent: list[str] = field(default_factory=list)  # sellers whose row is not as last sent (or not sent)

    def count(self, *statuses: str) -> int:
        return sum(q.acceptance.status in statuses for q in self.quotas)

    @property
    def counts(self) -> list[tuple[str, int, str]]:
        """(label, how many, tone) for the head of the page."""
        return [
            ("Accepted", self.count(S.ACCEPTED), "good"),
            ("Questions", self.count(S.QUESTION), "warn"),
            ("Changed", self.count(S.CHANGED), "bad"),
            ("Opened", self.count(S.OPENED), "info"),
            ("Not opened", self.count(S.SENT), "muted"),
        ]

    @property
    def total(self) -> Decimal:
        return sum((q.total for q in self.quotas if q.acceptance.status != S.WITHDRAWN), ZERO)

    @property
    def count_threads(self) -> int:
        return sum(bool(q.comments) for q in self.quotas)


def month_labels(plan: Plan) -> list[str]:
    return [p.label for p in FiscalCalendar.current_rules().periods(plan.fiscal_year)]


def _with_thread(qs: QuerySet) -> QuerySet:
    comments = QuotaComment.objects.order_by("at", "pk")
    return qs.select_related(
        "seller", "publication__plan__org_unit", "publication__published_by"
    ).prefetch_related(Prefetch("comments", queryset=comments))


def acceptances_visible_to(user) -> QuerySet:
    """The quotas `user` may read: a seller their own; a role holder those of the plans they read."""
    qs = QuotaAcceptance.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    own = qs.filter(seller__user=user)
    return own | permissions.restrict(qs, user, permissions.READ, "publication__plan__org_unit")


def publications_visible_to(user) -> QuerySet:
    return permissions.restrict(QuotaPublication.objects.all(), user, permissions.READ, "plan__org_unit")


def plan_board(plan: Plan) -> Board:
    """Everything the plan's Quotas page shows, in a fixed number of queries."""
    publication = QuotaPublication.objects.select_related("published_by").filter(plan=plan).first()
    rows = list(
        TargetAllocation.objects.filter(plan=plan, seller__isnull=False)
        .order_by("seller__name", "pk")
        .values_list("seller_id", "seller__name", "months")
    )
    if publication is None:
        return Board(plan, None, [], len(rows))
    labels = month_labels(plan)
    acceptances = _with_thread(QuotaAcceptance.objects.filter(publication=publication))
    quotas = [Quota(a, labels, list(a.comments.all())) for a in acceptances.order_by("seller__name", "pk")]
    sent = {q.acceptance.seller_id: amounts(q.acceptance.months) for q in quotas}
    unsent = [name for seller_id, name, months in rows if sent.get(seller_id) != amounts(months)]
    return Board(plan, publication, quotas, len(rows), unsent)


def seller_quota(seller: Seller, plan: Plan | None) -> Quota | None:
    """The seller's published quota in `plan`, with its thread; None when it was not published to them."""
    if plan is None:
        return None
    acceptance = _with_thread(QuotaAcceptance.objects.filter(seller=seller, publication__plan=plan)).first()
    return (
        None if acceptance is None else Quota(acceptance, month_labels(plan), list(acceptance.comments.all()))
    )


def pending_elsewhere(seller: Seller, plan: Plan | None) -> list[QuotaAcceptance]:
    """The seller's published quotas in other plans still waiting for their answer (another year's)."""
    qs = QuotaAcceptance.objects.filter(seller=seller).exclude(status__in=[S.ACCEPTED, S.WITHDRAWN])
    if plan is not None:
        qs = qs.exclude(publication__plan=plan)
    return list(qs.select_related("publication__plan__org_unit").order_by("publication__plan__fiscal_year"))
