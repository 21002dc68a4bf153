"""Throw-away: a forbidden import, to show that `lint-imports` refuses it. Reverted by the next commit."""

from onepager import render  # noqa: F401
