"""A traject keeps the values that clashed in its sessions' schuur rounds: its page lists the top
pairs, and the card's verantwoording lists them with the headline principles on the card of
either value of each pair (decision 0032)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cards.models import Principekaart
from app.cards.schemas import Verantwoording
from app.trajects import flows
from app.trajects import service as trajects
from app.trajects.clashes import top_clashes
from app.trajects.models import Traject
from app.trajects.schemas import CardCreate, CurationChoice, RankingRoundCreate
from tests.sessions.factories import cast, close, make_denksessie, make_open_round, make_participant
from tests.trajects.factories import attach, make_traject, prioritising_session, rank

ON_CARD = ["menselijkheid", "billijkheid"]
ME, BI, VE, GE = "menselijkheid", "billijkheid", "vertrouwen", "gelijkheid"
CLASHES = [[[ME, BI]], [[BI, ME]], [[ME, BI], [VE, GE]], [[GE, BI]]]
LATER = [[[VE, GE]]]


def _traject_card(db: Session, organisation_id: int) -> tuple[Traject, Principekaart]:
    traject = make_traject(db, organisation_id=organisation_id, title="Wijkteam Zuid", card_size=2)
    denksessie = make_denksessie(db, organisation_id=organisation_id, title="Casussen bespreken")
    attach(db, traject, denksessie, "naming", organisation_id=organisation_id)
    casus_round = make_open_round(db, denksessie, "casus", max_values=10)
    people = [make_participant(db, denksessie) for _ in CLASHES]
    for person in people:
        principles = {value: f"Ik denk aan {value}." for value in ON_CARD}
        cast(
            db,
            denksessie,
            person,
            casus_round,
            {"decision": "toekennen", "values": ON_CARD, "principles": principles},
        )
    close(db, denksessie, casus_round)
    schuur_round = make_open_round(db, denksessie, "schuur", candidates=[ME, BI, VE, GE])
    for person, pairs in zip(people, CLASHES, strict=True):
        cast(db, denksessie, person, schuur_round, {"pairs": pairs})
    close(db, denksessie, schuur_round)
    prioritising = prioritising_session(db, traject, organisation_id=organisation_id)
    # A second schuur round in another session: its counts add up with the first.
    later = make_open_round(db, prioritising, "schuur", candidates=[ME, BI, VE, GE], max_pairs=1)
    for pairs in LATER:
        cast(db, prioritising, make_participant(db, prioritising), later, {"pairs": pairs})
    close(db, prioritising, later)
    _, ranking = flows.create_ranking_round(
        db, traject=traject, data=RankingRoundCreate(candidates=ON_CARD)
    )
    rank(db, prioritising, ranking, [ON_CARD] * 3)
    for value in ON_CARD:
        ids = [i.id for g in trajects.principle_groups(db, traject, value) for i in g.items]
        trajects.choose_principles(
            db,
            traject=traject,
            value_key=value,
            data=CurationChoice.model_validate(
                {
                    "headline": {"principle_id": ids[0], "text": f"Ik kies voor {value}."},
                    "subs": [{"principle_id": i} for i in ids[1:4]],
                }
            ),
        )
    card = flows.make_card(db, traject=traject, data=CardCreate())
    db.commit()
    return traject, card


@pytest.fixture
def made(db: Session, demo_org_id: int) -> tuple[Traject, Principekaart]:
    return _traject_card(db, demo_org_id)


def _text(html: str, start_marker: str) -> str:
    start = html.index(start_marker)
    part = html[start : html.index("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


def test_the_traject_adds_the_pairs_of_its_schuur_rounds(
    db: Session, made: tuple[Traject, Principekaart]
) -> None:
    traject, _ = made
    clashes = [(c.a, c.b, c.count, c.rank, c.tied, c.rounds) for c in top_clashes(db, traject)]
    assert clashes[0] == (BI, ME, 3, 1, False, 1)
    # Named twice over two sessions: second place on its own; the lone (billijkheid,
    # gelijkheid) is third.
    assert clashes[1] == (GE, VE, 2, 2, False, 2)
    assert clashes[2] == (BI, GE, 1, 3, False, 1)


def test_the_verantwoording_lists_the_clashes_with_the_principles_that_answer_them(
    client: TestClient, made: tuple[Traject, Principekaart]
) -> None:
    _, card = made
    assert card.verantwoording is not None
    account = Verantwoording.model_validate(card.verantwoording)
    assert [(c.a, c.b, c.count) for c in account.clashes] == [(BI, ME, 3), (GE, VE, 2), (BI, GE, 1)]
    text = _text(
        client.get(f"/principekaarten/{card.slug}").text, '<section class="verantwoording"'
    )
    assert "Welke waarden schuurden?" in text
    both = text[text.index("Billijkheid ↔ Menselijkheid") : text.index("Gelijkheid ↔ Vertrouwen")]
    assert "3 keer genoemd" in both
    assert "Ik kies voor billijkheid." in both
    assert "Ik kies voor menselijkheid." in both
    neither = text[text.index("Gelijkheid ↔ Vertrouwen") : text.index("Billijkheid ↔ Gelijkheid")]
    assert "Geen van beide waarden staat op de kaart" in neither
    one = text[text.index("Billijkheid ↔ Gelijkheid") :]
    assert "Ik kies voor billijkheid." in one
    assert "Ik kies voor menselijkheid." not in one


def test_the_traject_page_shows_the_top_pairs(
    client: TestClient, made: tuple[Traject, Principekaart]
) -> None:
    traject, _ = made
    page = client.get(f"/console/trajecten/{traject.id}")
    assert page.status_code == 200
    text = _text(page.text, 'aria-labelledby="clashes-title"')
    assert "Waarden die schuren" in text
    assert "1. Billijkheid ↔ Menselijkheid — 3 keer genoemd" in text
    assert "2. Gelijkheid ↔ Vertrouwen — 2 keer genoemd in 2 rondes" in text
