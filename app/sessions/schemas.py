"""What facilitators configure and participants submit, per round kind.

Round configurations and ballot payloads are pydantic models chosen by the round's ``kind``;
cross-field rules that need the catalogue (known values, candidates of the round) are checked by
the service, so every rejection carries a code and a Dutch message.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AwareDatetime,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from app.schemas import DbId, StrictModel
from app.sessions.kinds import KINDS
from app.sessions.kinds.approval import ApprovalBallotIn, ApprovalConfig, RoundCreateApproval
from app.sessions.kinds.casus import CasusBallotIn, CasusConfig, RoundCreateCasus
from app.sessions.kinds.fields import (
    OPEN_ANSWER_MAX,
    OPEN_ANSWERS_MAX,
    PRINCIPLE_MAX,
    REASON_MAX,
    CandidatesConfig,
    RoundTitle,
    ValueKey,
)
from app.sessions.kinds.open import OpenBallotIn, OpenConfig, RoundCreateOpen
from app.sessions.kinds.points import PointsBallotIn, PointsConfig, RoundCreatePoints
from app.sessions.kinds.principle import (
    PrincipleBallotIn,
    PrincipleConfig,
    Rewording,
    RoundCreatePrinciple,
)
from app.sessions.kinds.ranking import (
    RankingBallotIn,
    RankingConfig,
    RankingOverride,
    RoundCreateRanking,
)
from app.sessions.kinds.schuur import (
    RoundCreateSchuur,
    SchuurBallotIn,
    SchuurConfig,
    ValuePair,
)
from app.text import storable

# Every kind's models live in its module (app/sessions/kinds, decision 0026); the names are
# re-exported here, and the maps by kind and the API's union are built from the registry.
ROUND_KINDS: tuple[str, ...] = tuple(KINDS)
if TYPE_CHECKING:
    RoundKind = str
else:
    RoundKind = Literal[ROUND_KINDS]
CONFIG_MODELS: dict[str, type[StrictModel]] = {
    name: kind.config_model for name, kind in KINDS.items()
}
BALLOT_MODELS: dict[str, type[StrictModel]] = {
    name: kind.ballot_model for name, kind in KINDS.items()
}
DEFAULT_ROLES = ["gemeente", "landelijke uitvoeringsorganisatie", "welzijn", "inwoner", "anders"]
# The expected room size when the facilitator names none, and the largest one (decision 0011).
DEFAULT_ROOM_SIZE = 60
MAX_ROOM_SIZE = 20_000  # a plenary at a conference, over several workers (decision 0040)
RoomSize = Annotated[int, Field(ge=1, le=MAX_ROOM_SIZE)]


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


# The union of every kind's ``RoundCreate<Kind>``, in the registry's order, on ``kind``.
if TYPE_CHECKING:
    RoundCreateByKind = Annotated[StrictModel, Field(discriminator="kind")]
else:
    RoundCreateByKind = Annotated[
        reduce(operator.or_, (kind.create_model for kind in KINDS.values())),
        Field(discriminator="kind"),
    ]
round_create_by_kind: TypeAdapter[StrictModel] = TypeAdapter(RoundCreateByKind)


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


# The kinds' models and fields, by their old names (decision 0026 moved them to their kinds).
__all__ = [
    "BALLOT_MODELS",
    "CONFIG_MODELS",
    "DEFAULT_ROLES",
    "DEFAULT_ROOM_SIZE",
    "MAX_ROOM_SIZE",
    "OPEN_ANSWERS_MAX",
    "OPEN_ANSWER_MAX",
    "PRINCIPLE_MAX",
    "REASON_MAX",
    "ROUND_KINDS",
    "ApprovalBallotIn",
    "ApprovalConfig",
    "CandidatesConfig",
    "CasusBallotIn",
    "CasusConfig",
    "DenksessieCreate",
    "DenksessieUpdate",
    "JoinRequest",
    "OpenBallotIn",
    "OpenConfig",
    "PointsBallotIn",
    "PointsConfig",
    "PrincipleBallotIn",
    "PrincipleConfig",
    "RankingBallotIn",
    "RankingConfig",
    "RankingOverride",
    "Rewording",
    "RoomSize",
    "RoundCreate",
    "RoundCreateApproval",
    "RoundCreateByKind",
    "RoundCreateCasus",
    "RoundCreateOpen",
    "RoundCreatePoints",
    "RoundCreatePrinciple",
    "RoundCreateRanking",
    "RoundCreateSchuur",
    "RoundKind",
    "RoundTitle",
    "SchuurBallotIn",
    "SchuurConfig",
    "TimerRequest",
    "ValueKey",
    "ValuePair",
    "round_create_by_kind",
]
