"""What facilitators configure and participants submit, per round kind.

Round configurations and ballot payloads are pydantic models chosen by the round's ``kind``;
cross-field rules that need the catalogue (known values, candidates of the round) are checked by
the service, so every rejection carries a code and a Dutch message.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from app.schemas import DbId, StrictModel
from app.text import storable

RoundKind = Literal[
    "casus",
    "ranking",
    "points",
    "approval",
    "principle",
    "schuur",
    "open",
]
ROUND_KINDS: tuple[RoundKind, ...] = (
    "casus",
    "ranking",
    "points",
    "approval",
    "principle",
    "schuur",
    "open",
)
DEFAULT_ROLES = ["gemeente", "landelijke uitvoeringsorganisatie", "welzijn", "inwoner", "anders"]
PRINCIPLE_MAX = 200
# A reason ("Waarom?") written beside a value chosen in a casus round (decision 0031).
REASON_MAX = 280
# The expected room size when the facilitator names none, and the largest one (decision 0011).
DEFAULT_ROOM_SIZE = 60
MAX_ROOM_SIZE = 5_000
RoomSize = Annotated[int, Field(ge=1, le=MAX_ROOM_SIZE)]
ValueKey = Annotated[str, StringConstraints(min_length=1, max_length=80)]


# --- round configurations ----------------------------------------------------------------------


class CasusConfig(StrictModel):
    casus_id: DbId
    max_values: int = Field(default=3, ge=1, le=10)
    allow_twijfel: bool = True
    # The values the round offers (an intervisie with a Principekaart offers the card's);
    # None offers the whole catalogue. With ``allow_other`` a ballot may also name one value
    # of the catalogue that is not offered ("een andere waarde", decision 0034).
    offered: list[ValueKey] | None = Field(default=None, min_length=1, max_length=25)
    allow_other: bool = False
    # Phones may write a short reason per chosen value ("Waarom?"); on unless switched off.
    reasons: bool = True


class CandidatesConfig(StrictModel):
    candidates: list[ValueKey] = Field(min_length=2, max_length=25)

    @model_validator(mode="after")
    def _distinct(self) -> CandidatesConfig:
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("een kandidaat staat er twee keer in")
        return self


class RankingOverride(StrictModel):
    """Values ranked although they are not on the traject's shortlist, and why (recorded)."""

    values: list[ValueKey] = Field(min_length=1, max_length=25)
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class RankingConfig(CandidatesConfig):
    top_k: int | None = Field(default=None, ge=1, le=25)
    # Shown next to each value while ranking: principles written in a traject's naming stage.
    principles: dict[
        ValueKey, list[Annotated[str, StringConstraints(min_length=1, max_length=300)]]
    ] = Field(default_factory=dict, max_length=25)
    override: RankingOverride | None = None


class PointsConfig(CandidatesConfig):
    mode: Literal["points", "dots"] = "points"
    budget: int = Field(default=100, ge=1, le=1000)


class ApprovalConfig(CandidatesConfig):
    max_approvals: int = Field(default=3, ge=1, le=25)
    # A ballot may approve one catalogue value that is not a candidate ("een andere waarde",
    # an intervisie with a Principekaart, decision 0034).
    allow_other: bool = False


class PrincipleConfig(StrictModel):
    value_key: ValueKey
    max_approvals: int = Field(default=3, ge=1, le=20)
    # Principles from earlier denksessies of the same organisation to vote on (a traject's
    # principles stage); without them, those written in this denksessie's casus rounds.
    principle_ids: list[DbId] | None = Field(default=None, min_length=1, max_length=60)


class SchuurConfig(StrictModel):
    """Values that clash: each participant names 1 or ``max_pairs`` pairs of candidates. Left
    empty, the candidates are the values in tension of ``casus_id``'s casus
    (``kinds/schuur.py``)."""

    candidates: list[ValueKey] = Field(default_factory=list, max_length=25)
    casus_id: DbId | None = None
    max_pairs: Literal[1, 2] = 2

    @model_validator(mode="after")
    def _distinct(self) -> SchuurConfig:
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("een kandidaat staat er twee keer in")
        return self


