"""The catalogue service keeps what denksessies, trajects and cards are built on, and reorders
values within a cluster; against the real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.catalogue import service as catalogues
from app.catalogue.models import Catalogue
from app.catalogue.schemas import ValueUpdate
from app.errors import Rejected
from app.sessions import service as sessions
from app.sessions.models import Denksessie, Principle
from app.sessions.schemas import DenksessieCreate
from app.trajects.models import Traject, TrajectAudit
from tests.catalogue.factories import catalogue_document
from tests.sessions.factories import casus_ids, make_round, open_


@pytest.fixture
def own(db: Session, demo_org_id: int) -> Catalogue:
    """Vrijheid: regie, vrijheid-van-keuze; Nut: eenvoud, snelheid."""
    document = catalogue_document(
        values=[
            {"key": "regie", "name": "Regie", "cluster": "vrijheid"},
            {"key": "keuze", "name": "Keuze", "cluster": "vrijheid"},
            {"key": "eenvoud", "name": "Eenvoud", "cluster": "nut"},
            {"key": "snelheid", "name": "Snelheid", "cluster": "nut"},
        ]
    )
    return catalogues.create_from_document(db, raw=document, organisation_id=demo_org_id)


def _denksessie(db: Session, organisation_id: int) -> Denksessie:
    data = DenksessieCreate(
        title="Wijkteam Noord",
        catalogue="eigen-waarden",
        casus_ids=casus_ids(db, organisation_id=organisation_id, count=1),
    )
    return sessions.create(db, organisation_id=organisation_id, data=data)


def _order(db: Session, catalogue: Catalogue) -> list[str]:
    return list(catalogues.value_names(db, catalogue))


class TestValuesInUse:
    def test_a_catalogue_nobody_uses_has_no_values_in_use(
        self, db: Session, own: Catalogue
    ) -> None:
        assert catalogues.values_in_use(db, own) == set()

    def test_a_denksessie_without_rounds_holds_no_value(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        _denksessie(db, demo_org_id)
        catalogues.delete_value(db, catalogue=own, key="snelheid")
        assert "snelheid" not in _order(db, own)

    def test_the_candidates_of_a_round_are_in_use(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        denksessie = _denksessie(db, demo_org_id)
        make_round(db, denksessie, "ranking", candidates=["regie", "eenvoud"])
        assert catalogues.values_in_use(db, own) == {"regie", "eenvoud"}
        with pytest.raises(Rejected) as refused:
            catalogues.delete_value(db, catalogue=own, key="eenvoud")
        assert (refused.value.code, refused.value.reason) == ("VALUE_IN_USE", "DENKSESSIE")
        assert refused.value.params == {"values": "Eenvoud", "title": "Wijkteam Noord"}
        assert "eenvoud" in _order(db, own)

    def test_a_casus_round_holds_every_value_once_it_opened(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        denksessie = _denksessie(db, demo_org_id)
        casus = make_round(db, denksessie, "casus")
        assert catalogues.values_in_use(db, own) == set()  # a draft names no value yet
        open_(db, denksessie, casus)
        assert catalogues.values_in_use(db, own) == {"regie", "keuze", "eenvoud", "snelheid"}

    def test_a_value_with_principles_written_is_in_use(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        denksessie = _denksessie(db, demo_org_id)
        casus = make_round(db, denksessie, "casus")
        assert casus.id is not None
        db.add(Principle(round_id=casus.id, value_key="keuze", text="Ik laat kiezen."))
        db.flush()
        assert catalogues.values_in_use(db, own) == {"keuze"}

    def test_a_traject_holds_the_values_it_decided_on(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        assert own.id is not None
        traject = Traject(
            organisation_id=demo_org_id,
            catalogue_id=own.id,
            title="Koers 2027",
            central_question="Wat leidt ons?",
            tie_break_order=["regie", "keuze", "eenvoud", "snelheid"],
        )
        db.add(traject)
        db.flush()
        assert catalogues.values_in_use(db, own) == set()  # the drawn order holds nothing
        assert traject.id is not None
        db.add(
            TrajectAudit(traject_id=traject.id, stage="shortlist", action="add", values=["regie"])
        )
        db.flush()
        with pytest.raises(Rejected) as refused:
            catalogues.delete_value(db, catalogue=own, key="regie")
        assert refused.value.reason == "TRAJECT"

    def test_a_replacing_document_cannot_drop_a_value_in_use(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        denksessie = _denksessie(db, demo_org_id)
        make_round(db, denksessie, "principle", value_key="snelheid")
        document = catalogues.to_document(db, own).model_dump()
        document["values"] = [v for v in document["values"] if v["key"] != "snelheid"]
        with pytest.raises(Rejected):
            catalogues.replace_from_document(db, catalogue=own, raw=document)


class TestMoving:
    def test_up_and_down_swap_with_the_neighbour_in_the_cluster(
        self, db: Session, own: Catalogue
    ) -> None:
        assert catalogues.move_value(db, catalogue=own, key="keuze", direction="up")
        assert _order(db, own) == ["keuze", "regie", "eenvoud", "snelheid"]
        assert catalogues.move_value(db, catalogue=own, key="keuze", direction="down")
        assert _order(db, own) == ["regie", "keuze", "eenvoud", "snelheid"]

    @pytest.mark.parametrize(("key", "direction"), [("regie", "up"), ("keuze", "down")])
    def test_nothing_moves_past_the_edge_of_its_cluster(
        self, db: Session, own: Catalogue, key: str, direction: str
    ) -> None:
        assert not catalogues.move_value(
            db,
            catalogue=own,
            key=key,
            direction="up" if direction == "up" else "down",
        )
        assert _order(db, own) == ["regie", "keuze", "eenvoud", "snelheid"]

    def test_a_value_moved_to_another_cluster_goes_last_there(
        self, db: Session, own: Catalogue
    ) -> None:
        catalogues.update_value(db, catalogue=own, key="regie", data=ValueUpdate(cluster="nut"))
        assert _order(db, own) == ["keuze", "eenvoud", "snelheid", "regie"]
        public = catalogues.to_public(db, own)
        assert [v.key for v in public.clusters[1].values] == ["eenvoud", "snelheid", "regie"]


class TestFreeSlug:
    def test_a_taken_slug_gets_a_number(
        self, db: Session, own: Catalogue, demo_org_id: int
    ) -> None:
        assert catalogues.free_slug(db, organisation_id=demo_org_id, name="Eigen waarden") == (
            "eigen-waarden-2"
        )
        assert catalogues.free_slug(db, organisation_id=demo_org_id, name="!!") == "catalogus"
