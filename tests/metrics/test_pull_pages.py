"""Pull source pages: sales ops keep them (form, Run now, delete), everyone signed in reads them, the
credential never comes back, and the ops home and Day-1 readiness say which ones deliver."""

import datetime as dt
import sqlite3

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from metrics import pulls
from metrics.models import Actual, ImportBatch, PullSource
from metrics.pull_forms import schedule_words

SECRET = "pl41ntext-Passw0rd"
QUERY = "SELECT kpi, unit, seller, date, value FROM calls WHERE date >= :since"


@pytest.fixture
def eager(monkeypatch):
    """Run now runs at once, as with CELERY_TASK_ALWAYS_EAGER."""
    monkeypatch.setattr(current_app.conf, "task_always_eager", True)


@pytest.fixture
def warehouse(tmp_path) -> str:
    """A SQLite warehouse with three days of team A1's calls: 40 + 55 + 61."""
    path = tmp_path / "warehouse.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE calls (kpi TEXT, unit TEXT, seller TEXT, date TEXT, value NUMERIC)")
        db.executemany(
            "INSERT INTO calls VALUES ('calls-made', 'team-a1', '', ?, ?)",
            [("2026-11-02", 40), ("2026-11-03", 55), ("2026-11-04", 61)],
        )
    return f"sqlite:///{path}"


def _values(url: str, **extra) -> dict:
    return {
        "name": "Dialer warehouse",
        "kind": "sql",
        "url": url,
        "query": QUERY,
        "schedule": "0 6 * * *",
    } | extra


def _source(people, url: str, secret: str | None = None, **extra) -> PullSource:
    return pulls.pull_save(
        actor=people.ops, source=None, version=None, values=_values(url, **extra), secret=secret
    )


def _form(source: PullSource | None = None, **extra) -> dict:
    data = {
        "name": "Dialer warehouse",
        "kind": "sql",
        "loads": "actuals",
        "url": "sqlite:////srv/warehouse.db",
        "query": QUERY,
        "auth_header": "",
        "lookback_days": "3",
        "timeout_seconds": "60",
        "schedule": "0 6 * * *",
        "enabled": "on",
        "secret": "",
    }
    if source is not None:
        data |= {
            "name": source.name,
            "url": source.url,
            "query": source.query,
            "schedule": source.schedule,
            "version": str(source.version),
        }
    return data | extra


def test_sales_ops_add_a_pull_source_through_the_form_and_beat_keeps_its_schedule(client, people):
    client.force_login(people.ops)
    response = client.post(reverse("kpi-pull-new"), _form(secret=SECRET))
    source = PullSource.objects.get(name="Dialer warehouse")
    assert response.status_code == 302 and response["Location"] == reverse("kpi-pull", args=[source.pk])
    task = PeriodicTask.objects.get(name=pulls.task_name(source))
    assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("0", "6", True)
    assert source.created_by == people.ops and source.secret and SECRET not in source.secret
    page = client.get(response["Location"]).content.decode()
    assert "Daily at 06:00" in page and "Stored, encrypted" in page and "Not run yet." in page


def test_a_refused_form_names_the_field_and_saves_nothing(client, people):
    client.force_login(people.ops)
    response = client.post(reverse("kpi-pull-new"), _form(schedule="every morning"))
    assert response.status_code == 422
    assert "Give five cron fields" in response.content.decode()
    assert (
        not PullSource.objects.exists() and not PeriodicTask.objects.filter(name__startswith="pull").exists()
    )


def test_a_stale_edit_is_refused_and_nothing_changes(client, people, warehouse):
    source = _source(people, warehouse)
    read = _form(source, name="Renamed")  # read at version 1
    pulls.pull_save(actor=people.ops, source=source, version=1, values={"schedule": "30 7 * * 1"})
    client.force_login(people.ops)
    response = client.post(reverse("kpi-pull-edit", args=[source.pk]), read, follow=True)
    source.refresh_from_db()
    assert (source.name, source.schedule, source.version) == ("Dialer warehouse", "30 7 * * 1", 2)
    assert "was changed by someone else since you opened it (now version 2)" in response.content.decode()
    assert response.redirect_chain == [(reverse("kpi-pull-edit", args=[source.pk]), 302)]