# An open question (decision 0030): the longest answer a round may allow, and most answers.
OPEN_ANSWER_MAX = 280
OPEN_ANSWERS_MAX = 3


class OpenConfig(StrictModel):
    question: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    max_answers: int = Field(default=1, ge=1, le=OPEN_ANSWERS_MAX)
    max_length: int = Field(default=120, ge=10, le=OPEN_ANSWER_MAX)
    # What the projector shows once revealed: the word cloud, the wall of answers, or both.
    show: Literal["both", "cloud", "wall"] = "both"

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        if not storable(value) or not value.strip():
            raise ValueError("geen vraag")
        return value


CONFIG_MODELS: dict[str, type[StrictModel]] = {
    "casus": CasusConfig,
    "ranking": RankingConfig,
    "points": PointsConfig,
    "approval": ApprovalConfig,
    "principle": PrincipleConfig,
    "schuur": SchuurConfig,
    "open": OpenConfig,
}


# --- ballots -----------------------------------------------------------------------------------


class CasusBallotIn(StrictModel):
    decision: Literal["toekennen", "niet_toekennen", "twijfel"]
    values: list[ValueKey] = Field(min_length=1, max_length=10)
    # One leading principle per chosen value, each a sentence starting with "Ik".
    principles: dict[ValueKey, Annotated[str, StringConstraints(max_length=PRINCIPLE_MAX)]] = Field(
        default_factory=dict
    )
    # At most one short reason per chosen value ("Waarom?"); spaces folded, empty ones dropped.
    reasons: dict[ValueKey, Annotated[str, StringConstraints(max_length=REASON_MAX)]] = Field(
        default_factory=dict, max_length=10
    )

    @field_validator("reasons")
    @classmethod
    def _fold_reasons(cls, reasons: dict[str, str]) -> dict[str, str]:
        folded = {value: " ".join(text.split()) for value, text in reasons.items()}
        return {value: text for value, text in folded.items() if text}


class RankingBallotIn(StrictModel):
    ranking: list[ValueKey] = Field(min_length=1, max_length=25)


class PointsBallotIn(StrictModel):
    points: dict[ValueKey, Annotated[int, Field(ge=0, le=1000)]] = Field(max_length=25)


class ApprovalBallotIn(StrictModel):
    approve: list[ValueKey] = Field(min_length=1, max_length=25)


class Rewording(StrictModel):
    principle_id: DbId
    text: Annotated[str, StringConstraints(min_length=1, max_length=PRINCIPLE_MAX)]


class PrincipleBallotIn(StrictModel):
    approve: list[DbId] = Field(default_factory=list, max_length=20)
    rewording: Rewording | None = None


ValuePair = Annotated[list[ValueKey], Field(min_length=2, max_length=2)]


class SchuurBallotIn(StrictModel):
    """One or two pairs of values that clash; each pair is stored in key order, so (a, b) and
    (b, a) are the same pair. Pairs of one value, the same pair twice and more pairs than the
    round allows are refused with a code (``kinds/schuur.py``)."""

    pairs: list[ValuePair] = Field(min_length=1, max_length=2)

    @field_validator("pairs")
    @classmethod
    def _in_key_order(cls, pairs: list[list[str]]) -> list[list[str]]:
        return [sorted(pair) for pair in pairs]


class OpenBallotIn(StrictModel):
    """Answers to an open question; their number and length are checked against the round's
    configuration by its kind (``kinds/open.py``)."""

    answers: list[Annotated[str, StringConstraints(max_length=OPEN_ANSWER_MAX)]] = Field(
        min_length=1, max_length=OPEN_ANSWERS_MAX
    )


BALLOT_MODELS: dict[str, type[StrictModel]] = {
    "casus": CasusBallotIn,
    "ranking": RankingBallotIn,
    "points": PointsBallotIn,
    "approval": ApprovalBallotIn,
    "principle": PrincipleBallotIn,
    "schuur": SchuurBallotIn,
    "open": OpenBallotIn,
}


