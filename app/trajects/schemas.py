"""What a facilitator sends to run a traject; every field checked before anything is written."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from app.aggregation.methods import RANKING_METHODS
from app.schemas import DbId, StrictModel
from app.sessions.schemas import DEFAULT_ROLES, ValueKey

DEFAULT_QUESTION = (
    "Welke waarden en principes zijn voor mij als professional leidend bij het toewijzen van "
    "zorg en ondersteuning in het sociaal domein?"
)
Stage = Literal["naming", "prioritising", "principles"]


def _known_method(method: str) -> str:
    if method not in RANKING_METHODS:
        raise ValueError(f"onbekende methode; kies uit {', '.join(RANKING_METHODS)}")
    return method


Method = Annotated[str, AfterValidator(_known_method)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class TrajectCreate(StrictModel):
    title: Title
    central_question: Annotated[str, StringConstraints(min_length=1, max_length=500)] = (
        DEFAULT_QUESTION
    )
    catalogue: str = Field(default="waardenkaart-sociaal-domein", max_length=80)
    card_size: int = Field(default=5, ge=1, le=25)
    method: Method = "schulze_borda"
    min_participants: int = Field(default=1, ge=1, le=1000)
    max_values: int = Field(default=12, ge=2, le=25)
    illustrative: bool = Field(
        default=False, description="simulated participants (a demonstration); shown on the card"
    )


class TrajectUpdate(StrictModel):
    title: Title | None = None
    central_question: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    catalogue: str | None = Field(default=None, max_length=80)
    card_size: int | None = Field(default=None, ge=1, le=25)
    method: Method | None = None
    min_participants: int | None = Field(default=None, ge=1, le=1000)
    max_values: int | None = Field(default=None, ge=2, le=25)


class SessionAttach(StrictModel):
    denksessie_id: DbId
    stage: Stage


class SessionCreate(StrictModel):
    stage: Stage
    title: Title
    casus_ids: list[DbId] = Field(default_factory=list, max_length=20)
    roles: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = Field(
        default_factory=lambda: list(DEFAULT_ROLES), max_length=12
    )
    show_results_live: bool = False


class ShortlistChange(StrictModel):
    action: Literal["add", "drop", "take_all_tied"]
    values: list[ValueKey] = Field(default_factory=list, max_length=25)
    reason: Annotated[str, StringConstraints(max_length=500)] = ""

    @model_validator(mode="after")
    def _complete(self) -> ShortlistChange:
        if self.action != "take_all_tied" and not self.values:
            raise ValueError("kies minstens één waarde")
        if self.action != "take_all_tied" and not self.reason:
            raise ValueError("geef een reden")
        return self


class PrincipleRoundsCreate(StrictModel):
    denksessie_id: DbId | None = None
    max_approvals: int = Field(default=4, ge=1, le=20)


class RankingRoundCreate(StrictModel):
    denksessie_id: DbId | None = None
    candidates: list[ValueKey] | None = Field(default=None, min_length=2, max_length=25)
    override_reason: Annotated[str, StringConstraints(max_length=500)] = ""
    title: Annotated[str, StringConstraints(max_length=200)] = ""
    top_k: int | None = Field(default=None, ge=1, le=25)


class TieResolution(StrictModel):
    take: list[ValueKey] = Field(min_length=1, max_length=25)
    reason: Reason


class Pick(StrictModel):
    principle_id: DbId
    # The facilitator's wording; empty keeps the participant's text.
    text: Annotated[str, StringConstraints(max_length=500)] = ""


USUAL_SUBS = (3, 4)  # a card value usually has 3 or 4 sub-principles; 1 to 4 are allowed
MAX_SUBS = 4


class CurationChoice(StrictModel):
    """A headline and 1 to 4 sub-principles (usually 3 or 4: fewer or more is allowed, and the
    page says it is unusual), plus optionally a principle quoted on the card as written."""

    headline: Pick
    subs: list[Pick] = Field(min_length=1, max_length=MAX_SUBS)
    quote_id: DbId | None = Field(
        default=None, description="a principle written for this value, shown verbatim as quote"
    )


class CardCreate(StrictModel):
    title: Annotated[str, StringConstraints(max_length=200)] = ""


class PrincipleSplit(StrictModel):
    """Split folded principles into groups of their own (``apart``), or let them fold again."""

    principle_ids: list[DbId] = Field(min_length=1, max_length=60)
    apart: bool = True
