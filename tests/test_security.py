"""Security basics: locked after repeated failed sign-ins, sessions that end, a strict CSP, a log of
failures and refusals."""

import time

from django.test import override_settings
from django.urls import reverse

from core.security import SIGNED_IN_AT
from tests.factories import UserFactory


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failed_sign_ins_lock_that_username_at_that_address_even_with_the_right_password(
    client, db, caplog
):
    UserFactory(username="lena")
    for _ in range(4):
        assert sign_in(client, "lena", "wrong").status_code == 200  # the form again, with its error
    assert sign_in(client, "lena", "wrong").status_code == 429  # the fifth failure locks
    locked = sign_in(client, "lena", "pw-for-tests-1")
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    # Lena at home (another address) is not the one who failed five times: she signs in.
    assert sign_in(client, "lena", "pw-for-tests-1", address="10.0.0.2").status_code == 302
    assert "sign-in failed user=lena address=10.0.0.1" in caplog.text


def test_an_address_is_locked_across_accounts_at_the_higher_address_limit(client, db, settings):
    settings.AOP_ADDRESS_FAILURE_LIMIT = 12
    UserFactory(username="omar")
    for n in range(11):  # 11 guesses at 11 names: each name 1 failure, the address 11 < 12
        sign_in(client, f"guess{n}", "wrong", address="10.9.9.9")
    assert sign_in(client, "omar", "pw-for-tests-1", address="10.9.9.9").status_code == 302
    client.logout()
    sign_in(client, "guess-last", "wrong", address="10.9.9.9")  # the 12th failure from the address
    assert sign_in(client, "omar", "pw-for-tests-1", address="10.9.9.9").status_code == 429
    assert sign_in(client, "omar", "pw-for-tests-1", address="10.9.9.10").status_code == 302


def test_sessions_end_when_idle_and_after_the_absolute_limit(client, db, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    UserFactory(username="eve")
    assert sign_in(client, "eve", "pw-for-tests-1").status_code == 302
    assert client.get(reverse("planning:home")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 13 * 3600
    session.save()
    response = client.get(reverse("planning:home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_pages_carry_a_strict_content_security_policy(client, plan, people):
    client.force_login(people.leader)
    for url in (reverse("planning:home"), reverse("capabilities:plan", args=[plan.pk]), "/api/docs/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "<script>" not in response.content.decode(), url  # no inline script to allow


def test_refused_requests_are_logged_with_who_and_where(client, plan, people, caplog):
    client.force_login(people.viewer)
    client.post(reverse("planning:content-new", args=[plan.pk, "objectives"]), {"title": "X", "weight": "1"})
    assert (
        f"refused status=403 user=viewer method=POST path=/plans/{plan.pk}/alignment/objectives/new/"
        in caplog.text
    )


@override_settings(AXES_ENABLED=False)
def test_the_token_endpoint_still_signs_in(client, db):
    UserFactory(username="api")
    response = client.post("/api/auth/token/", {"username": "api", "password": "pw-for-tests-1"})
    assert response.status_code == 200 and "token" in response.json()
