import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from core.exceptions import StaleVersionError
from core.models import AuditEntry
from planning.models import Plan
from planning.services import plan_update
from tests.conftest import api_as


def test_a_stale_version_is_refused_and_the_row_is_unchanged(plan, people):
    plan = plan_update(actor=people.leader, plan=plan, version=1, summary="First edit")  # now version 2
    with pytest.raises(StaleVersionError, match="changed by someone else"):
        plan_update(actor=people.leader, plan=plan, version=1, summary="Edit based on version 1")
    plan.refresh_from_db()
    assert (plan.summary, plan.version) == ("First edit", 2)


def test_the_api_answers_a_stale_version_with_409_and_the_current_version(plan, people):
    client = api_as(people.leader)
    assert (
        client.patch(f"/api/plans/{plan.pk}/", {"summary": "A", "version": 1}, format="json").status_code
        == 200
    )
    response = client.patch(f"/api/plans/{plan.pk}/", {"summary": "B", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json() | {"detail": ""} == {"detail": "", "code": "stale_version", "current_version": 2}
    plan.refresh_from_db()
    assert (plan.summary, plan.version) == ("A", 2)


def test_the_api_requires_the_version_on_update(plan, people):
    response = api_as(people.leader).patch(f"/api/plans/{plan.pk}/", {"summary": "No version"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


def test_the_page_shows_a_conflict_message_and_keeps_the_newer_text(client, plan, people):
    client.force_login(people.leader)
    url = reverse("planning:summary", args=[plan.pk])
    assert (
        client.post(
            url, {"summary": "Saved in tab one", "version": 1}, headers={"HX-Request": "true"}
        ).status_code
        == 200
    )
    response = client.post(url, {"summary": "Typed in tab two", "version": 1}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed by someone else" in body and "Saved in tab one" in body
    plan.refresh_from_db()
    assert (plan.summary, plan.version) == ("Saved in tab one", 2)


def test_an_unchanged_save_writes_nothing(plan, people):
    plan_update(actor=people.leader, plan=plan, version=1, summary=plan.summary)
    plan.refresh_from_db()
    assert plan.version == 1
    assert not AuditEntry.objects.filter(plan_id=plan.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_editors_lose_no_update_on_postgresql(org, people):
    # 8 threads each append one letter 25 times, re-reading after a refusal. A lost update would
    # leave the summary shorter than the number of successful writes.
    plan = Plan.objects.create(org_unit=org.team_a1, fiscal_year=2028, summary="")
    successes, refusals, lock = [], [], threading.Lock()

    def editor(letter: str) -> None:
        close_old_connections()
        done = 0
        while done < 25:
            current = Plan.objects.get(pk=plan.pk)
            try:
                plan_update(
                    actor=people.leader,
                    plan=current,
                    version=current.version,
                    summary=current.summary + letter,
                )
            except StaleVersionError:
                with lock:
                    refusals.append(letter)
                continue
            done += 1
            with lock:
                successes.append(letter)
        connection.close()  # this thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=editor, args=(letter,)) for letter in "abcdefgh"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plan.refresh_from_db()
    assert len(successes) == 200
    assert len(plan.summary) == 200 and plan.version == 201
    assert sorted(plan.summary) == sorted("abcdefgh" * 25)
    assert AuditEntry.objects.filter(plan_id=plan.pk).count() == 200
