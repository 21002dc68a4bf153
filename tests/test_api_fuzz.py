"""API contract fuzzing with schemathesis against /api/schema/, as each role (token auth), with fixed seeds
and bounded examples. Every response must be documented: no server error, a documented status code and
content type, and a body that matches the schema of its status.

Two tests, both in `make test`:
- generated and schema examples for every operation, each sent as all four roles;
- the coverage phase (boundary and invalid values, wrong types, unexpected methods) as a sales leader,
  on PostgreSQL only: it is the production database, and the one that refuses what SQLite lets through
  (out-of-range integers, NUL bytes). CI's second pass runs it.
`make fuzz` runs both with more examples and every role in the coverage phase.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from aop.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("leader", "ops", "executive", "viewer")
DEEP = os.environ.get("AOP_FUZZ_DEEP") == "1"
EXAMPLES = 25 if DEEP else 3
REQUESTS = {"count": 0}


def load_schema(*phases: str):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    schema.config.phases.update(phases=list(phases))
    return schema


generated = load_schema("examples", "fuzzing")
boundaries = load_schema("coverage")


@pytest.fixture(autouse=True)
def one_connection():
    """schemathesis calls the WSGI app directly; like Django's test client, keep the connection open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(people, plan):
    return [Token.objects.get_or_create(user=getattr(people, name))[0].key for name in ROLES]


def call_as(case, keys):
    for key in keys:
        response = case.call(headers={"Authorization": f"Token {key}"})
        REQUESTS["count"] += 1
        case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db
@generated.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_keep_the_contract(case, tokens):
    call_as(case, tokens)


@pytest.mark.postgres
@pytest.mark.django_db
@boundaries.parametrize()
@settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_boundary_requests_keep_the_contract(case, tokens):
    call_as(case, tokens if DEEP else tokens[:1])
