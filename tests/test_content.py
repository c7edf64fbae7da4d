"""Loading the built-in content is idempotent and keeps row ids stable."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.casussen.models import Casus
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue, Opvatting
from app.content import load_builtin_content
from app.organisations.models import Organisation

MODELS = (
    Organisation,
    Catalogue,
    CatalogueCluster,
    CatalogueValue,
    Opvatting,
    Casus,
    Principekaart,
    PrincipekaartValue,
)


def _snapshot(db: Session) -> dict[str, tuple[int, int | None]]:
    result = {}
    for model in MODELS:
        count = db.exec(select(func.count()).select_from(model)).one()
        highest = db.exec(select(func.max(model.id))).one()
        result[model.__name__] = (count, highest)
    return result


class TestLoadBuiltinContent:
    def test_loading_twice_changes_nothing(self, db: Session) -> None:
        before = _snapshot(db)
        report = load_builtin_content(db)
        db.flush()
        assert _snapshot(db) == before
        assert (report.values, report.principekaarten) == (25, 1)
        assert report.casussen >= 12

    def test_repairs_a_changed_builtin_value(self, db: Session) -> None:
        value = db.exec(select(CatalogueValue).where(CatalogueValue.key == "privacy")).one()
        value.name = "Verknoeid"
        db.add(value)
        db.flush()
        load_builtin_content(db)
        db.refresh(value)
        assert value.name == "Privacy"
