"""One family of domain errors; cogs turn them into friendly, private replies."""


class DomainError(Exception):
    """A request the bot understood but cannot carry out; the message is shown to the user."""

    title = "That didn't work"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (in this server)."""

    title = "Not found"


class NotAllowed(DomainError):
    """The user lacks the role or right the action needs."""

    title = "Not allowed"


class Invalid(DomainError):
    """The input breaks a rule (too long, unknown time zone, wrong shape)."""

    title = "Please check your input"


class Conflict(DomainError):
    """The action clashes with the current state (already exists, already done)."""

    title = "Already done"


class Unavailable(Exception):
    """Discord cannot be reached, or has not sent the server yet: nothing changed, try again soon.

    Deliberately not a :class:`DomainError`: scheduled work that meets it tries again at its next
    run instead of recording a failure or telling anyone that something is gone.
    """

    title = "Just a moment"

    def __init__(self, message: str = "I can't reach Discord for this right now.") -> None:
        super().__init__(message)
        self.message = message
