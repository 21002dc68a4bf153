"""API tokens: a lifetime, the tokens page, a revoke endpoint, and revocation on a password change."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

CREDENTIALS = {"username": "anna", "password": "pw-for-tests-1"}


def obtain(client=None) -> str:
    response = (client or APIClient()).post("/api/auth/token/", CREDENTIALS, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def plans_with(key: str):
    return APIClient().get("/api/plans/", headers={"Authorization": f"Token {key}"})


def age(days: float) -> None:
    Token.objects.update(created=timezone.now() - dt.timedelta(days=days))


def test_a_token_works_for_30_days_then_answers_401_token_expired(db, settings):
    assert settings.AOP_TOKEN_DAYS == 30  # the default
    UserFactory(username="anna")
    key = obtain()
    age(29.9)  # 29.9 days old: 0.1 day left
    assert plans_with(key).status_code == 200
    age(30)  # made exactly 30 days ago: expired
    expired = plans_with(key)
    assert expired.status_code == 401 and expired.json() == {"detail": "Token expired."}
    assert expired["WWW-Authenticate"] == "Token"


def test_the_lifetime_is_a_setting(db, settings):
    settings.AOP_TOKEN_DAYS = 7
    UserFactory(username="anna")
    key = obtain()
    age(6.9)
    assert plans_with(key).status_code == 200
    age(7.1)
    assert plans_with(key).status_code == 401


def test_signing_in_again_returns_the_same_token_until_it_expires_then_a_new_one(db):
    UserFactory(username="anna")
    first = APIClient().post("/api/auth/token/", CREDENTIALS, format="json").json()
    created = Token.objects.get().created
    assert first["expires"] == (created + dt.timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert obtain() == first["token"]
    age(31)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first['token']}")  # a script still sending the old one
    renewed = obtain(client)
    assert renewed != first["token"] and plans_with(renewed).status_code == 200
    assert Token.objects.count() == 1


def test_delete_revokes_the_token_used_and_needs_one(db):
    UserFactory(username="anna")
    key = obtain()
    assert APIClient().delete("/api/auth/token/").status_code == 401  # anonymous
    response = APIClient().delete("/api/auth/token/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 204
    assert plans_with(key).status_code == 401 and not Token.objects.exists()


def test_the_schema_documents_getting_and_revoking_a_token():
    operations = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/auth/token/"]
    assert set(operations) == {"post", "delete"}
    assert set(operations["post"]["responses"]) >= {"200", "400", "429"}
    assert set(operations["delete"]["responses"]) >= {"204", "401"}


def test_a_password_change_revokes_the_token(client, db):
    user = UserFactory(username="anna")
    key = obtain()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "a-new-pass-2027",
            "new_password2": "a-new-pass-2027",
        },
    )
    assert response.status_code == 302
    assert plans_with(key).status_code == 401 and not Token.objects.exists()


def test_any_save_that_changes_the_password_revokes_the_token_and_no_other_save_does(db):
    user = UserFactory(username="anna")
    key = obtain()
    user.first_name = "Anna"
    user.save()  # the admin's user form saves every field; the hash is unchanged
    user.save(update_fields=["last_login"])  # every sign-in
    assert plans_with(key).status_code == 200
    user.set_password("changed-by-an-admin-1")
    user.save()  # the admin site, `manage.py changepassword`
    assert plans_with(key).status_code == 401


def test_the_rehash_at_sign_in_after_a_hasher_upgrade_keeps_the_token(db, settings):
    UserFactory(username="anna")  # hashed with MD5, the only hasher the tests use
    key = obtain()
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # the newer, preferred hasher
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert obtain() == key  # signing in rehashed the same password with PBKDF2…
    assert get_user_model().objects.get(username="anna").password.startswith("pbkdf2_sha256$")
    assert plans_with(key).status_code == 200  # …and the token still works


def test_the_tokens_page_shows_a_new_key_once_then_only_its_prefix(client, db):
    user = UserFactory(username="anna")
    client.force_login(user)
    page = client.get(reverse("api-tokens"))
    assert page.status_code == 200 and "You have no API token." in page.content.decode()
    made = client.post(reverse("api-tokens"), {"action": "create"})
    key = Token.objects.get(user=user).key
    assert key in made.content.decode() and "it is not shown again" in made.content.decode()
    assert "no-store" in made["Cache-Control"]
    later = client.get(reverse("api-tokens")).content.decode()
    assert key not in later and f"{key[:8]}…" in later and "Active" in later
    assert plans_with(key).status_code == 200


def test_replacing_the_token_on_the_page_ends_the_old_one(client, db):
    user = UserFactory(username="anna")
    old = obtain()
    client.force_login(user)
    client.post(reverse("api-tokens"), {"action": "create"})
    new = Token.objects.get(user=user).key
    assert new != old and plans_with(old).status_code == 401 and plans_with(new).status_code == 200


def test_revoking_on_the_page_ends_the_token(client, db):
    user = UserFactory(username="anna")
    key = obtain()
    client.force_login(user)
    age(40)
    assert "Expired" in client.get(reverse("api-tokens")).content.decode()
    response = client.post(reverse("api-tokens"), {"action": "revoke"}, follow=True)
    assert "Your API token is revoked" in response.content.decode()
    assert plans_with(key).status_code == 401 and not Token.objects.exists()
    assert client.post(reverse("api-tokens"), {"action": "nonsense"}).status_code == 400


def test_each_user_sees_and_revokes_only_their_own_token(client, db):
    anna, ben = UserFactory(username="anna"), UserFactory(username="ben")
    anna_key = obtain()
    client.force_login(ben)
    assert anna_key[:8] not in client.get(reverse("api-tokens")).content.decode()
    client.post(reverse("api-tokens"), {"action": "revoke"})
    assert plans_with(anna_key).status_code == 200
    assert Token.objects.filter(user=anna).exists()


def test_the_user_menu_links_to_the_password_and_tokens_pages(client, db):
    client.force_login(UserFactory(username="anna"))
    page = client.get(reverse("planning:home")).content.decode()
    assert f'href="{reverse("password_change")}"' in page and f'href="{reverse("api-tokens")}"' in page