# --- facilitator requests ----------------------------------------------------------------------


class DenksessieCreate(StrictModel):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    catalogue: str = Field(default="waardenkaart-sociaal-domein", max_length=80)
    casus_ids: list[DbId] = Field(default_factory=list, max_length=20)
    roles: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = Field(
        default_factory=lambda: list(DEFAULT_ROLES), max_length=12
    )
    show_results_live: bool = False
    # How many people the facilitator expects: the join budget follows from it (decision 0011).
    room_size: RoomSize = DEFAULT_ROOM_SIZE
    # Ask a short PIN at join, shown only on the projector.
    require_pin: bool = False
    # Self-paced (decision 0033): every round open from the start until ``closes_at`` (with a
    # time zone; in the future and at most ``SELF_PACED_MAX_DAYS`` away, checked by the service).
    self_paced: bool = False
    closes_at: AwareDatetime | None = None


class DenksessieUpdate(StrictModel):
    """The facilitator's joining settings, changeable at any time; unset fields stay as they
    are. Turning the PIN on again draws a new one."""

    room_size: RoomSize | None = None
    require_pin: bool | None = None


RoundTitle = Annotated[str, StringConstraints(max_length=200)]


class RoundCreateCasus(StrictModel):
    kind: Literal["casus"]
    title: RoundTitle = ""
    config: CasusConfig


class RoundCreateRanking(StrictModel):
    kind: Literal["ranking"]
    title: RoundTitle = ""
    config: RankingConfig


class RoundCreatePoints(StrictModel):
    kind: Literal["points"]
    title: RoundTitle = ""
    config: PointsConfig


class RoundCreateApproval(StrictModel):
    kind: Literal["approval"]
    title: RoundTitle = ""
    config: ApprovalConfig


class RoundCreatePrinciple(StrictModel):
    kind: Literal["principle"]
    title: RoundTitle = ""
    config: PrincipleConfig


class RoundCreateSchuur(StrictModel):
    kind: Literal["schuur"]
    title: RoundTitle = ""
    config: SchuurConfig


class RoundCreateOpen(StrictModel):
    kind: Literal["open"]
    title: RoundTitle = ""
    config: OpenConfig


RoundCreateByKind = Annotated[
    RoundCreateCasus
    | RoundCreateRanking
    | RoundCreatePoints
    | RoundCreateApproval
    | RoundCreatePrinciple
    | RoundCreateSchuur
    | RoundCreateOpen,
    Field(discriminator="kind"),
]
round_create_by_kind: TypeAdapter[
    RoundCreateCasus
    | RoundCreateRanking
    | RoundCreatePoints
    | RoundCreateApproval
    | RoundCreatePrinciple
    | RoundCreateSchuur
    | RoundCreateOpen
] = TypeAdapter(RoundCreateByKind)


class RoundCreate(StrictModel):
    """A new round. Its schema (``/openapi.json``) is the discriminated union on ``kind`` of the
    ``RoundCreate*`` models, each with the ``config`` of its kind (``CONFIG_MODELS``); the
    config itself is checked by ``sessions.service.validate_config`` against the same models,
    together with the rules that need the catalogue, so every problem of a round comes back at
    once under ``config.*`` (decision 0013)."""

    kind: RoundKind
    title: RoundTitle = ""
    config: dict[str, object] = Field(default_factory=dict)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(round_create_by_kind.core_schema)


class JoinRequest(StrictModel):
    display_name: Annotated[str, StringConstraints(max_length=40)] | None = None
    role: Annotated[str, StringConstraints(max_length=60)] | None = None
    pin: Annotated[str, StringConstraints(max_length=8)] | None = None

    @field_validator("display_name", "role", "pin")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        if value is not None and not storable(value):
            raise ValueError("bevat een teken dat niet kan worden opgeslagen")
        return value


class TimerRequest(StrictModel):
    seconds: int = Field(ge=0, le=3600)  # 0 stops the timer
