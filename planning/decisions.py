"""Decisions that show their consequences: before an executive approves a plan or sends it back, a dialog
lists what is still open on it. The list is the overview's (planning.overview.alerts: every registered
AlertSource), so the page and the dialog never disagree."""

from core.registry import AlertSource, registry
from planning import overview
from planning.models import Plan

CONFIRMED = frozenset({"approve", "send_back"})  # the workflow actions that ask first


def open_items(plan: Plan) -> list[overview.Alert]:
    """What is open on the plan, each with a link to where it is fixed, in step order."""
    return overview.alerts(plan)


def checked() -> str:
    """What the registered sources look for, e.g. "orphan targets, …, or KPIs without targets"."""
    names = [source.checks for source in registry.entries(AlertSource) if source.checks]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
