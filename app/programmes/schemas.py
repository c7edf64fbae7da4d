"""What a programme is made of, and what a facilitator sends to save or start one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from app.schemas import DbId, StrictModel
from app.sessions.schemas import RoundKind

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ProgrammeStep(StrictModel):
    kind: RoundKind
    title: Annotated[str, StringConstraints(max_length=200)] = ""
    config: dict[str, Any] = Field(default_factory=dict)


class ProgrammeDocument(StrictModel):
    """One built-in programme in ``data/programmes.json``."""

    slug: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    name: Name
    description: Annotated[str, StringConstraints(max_length=1000)] = ""
    rounds: list[ProgrammeStep] = Field(min_length=1, max_length=30)


class ProgrammesFile(StrictModel):
    note: str = ""
    programmes: list[ProgrammeDocument]


class ProgrammeCreate(StrictModel):
    """Save the rounds of one of the organisation's denksessies under a name."""

    denksessie_id: DbId
    name: Name
    description: Annotated[str, StringConstraints(max_length=1000)] = ""


class ProgrammeStart(StrictModel):
    """A new denksessie from a programme; ``casus`` picks a casus per casus round (by the
    round's index in the programme), needed where the programme names none."""

    title: Name
    catalogue: str = Field(default="waardenkaart-sociaal-domein", max_length=80)
    casus: dict[int, DbId] = Field(default_factory=dict, max_length=30)
