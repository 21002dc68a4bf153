"""Publishing a plan's seller quotas and each seller's answer: services, pages and API.

Team A1's approved FY2028 plan has three seller rows. Sam's is 10,000.00 a month with 10,000.05 in the
last (120,000.05 for the year), Sue's 8,000.00 a month (96,000.00) and Nia's, who has no sign-in, 5,000.00
(60,000.00). A change after Sam accepted moves 2,500.00 of his first month to his last: 7,500.00 and
12,500.05, the year still 120,000.05."""

from decimal import Decimal as D
from html import unescape
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from planning.models import Plan, TargetAllocation
from sellers import quota_selectors, quotas
from sellers.models import QuotaAcceptance, QuotaComment
from tests.conftest import api_as
from tests.factories import PlanFactory, SellerFactory, UserFactory

SAM = ["10000.00"] * 11 + ["10000.05"]
SUE = ["8000.00"] * 12
NIA = ["5000.00"] * 12
S = QuotaAcceptance.Status


def _rows(plan: Plan, *sellers_months) -> list[TargetAllocation]:
    return [TargetAllocation.objects.create(plan=plan, seller=s, months=m) for s, m in sellers_months]


@pytest.fixture
def team(org, people):
    plan = PlanFactory(org_unit=org.team_a1, status=Plan.Status.APPROVED)
    sam_user, sue_user = UserFactory(username="sam"), UserFactory(username="sue")
    sam = SellerFactory(org_unit=org.team_a1, name="Sam Seller", user=sam_user)
    sue = SellerFactory(org_unit=org.team_a1, name="Sue Seller", user=sue_user)
    nia = SellerFactory(org_unit=org.team_a1, name="Nia Seller")
    rows = _rows(plan, (sam, SAM), (sue, SUE), (nia, NIA))
    return SimpleNamespace(
        plan=plan, sam=sam, sue=sue, nia=nia, rows=rows, sam_user=sam_user, sue_user=sue_user
    )


