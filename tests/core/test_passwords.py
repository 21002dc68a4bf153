"""Password change (the old password first) and reset by e-mail, with Django's own views."""

import re
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

NEW = "a-new-pass-2027"


def sign_in(client, username, password, address="192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def change(client, old: str):
    body = {"old_password": old, "new_password1": NEW, "new_password2": NEW}
    return client.post(reverse("password_change"), body)


def test_a_password_change_needs_the_old_password(client, db):
    client.force_login(UserFactory(username="anna"))
    refused = change(client, old="not-my-password")
    assert (
        refused.status_code == 200 and "Your old password was entered incorrectly" in refused.content.decode()
    )
    assert get_user_model().objects.get(username="anna").check_password("pw-for-tests-1")
    done = change(client, old="pw-for-tests-1")
    assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
    assert client.get(done["Location"]).status_code == 200  # still signed in on this session
    client.logout()
    assert sign_in(client, "anna", "pw-for-tests-1").status_code == 200  # the old one: the form again
    assert sign_in(client, "anna", NEW).status_code == 302


def test_the_password_pages_need_a_signed_in_user(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def reset_link(client, email: str) -> str:
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    return re.search(r"https?://\S+", message.body).group(0)


def test_a_reset_e_mail_carries_a_link_on_the_base_url_that_sets_a_new_password(client, db, settings):
    settings.AOP_BASE_URL = "https://aop.example.com"
    UserFactory(username="anna", email="anna@example.com")
    link = reset_link(client, "anna@example.com")
    assert link.startswith("https://aop.example.com/accounts/reset/")  # not the request's Host
    assert mail.outbox[0].to == ["anna@example.com"] and mail.outbox[0].subject == "Reset your AOP password"
    form = client.get(urlsplit(link).path, follow=True)
    assert "Set a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]  # Django moves the token out of the URL into the session
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert sign_in(client, "anna", NEW).status_code == 302
    client.logout()
    again = client.get(urlsplit(link).path, follow=True)
    assert "This link no longer works" in again.content.decode()  # a link works once


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_reset_lifts_the_lockout_of_that_username(client, db):
    UserFactory(username="anna", email="anna@example.com")
    for _ in range(5):
        sign_in(client, "anna", "wrong")
    assert sign_in(client, "anna", "pw-for-tests-1").status_code == 429
    link = reset_link(client, "anna@example.com")
    form = client.get(urlsplit(link).path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert sign_in(client, "anna", NEW).status_code == 302


def test_the_sign_in_page_offers_a_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Forgot your password?" in page and reverse("password_reset") in page
