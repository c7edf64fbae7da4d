"""Turning pydantic validation errors into Dutch ``Problem`` lists.

Both the HTTP layer (request bodies) and the domain (imported documents) report problems in one
shape, so a user always sees every problem at once with a path and a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from app.errors import Problem

_MESSAGES = {
    "missing": "verplicht veld ontbreekt",
    "extra_forbidden": "onbekend veld",
    "string_type": "moet tekst zijn",
    "int_type": "moet een geheel getal zijn",
    "int_parsing": "moet een geheel getal zijn",
    "bool_type": "moet waar of onwaar zijn",
    "list_type": "moet een lijst zijn",
    "dict_type": "moet een object zijn",
    "model_type": "moet een object zijn",
    "model_attributes_type": "moet een object zijn",
    "string_pattern_mismatch": "alleen kleine letters, cijfers en koppeltekens",
    "json_invalid": "ongeldige JSON",
    "ballot_kind": "een stembiljet heeft precies een van ranking, approve of points",
}


def loc_to_str(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "(document)"


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"te lang (hoogstens {ctx.get('max_length')} tekens)"
    if kind == "string_too_short":
        return f"te kort (minstens {ctx.get('min_length')} tekens)"
    if kind == "too_long":
        return f"te veel items (hoogstens {ctx.get('max_length')})"
    if kind == "too_short":
        return f"te weinig items (minstens {ctx.get('min_length')})"
    if kind == "literal_error":
        return f"moet een van deze waarden zijn: {ctx.get('expected')}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"buiten het toegestane bereik ({error['msg']})"
    return _MESSAGES.get(kind, str(error["msg"]))


def problems_from_errors(
    errors: Iterable[Any], *, prefix: Sequence[str] = (), skip_first: Sequence[str] = ()
) -> list[Problem]:
    """Convert pydantic/FastAPI error dicts; ``skip_first`` drops a leading 'body' and the like."""
    problems = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if loc and loc[0] in skip_first:
            loc = loc[1:]
        problems.append(Problem(loc=loc_to_str([*prefix, *loc]), message=_message(error)))
    return problems


def problems_from_validation_error(exc: ValidationError) -> list[Problem]:
    return problems_from_errors(exc.errors())


def merge_problems(first: list[Problem], second: list[Problem]) -> list[Problem]:
    """``first`` wins where both name the same place; the order of discovery is kept."""
    seen = {problem.loc for problem in first}
    return first + [problem for problem in second if problem.loc not in seen]
