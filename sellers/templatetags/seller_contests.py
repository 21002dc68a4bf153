"""The "Contests" card of the seller's own page (/me/number/): their place in their unit line's contests."""

from django import template
from django.urls import reverse
from django.utils import timezone

from orgs.models import Seller
from sellers import contests

register = template.Library()


@register.inclusion_tag("sellers/partials/contest_card.html")
def contest_card(seller: Seller) -> dict:
    standings = contests.seller_standings(seller=seller, today=timezone.localdate(), limit=3)
    return {"standings": standings, "url": reverse("my-contests")}
