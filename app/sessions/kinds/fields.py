"""Field types and limits the kinds' models share (``ValueKey``, ``RoundTitle``, ...).

Below every kind module and ``sessions/schemas.py``, which re-exports them: a kind's config,
ballot and ``RoundCreate*`` models live in its own module (decision 0026).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.schemas import StrictModel

PRINCIPLE_MAX = 200
# A reason ("Waarom?") written beside a value chosen in a casus round (decision 0031).
REASON_MAX = 280
# An open question (decision 0030): the longest answer a round may allow, and most answers.
OPEN_ANSWER_MAX = 280
OPEN_ANSWERS_MAX = 3
ValueKey = Annotated[str, StringConstraints(min_length=1, max_length=80)]
RoundTitle = Annotated[str, StringConstraints(max_length=200)]


# What ranking, points and approval share: two or more distinct candidates.
class CandidatesConfig(StrictModel):
    candidates: list[ValueKey] = Field(min_length=2, max_length=25)

    @model_validator(mode="after")
    def _distinct(self) -> CandidatesConfig:
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("een kandidaat staat er twee keer in")
        return self
