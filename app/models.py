"""Imports every table module so ``metadata`` is complete (Alembic and model tests use this)."""

from app.accounts.models import Invitation, LoginSession, Membership, UserAccount
from app.cards.models import Principekaart, PrincipekaartValue
from app.casussen.models import Casus
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue, Opvatting
from app.db import metadata
from app.organisations.models import Organisation
from app.programmes.models import Programme
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    CardQuote,
    Denksessie,
    HiddenReason,
    ModerationLog,
    OpenAnswerMark,
    Participant,
    Principle,
    SessionRound,
)
from app.trajects.models import Traject, TrajectAudit, TrajectPrinciple, TrajectSession

__all__ = [
    "Invitation",
    "LoginSession",
    "Membership",
    "UserAccount",
    "Ballot",
    "BallotSubmission",
    "CardQuote",
    "Denksessie",
    "HiddenReason",
    "ModerationLog",
    "OpenAnswerMark",
    "Participant",
    "Principle",
    "SessionRound",
    "Casus",
    "Catalogue",
    "CatalogueCluster",
    "CatalogueValue",
    "Opvatting",
    "Organisation",
    "Principekaart",
    "PrincipekaartValue",
    "Programme",
    "Traject",
    "TrajectAudit",
    "TrajectPrinciple",
    "TrajectSession",
    "metadata",
]
