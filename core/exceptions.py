class StaleVersionError(Exception):
    """The row changed since the client read it; the write was not applied."""

    def __init__(self, *, current_version: int, label: str = "This item"):
        self.current_version = current_version
        super().__init__(
            f"{label} was changed by someone else since you opened it (now version {current_version}). "
            "Your change was not saved: reload to see the latest and apply it again."
        )


class InvalidTransitionError(Exception):
    """A workflow action that the object's current state does not allow."""