@pytest.fixture
def published(team, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quotas.quotas_publish(actor=people.leader, plan=team.plan, message="Here are your numbers.")
    return team


def mine(team, seller) -> QuotaAcceptance:
    return QuotaAcceptance.objects.get(publication__plan=team.plan, seller=seller)


def history(plan: Plan) -> list[str]:
    return list(
        AuditEntry.objects.filter(plan_id=plan.pk).order_by("at", "id").values_list("action", flat=True)
    )


# --- Publishing -------------------------------------------------------------------------------------------


def test_publishing_sends_each_seller_their_row_to_the_cent(published, settings):
    team = published
    for seller, row in zip((team.sam, team.sue, team.nia), team.rows, strict=True):
        acceptance = mine(team, seller)
        assert acceptance.months == row.months
        assert quota_selectors.amounts(acceptance.months) == row.month_amounts
        assert (acceptance.status, acceptance.accepted_months, acceptance.allocation) == (S.SENT, None, row)
    assert sum(quota_selectors.amounts(mine(team, team.sam).months)) == D(
        "120000.05"
    )  # 11 × 10,000.00 + 10,000.05
    assert history(team.plan) == ["published"]


def test_each_seller_who_signs_in_gets_an_email_with_the_link_to_their_page(published, settings):
    link = f"{settings.AOP_BASE_URL}/me/number/?year=2028"
    assert sorted(m.to[0] for m in mail.outbox) == ["sam@example.test", "sue@example.test"]  # Nia: no sign-in
    [sam] = [m for m in mail.outbox if m.to == ["sam@example.test"]]
    assert link in sam.body and "120,000.05" in sam.body and "Here are your numbers." in sam.body


def test_only_a_leader_of_the_unit_publishes(team, people):
    for user in (people.viewer, people.sibling, people.ops, people.executive, team.sam_user):
        with pytest.raises(PermissionDenied):
            quotas.quotas_publish(actor=user, plan=team.plan)
    assert not QuotaAcceptance.objects.exists()


def test_only_an_approved_plan_with_seller_rows_is_published(team, people, org):
    Plan.objects.filter(pk=team.plan.pk).update(status=Plan.Status.IN_REVIEW)
    with pytest.raises(InvalidTransitionError, match="in review"):
        quotas.quotas_publish(actor=people.leader, plan=team.plan)
    empty = PlanFactory(org_unit=org.team_a1, fiscal_year=2029, status=Plan.Status.APPROVED)
    with pytest.raises(ValidationError, match="no seller rows"):
        quotas.quotas_publish(actor=people.leader, plan=empty)
    assert not QuotaAcceptance.objects.exists()


# --- The seller's answer ------------------------------------------------------------------------------------


def test_the_seller_opens_asks_is_answered_and_accepts_each_step_in_the_history(
    published, people, django_capture_on_commit_callbacks
):
    team = published
    acceptance = quotas.quota_open(actor=team.sam_user, acceptance=mine(team, team.sam))
    quotas.quota_open(actor=team.sam_user, acceptance=acceptance)  # a second look is not recorded again
    assert acceptance.status == S.OPENED and acceptance.opened_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        acceptance = quotas.quota_ask(
            actor=team.sam_user, acceptance=acceptance, body=" Why December? ", version=acceptance.version
        )
        quotas.quota_answer(actor=people.leader, acceptance=acceptance, body="The year-end push.")
    assert acceptance.status == S.QUESTION
    thread = list(QuotaComment.objects.filter(acceptance=acceptance).values_list("by_seller", "body"))
    assert thread == [(True, "Why December?"), (False, "The year-end push.")]
    answer_mail = [m for m in mail.outbox if "answered" in m.subject]
    assert [m.to for m in answer_mail] == [["sam@example.test"]] and "/me/number/?year=2028" in answer_mail[
        0
    ].body
    assert any(m.to == ["leader@example.test"] and "Why December?" in m.body for m in mail.outbox)
    acceptance = quotas.quota_accept(actor=team.sam_user, acceptance=acceptance, version=acceptance.version)
    assert (acceptance.status, acceptance.accepted_months) == (S.ACCEPTED, SAM)
    assert history(team.plan) == ["published", "opened", "asked", "answered", "accepted"]


def test_an_empty_question_is_refused_and_changes_nothing(published):
    acceptance = mine(published, published.sam)
    with pytest.raises(ValidationError, match="Write your question"):
        quotas.quota_ask(
            actor=published.sam_user, acceptance=acceptance, body="  ", version=acceptance.version
        )
    assert mine(published, published.sam).status == S.SENT and not QuotaComment.objects.exists()


def test_a_stale_version_is_refused(published):
    acceptance = mine(published, published.sam)
    old = acceptance.version
    quotas.quota_open(actor=published.sam_user, acceptance=acceptance)  # the version moved on
    with pytest.raises(StaleVersionError):
        quotas.quota_accept(actor=published.sam_user, acceptance=acceptance, version=old)
    assert mine(published, published.sam).accepted_months is None


def test_a_seller_cannot_act_on_another_sellers_quota(published, people):
    sues = mine(published, published.sue)
    with pytest.raises(PermissionDenied):
        quotas.quota_accept(actor=published.sam_user, acceptance=sues, version=sues.version)
    with pytest.raises(PermissionDenied):
        quotas.quota_accept(
            actor=people.leader, acceptance=sues, version=sues.version
        )  # nor a leader for them
    with pytest.raises(PermissionDenied):
        quotas.quota_answer(actor=published.sam_user, acceptance=sues, body="I answer for Sue.")
    with pytest.raises(PermissionDenied):
        quotas.quota_answer(actor=people.sibling, acceptance=sues, body="Not my team.")


# --- A change after acceptance ------------------------------------------------------------------------------


def _accept(team, seller, user) -> None:
    acceptance = quotas.quota_open(actor=user, acceptance=mine(team, seller))
    quotas.quota_accept(actor=user, acceptance=acceptance, version=acceptance.version)


def test_a_change_after_acceptance_asks_again_with_before_and_after(published, people, client):
    team = published
    _accept(team, team.sam, team.sam_user)
    _accept(team, team.sue, team.sue_user)
    changed = ["7500.00"] + ["10000.00"] * 10 + ["12500.05"]  # 2,500.00 moved from Feb to Jan
    TargetAllocation.objects.filter(pk=team.rows[0].pk).update(months=changed)  # reopened, edited, approved
    TargetAllocation.objects.filter(pk=team.rows[2].pk).delete()  # Nia left the plan
    quotas.quotas_publish(actor=people.leader, plan=team.plan)
    sam, sue, nia = (mine(team, s) for s in (team.sam, team.sue, team.nia))
    assert (sam.status, sam.months, sam.accepted_months, sam.opened_at) == (S.CHANGED, changed, SAM, None)
    assert (sue.status, sue.accepted_months) == (S.ACCEPTED, SUE)  # unchanged: still accepted
    assert nia.status == S.WITHDRAWN
    quota = quota_selectors.seller_quota(team.sam, team.plan)
    assert [(m.before, m.after, m.change) for m in quota.changes if m.change] == [
        (D("10000.00"), D("7500.00"), D("-2500.00")),
        (D("10000.05"), D("12500.05"), D("2500.00")),
    ]
    assert (quota.accepted_total, quota.total, quota.change) == (D("120000.05"), D("120000.05"), D("0"))
    client.force_login(team.sam_user)
    html = client.get("/me/number/?year=2028").content.decode()
    for shown in (
        "Changed since accepted",
        "Accept the new quota",
        "$10,000.00",
        "$7,500.00",
        "−$2,500.00",
        "+$2,500.00",
    ):
        assert shown in html, shown
    assert "What changed since you accepted it" in html
    board = client.get(reverse("quotas:plan", args=[team.plan.pk]))
    assert board.status_code == 404  # a seller has no plan pages


def test_the_leader_sees_which_rows_changed_since_they_were_sent(published, people, client):
    """A row edited after publishing (the plan reopened, edited, approved again) is not what its seller
    sees until the quotas are sent again: the leader's page names them."""
    team = published
    TargetAllocation.objects.filter(pk=team.rows[1].pk).update(months=["8500.00"] + ["8000.00"] * 11)
    assert quota_selectors.plan_board(team.plan).unsent == ["Sue Seller"]
    client.force_login(people.leader)
    html = unescape(client.get(reverse("quotas:plan", args=[team.plan.pk])).content.decode())
    assert "1 seller's rows differ from what was last sent (Sue Seller)" in html
    quotas.quotas_publish(actor=people.leader, plan=team.plan)
    assert quota_selectors.plan_board(team.plan).unsent == []


# --- Pages --------------------------------------------------------------------------------------------------


def test_the_sellers_page_shows_the_publication_and_the_first_view_opens_it(published, client):
    client.force_login(published.sam_user)
    html = client.get("/me/number/?year=2028").content.decode()
    assert "Published by Leader on" in html and "Here are your numbers." in html
    assert 'name="version"' in html and "Accept my quota of $120,000" in html and "Ask a question" in html
    assert mine(published, published.sam).status == S.OPENED
    assert history(published.plan).count("opened") == 1
    client.get("/me/number/?year=2028")
    assert history(published.plan).count("opened") == 1


def test_the_seller_asks_and_accepts_through_the_page(published, client):
    client.force_login(published.sam_user)
    client.get("/me/number/?year=2028")
    acceptance = mine(published, published.sam)
    ask = reverse("quota-ask", args=[acceptance.pk])
    response = client.post(ask, {"body": "", "version": acceptance.version}, follow=True)
    assert "Write your question before sending it." in response.content.decode()
    client.post(ask, {"body": "Why?", "version": acceptance.version})
    stale = client.post(
        reverse("quota-accept", args=[acceptance.pk]), {"version": acceptance.version}, follow=True
    )
    assert "changed by someone else" in stale.content.decode()
    fresh = mine(published, published.sam)
    client.post(reverse("quota-accept", args=[acceptance.pk]), {"version": fresh.version})
    assert mine(published, published.sam).status == S.ACCEPTED
    sues = mine(published, published.sue)
    for name in ("quota-accept", "quota-ask"):  # another seller's quota: as if it did not exist
        assert (
            client.post(reverse(name, args=[sues.pk]), {"version": sues.version, "body": "x"}).status_code
            == 404
        )


def test_the_leaders_page_counts_the_answers_and_shows_each_status(published, people, client):
    team = published
    _accept(team, team.sam, team.sam_user)
    client.force_login(people.leader)
    html = client.get(reverse("quotas:plan", args=[team.plan.pk])).content.decode()
    assert '<span class="badge badge-good">Accepted</span>' in html
    assert '<span class="badge badge-muted">Not opened</span>' in html
    assert "Published by Leader on" in html and "Send again" in html
    assert reverse("quotas:receipt", args=[team.plan.pk, team.sue.pk]) in html
    board = quota_selectors.plan_board(team.plan)
    assert board.counts == [
        ("Accepted", 1, "good"),
        ("Questions", 0, "warn"),
        ("Changed", 0, "bad"),
        ("Opened", 0, "info"),
        ("Not opened", 2, "muted"),
    ]


def test_the_leader_publishes_and_answers_through_the_page(team, people, client):
    client.force_login(people.leader)
    url = reverse("quotas:plan", args=[team.plan.pk])
    html = client.get(url).content.decode()
    assert "Not published yet" in html and "Publish the quotas" in html
    response = client.post(reverse("quotas:publish", args=[team.plan.pk]), {"message": "Go"}, follow=True)
    assert "Quotas sent to 3 sellers; 2 e-mailed (1 without a sign-in were not)." in response.content.decode()
    sams = mine(team, team.sam)
    client.post(reverse("quotas:answer", args=[team.plan.pk, sams.pk]), {"body": "Ask me anything."})
    assert QuotaComment.objects.get(acceptance=sams).body == "Ask me anything."


def test_whoever_reads_the_plan_reads_the_page_only_its_leaders_act(published, people, client):
    plan = published.plan
    board, receipt = (
        reverse("quotas:plan", args=[plan.pk]),
        reverse("quotas:receipt", args=[plan.pk, published.sue.pk]),
    )
    for user in (people.viewer, people.ops, people.executive, people.leader):
        client.force_login(user)
        page = client.get(board)
        assert page.status_code == 200
        assert ("Send again" in page.content.decode()) == (user == people.leader)
        assert client.get(receipt).status_code == 200
    client.force_login(people.viewer)
    assert client.post(reverse("quotas:publish", args=[plan.pk])).status_code == 403
    sues = mine(published, published.sue)
    assert client.post(reverse("quotas:answer", args=[plan.pk, sues.pk]), {"body": "x"}).status_code == 403
    for user in (people.sibling, people.outsider, published.sam_user):
        client.force_login(user)
        for url in (board, receipt):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("quotas:publish", args=[plan.pk])).status_code == 404


