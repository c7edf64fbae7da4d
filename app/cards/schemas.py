"""Principekaart schemas: the built-in data file and the public shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.catalogue.schemas import SourceDoc
from app.schemas import StrictModel


class CardValueDoc(StrictModel):
    value: str = Field(max_length=80)
    name: str = Field(max_length=120)
    cluster: str = Field(max_length=80)
    headline: str = Field(min_length=1, max_length=500)
    sub_principles: list[str] = Field(min_length=1, max_length=8)
    quote: str | None = Field(default=None, max_length=1000)


class CardProcess(StrictModel):
    sessions: int | None = None
    summary: str = ""
    values_named: list[str] = Field(default_factory=list)
    participants: str | None = None


class PrincipekaartDocument(StrictModel):
    format: Literal["denksessie-principekaart/1"] = "denksessie-principekaart/1"
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    year: int | None = None
    catalogue: str = Field(max_length=80)
    central_question: str = Field(max_length=500)
    source: SourceDoc | None = None
    values: list[CardValueDoc] = Field(min_length=1, max_length=25)
    process: CardProcess | None = None
    uses: list[str] = Field(default_factory=list)


class CardValuePublic(BaseModel):
    value: str
    name: str
    cluster: str
    cluster_name: str
    group: str
    group_name: str
    colour: str
    headline: str
    sub_principles: list[str]
    quote: str | None
    catalogue_value_url: str


class PrincipekaartPublic(BaseModel):
    slug: str
    title: str
    year: int | None
    builtin: bool
    catalogue: str
    central_question: str
    source: SourceDoc | None
    values: list[CardValuePublic]
    process: CardProcess | None
    uses: list[str]
