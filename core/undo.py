"""Destructive writes that ask first and can be taken back: re-running the cascade, importing a grid or
spend file over values already there.

Between the two requests of a confirmation the change waits in the user's session under a one-time token
(`hold`, `take`), so the file is not uploaded twice. After the write, what it replaced waits there as an
undo point, one per kind of change and plan (`offer_undo`, `undo_get`, `undo_take`). Both carry the
versions the rows were read at: a confirmation or an undo whose rows changed since is refused by the
service (`ChangedSince`, a stale version) and writes nothing. The session is the user's own, so an undo
is offered to whoever made the change, in that browser, until the session ends.

`RowChange` is one row of a twelve-month grid before and after a file, and `cells` the cells it changes,
each with its fiscal month, for the confirmation page.
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from core import editing
from core.exceptions import StaleVersionError

PENDING = "aop.pending"
UNDO = "aop.undo"
PENDING_SECONDS = 60 * 60  # a confirmation page left open longer than an hour is uploaded again
PENDING_KEPT = 3  # confirmations open at once in one session
UNDO_KEPT = 6  # undo points kept in one session (one per change and plan)
ZERO = Decimal("0")


class ChangedSince(StaleVersionError):
    """The rows a confirmation or an undo was read from changed since: nothing was written (409)."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.current_version = None


# --- what waits in the session ---------------------------------------------------------------------


def hold(request: HttpRequest, *, scope: str, data: Any) -> str:
    """Keep `data` (JSON types) for the confirmation of `scope`; the token the confirming form posts."""
    token = secrets.token_urlsafe(16)
    pending = _recent(request.session.get(PENDING, {}), PENDING_KEPT - 1)
    pending[token] = {"scope": scope, "at": time.time(), "data": data}
    request.session[PENDING] = pending
    return token


def take(request: HttpRequest, *, scope: str, token: str) -> Any | None:
    """What `hold` kept under `token` for `scope`, once (None: applied, replaced, expired or never held)."""
    pending = request.session.get(PENDING, {})
    entry = pending.pop(token, None)
    request.session[PENDING] = pending
    if entry is None or entry["scope"] != scope or time.time() - entry["at"] > PENDING_SECONDS:
        return None
    return entry["data"]


def offer_undo(request: HttpRequest, *, scope: str, data: Any, label: str) -> None:
    """Keep what a write replaced (`data`, JSON types) as `scope`'s undo point, replacing an older one."""
    undo = _recent(request.session.get(UNDO, {}), UNDO_KEPT - 1)
    undo.pop(scope, None)
    undo[scope] = {"at": time.time(), "label": label, "data": data}
    request.session[UNDO] = undo


def undo_get(request: HttpRequest, *, scope: str) -> dict | None:
    """`scope`'s undo point ({"label", "data"}) without using it up."""
    return request.session.get(UNDO, {}).get(scope)


def undo_take(request: HttpRequest, *, scope: str) -> dict | None:
    """`scope`'s undo point, used up: an undo is tried once, whether it is refused or not."""
    undo = request.session.get(UNDO, {})
    entry = undo.pop(scope, None)
    request.session[UNDO] = undo
    return entry


def _recent(entries: dict, keep: int) -> dict:
    newest = sorted(entries.items(), key=lambda item: item[1]["at"], reverse=True)[: max(keep, 0)]
    return dict(newest)


# --- a twelve-month grid before and after ------------------------------------------------------------


@dataclass(frozen=True)
class RowChange:
    """One row of a twelve-month grid: its months before and after a write, and `seen`, what the write
    checks is still there (the row's version, or a line's spend by month)."""

    pk: int
    name: str
    seen: Any
    before: tuple[Decimal, ...]
    after: tuple[Decimal, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def overwrites(self) -> bool:
        """True when a cell that holds a value gets another one."""
        return any(b != a and b != ZERO for b, a in zip(self.before, self.after, strict=True))

    def undone(self, seen: Any) -> "RowChange":
        """The change that takes this one back, from the row as this one left it (`seen`)."""
        return RowChange(self.pk, self.name, seen, self.after, self.before)

    def as_json(self) -> dict:
        return {
            "pk": self.pk,
            "name": self.name,
            "seen": self.seen,
            "before": [str(m) for m in self.before],
            "after": [str(m) for m in self.after],
        }

    @classmethod
    def from_json(cls, data: dict) -> "RowChange":
        months = lambda key: tuple(Decimal(m) for m in data[key])  # noqa: E731
        return cls(int(data["pk"]), str(data["name"]), data["seen"], months("before"), months("after"))


def changes_json(changes: list[RowChange]) -> list[dict]:
    return [c.as_json() for c in changes]


def changes_from_json(data: list[dict]) -> list[RowChange]:
    return [RowChange.from_json(d) for d in data]


@dataclass(frozen=True)
class Cell:
    """One changed cell, for the confirmation page: "Team A1 · Apr 2027 · P3: 50,000 → 65,000"."""

    row: str
    month: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def cells(changes: list[RowChange], periods: list) -> list[Cell]:
    """The cells the changes write, row by row, each named by its fiscal month (`rules.periods(fy)`)."""
    return [
        Cell(change.name, f"{period.label} · P{period.period}", before, after)
        for change in changes
        for period, before, after in zip(periods, change.before, change.after, strict=True)
        if before != after
    ]


def overwrites(changes: list[RowChange]) -> bool:
    """True when the changes would replace a value already there (the case that asks first)."""
    return any(change.overwrites for change in changes)


# --- An import applied after its confirmation, and undone: one flow for every import ---------------------


def import_apply(
    request: HttpRequest, write: Callable[[], list[RowChange]], *, scope: str, name: str, what: str, done: str
) -> None:
    """Apply a confirmed import through `write` (which returns the changes that undo it), say how it went
    and offer its undo. `what` is what the file wrote ("grid", "spend"); `done` opens the success message."""
    outcome = editing.submit(None, write)
    if outcome.stale:
        messages.error(
            request,
            f"The {what} changed since {name} was read, so nothing was imported. "
            "Import the file again to see what it would change now.",
        )
    elif outcome.ok:
        data = {"name": name, "changes": changes_json(outcome.saved)}
        offer_undo(request, scope=scope, data=data, label=f"Undo the import of {name}")
        messages.success(request, f"{done} “Undo the import of {name}” puts the {what} back as it was.")
    else:
        messages.error(request, outcome.message)


def import_undo(
    request: HttpRequest,
    write: Callable[[list[RowChange]], list[RowChange]] | None,
    *,
    scope: str,
    what: str,
    rows: str,
) -> None:
    """Put back what the user's last import on `scope` changed, through `write(changes)`, unless it changed
    since (then nothing is undone). `write` None: there is nothing it could be written to any more."""
    point = undo_take(request, scope=scope)
    if write is None or point is None:
        messages.error(request, f"There is no {what} import of yours to undo on this plan any more.")
        return
    changes = changes_from_json(point["data"]["changes"])
    name = point["data"]["name"]
    outcome = editing.submit(None, lambda: write(changes))
    if outcome.stale:
        messages.error(request, f"The {what} changed since {name} was imported, so nothing was undone.")
    else:
        editing.report(request, outcome, done=f"Import of {name} undone: {len(changes)} {rows} are back.")