def test_the_receipt_page_is_the_sellers_receipt(published, people, client):
    client.force_login(people.viewer)
    html = client.get(reverse("quotas:receipt", args=[published.plan.pk, published.sam.pk])).content.decode()
    assert "Sam Seller's quota" in html and "$10,000.05" in html and "The quota, as stored" in html
    assert "Not opened" in html


def test_the_empty_state_says_why(team, people, client):
    Plan.objects.filter(pk=team.plan.pk).update(status=Plan.Status.DRAFT)
    client.force_login(people.leader)
    html = client.get(reverse("quotas:plan", args=[team.plan.pk])).content.decode()
    assert "Quotas are published from an approved plan" in html and "is draft" in html


def test_the_leaders_page_costs_the_same_queries_whatever_the_number_of_sellers(
    published, people, client, org
):
    client.force_login(people.leader)
    url = reverse("quotas:plan", args=[published.plan.pk])

    def count() -> int:
        client.get(url)  # warm the caches (calendar, display settings)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        seller = SellerFactory(org_unit=org.team_a1, user=UserFactory(username=f"more{n}"))
        TargetAllocation.objects.create(plan=published.plan, seller=seller, months=NIA)
    quotas.quotas_publish(actor=people.leader, plan=published.plan)
    for acceptance in QuotaAcceptance.objects.filter(seller__user__username__startswith="more"):
        QuotaComment.objects.create(acceptance=acceptance, author_name="x", by_seller=True, body="?")
    assert count() == few


