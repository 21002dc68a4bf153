"""The sign-in lockout counts failures per username at a client address, and per address at a higher
limit; behind a trusted proxy the client address comes from X-Forwarded-For, and only then."""

from django.test import RequestFactory
from django.urls import reverse

from core.accounts import LOCKED
from core.security import client_address
from tests.factories import UserFactory

OFFICE = "192.0.2.10"  # everyone at the office signs in from this one address
PROXY = "10.0.0.254"  # the reverse proxy in front of the app


def sign_in(client, username, password, **meta):
    meta.setdefault("REMOTE_ADDR", OFFICE)
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def test_five_wrong_passwords_for_one_user_do_not_lock_a_colleague_at_the_same_address(client, db):
    UserFactory(username="anna")
    UserFactory(username="ben")
    for _ in range(5):
        sign_in(client, "anna", "wrong")
    assert sign_in(client, "anna", "pw-for-tests-1").status_code == 429  # anna at the office: locked
    assert sign_in(client, "ben", "pw-for-tests-1").status_code == 302  # ben, same address: signs in


def test_the_address_limit_locks_an_address_guessing_at_many_names(client, db, settings):
    settings.AOP_ADDRESS_FAILURE_LIMIT = 10
    UserFactory(username="ben")
    for n in range(5):  # 5 names × 2 failures = 10 failures from the address, 2 per name
        sign_in(client, f"name{n}", "wrong")
        sign_in(client, f"name{n}", "wrong")
    assert sign_in(client, "ben", "pw-for-tests-1").status_code == 429
    assert sign_in(client, "ben", "pw-for-tests-1", REMOTE_ADDR="192.0.2.11").status_code == 302


def test_a_successful_sign_in_does_not_clear_the_address_count(client, db, settings):
    settings.AOP_ADDRESS_FAILURE_LIMIT = 6
    UserFactory(username="mallory")
    for n in range(5):
        sign_in(client, f"victim{n}", "wrong")  # 5 failures at the address
    assert (
        sign_in(client, "mallory", "pw-for-tests-1").status_code == 302
    )  # mallory's own: no reset of theirs
    client.logout()
    sign_in(client, "victim9", "wrong")  # the 6th
    assert sign_in(client, "mallory", "pw-for-tests-1").status_code == 429


def test_behind_one_proxy_two_clients_are_told_apart_by_x_forwarded_for(client, db, settings):
    settings.AOP_PROXY_COUNT = 1
    UserFactory(username="anna")
    for _ in range(5):  # someone at 203.0.113.5 tries anna's name; the proxy appends that address
        sign_in(client, "anna", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    home = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert sign_in(client, "anna", "pw-for-tests-1", **attacker).status_code == 429
    assert sign_in(client, "anna", "pw-for-tests-1", **home).status_code == 302  # anna at home signs in


def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for_itself(client, db, settings):
    settings.AOP_PROXY_COUNT = 1
    UserFactory(username="anna")
    for n in range(5):  # a forged first entry each time; the proxy appends the real address last
        sign_in(client, "anna", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.5")
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "9.9.9.9, 203.0.113.5"}
    assert sign_in(client, "anna", "pw-for-tests-1", **forged).status_code == 429


def test_without_a_proxy_count_x_forwarded_for_is_ignored(client, db, settings):
    assert settings.AOP_PROXY_COUNT == 0  # the default
    UserFactory(username="anna")
    for n in range(5):  # a different made-up address each time: still one client, at REMOTE_ADDR
        sign_in(client, "anna", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_in(client, "anna", "pw-for-tests-1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


def test_the_client_address_is_counted_from_the_right_of_the_header(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5, 10.0.0.9"
    )
    settings.AOP_PROXY_COUNT = 0
    assert client_address(request) == PROXY
    settings.AOP_PROXY_COUNT = 1
    assert client_address(request) == "10.0.0.9"  # the last address: what the only proxy saw
    settings.AOP_PROXY_COUNT = 2
    assert client_address(request) == "203.0.113.5"  # two proxies: the second from the right
    settings.AOP_PROXY_COUNT = 4  # more proxies than entries: the header did not pass them all
    assert client_address(request) == PROXY
    settings.AOP_PROXY_COUNT = 1
    garbage = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(garbage) == PROXY


def test_the_security_log_names_the_client_address_behind_the_proxy(client, db, settings, caplog):
    settings.AOP_PROXY_COUNT = 1
    sign_in(client, "anna", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert "sign-in failed user=anna address=203.0.113.5" in caplog.text


def test_the_token_endpoint_counts_failures_like_the_sign_in_page(client, db):
    UserFactory(username="anna")
    for _ in range(4):
        client.post("/api/auth/token/", {"username": "anna", "password": "wrong"}, REMOTE_ADDR=OFFICE)
    fifth = client.post("/api/auth/token/", {"username": "anna", "password": "wrong"}, REMOTE_ADDR=OFFICE)
    assert fifth.status_code == 429  # the fifth failure locks, as on the sign-in page
    right = {"username": "anna", "password": "pw-for-tests-1"}
    locked = client.post("/api/auth/token/", right, REMOTE_ADDR=OFFICE)
    assert locked.status_code == 429 and locked.json() == {"detail": LOCKED}
    elsewhere = client.post("/api/auth/token/", right, REMOTE_ADDR="192.0.2.99")
    assert elsewhere.status_code == 200 and "token" in elsewhere.json()
