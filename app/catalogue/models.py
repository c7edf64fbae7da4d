"""Catalogue tables: a catalogue has clusters, a cluster has values, a value has opvattingen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow


class Catalogue(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id"))
    slug: str = Field(max_length=80)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    language: str = Field(default="nl", max_length=8)
    source: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The three fixed groups as this catalogue words them: [{key, name, description}]
    groups: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CatalogueCluster(SQLModel, table=True):
    __tablename__ = "catalogue_cluster"
    __table_args__ = (UniqueConstraint("catalogue_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: int = Field(sa_column=foreign_key("catalogue.id", cascade=True))
    key: str = Field(max_length=80)
    name: str = Field(max_length=120)
    group: str = Field(max_length=16)
    description: str = Field(default="", max_length=4000)
    position: int = 0


class CatalogueValue(SQLModel, table=True):
    __tablename__ = "catalogue_value"
    __table_args__ = (UniqueConstraint("catalogue_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: int = Field(sa_column=foreign_key("catalogue.id", cascade=True))
    cluster_id: int = Field(sa_column=foreign_key("catalogue_cluster.id", cascade=True))
    key: str = Field(max_length=80)
    name: str = Field(max_length=120)
    position: int = 0


class Opvatting(SQLModel, table=True):
    """A quoted conviction through which people express a value ("Mensen houden regie ...")."""

    id: int | None = Field(default=None, primary_key=True)
    value_id: int = Field(sa_column=foreign_key("catalogue_value.id", cascade=True))
    text: str = Field(max_length=1000)
    position: int = 0