# --- API ----------------------------------------------------------------------------------------------------


def test_the_api_lists_a_sellers_own_quota_and_a_roles_plans(published, people):
    def ids(user) -> set[str]:
        return {row["seller_name"] for row in api_as(user).get("/api/quota-acceptances/").data["results"]}

    assert ids(published.sam_user) == {"Sam Seller"}
    assert ids(people.leader) == ids(people.viewer) == {"Sam Seller", "Sue Seller", "Nia Seller"}
    assert ids(people.sibling) == ids(people.outsider) == set()
    sues = mine(published, published.sue)
    assert api_as(published.sam_user).get(f"/api/quota-acceptances/{sues.pk}/").status_code == 404
    row = api_as(people.viewer).get(f"/api/quota-acceptances/{sues.pk}/").data
    assert row["months"] == SUE and row["total"] == "96000.00" and row["status"] == "sent"


def test_the_api_actions(published, people):
    sam = api_as(published.sam_user)
    acceptance = mine(published, published.sam)
    base = f"/api/quota-acceptances/{acceptance.pk}"
    assert (
        sam.post(f"{base}/ask/", {"body": "", "version": acceptance.version}, format="json").status_code
        == 400
    )
    asked = sam.post(f"{base}/ask/", {"body": "Why?", "version": acceptance.version}, format="json")
    assert asked.status_code == 200 and asked.data["status"] == "question"
    assert sam.post(f"{base}/answer/", {"body": "Me?"}, format="json").status_code == 403
    answered = api_as(people.leader).post(f"{base}/answer/", {"body": "Because."}, format="json")
    assert answered.status_code == 201 and answered.data["by_seller"] is False
    assert [c["body"] for c in sam.get(f"{base}/comments/").data] == ["Why?", "Because."]
    stale = sam.post(f"{base}/accept/", {"version": acceptance.version}, format="json")
    assert stale.status_code == 409 and stale.data["code"] == "stale_version"
    accepted = sam.post(f"{base}/accept/", {"version": asked.data["version"]}, format="json")
    assert accepted.status_code == 200 and accepted.data["accepted_months"] == SAM
    sues = mine(published, published.sue)
    assert (
        sam.post(f"/api/quota-acceptances/{sues.pk}/accept/", {"version": 1}, format="json").status_code
        == 404
    )


