"""/api/pull-sources/: read by everyone signed in, written by company-level sales ops through metrics.pulls;
the credential is write-only (taken on a write, never in an answer)."""

import json

from django_celery_beat.models import PeriodicTask

from metrics import pulls
from metrics.models import ImportBatch, PullSource
from tests.conftest import api_as
from tests.metrics.test_pull_pages import QUERY, SECRET, eager, warehouse  # noqa: F401 (fixtures)

URL = "/api/pull-sources/"


def _body(**extra) -> dict:
    return {
        "name": "Dialer warehouse",
        "kind": "sql",
        "url": "sqlite:////srv/warehouse.db",
        "query": QUERY,
        "schedule": "0 6 * * *",
    } | extra


def _text(response) -> str:
    return json.dumps(response.json()) if response.content else ""


def test_sales_ops_create_a_source_whose_credential_never_comes_back(people):
    ops = api_as(people.ops)
    created = ops.post(URL, _body(secret=SECRET), format="json")
    assert created.status_code == 201, created.json()
    source = PullSource.objects.get()
    assert PeriodicTask.objects.filter(name=pulls.task_name(source)).exists()
    answers = [
        created,
        ops.get(URL),
        ops.get(f"{URL}{source.pk}/"),
        ops.patch(f"{URL}{source.pk}/", {"version": 1, "name": "Renamed"}, format="json"),
    ]
    for response in answers:
        text = _text(response)
        assert SECRET not in text and source.secret not in text and '"secret"' not in text
    body = answers[2].json()
    assert (body["has_secret"], body["schedule_text"], body["last_run_status"]) == (
        True,
        "Daily at 06:00",
        None,
    )


def test_a_blank_secret_is_kept_and_an_empty_one_clears_it(people):
    source = pulls.pull_save(actor=people.ops, source=None, version=None, values=_body(), secret=SECRET)
    ops = api_as(people.ops)
    kept = ops.put(f"{URL}{source.pk}/", _body(version=1, name="Kept"), format="json")
    assert kept.json()["has_secret"] is True
    cleared = ops.patch(f"{URL}{source.pk}/", {"version": 2, "secret": ""}, format="json")
    assert cleared.status_code == 200 and cleared.json()["has_secret"] is False
    assert PullSource.objects.get().secret == ""


def test_a_stale_or_missing_version_is_refused_and_nothing_changes(people):
    source = pulls.pull_save(actor=people.ops, source=None, version=None, values=_body())
    ops = api_as(people.ops)
    pulls.pull_save(actor=people.ops, source=source, version=1, values={"schedule": ""})
    stale = ops.patch(f"{URL}{source.pk}/", {"version": 1, "name": "Mine"}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    missing = ops.patch(f"{URL}{source.pk}/", {"name": "Mine"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert PullSource.objects.get().name == "Dialer warehouse"


def test_a_bad_value_is_refused_naming_its_field(people):
    response = api_as(people.ops).post(URL, _body(schedule="daily", query="DELETE FROM calls"), format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"schedule", "query"}
    assert not PullSource.objects.exists()


def test_the_list_filters_by_kind(people):
    pulls.pull_save(actor=people.ops, source=None, version=None, values=_body())
    pulls.pull_save(
        actor=people.ops,
        source=None,
        version=None,
        values={"name": "Partner file", "kind": "file_url", "url": "https://files.example.com/calls.csv"},
    )
    ops = api_as(people.ops)
    names = lambda kind: [s["name"] for s in ops.get(f"{URL}?kind={kind}").json()["results"]]  # noqa: E731
    assert names("sql") == ["Dialer warehouse"] and names("file_url") == ["Partner file"]


def test_others_read_but_cannot_write_or_run(people):
    source = pulls.pull_save(actor=people.ops, source=None, version=None, values=_body(), secret=SECRET)
    for role in ("leader", "viewer", "executive", "outsider"):
        client = api_as(getattr(people, role))
        listed = client.get(URL)
        assert listed.status_code == 200 and SECRET not in _text(listed), role
        assert client.post(URL, _body(name="Mine"), format="json").status_code == 403, role
        assert client.put(f"{URL}{source.pk}/", _body(version=1), format="json").status_code == 403
        assert client.delete(f"{URL}{source.pk}/?version=1").status_code == 403
        assert client.post(f"{URL}{source.pk}/run/").status_code == 403
    assert api_as(None).get(URL).status_code == 401
    assert PullSource.objects.get().version == 1 and not ImportBatch.objects.exists()


def test_run_answers_the_batch_with_its_row_counts(people, warehouse, eager):  # noqa: F811
    source = pulls.pull_save(actor=people.ops, source=None, version=None, values=_body(url=warehouse))
    response = api_as(people.ops).post(f"{URL}{source.pk}/run/")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["total_rows"], body["loaded_rows"]) == ("done", 3, 3)
    assert api_as(people.viewer).get(f"{URL}{source.pk}/").json()["last_run_status"] == "done"


def test_delete_needs_the_version_read(people):
    source = pulls.pull_save(actor=people.ops, source=None, version=None, values=_body())
    ops = api_as(people.ops)
    assert ops.delete(f"{URL}{source.pk}/").status_code == 400
    assert ops.delete(f"{URL}{source.pk}/?version=3").status_code == 409
    assert ops.delete(f"{URL}{source.pk}/?version=1").status_code == 204
    assert (
        not PullSource.objects.exists() and not PeriodicTask.objects.filter(name__startswith="pull").exists()
    )
