"""Loading the built-in content: the Waardenkaart, the casus library, the 2024 Principekaart and
the programmes of the 2024 process.

Loading is idempotent (rows are matched by key and slug, so ``make run`` can load on every
start) and all-or-nothing (the caller commits once). The files live in the package so an
installed wheel carries them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import app.models  # noqa: F401  (registers every table on the metadata)
from app.cards import service as cards
from app.cards.schemas import PrincipekaartDocument
from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.catalogue.models import Catalogue
from app.catalogue.validation import validate_document
from app.db import DbSession
from app.organisations import service as organisations
from app.programmes import service as programmes
from app.programmes.schemas import ProgrammesFile

CATALOGUE_FILE = ("catalogue", "waardenkaart-sociaal-domein.json")
CASUSSEN_FILE = ("casussen", "casussen.json")
PRINCIPEKAART_FILE = ("cards", "principekaart-professionals-2024.json")
PROGRAMMES_FILE = ("programmes", "programmes.json")


def read_builtin(package: str, name: str) -> Any:
    text = resources.files(f"app.{package}").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class LoadReport:
    catalogues: int
    values: int
    casussen: int
    principekaarten: int
    programmes: int = 0


def load_builtin_content(db: DbSession) -> LoadReport:
    builtin = organisations.ensure_builtin(db)
    organisations.ensure_demo(db)
    assert builtin.id is not None

    document = validate_document(read_builtin(*CATALOGUE_FILE))
    catalogue = next(
        (
            row
            for row in catalogues.list_visible(db, organisation_id=builtin.id)
            if row.slug == document.slug and row.organisation_id == builtin.id
        ),
        None,
    ) or Catalogue(organisation_id=builtin.id, slug=document.slug, name=document.name)
    catalogues.write_document(db, catalogue=catalogue, document=document)

    casus_document = casussen.validate_document(
        db, read_builtin(*CASUSSEN_FILE), organisation_id=builtin.id, check_taken=False
    )
    casussen.sync_document(db, document=casus_document, organisation_id=builtin.id)

    card_document = PrincipekaartDocument.model_validate(read_builtin(*PRINCIPEKAART_FILE))
    cards.sync_document(db, document=card_document, organisation_id=builtin.id, catalogue=catalogue)

    programme_document = ProgrammesFile.model_validate(read_builtin(*PROGRAMMES_FILE))
    n_programmes = programmes.sync_builtin(
        db, document=programme_document, organisation_id=builtin.id
    )
    return LoadReport(
        catalogues=1,
        values=len(document.values),
        casussen=len(casus_document.casussen),
        principekaarten=1,
        programmes=n_programmes,
    )
