"""Domain errors, independent of the web framework.

::

    DomainError                 code, http_status, message (Dutch, shown to people)
    ├── NotFound                404  NOT_FOUND
    ├── ReadOnly                403  READ_ONLY        built-in content cannot be changed
    ├── Conflict                409  CONFLICT         e.g. a slug already taken
    ├── Rejected                409  a specific code  e.g. ROUND_CLOSED, UNKNOWN_VALUE
    ├── InvalidInput            422  VALIDATION_FAILED, carries every problem at once
    └── TooManyAttempts         429  TOO_MANY_ATTEMPTS, says when to try again

Routers translate these into the one JSON error shape (``app/api/errors.py``); domain modules
raise them and never import FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (a dotted path) and what, in Dutch."""

    loc: str
    message: str


class DomainError(Exception):
    code = "DOMAIN_ERROR"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "NOT_FOUND"
    http_status = 404


class ReadOnly(DomainError):
    code = "READ_ONLY"
    http_status = 403


class Conflict(DomainError):
    code = "CONFLICT"
    http_status = 409


class Rejected(DomainError):
    """A refusal with its own code, so a phone can tell "round closed" from "too many values"."""

    http_status = 409

    def __init__(self, code: str, message: str, *, http_status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class InvalidInput(DomainError):
    code = "VALIDATION_FAILED"
    http_status = 422

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class TooManyAttempts(DomainError):
    """A rate limit was reached; nothing was done. ``retry_after`` in whole seconds."""

    code = "TOO_MANY_ATTEMPTS"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
