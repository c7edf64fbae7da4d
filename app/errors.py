"""Domain errors, independent of the web framework.

::

    DomainError                 code, reason, params, http_status
    ├── NotFound                404  NOT_FOUND
    ├── ReadOnly                403  READ_ONLY        built-in content cannot be changed
    ├── Conflict                409  CONFLICT         e.g. a slug already taken
    ├── Rejected                409  a specific code  e.g. ROUND_CLOSED, UNKNOWN_VALUE
    ├── InvalidInput            422  VALIDATION_FAILED, carries every problem at once
    └── TooManyAttempts         429  TOO_MANY_ATTEMPTS, says when to try again

Codes in the domain, words at the edge: an error says what went wrong as a ``code``, an optional
``reason`` (which of several cases of that code) and ``params`` (the facts a sentence needs, such
as a round's title). ``app/i18n/errors.py`` turns them into Dutch or English for the one asking;
``app/api/errors.py`` and the websocket endpoint call it. ``message`` is the Dutch sentence from
that table, for logs, the command line and callers in the domain; ``sentence`` is one a raise
site passed itself (none in the domain packages; ``tests/architecture/test_error_words.py``).

Routers translate these into the one JSON error shape (``app/api/errors.py``); domain modules
raise them and never import FastAPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (a dotted path) and what.

    Like an error, a problem says what as a ``code`` and its facts as ``params``, and the edge
    words it (``app/i18n/errors.py``, ``PROBLEMS``) in the asker's language. ``message`` is a
    sentence already made (pydantic's, for an error type without words); without one, the Dutch
    words for the code (the fallback for logs and the command line).
    """

    loc: str
    message: str = ""
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.message:
            # The Dutch words for the code, from the edge's table, for logs, the command line
            # and callers in the domain; imported here because that table builds on this module.
            from app.i18n.errors import dutch_problem  # noqa: PLC0415

            object.__setattr__(self, "message", dutch_problem(self.code, self.params))


class DomainError(Exception):
    code = "DOMAIN_ERROR"
    http_status = 400

    def __init__(
        self,
        message: str = "",
        *,
        reason: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.reason = reason
        self.params: dict[str, object] = dict(params or {})
        # The sentence a raise site gave, if any (the edge prefers its own words for the code);
        # ``message`` always says something, for logs and the command line.
        self.sentence = message
        self.message = message or self._plain()
        super().__init__(self.message)

    def _plain(self) -> str:
        """The Dutch words for the code, from the edge's table, for logs, the command line and
        callers in the domain (imported here because that table builds on this module)."""
        from app.i18n.errors import error_text  # noqa: PLC0415

        return error_text(
            self.code,
            language="nl",
            reason=self.reason,
            params=self.params,
            http_status=self.http_status,
        )


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

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        http_status: int = 409,
        reason: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.code = code
        self.http_status = http_status
        super().__init__(message, reason=reason, params=params)


class InvalidInput(DomainError):
    code = "VALIDATION_FAILED"
    http_status = 422

    def __init__(
        self,
        message: str = "",
        problems: list[Problem] | None = None,
        *,
        reason: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, params=params)
        self.problems = list(problems or [])


class TooManyAttempts(DomainError):
    """A rate limit was reached; nothing was done. ``retry_after`` in whole seconds."""

    code = "TOO_MANY_ATTEMPTS"
    http_status = 429

    def __init__(
        self,
        message: str = "",
        *,
        retry_after: int,
        reason: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, params=params)
        self.retry_after = retry_after
