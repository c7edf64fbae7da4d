"""Account tables.

Secrets are never stored as given: passwords as argon2 hashes, login-session and invitation
tokens as SHA-256 hashes (they are long random values, so a fast hash suffices), so a leaked
database copy logs nobody in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow

Role = Literal["owner", "facilitator", "viewer"]
ROLES: tuple[Role, ...] = ("owner", "facilitator", "viewer")


class UserAccount(SQLModel, table=True):
    """A facilitator's account ("user" is a reserved word in PostgreSQL)."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-cased
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=foreign_key("user_account.id", cascade=True))
    organisation_id: int = Field(sa_column=foreign_key("organisation.id", cascade=True))
    role: str = Field(max_length=16)  # owner | facilitator | viewer
    created_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """One login on one browser; the cookie holds the token, this row only its hash."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(sa_column=foreign_key("user_account.id", cascade=True))
    # The organisation this login acts for (a user may belong to several).
    organisation_id: int = Field(sa_column=foreign_key("organisation.id", cascade=True))
    # Sent back by forms and fetch; useless without the cookie, so stored as is.
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Invitation(SQLModel, table=True):
    """A one-time link to join an organisation; the owner passes the link on by hand."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id", cascade=True))
    email: str = Field(max_length=254)
    role: str = Field(max_length=16)
    invited_by: int | None = Field(
        default=None,
        sa_column=foreign_key("user_account.id", index=False, nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
