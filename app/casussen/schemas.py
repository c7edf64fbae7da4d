"""Casus schemas: one field set shared by create, update, public and the exchange document."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from app.catalogue.schemas import KEY_PATTERN
from app.schemas import StrictModel

CASUSSEN_FORMAT = "denksessie-casussen/1"
SITUATION_MAX = 3000
SLUG_MAX = 80  # the column's length


class CasusSource(StrictModel):
    seed: str = Field(default="", max_length=20)
    document: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=1000)


class CasusBase(StrictModel):
    title: str = Field(min_length=1, max_length=200)
    situation: str = Field(min_length=1, max_length=SITUATION_MAX)
    decision_question: str = Field(min_length=1, max_length=300)
    domain: str = Field(min_length=1, max_length=120)
    catalogue: str = Field(default="waardenkaart-sociaal-domein", max_length=80)
    values_in_tension: list[str] = Field(default_factory=list, max_length=10)
    tension: str = Field(default="", max_length=500)
    source: CasusSource | None = None


class CasusCreate(CasusBase):
    slug: str | None = Field(default=None, max_length=SLUG_MAX, pattern=KEY_PATTERN)


class CasusDoc(CasusBase):
    slug: str = Field(max_length=SLUG_MAX, pattern=KEY_PATTERN)


class CasusUpdate(StrictModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    situation: str | None = Field(default=None, min_length=1, max_length=SITUATION_MAX)
    decision_question: str | None = Field(default=None, min_length=1, max_length=300)
    domain: str | None = Field(default=None, min_length=1, max_length=120)
    catalogue: str | None = Field(default=None, max_length=80)
    values_in_tension: list[str] | None = Field(default=None, max_length=10)
    tension: str | None = Field(default=None, max_length=500)
    # Given as null: the source is removed; left out: kept.
    source: CasusSource | None = None


class CasusPublic(CasusDoc):
    model_config = ConfigDict(extra="forbid")

    id: int
    builtin: bool


class CasussenDocument(StrictModel):
    format: Literal["denksessie-casussen/1"] = "denksessie-casussen/1"
    casussen: list[CasusDoc] = Field(max_length=500)


class CasusCopy(StrictModel):
    slug: str | None = Field(default=None, max_length=SLUG_MAX, pattern=KEY_PATTERN)
    title: str | None = Field(default=None, min_length=1, max_length=200)