def test_the_api_publishes_for_a_leader_only(team, people):
    url = f"/api/plans/{team.plan.pk}/quotas/publish/"
    assert api_as(people.viewer).post(url, {}, format="json").status_code == 403
    assert api_as(people.sibling).post(url, {}, format="json").status_code == 404
    assert api_as(team.sam_user).post(url, {}, format="json").status_code == 404
    response = api_as(people.leader).post(url, {"message": "Go"}, format="json")
    assert response.status_code == 200 and response.data["sent_count"] == 1
    assert QuotaAcceptance.objects.filter(publication__plan=team.plan).count() == 3
    Plan.objects.filter(pk=team.plan.pk).update(status=Plan.Status.DRAFT)
    assert api_as(people.leader).post(url, {}, format="json").status_code == 409
    listing = api_as(people.viewer).get("/api/quota-publications/").data["results"]
    assert [p["plan"] for p in listing] == [team.plan.pk]
    assert api_as(people.sibling).get("/api/quota-publications/").data["results"] == []


def test_the_api_list_costs_the_same_queries_whatever_the_number_of_sellers(published, people, org):
    def count() -> int:
        client = api_as(people.leader)
        client.get("/api/quota-acceptances/")  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/quota-acceptances/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(5):
        seller = SellerFactory(org_unit=org.team_a1)
        TargetAllocation.objects.create(plan=published.plan, seller=seller, months=NIA)
    quotas.quotas_publish(actor=people.leader, plan=published.plan)
    assert QuotaAcceptance.objects.count() == 8
    assert count() == few
