"""Contest pages: the list and the full leaderboard for roles (/contests/), and the seller seat's view of
the contests of their unit line, their own rank highlighted (/me/contests/)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from core import editing
from orgs import permissions
from sellers import contests
from sellers.contest_forms import ContestForm
from sellers.models import Contest


def _page(request: HttpRequest, rows, size: int = 0):
    return Paginator(rows, size or settings.AOP_PAGE_SIZE).get_page(request.GET.get("page"))


def _url(contest: Contest) -> str:
    return reverse("contest", kwargs={"contest_id": contest.pk})


@login_required
@require_http_methods(["GET", "POST"])
def contest_list(request: HttpRequest) -> HttpResponse:
    """The contests of the units the user reads, and a form for those who may run one."""
    today = timezone.localdate()
    can_create = contests.units_for_contests(request.user).exists()
    form = ContestForm(request.POST or None, user=request.user)
    if request.method == "POST":
        editing.permit(can_create, "Only sales ops and sales leaders run contests.")
        outcome = editing.submit(
            form,
            lambda: contests.contest_create(actor=request.user, values=editing.values(form.cleaned_data)),
        )
        added = lambda contest: f"Contest “{contest}” created."  # noqa: E731
        if response := editing.page(request, outcome, done=added, to=_url):
            return response
    page = _page(request, contests.contest_list(user=request.user, today=today))
    for contest in page.object_list:
        contest.status = contests.contest_status(contest, today)
    context = {
        "page": page,
        "form": form,
        "can_create": can_create,
        "today": today,
        "is_seller": permissions.seller_of(request.user) is not None,
    }
    return render(request, "sellers/contests.html", context)


def _create(request: HttpRequest, form: ContestForm) -> Contest:
    return contests.contest_create(actor=request.user, values=editing.values(form.cleaned_data))


@login_required
@require_http_methods(["GET", "POST"])
def contest_detail(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The full leaderboard; edit and delete for sales ops and the unit's sales leaders; the history."""
    contest = contests.contest_get(user=request.user, contest_id=contest_id)
    can_edit = contests.may_edit(request.user, contest)
    form = ContestForm(instance=contest, user=request.user)
    if request.method == "POST":
        editing.permit(can_edit, "Only sales ops and the unit's sales leaders change its contests.")
        if request.POST.get("delete"):
            return _delete(request, contest)
        form = ContestForm(request.POST, instance=Contest.objects.get(pk=contest.pk), user=request.user)
        outcome = editing.submit(
            form,
            lambda: contests.contest_update(actor=request.user, contest=contest, **editing.versioned(form)),
        )
        if response := editing.page(request, outcome, done="Contest saved.", to=_url(contest)):
            return response
    board = contests.leaderboard(contest, timezone.localdate())
    context = {
        "contest": contest,
        "board": board,
        "rows": board.rows,
        "form": form,
        "can_edit": can_edit,
        "history": _page(request, contests.contest_history(contest=contest), 20),
    }
    return render(request, "sellers/contest.html", context)


def _delete(request: HttpRequest, contest: Contest) -> HttpResponse:
    version = request.POST.get("version", "")
    outcome = editing.submit(
        None,
        lambda: contests.contest_delete(
            actor=request.user, contest=contest, version=int(version) if version.isdigit() else 0
        ),
    )
    done = f"Contest “{contest}” deleted."
    return editing.page(request, outcome, done=done, to=reverse("contests"), stale_to=_url(contest))


# --- The seller seat ---------------------------------------------------------------------------------


def _seller(request: HttpRequest):
    seller = permissions.seller_of(request.user)
    if seller is None:
        raise Http404("You are not a seller.")
    return seller


@login_required
@require_safe
def my_contests(request: HttpRequest) -> HttpResponse:
    """The contests of the seller's unit and the units above it, with their place on each board."""
    seller, today = _seller(request), timezone.localdate()
    page = _page(request, contests.seller_contests(seller=seller, today=today))
    boards = contests.leaderboards(list(page.object_list), today)
    standings = [contests.standing(board, seller) for board in boards]
    context = {"seller": seller, "page": page, "standings": standings}
    return render(request, "sellers/contests_mine.html", context)


@login_required
@require_safe
def my_contest(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The top of the board and the seller's own line, highlighted."""
    seller, today = _seller(request), timezone.localdate()
    contest = contests.seller_contest_get(seller=seller, contest_id=contest_id, today=today)
    board = contests.leaderboard(contest, today)
    context = {
        "contest": contest,
        "board": board,
        "rows": board.around(seller),
        "mine": board.row_of(seller),
        "why_not": contests.standing(board, seller).why_not,
        "gap": board.hidden_above(seller),
        "seller": seller,
        "top": contests.TOP,
    }
    return render(request, "sellers/contest_mine.html", context)
