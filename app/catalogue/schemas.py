"""Catalogue schemas: the exchange document (JSON/YAML import and export) and the API shapes.

The document is flat (groups, clusters, values each in their own list, values pointing at their
cluster by key) so that a spreadsheet-minded organisation can edit it and so that "a value in no
cluster" or "in two clusters" is something the validator can name precisely.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas import StrictModel

CATALOGUE_FORMAT = "denksessie-catalogue/1"

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
NAME_MAX = 120
TEXT_MAX = 1000
DESCRIPTION_MAX = 4000


class SourceDoc(StrictModel):
    """Where the content comes from; shown with the card so the attribution travels along."""

    title: str = Field(default="", max_length=300)
    publisher: str = Field(default="", max_length=300)
    year: int | None = Field(default=None, ge=1900, le=2100)
    commissioned_by: str = Field(default="", max_length=500)
    url: str = Field(default="", max_length=500)
    note: str = Field(default="", max_length=1000)


class GroupDoc(StrictModel):
    key: str = Field(max_length=16)
    name: str = Field(default="", max_length=NAME_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)


class ClusterDoc(StrictModel):
    key: str = Field(max_length=80, pattern=KEY_PATTERN)
    name: str = Field(max_length=NAME_MAX)
    group: str = Field(max_length=16)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)


class ValueDoc(StrictModel):
    key: str = Field(max_length=80, pattern=KEY_PATTERN)
    name: str = Field(max_length=NAME_MAX)
    cluster: str = Field(max_length=80)
    opvattingen: list[str] = Field(default_factory=list, max_length=50)


class CatalogueDocument(StrictModel):
    format: Literal["denksessie-catalogue/1"] = "denksessie-catalogue/1"
    slug: str = Field(max_length=80, pattern=KEY_PATTERN)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    language: Literal["nl", "en"] = "nl"
    source: SourceDoc | None = None
    groups: list[GroupDoc] = Field(default_factory=list, max_length=3)
    clusters: list[ClusterDoc] = Field(max_length=100)
    values: list[ValueDoc] = Field(max_length=500)


# --- API shapes --------------------------------------------------------------------------------


class OpvattingPublic(BaseModel):
    id: int
    text: str


class ValuePublic(BaseModel):
    key: str
    name: str
    cluster: str
    opvattingen: list[str]
    opvatting_ids: list[int]


class ClusterPublic(BaseModel):
    key: str
    name: str
    group: str
    group_name: str
    colour: str
    description: str
    values: list[ValuePublic]


class GroupPublic(BaseModel):
    key: str
    name: str
    description: str
    colour: str


class CatalogueSummary(BaseModel):
    slug: str
    name: str
    description: str
    builtin: bool
    n_clusters: int
    n_values: int


class CataloguePublic(BaseModel):
    slug: str
    name: str
    description: str
    language: str
    builtin: bool
    source: SourceDoc | None
    groups: list[GroupPublic]
    clusters: list[ClusterPublic]


class CatalogueUpdate(StrictModel):
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class CatalogueClone(StrictModel):
    slug: str = Field(max_length=80, pattern=KEY_PATTERN)
    name: str = Field(max_length=200)


class ClusterCreate(StrictModel):
    key: str | None = Field(default=None, max_length=80, pattern=KEY_PATTERN)
    name: str = Field(max_length=NAME_MAX)
    group: str = Field(max_length=16)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)


class ClusterUpdate(StrictModel):
    name: str | None = Field(default=None, max_length=NAME_MAX)
    group: str | None = Field(default=None, max_length=16)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)


class ValueCreate(StrictModel):
    key: str | None = Field(default=None, max_length=80, pattern=KEY_PATTERN)
    name: str = Field(max_length=NAME_MAX)
    cluster: str = Field(max_length=80)
    opvattingen: list[str] = Field(default_factory=list, max_length=50)


class ValueUpdate(StrictModel):
    name: str | None = Field(default=None, max_length=NAME_MAX)
    cluster: str | None = Field(default=None, max_length=80)
    opvattingen: list[str] | None = Field(default=None, max_length=50)


class OpvattingCreate(StrictModel):
    text: str = Field(max_length=TEXT_MAX)


class OpvattingUpdate(StrictModel):
    text: str = Field(max_length=TEXT_MAX)
