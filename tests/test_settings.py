import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from aop.env import env_bool, env_database, env_int

ROOT = Path(__file__).resolve().parent.parent


def test_a_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False)


def test_a_bad_number_fails_loudly(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_AGE", "12h")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("SESSION_COOKIE_AGE", 3600)


def test_an_unsupported_database_url_fails_loudly(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/aop")
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL or SQLite"):
        env_database("DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("DATABASE_URL", "nonsense://")
    with pytest.raises(ImproperlyConfigured, match="not a usable database URL"):
        env_database("DATABASE_URL", "sqlite:///x.db")


def test_postgres_urls_are_parsed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://aop:secret@db:5432/aop")
    config = env_database("DATABASE_URL", "sqlite:///x.db")
    assert (config["ENGINE"], config["HOST"], config["NAME"]) == (
        "django.db.backends.postgresql",
        "db",
        "aop",
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k3y-" + "x9Q#f2" * 10,
        ALLOWED_HOSTS="aop.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr
