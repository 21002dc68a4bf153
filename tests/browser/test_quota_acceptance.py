"""A published quota in a real browser: the seller opens their page from the notice, reads the receipt and
asks a question; the leader answers on the plan's Quotas page; the seller reads the answer and accepts, and
the leader's page then says Accepted."""

import pytest
from playwright.sync_api import expect

from planning.models import Plan, TargetAllocation
from sellers import quotas
from sellers.models import QuotaAcceptance
from tests.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_seller_asks_the_leader_answers_and_the_seller_accepts(open_as, live_server, org, people, plan):
    sam = SellerFactory(org_unit=org.team_a1, name="Sam Seller", user=UserFactory(username="sam"))
    TargetAllocation.objects.create(plan=plan, seller=sam, months=["10000.00"] * 11 + ["10000.05"])
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    quotas.quotas_publish(
        actor=people.leader, plan=Plan.objects.get(pk=plan.pk), message="Your FY2028 number."
    )

    seller = open_as("sam")
    seller.goto(f"{live_server.url}/me/number/")
    seller.click("text=open FY2028")  # the notice: the coming year's quota waits for an answer
    card = seller.locator("#quota")
    expect(card).to_contain_text("Published by Leader on")
    expect(card).to_contain_text("Your quota is $120,000")
    expect(seller.locator("#receipt")).to_be_visible()
    expect(seller.locator("table.receipt")).to_contain_text("$120,000.05")
    card.locator("summary", has_text="Ask a question").click()
    card.locator("textarea[name=body]").fill("Why is January higher by five cents?")
    card.locator("button", has_text="Send the question").click()
    expect(seller.locator(".alert-success")).to_contain_text("Question sent to your leader.")
    expect(seller.locator("#quota")).to_contain_text("Question asked")

    leader = open_as("leader")
    leader.goto(f"{live_server.url}/plans/{plan.pk}/quotas/")
    expect(leader.locator("#sellers-head")).to_be_visible()
    expect(leader.locator("tr", has_text="Sam Seller")).to_contain_text("Question asked")
    leader.fill("textarea[name=body]", "The leftover cent of the split lands in the last month.")
    leader.click("text=Send the answer")
    expect(leader.locator(".alert-success")).to_contain_text("Answer sent to Sam Seller.")

    seller.reload()
    card = seller.locator("#quota")
    expect(card).to_contain_text("The leftover cent of the split lands in the last month.")
    expect(card).to_contain_text("Question answered")
    card.locator("button", has_text="Accept my quota").click()
    expect(seller.locator(".alert-success")).to_contain_text("Quota accepted.")
    expect(seller.locator("#quota")).to_contain_text("You accepted $120,000")

    leader.goto(f"{live_server.url}/plans/{plan.pk}/quotas/")
    expect(leader.locator("tr", has_text="Sam Seller").locator(".badge")).to_have_text("Accepted")
    acceptance = QuotaAcceptance.objects.get(seller=sam)
    assert (acceptance.status, acceptance.accepted_months) == ("accepted", acceptance.months)