def test_the_credential_is_never_shown_and_blank_keeps_it_clear_removes_it(client, people, warehouse):
    source = _source(people, warehouse, secret=SECRET)
    token = source.secret
    client.force_login(people.ops)
    pages = [
        reverse("kpi-pulls"),
        reverse("kpi-pull", args=[source.pk]),
        reverse("kpi-pull-edit", args=[source.pk]),
        reverse("kpi-readiness-page"),
        reverse("planning:home"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert SECRET not in html and token not in html, url
    form = client.get(reverse("kpi-pull-edit", args=[source.pk])).content.decode()
    assert 'type="password"' in form and "leave blank to keep it, tick Clear to remove it" in form
    client.post(reverse("kpi-pull-edit", args=[source.pk]), _form(source, name="Kept"))
    source.refresh_from_db()
    assert source.name == "Kept" and source.secret == token  # a blank credential keeps the stored one
    client.post(reverse("kpi-pull-edit", args=[source.pk]), _form(source, clear_secret="on"))
    source.refresh_from_db()
    assert source.secret == ""


@pytest.mark.parametrize("role", ["leader", "viewer", "executive", "outsider"])
def test_others_read_the_pull_sources_but_cannot_write_them(client, people, warehouse, role):
    source = _source(people, warehouse, secret=SECRET)
    client.force_login(getattr(people, role))
    assert client.get(reverse("kpi-pulls")).status_code == 200
    detail = client.get(reverse("kpi-pull", args=[source.pk])).content.decode()
    assert "Dialer warehouse" in detail and "Run now" not in detail and SECRET not in detail
    assert client.get(reverse("kpi-pull-new")).status_code == 403
    assert client.post(reverse("kpi-pull-new"), _form(name="Mine")).status_code == 403
    assert client.post(reverse("kpi-pull-edit", args=[source.pk]), _form(source)).status_code == 403
    assert client.post(reverse("kpi-pull-run", args=[source.pk])).status_code == 403
    assert client.post(reverse("kpi-pull-delete", args=[source.pk]), {"version": 1}).status_code == 403
    assert PullSource.objects.get().version == 1 and not ImportBatch.objects.exists()
    assert client.get(reverse("kpi-pull", args=[source.pk + 99])).status_code == 404


def test_run_now_adds_a_loaded_batch_to_the_history_with_its_row_counts(client, people, warehouse, eager):
    source = _source(people, warehouse)
    client.force_login(people.ops)
    response = client.post(reverse("kpi-pull-run", args=[source.pk]), follow=True)
    html = response.content.decode()
    assert "Pulled 3 row(s); 3 loaded." in html  # 40, 55 and 61 calls on three days
    batch = ImportBatch.objects.get(pull_source=source)
    assert (batch.status, batch.total_rows, batch.loaded_rows) == ("done", 3, 3)
    assert Actual.objects.filter(kpi__code="calls-made", batch=batch).count() == 3
    assert reverse("kpi-import", args=[batch.pk]) in html and "Loaded" in html
    assert 'class="num">3</td>' in html
    listing = client.get(reverse("kpi-pulls")).content.decode()
    assert "Loaded" in listing and "never" not in listing


def test_a_failed_run_is_said_so_and_flagged_on_the_ops_home_and_in_readiness(
    client, people, eager, tmp_path
):
    source = _source(people, f"sqlite:///{tmp_path / 'missing.db'}", name="Lost warehouse")
    client.force_login(people.ops)
    response = client.post(reverse("kpi-pull-run", args=[source.pk]), follow=True)
    assert "The pull failed: The pull&#x27;s query failed" in response.content.decode()
    assert ImportBatch.objects.get(pull_source=source).status == "failed"
    home = client.get(reverse("planning:home")).content.decode()
    panel = home.split(">Pull sources</h2>")[1].split("</section>")[0]
    assert "1 needs attention" in panel and "Failed" in panel and "Lost warehouse" in panel
    assert reverse("kpi-pull", args=[source.pk]) in panel
    readiness = client.get(reverse("kpi-readiness-page")).content.decode()
    assert "No — last run failed" in readiness


def test_delete_asks_first_then_removes_the_source_and_its_schedule(client, people, warehouse):
    source = _source(people, warehouse)
    client.force_login(people.ops)
    detail = client.get(reverse("kpi-pull", args=[source.pk])).content.decode()
    assert "Delete this pull source…" in detail and "Yes, delete it" in detail
    stale = client.post(reverse("kpi-pull-delete", args=[source.pk]), {"version": 7})
    assert stale.status_code == 302 and PullSource.objects.filter(pk=source.pk).exists()
    response = client.post(reverse("kpi-pull-delete", args=[source.pk]), {"version": 1})
    assert response["Location"] == reverse("kpi-pulls")
    assert (
        not PullSource.objects.exists() and not PeriodicTask.objects.filter(name__startswith="pull").exists()
    )


def test_the_list_says_what_to_do_when_there_is_no_source(client, people):
    client.force_login(people.ops)
    html = client.get(reverse("kpi-pulls")).content.decode()
    assert "No pull sources yet" in html and "Add the first pull source" in html
    client.force_login(people.viewer)
    assert "Add the first pull source" not in client.get(reverse("kpi-pulls")).content.decode()


@pytest.mark.parametrize(
    "cron, words",
    [
        ("0 6 * * *", "Daily at 06:00"),
        ("30 7 * * 1", "Mondays at 07:30"),
        ("15 * * * *", "Hourly at :15"),
        ("0 5 1 * *", "Monthly on day 1 at 05:00"),
        ("0 6 * * 1-5", "0 6 * * 1-5"),  # not a shape said in words: the cron text
        ("", "On demand"),
    ],
)
def test_a_schedule_reads_in_words_where_easy(cron, words):
    assert schedule_words(cron) == words


def test_a_scheduled_source_with_no_success_for_days_is_overdue_by_text(client, people, warehouse):
    source = _source(people, warehouse, name="Quiet warehouse")  # daily at 06:00
    PullSource.objects.filter(pk=source.pk).update(created_at=timezone.now() - dt.timedelta(days=5))
    client.force_login(people.ops)
    listing = client.get(reverse("kpi-pulls")).content.decode()
    assert "Never run" in listing and "Overdue" in listing and "more than twice its schedule" in listing
    detail = client.get(reverse("kpi-pull", args=[source.pk])).content.decode()
    assert "Overdue</span> No pull has succeeded" in detail
    panel = client.get(reverse("planning:home")).content.decode().split(">Pull sources</h2>")[1]
    assert "1 needs attention" in panel and "Overdue" in panel.split("</section>")[0]
    readiness = client.get(reverse("kpi-readiness-page")).content.decode()
    assert "Late — overdue" in readiness


def test_a_scheduled_pull_says_so_where_an_upload_names_its_uploader(client, people, warehouse):
    source = _source(people, warehouse)
    batch = pulls.pull_run(source.pk)  # as beat runs it: no one clicked
    assert batch.status == ImportBatch.Status.DONE and batch.uploaded_by is None
    client.force_login(people.ops)
    listing = client.get(reverse("kpi-imports")).content.decode()
    assert "Pull: <a href=" in listing and "Dialer warehouse" in listing
    page = client.get(reverse("kpi-import", args=[batch.pk])).content.decode()
    assert "Pulled by" in page and "on its schedule" in page
