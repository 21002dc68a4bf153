"""Pull sources for sales ops, beside the KPI catalogue's data sources: the list with each source's freshness,
the form, the history of its runs, Run now and delete. Everyone signed in reads them, as the catalogue;
company-level sales ops write them (checked again in metrics.pulls). The credential never comes back."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import editing
from core.queue import QueueUnavailable
from metrics import pulls
from metrics.models import ImportBatch, PullSource
from metrics.pull_forms import PullSourceForm, schedule_words
from orgs import permissions

WRITERS = "Only company-level sales ops keep the pull sources."


@dataclass
class Row:
    """A pull source as its list, the ops home and Day-1 readiness show it, with `metrics.pulls.freshness`."""

    source: PullSource
    schedule: str  # in words
    last_batch: ImportBatch | None
    status: str  # the last run's status (queued, running, done, failed), "" if it never ran
    last_success: dt.datetime | None
    overdue: bool  # by pulls.freshness: the last run failed, or no success for twice the schedule's interval
    reason: str  # why it is overdue, in words

    @property
    def attention(self) -> bool:
        return self.overdue or self.status == ImportBatch.Status.FAILED

    @property
    def late(self) -> bool:
        """Overdue although its last run did not fail: the page says Overdue beside the status."""
        return self.overdue and self.status != ImportBatch.Status.FAILED


def row(source: PullSource) -> Row:
    fresh = pulls.freshness(source)
    return Row(
        source=source,
        schedule=schedule_words(source.schedule),
        last_batch=fresh.last_batch,
        status="" if fresh.status == "never" else fresh.status,
        last_success=fresh.last_success_at,
        overdue=fresh.overdue,
        reason=fresh.reason,
    )


def rows(sources: QuerySet[PullSource] | None = None) -> list[Row]:
    """Every pull source with its freshness, failed and overdue ones first."""
    found = [row(s) for s in (sources if sources is not None else PullSource.objects.all())]
    return sorted(found, key=lambda r: (not r.attention, r.source.name.lower()))


def duration(batch: ImportBatch) -> str:
    """How long a run took: "under 1 s", "4 s", "2 min 05 s"; a dash until it has finished."""
    if not (batch.started_at and batch.finished_at):
        return "—"
    seconds = max(0, round((batch.finished_at - batch.started_at).total_seconds()))
    if seconds < 1:
        return "under 1 s"
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def _may_edit(request: HttpRequest) -> bool:
    return permissions.is_company_ops(request.user)


def _source(source_id: int) -> PullSource:
    return get_object_or_404(PullSource.objects.select_related("created_by"), pk=source_id)


@login_required
@require_safe
def pull_list(request: HttpRequest) -> HttpResponse:
    return render(request, "metrics/pulls/list.html", {"rows": rows(), "can_edit": _may_edit(request)})


@login_required
@require_safe
def pull_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    source = _source(source_id)
    batches = source.batches.select_related("uploaded_by").defer("content").order_by("-created_at", "-pk")
    page = Paginator(batches, settings.AOP_PAGE_SIZE).get_page(request.GET.get("page"))
    can_edit = _may_edit(request)
    history = [(b, duration(b)) for b in page]
    context = {"row": row(source), "source": source, "page": page, "history": history, "can_edit": can_edit}
    return render(request, "metrics/pulls/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pull_edit(request: HttpRequest, source_id: int | None = None) -> HttpResponse:
    """The form of a new pull source, or of one that exists (read at its version: a stale post is refused)."""
    source = _source(source_id) if source_id else None
    editing.permit(_may_edit(request), WRITERS)
    form = PullSourceForm(instance=source)
    status = 200
    if request.method == "POST":
        fresh = PullSource.objects.get(pk=source.pk) if source else PullSource()
        form = PullSourceForm(request.POST, instance=fresh)
        outcome = editing.submit(form, lambda: _save(request, source, form))
        done = lambda saved: f"Pull source “{saved.name}” saved."  # noqa: E731
        to = lambda saved: reverse("kpi-pull", kwargs={"source_id": saved.pk})  # noqa: E731
        stale_to = reverse("kpi-pull-edit", kwargs={"source_id": source.pk}) if source else ""
        if response := editing.page(request, outcome, done=done, to=to, stale_to=stale_to):
            return response
        status = outcome.status
    context = {"source": source, "form": form}
    return render(request, "metrics/pulls/form.html", context, status=status)


def _save(request: HttpRequest, source: PullSource | None, form: PullSourceForm) -> PullSource:
    return pulls.pull_save(
        actor=request.user,
        source=source,
        version=form.cleaned_data.get("version") if source else None,
        values=form.values(),
        secret=form.secret_value(),
    )


@login_required
@require_POST
def pull_run(request: HttpRequest, source_id: int) -> HttpResponse:
    """Run now: one pull on demand, as a batch of the source's history."""
    source = _source(source_id)
    editing.permit(_may_edit(request), WRITERS)
    to = reverse("kpi-pull", kwargs={"source_id": source.pk})
    try:
        outcome = editing.submit(None, lambda: pulls.pull_start(actor=request.user, source=source))
    except QueueUnavailable as exc:
        messages.error(request, str(exc.detail))
        return redirect(to)
    if outcome.ok and outcome.saved.status == ImportBatch.Status.FAILED:  # it ran, and failed: say so as such
        messages.error(request, _ran(outcome.saved))
        return redirect(to)
    return editing.action(request, outcome, done=_ran, to=to, failed="Not run: ")


def _ran(batch: ImportBatch) -> str:
    if batch.status == ImportBatch.Status.DONE:
        return f"Pulled {batch.total_rows:,} row(s); {batch.loaded_rows:,} loaded."
    if batch.status == ImportBatch.Status.FAILED:
        return f"The pull failed: {batch.message or 'see its batch'}."
    return "The pull is under way; its batch shows below."


@login_required
@require_POST
def pull_delete(request: HttpRequest, source_id: int) -> HttpResponse:
    """Delete a pull source at the version read; its batches stay in the imports' history."""
    source = _source(source_id)
    editing.permit(_may_edit(request), WRITERS)
    version = request.POST.get("version", "")
    outcome = editing.submit(
        None,
        lambda: pulls.pull_delete(
            actor=request.user, source=source, version=int(version) if version.isdigit() else 0
        ),
    )
    if not outcome.ok:
        to = reverse("kpi-pull", kwargs={"source_id": source.pk})
        return editing.action(request, outcome, done="", to=to, failed="Not deleted: ")
    return editing.action(
        request, outcome, done=f"Pull source “{source.name}” deleted.", to=reverse("kpi-pulls")
    )
