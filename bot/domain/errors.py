"""Typed domain errors; the edge turns them into user messages or CLI exit codes."""


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class DirectoryFileError(DomainError):
    """A programme/directory file is invalid; nothing of it was imported.

    Attributes:
        problems: One message per problem, each naming the line and the field.
    """

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class NotReachable(DomainError):
    """A person cannot be sent a proactive message (no conversation and no way to make one)."""
