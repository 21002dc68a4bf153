from django.core.management import call_command


def test_the_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any unresolved serializer or path parameter into a failure.
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/plans/{id}/approve/",
        "/api/plans/{id}/send-back/",
        "/api/sellers/",
        "/api/fiscal-calendar/",
    ):
        assert path in text
    assert "'409':" in text and "Conflict" in text


def test_swagger_ui_is_served_from_our_own_static_files(admin_client):
    page = admin_client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_the_schema_is_served(client):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_a_token_authenticates_api_calls(client, people):
    response = client.post("/api/auth/token/", {"username": "leader", "password": "pw-for-tests-1"})
    token = response.json()["token"]
    listing = client.get("/api/plans/", headers={"Authorization": f"Token {token}"})
    assert listing.status_code == 200


def test_defects_found_by_fuzzing_the_api_answer_400_not_500(db, django_user_model):
    """schemathesis found both: a partial PUT of the calendar, and a fiscal year 0 for readiness."""
    from orgs.models import FiscalCalendar, Membership, OrgUnit
    from tests.conftest import api_as

    ops = django_user_model.objects.create_user("fuzz-ops", password="x")
    company = OrgUnit.objects.create(name="Co", code="co", kind="company", path="")
    company.path = f"/{company.pk}/"
    company.save()
    Membership.objects.create(user=ops, org_unit=company, role="sales_ops")
    calendar = FiscalCalendar.load()
    response = api_as(ops).put("/api/fiscal-calendar/", {"version": calendar.version}, format="json")
    assert response.status_code == 200 and response.data["start_month"] == calendar.start_month
    assert api_as(ops).get("/api/kpi-readiness/?fiscal_year=0").status_code == 400
