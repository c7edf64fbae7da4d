"""Turning pydantic validation errors into ``Problem`` lists (codes; words at the edge).

Both the HTTP layer (request bodies) and the domain (imported documents) report problems in one
shape, so a user always sees every problem at once with a path and a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from app.errors import Problem
from app.i18n.errors import PROBLEMS


def loc_to_str(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "(document)"


def _problem(loc: str, error: Any) -> Problem:
    """A problem with pydantic's error type as its code and the error's context as its facts,
    worded again at the edge in the asker's language; ``message`` is the Dutch (else pydantic's
    own sentence) for logs, the command line and domain callers."""
    params = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    code = str(error["type"])
    own = "" if code in PROBLEMS else str(error["msg"])
    return Problem(loc=loc, message=own, code=code, params=params)


def problems_from_errors(
    errors: Iterable[Any], *, prefix: Sequence[str] = (), skip_first: Sequence[str] = ()
) -> list[Problem]:
    """Convert pydantic/FastAPI error dicts; ``skip_first`` drops a leading 'body' and the like."""
    problems = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if loc and loc[0] in skip_first:
            loc = loc[1:]
        problems.append(_problem(loc_to_str([*prefix, *loc]), error))
    return problems


def problems_from_validation_error(exc: ValidationError) -> list[Problem]:
    return problems_from_errors(exc.errors())


def merge_problems(first: list[Problem], second: list[Problem]) -> list[Problem]:
    """``first`` wins where both name the same place; the order of discovery is kept."""
    seen = {problem.loc for problem in first}
    return first + [problem for problem in second if problem.loc not in seen]
