"""The verantwoording of a card a traject really made, read as a person reads it: a story in
plain Dutch, with dates as people write them, who took part (small role groups hidden), how the
casussen were decided, the card against the Waardenkaart, and no machine output."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cards.models import Principekaart
from app.cards.schemas import Verantwoording
from app.trajects import flows
from app.trajects import service as trajects
from app.trajects.models import Traject
from app.trajects.schemas import CardCreate, CurationChoice, RankingRoundCreate, ShortlistChange
from tests.sessions.factories import cast, close, make_denksessie, make_open_round, make_participant
from tests.trajects.factories import attach, make_traject, prioritising_session, rank

SELECTED = ["menselijkheid", "billijkheid"]
REASON = "Vertrouwen kwam in elk gesprek terug."
# (role, decision, {value: principle}) per participant of the one naming session
ANSWERS: list[tuple[str | None, str, dict[str, str]]] = [
    ("welzijn", "toekennen", {"menselijkheid": "Ik luister eerst.", "billijkheid": "Ik weeg af."}),
    (
        "welzijn",
        "toekennen",
        {"menselijkheid": "Ik zie de mens.", "billijkheid": "Ik kijk wat past."},
    ),
    ("welzijn", "twijfel", {"menselijkheid": "Ik neem de tijd.", "billijkheid": "Ik leg uit."}),
    (
        "gemeente",
        "niet_toekennen",
        {"menselijkheid": "Ik ben eerlijk.", "billijkheid": "Ik volg de wet."},
    ),
    (
        "inwoner",
        "toekennen",
        {"menselijkheid": "Ik vraag door.", "billijkheid": "Ik maak verschil."},
    ),
    (None, "niet_toekennen", {"menselijkheid": "Ik blijf rustig."}),
]


def _traject_card(db: Session, organisation_id: int) -> tuple[Traject, Principekaart]:
    traject = make_traject(db, organisation_id=organisation_id, title="Wijkteam Zuid", card_size=2)
    denksessie = make_denksessie(db, organisation_id=organisation_id, title="Casussen bespreken")
    attach(db, traject, denksessie, "naming", organisation_id=organisation_id)
    casus_round = make_open_round(db, denksessie, "casus", max_values=10)
    for role, decision, principles in ANSWERS:
        cast(
            db,
            denksessie,
            make_participant(db, denksessie, role=role),
            casus_round,
            {"decision": decision, "values": list(principles), "principles": principles},
        )
    close(db, denksessie, casus_round)
    trajects.change_shortlist(
        db,
        traject=traject,
        data=ShortlistChange(action="add", values=["vertrouwen"], reason=REASON),
    )
    prioritising = prioritising_session(db, traject, organisation_id=organisation_id)
    _, ranking = flows.create_ranking_round(
        db, traject=traject, data=RankingRoundCreate(candidates=SELECTED)
    )
    rank(db, prioritising, ranking, [SELECTED] * 3)
    for value in SELECTED:
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


def _section(html: str) -> str:
    start = html.index('<section class="verantwoording"')
    part = html[start : html.index("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


class TestTheAccount:
    def test_decisions_per_casus_roles_with_a_floor_and_the_rewordings(
        self, made: tuple[Traject, Principekaart]
    ) -> None:
        _, card = made
        assert card.verantwoording is not None
        account = Verantwoording.model_validate(card.verantwoording)
        [casus] = account.casus_decisions
        assert (casus.toekennen, casus.niet_toekennen, casus.twijfel) == (3, 2, 1)
        assert casus.session == "Casussen bespreken"
        naming = account.sessions[0]
        assert [(r.role, r.count) for r in naming.roles] == [("welzijn", 3), ("overig", 3)]
        assert account.principles_written == {"menselijkheid": 6, "billijkheid": 5}
        assert {r.value for r in account.rewordings} == set(SELECTED)
        assert not {"choose", "edit"} & {entry.action for entry in account.audit}


class TestRolesOnTheCard:
    def test_follow_the_exports_rule_an_overig_of_one_takes_the_smallest_group_along(
        self, db: Session, demo_org_id: int
    ) -> None:
        """Three welzijn, four gemeente and one inwoner: "overig 1" would point at the one
        inwoner, so the smallest shown group (welzijn) is counted under overig too."""
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        for role in ["welzijn"] * 3 + ["gemeente"] * 4 + ["inwoner"]:
            make_participant(db, denksessie, role=role)
        assert denksessie.id is not None
        counts = [(r.role, r.count) for r in flows.role_counts(db, denksessie.id)]
        assert counts == [("gemeente", 4), ("overig", 4)]


class TestThePage:
    def test_reads_as_a_story_without_machine_output(
        self, client: TestClient, made: tuple[Traject, Principekaart]
    ) -> None:
        _, card = made
        text = _section(client.get(f"/principekaarten/{card.slug}").text)
        assert "Deze kaart is gemaakt in het traject “Wijkteam Zuid”." in text
        assert "Eerst bespraken de deelnemers fictieve casussen." in text
        assert "Samen noemden ze 2 van de 25 waarden." in text
        assert "De kaart spreekt voor de mensen die meededen, vanuit hun rol: welzijn." in text
        assert "welzijn 3, overig 3" in text
        assert "gemeente" not in text  # fewer than 3 chose it: counted as "overig"
        assert "inwoner 1" not in text
        assert "Casussen bespreken 3 2 1" in text
        assert "Deze kaart heeft waarden uit 2 van die clusters" in text
        assert "Empathie (sociaal): Menselijkheid" in text
        assert "Geen waarde uit de clusters Vrijheid, Puurheid" in text
        assert "Menselijkheid: gekozen uit 6 geschreven principes." in text
        assert "“Ik luister eerst.” werd “Ik kies voor menselijkheid.”" in text

    def test_no_timestamps_english_words_or_database_ids(
        self, client: TestClient, made: tuple[Traject, Principekaart]
    ) -> None:
        _, card = made
        text = _section(client.get(f"/principekaarten/{card.slug}").text)
        months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
        added = rf"\d{{1,2}} ({months}|december) 20\d\d: Vertrouwen toegevoegd aan de shortlist\."
        assert re.search(added, text)
        assert f"Reden: {REASON}" in text
        assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d", text)  # no ISO dates or times
        for word in ("choose", "edit", "add", "naming", "prioritising", "schulze_borda", "None"):
            assert not re.search(rf"\b{word}\b", text), word
        assert not re.search(r"(kopprincipe|subprincipes) \d", text)  # no principle ids

    def test_tables_stack_on_a_phone(
        self, client: TestClient, made: tuple[Traject, Principekaart]
    ) -> None:
        _, card = made
        html = client.get(f"/principekaarten/{card.slug}").text
        assert '<table class="stack">' in html
        assert 'data-label="Deelnemers"' in html
        css = client.get("/static/css/card.css").text
        assert "table.stack td::before { content: attr(data-label)" in css

    def test_english_reader(self, client: TestClient, made: tuple[Traject, Principekaart]) -> None:
        _, card = made
        text = _section(client.get(f"/principekaarten/{card.slug}?lang=en").text)
        assert "Who took part?" in text
        assert not re.search(r"\b(Deze|Wie|Eerst|gekozen)\b", text)


class TestCurationPage:
    def test_one_sub_principle_is_saved_with_a_warning_and_a_quote_can_be_marked(
        self, client: TestClient, made: tuple[Traject, Principekaart]
    ) -> None:
        traject, _ = made
        api = f"/api/v1/trajects/{traject.id}/curation/billijkheid"
        ids = [p["id"] for g in client.get(api).json()["groups"] for p in g["principles"]]
        body = {
            "headline": {"principle_id": ids[0]},
            "subs": [{"principle_id": ids[1]}],
            "quote_id": ids[2],
        }
        answer = client.put(api, json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["unusual_subs"] is True
        html = client.get(f"/console/trajecten/{traject.id}").text
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert "Deze waarde heeft 1 subprincipes. Meestal zijn het er 3 of 4." in text
        assert "Voorstel: de principes met de meeste steun" in text
        assert f'name="quote" value="{ids[2]}" checked' in html
        card = client.post(f"/api/v1/trajects/{traject.id}/card", json={})
        assert card.status_code == 201, card.text
        saved = client.get(f"/api/v1/principekaarten/{card.json()['slug']}").json()
        billijkheid = next(v for v in saved["values"] if v["value"] == "billijkheid")
        assert len(billijkheid["sub_principles"]) == 1
        assert billijkheid["quote"] in {a[2].get("billijkheid") for a in ANSWERS}
