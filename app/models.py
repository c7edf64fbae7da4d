"""Imports every table module so ``metadata`` is complete (Alembic and model tests use this)."""

from app.cards.models import Principekaart, PrincipekaartValue
from app.casussen.models import Casus
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue, Opvatting
from app.db import metadata
from app.organisations.models import Organisation
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    Denksessie,
    ModerationLog,
    Participant,
    Principle,
    SessionRound,
)

__all__ = [
    "Ballot",
    "BallotSubmission",
    "Denksessie",
    "ModerationLog",
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
    "metadata",
]
