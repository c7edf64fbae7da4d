"""Reading a join code as people type it, and saying why one led nowhere.

The alphabet (``service.JOIN_ALPHABET``) leaves out 0/O and 1/I/L, so no look-alike can be
mapped onto it without guessing (docs/decisions/0021-getting-in-and-the-console.md): we ignore
case and everything that is not a letter or digit (spaces, dashes), and call a code with a
left-out character malformed instead of sending it on as unknown.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session, select

from app.sessions.models import Denksessie
from app.sessions.service import JOIN_ALPHABET, JOIN_CODE_LENGTH, normalise_code

LEFT_OUT = frozenset("0O1IL")

CodeProblem = Literal["malformed", "unknown", "ended"]
MalformedReason = Literal["left_out", "length", "characters"]


def is_well_formed(code: str) -> bool:
    """Six characters of the join alphabet once normalised: anything else can never be a code."""
    code = normalise_code(code)
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_ALPHABET for ch in code)


def malformed_reason(code: str) -> MalformedReason:
    """What is wrong with a code that is not well formed, most helpful reason first: a 0, O,
    1, I or L is never in a code, so the reader misread a character on the screen."""
    code = normalise_code(code)
    if any(ch in LEFT_OUT for ch in code):
        return "left_out"
    if len(code) != JOIN_CODE_LENGTH:
        return "length"
    return "characters"


def problem(db: Session, code: str) -> CodeProblem:
    """Why ``code`` names no running denksessie (asked only after a lookup failed)."""
    if not is_well_formed(code):
        return "malformed"
    status = db.exec(
        select(Denksessie.status).where(Denksessie.join_code == normalise_code(code))
    ).first()
    return "ended" if status == "ended" else "unknown"
