from django.core.management import call_command

from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning.models import Plan


def test_the_demo_company_has_every_role_and_every_plan_status(db, client, capsys):
    call_command("seed_demo", "--if-empty")
    out = capsys.readouterr().out
    assert "password for all: aop-demo-2026" in out
    assert OrgUnit.objects.filter(kind="region").count() == 3
    assert OrgUnit.objects.filter(kind="team").count() == 8
    assert Seller.objects.count() == 60
    assert FiscalCalendar.load().start_month == 2
    this_season = set(Plan.objects.filter(fiscal_year=2028).values_list("status", flat=True))
    assert this_season == {"draft", "in_review", "approved"}
    assert Plan.objects.filter(revision=2).exists()
    for username in ("leader", "ops", "exec", "viewer", "admin"):
        response = client.post("/accounts/login/", {"username": username, "password": "aop-demo-2026"})
        assert response.status_code == 302, username  # signed in through the real form
        client.logout()


def test_seeding_again_with_if_empty_changes_nothing(db):
    call_command("seed_demo", "--if-empty")
    counts = (OrgUnit.objects.count(), Seller.objects.count(), Plan.objects.count())
    call_command("seed_demo", "--if-empty")
    assert (OrgUnit.objects.count(), Seller.objects.count(), Plan.objects.count()) == counts
