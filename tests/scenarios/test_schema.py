"""A scenario's assumptions are checked with messages that name the field at fault."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from scenarios.models import Scenario
from scenarios.schema import assumption_errors

FULL = {
    "growth_goal_percent": 20,
    "churn_rate_percent": "8.5",
    "churn_allowance_percent": 10,
    "buffer_percent": 15,
    "seasonality_profile": None,
    "quota_per_seller": 50000,
    "split_method": "headcount",
    "hires": [
        {"count": 2, "start_month": 4, "ramp": [0, 25, 50, 75, 100], "monthly_quota": 50000, "unit": 3}
    ],
    "attrition": {"rate_percent": 10, "backfill_lag": 2},
    "budget_moves": [{"source": 1, "target": 2, "amount": "25000.50"}],
}


def test_every_assumption_may_be_set_and_none_is_required():
    assert assumption_errors(FULL) == []
    assert assumption_errors({}) == []


@pytest.mark.parametrize(
    ("assumptions", "message"),
    [
        ({"growth": 20}, "growth: unknown assumption"),
        ({"buffer_percent": 250}, "buffer_percent: the over-assignment buffer in % must be from 0 to 200"),
        (
            {"churn_rate_percent": "lots"},
            "churn_rate_percent: the expected churn a year in % must be a number",
        ),
        (
            {"quota_per_seller": -1},
            "quota_per_seller: every seller's full monthly quota must be of at least 0",
        ),
        ({"split_method": "vibes"}, "split_method: one of equal, headcount, prior_year, manual"),
        ({"seasonality_profile": "q4"}, "seasonality_profile: the seasonality profile must be the id"),
        ({"hires": {}}, "hires: expected a list of hires"),
        ({"hires": [{"start_month": 1, "monthly_quota": 1}]}, "hires[0].count: required."),
        (
            {"hires": [{"count": 1, "start_month": 13, "monthly_quota": 1}]},
            "hires[0].start_month: the fiscal start month must be a whole number from 1 to 12; got 13.",
        ),
        (
            {"hires": [{"count": 1, "start_month": 1, "monthly_quota": 1, "ramp": [120]}]},
            "hires[0].ramp: Each",
        ),
        (
            {"hires": [{"count": 1, "start_month": 1}]},
            "hires[0].monthly_quota: give the hires' monthly quota",
        ),
        ({"attrition": {"backfill_lag": 2}}, "attrition.rate_percent: required."),
        ({"attrition": {"rate_percent": 10, "backfill_lag": 1.5}}, "attrition.backfill_lag: the months"),
        (
            {"budget_moves": [{"source": 1, "target": 1, "amount": 5}]},
            "budget_moves[0].target: a move needs two",
        ),
        ({"budget_moves": [{"source": 1, "target": 2, "amount": 0}]}, "budget_moves[0].amount: the amount"),
        ([], "assumptions: expected an object"),
    ],
)
def test_a_bad_assumption_is_refused_naming_its_field(assumptions, message):
    errors = assumption_errors(assumptions)
    assert any(error.startswith(message) for error in errors), errors


def test_the_model_refuses_bad_assumptions_and_keeps_nothing(plan):
    scenario = Scenario(
        plan=plan, name="Bad", base_version=plan.version, assumptions={"buffer_percent": D("1")}
    )
    scenario.assumptions = {"hires": [{"count": 0, "start_month": 4, "monthly_quota": 1}]}
    with pytest.raises(ValidationError) as error:
        scenario.full_clean()
    assert error.value.message_dict["assumptions"] == [
        "hires[0].count: the number of hires must be a whole number from 1 to 500; got 0."
    ]
    assert not Scenario.objects.exists()
