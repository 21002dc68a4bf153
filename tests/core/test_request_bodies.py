"""A request body that cannot be parsed is the client's error: 400, never a 500."""

from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import api_as

TOO_DEEP = "[" * 100_000  # the JSON decoder recurses once per level and gives up long before this


def test_json_nested_too_deeply_answers_400_on_the_anonymous_token_endpoint(db):
    response = APIClient().post("/api/auth/token/", data=TOO_DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply."}


def test_json_nested_too_deeply_answers_400_on_an_authenticated_endpoint(people, plan):
    response = api_as(people.leader).post("/api/objectives/", data=TOO_DEEP, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


def test_json_nested_as_deep_as_the_decoder_allows_is_refused_by_the_serializer(people, plan):
    deep = "[" * 400 + "]" * 400
    body = f'{{"plan": {plan.pk}, "title": {deep}}}'
    response = api_as(people.leader).post("/api/objectives/", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"title": ["Not a valid string."]}


def test_bodies_that_are_not_json_utf8_or_multipart_answer_400(people, plan):
    client = api_as(people.leader)
    for data, content_type in (
        (b"\xff\xfe{", "application/json"),
        (b'{"title": ', "application/json"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"a=1", "multipart/form-data"),  # no boundary
    ):
        response = client.post("/api/objectives/", data=data, content_type=content_type)
        assert response.status_code == 400, (data, content_type)


def test_a_broken_multipart_body_on_a_page_answers_4xx(client, people, plan):
    client.force_login(people.leader)
    url = reverse("planning:content-new", args=[plan.pk, "objectives"])
    no_boundary = client.generic("POST", url, b"--x\r\nbroken", content_type="multipart/form-data")
    assert no_boundary.status_code == 400  # Django cannot split it at all
    cut_short = client.generic("POST", url, b"--x\r\nbroken", content_type="multipart/form-data; boundary=x")
    assert cut_short.status_code == 422  # read as an empty form: the form's own errors


def test_text_with_a_nul_character_answers_400_before_any_lookup(people, plan):
    """PostgreSQL refuses NUL in any text: a KPI looked up by a code holding one used to fail as a 500."""
    body = '{"kpi": "rev\\u0000enue", "org_unit": 1, "fiscal_year": 2028, "annual": "10"}'
    response = api_as(people.leader).post("/api/kpi-targets/set/", data=body, content_type="application/json")
    assert response.status_code == 400
    detail = "JSON parse error - text may not contain the NUL character (\\u0000)."
    assert response.json() == {"detail": detail}
