"""Typed dependencies, so routes read like prose: ``db: DbSession, org: CurrentOrganisation``.

``get_db`` is the one commit boundary of an HTTP request: commit when the route returns, roll
back when it raises. It runs with ``scope="function"`` so the commit happens before the response
is sent: a client never sees 201 for something that was not stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.config import Settings
from app.db import committing
from app.organisations import service as organisations
from app.organisations.models import Organisation


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as db, committing(db):
        yield db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def current_organisation(db: DbSession) -> Organisation:
    """The organisation a request acts for.

    Until facilitator accounts exist (issue 6) every request acts for the demo organisation;
    see docs/decisions/0002-organisation-until-accounts.md.
    """
    return organisations.ensure_demo(db)


CurrentOrganisation = Annotated[Organisation, Depends(current_organisation)]


def organisation_id(organisation: CurrentOrganisation) -> int:
    assert organisation.id is not None
    return organisation.id


OrganisationId = Annotated[int, Depends(organisation_id)]
