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
