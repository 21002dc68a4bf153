"""Over real connections in CI's second pass: the database is PostgreSQL and the broker is Redis."""

import pytest
from django.db import connection

from aop.celery import app


@pytest.mark.postgres
def test_the_database_is_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


@pytest.mark.redis
def test_the_broker_is_redis_and_answers():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2, timeout=5)
        assert conn.transport_cls == "redis"


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
