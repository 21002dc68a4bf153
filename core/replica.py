"""Report reads on a read replica, when there is one (DATABASE_REPLICA_URL adds the `replica` alias).

Only reads inside `reporting()` go there: the rollup's computing reads, the spreadsheet exports and the
building of one-pagers and review packs, which read much and may lag the primary by a few seconds. Every
other read, and every write, stays on `default`; so do the reads of a transaction that has written through
the ORM (read-your-writes). Without the alias the router answers None and Django does what it always did.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reporting: ContextVar[bool] = ContextVar("aop_reporting", default=False)
# Set by a write routed while `default` is in a transaction; stale (and cleared) once it is not.
_wrote_in_transaction: ContextVar[bool] = ContextVar("aop_wrote_in_transaction", default=False)


@contextmanager
def reporting() -> Iterator[None]:
    """Reads inside go to the replica when one is configured; a report may then be a few seconds behind.
    Wrap only reads of committed data that nobody writes back, never a permission check."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def has_replica() -> bool:
    return REPLICA in connections.settings


def _written() -> bool:
    """Whether the current transaction on `default` has written through the ORM."""
    if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        _wrote_in_transaction.set(False)
        return False
    return _wrote_in_transaction.get()


class ReplicaRouter:
    """DATABASE_ROUTERS' only entry. Explicit answers when a replica exists, so that an object read from
    the replica is saved to `default` (Django would otherwise save it where it was read)."""

    def db_for_read(self, model, **hints) -> str | None:
        if not has_replica():
            return None
        if not _written() and _reporting.get():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str | None:
        if not has_replica():
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            _wrote_in_transaction.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        """The two aliases hold the same data."""
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        """The replica follows the primary; migrations run on `default` only."""
        return False if db == REPLICA else None
