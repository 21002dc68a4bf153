"""How a row of actuals names a KPI, a unit or a seller: by its code (a seller's e-mail) or its exact name,
case-insensitive and trimmed. A code written as it is always names its own thing (files that use codes
read as they always did); otherwise a text that two things answer to is refused naming both, never
guessed, and one that answers to nothing gets the closest codes and names (difflib) as "did you mean".

An Index is built once per file (metrics.importer.Lookups), and answers a row with dictionary look-ups;
only a miss computes suggestions, once per distinct text."""

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
CUTOFF = 0.75  # difflib's similarity ratio: 'revnue' → 'revenue' (0.92) yes, 'leads' → 'deals' (0.6) no
SUGGESTIONS = 3
SUGGESTED_TEXTS = 1_000  # distinct misses a file gets suggestions for: the report keeps 1,000 errors


class Ambiguous(ValueError):
    """A text that names more than one thing."""


@dataclass(frozen=True, eq=False)
class Entry(Generic[T]):
    """One thing a row may name: its code, its name and the object."""

    code: str
    name: str
    item: T

    def __str__(self) -> str:
        return f"{self.code!r} ({self.name})"


def key(text: str) -> str:
    """What a code or a name is compared by: trimmed, inner spaces single, case folded."""
    return " ".join(text.split()).casefold()


class Index(Generic[T]):
    """Entries by code as written and by every code and name compared by `key`."""

    def __init__(self, entries: Iterable[Entry[T]]) -> None:
        self.codes: dict[str, Entry[T]] = {}
        self.keys: dict[str, dict[str, Entry[T]]] = {}  # key → {code: entry}, each entry once
        for entry in entries:
            self.codes[entry.code] = entry
            for text in (entry.code, entry.name):
                self.keys.setdefault(key(text), {})[entry.code] = entry
        self.choices = list(self.keys)
        self.suggested: dict[tuple[str, object], str] = {}

    def find(self, text: str) -> Entry[T] | None:
        """The entry `text` names, None if none; Ambiguous (naming every candidate) if several do."""
        text = text.strip()
        if text in self.codes:
            return self.codes[text]
        found = list(self.keys.get(key(text), {}).values())
        if len(found) > 1:
            both = "both " if len(found) == 2 else ""
            raise Ambiguous(f"{text!r} is ambiguous: it names {both}{_listed(found, 'and')}; write the code")
        return found[0] if found else None

    def hint(self, text: str, *, allowed: Callable[[T], bool] | None = None) -> str:
        """'; did you mean 'revenue' (Revenue)?' for the (allowed) entries closest to `text`, or ''."""
        memo = (text, allowed)
        if memo not in self.suggested:
            if len(self.suggested) >= SUGGESTED_TEXTS:
                return ""
            self.suggested[memo] = _hint(self._near(key(text), allowed))
        return self.suggested[memo]

    def _near(self, text: str, allowed: Callable[[T], bool] | None) -> list[Entry[T]]:
        close = difflib.get_close_matches(text, self.choices, n=max(len(self.choices), 1), cutoff=CUTOFF)
        near: dict[str, Entry[T]] = {}
        for match in close:
            for entry in self.keys[match].values():
                if allowed is None or allowed(entry.item):
                    near.setdefault(entry.code, entry)
        return list(near.values())[:SUGGESTIONS]


def _hint(near: list[Entry]) -> str:
    return f"; did you mean {_listed(near, 'or')}?" if near else ""


def _listed(entries: list[Entry], last: str) -> str:
    shown = [str(e) for e in entries]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {last} {shown[-1]}"
