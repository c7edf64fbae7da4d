"""Intervisie with a Principekaart: the form with its anonymisation checklist, the rounds it
makes (the card's values only, plus one other value), and the comparison "Kaart en zaal"."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cards import intervisie
from app.cards.models import Principekaart
from app.cards.room import ValueInRoom, compare_room
from app.casussen.models import Casus
from app.errors import InvalidInput, Rejected
from app.sessions import ballots, flows
from app.sessions import service as sessions
from app.sessions.models import Denksessie, Participant, SessionRound
from app.sessions.schemas import JoinRequest
from tests.accounts.support import HTML, form_token
from tests.cards.factories import make_draft_card
from tests.conftest import OtherOrganisation
from tests.sessions.factories import make_denksessie

BUILTIN = "principekaart-professionals-2024"
CARD_VALUES = [
    "menselijkheid",
    "zelfbeschikking",
    "verantwoordelijkheid",
    "billijkheid",
    "doeltreffendheid",
]
FORM = f"/principekaarten/{BUILTIN}/intervisie"
CASUS = {
    "title": "Een moeder wil extra begeleiding",
    "situation": "Een moeder met twee kinderen vraagt extra begeleiding. Haar zoon gaat niet "
    "meer naar school.",
    "decision_question": "Ken je extra begeleiding toe?",
}
ALL_TICKED = list(intervisie.CHECKLIST)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _post(client: TestClient, checklist: list[str], **fields: str) -> object:
    token = form_token(client, FORM)
    return client.post(
        FORM,
        data={"csrf_token": token, **CASUS, **fields, "checklist": checklist},
        headers=HTML,
        follow_redirects=False,
    )


def _count(db: Session, model: type) -> int:
    return len(db.exec(select(model)).all())


class TestChecklist:
    def test_all_ticked_starts_the_intervisie_and_opens_the_console(
        self, client: TestClient, db: Session
    ) -> None:
        answer = _post(client, ALL_TICKED)
        assert answer.status_code == 303  # type: ignore[attr-defined]
        location = answer.headers["location"]  # type: ignore[attr-defined]
        assert re.fullmatch(r"/console/\d+", location)
        denksessie = db.get(Denksessie, int(location.rsplit("/", 1)[1]))
        assert denksessie is not None
        assert denksessie.title == "Intervisie: Een moeder wil extra begeleiding"
        card = db.exec(select(Principekaart).where(Principekaart.slug == BUILTIN)).one()
        assert denksessie.principekaart_id == card.id
        casus = db.get(Casus, denksessie.casus_ids[0])
        assert casus is not None
        assert casus.organisation_id == denksessie.organisation_id  # own, not built-in
        assert casus.situation.startswith("Een moeder met twee kinderen")

    @pytest.mark.parametrize("missing", intervisie.CHECKLIST)
    def test_one_box_not_ticked_saves_nothing_and_says_which(
        self, client: TestClient, db: Session, missing: str
    ) -> None:
        casussen_before, sessies_before = _count(db, Casus), _count(db, Denksessie)
        answer = _post(client, [item for item in ALL_TICKED if item != missing])
        assert answer.status_code == 422  # type: ignore[attr-defined]
        html = answer.text  # type: ignore[attr-defined]
        assert "De intervisie is niet gestart; er is niets opgeslagen." in _text(html)
        assert f'id="f-checklist-{missing}-problem"' in html
        assert html.count("nog niet aangevinkt") == 2  # next to the box and in the summary
        assert (_count(db, Casus), _count(db, Denksessie)) == (casussen_before, sessies_before)

    def test_a_refused_form_keeps_what_was_typed_and_ticked(self, client: TestClient) -> None:
        html = _post(client, ["geen_namen", "geen_datums"]).text  # type: ignore[attr-defined]
        assert 'value="Een moeder wil extra begeleiding"' in html
        assert "Haar zoon gaat niet meer naar school.</textarea>" in html
        assert re.search(r'value="geen_namen" id="f-checklist-geen_namen" checked', html)
        assert not re.search(r'value="geen_plaatsen" id="f-checklist-geen_plaatsen" checked', html)

    def test_an_empty_story_is_named_next_to_its_field(self, client: TestClient) -> None:
        html = _post(client, ALL_TICKED, situation="").text  # type: ignore[attr-defined]
        assert 'id="f-situation-problem"' in html

    def test_without_the_csrf_token_nothing_is_saved(self, client: TestClient, db: Session) -> None:
        before = _count(db, Casus)
        del client.headers["x-csrf-token"]
        answer = client.post(
            FORM, data={**CASUS, "checklist": ALL_TICKED}, headers=HTML, follow_redirects=False
        )
        assert answer.status_code == 403
        assert _count(db, Casus) == before

    def test_the_domain_refuses_without_the_checklist_too(
        self, db: Session, demo_org_id: int
    ) -> None:
        card = db.exec(select(Principekaart).where(Principekaart.slug == BUILTIN)).one()
        data = intervisie.IntervisieCreate(**CASUS, checklist=["geen_namen"])
        with pytest.raises(InvalidInput) as refused:
            intervisie.start(db, card=card, organisation_id=demo_org_id, data=data)
        assert {p.loc for p in refused.value.problems} == {
            "checklist.geen_datums",
            "checklist.geen_plaatsen",
            "checklist.details_veranderd",
        }

    def test_a_viewer_gets_no_form(self, other_organisation) -> None:  # type: ignore[no-untyped-def]
        _, viewer = other_organisation(slug="kijkers", role="viewer")
        assert viewer.get(FORM, headers=HTML).status_code == 403

    def test_an_own_published_card_starts_one_with_its_own_values(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        draft = make_draft_card(db, organisation_id=demo_org_id)
        db.commit()
        assert client.post(f"/api/v1/principekaarten/{draft.slug}/publiceer").status_code == 200
        path = f"/principekaarten/{draft.slug}/intervisie"
        answer = client.post(
            path,
            data={
                "csrf_token": form_token(client, path),
                **CASUS,
                "checklist": ALL_TICKED,
            },
            headers=HTML,
            follow_redirects=False,
        )
        assert answer.status_code == 303
        denksessie = db.get(Denksessie, int(answer.headers["location"].rsplit("/", 1)[1]))
        assert denksessie is not None
        assert denksessie.principekaart_id == draft.id
        offered = _rounds(db, denksessie)[0].config["offered"]
        assert offered == intervisie.card_values(db, draft)
        assert offered != CARD_VALUES

    def test_another_organisations_card_is_not_found(
        self,
        db: Session,
        demo_org_id: int,
        other_organisation: OtherOrganisation,
    ) -> None:
        draft = make_draft_card(db, organisation_id=demo_org_id)
        _, stranger = other_organisation()
        answer = stranger.get(f"/principekaarten/{draft.slug}/intervisie", headers=HTML)
        assert answer.status_code == 404

    def test_a_draft_card_cannot_start_an_intervisie(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        draft = make_draft_card(db, organisation_id=demo_org_id)
        answer = client.get(f"/principekaarten/{draft.slug}/intervisie", headers=HTML)
        assert answer.status_code == 409
        assert "nog een concept" in answer.text


class TestHints:
    def test_names_and_dates_are_hinted_not_refused(self) -> None:
        hints = intervisie.privacy_hints(
            "Sinds 3 maart woont mevrouw Jansen in Utrecht. Op 12-04-2024 belde zij."
        )
        assert [(h.code, h.words) for h in hints] == [
            ("NAMES", ("Jansen", "Utrecht")),
            ("DATES", ("12-04-2024", "3 maart", "2024")),
        ]

    def test_a_plain_story_has_no_hint(self) -> None:
        assert intervisie.privacy_hints("Een moeder vraagt hulp. Haar zoon is ziek.") == []

    def test_the_form_shows_the_hint_after_a_refusal(self, client: TestClient) -> None:
        html = _post(  # type: ignore[attr-defined]
            client, [], situation="Mevrouw Pietersen uit Zwolle belde op 4 december."
        ).text
        assert "Staat hier misschien een naam of plaats? Pietersen, Zwolle" in _text(html)
        assert "Staat hier misschien een datum? 4 december" in _text(html)


@pytest.fixture
def started(db: Session, demo_org_id: int) -> Denksessie:
    card = db.exec(select(Principekaart).where(Principekaart.slug == BUILTIN)).one()
    return intervisie.start(
        db,
        card=card,
        organisation_id=demo_org_id,
        data=intervisie.IntervisieCreate(**CASUS, checklist=ALL_TICKED),
    )


def _rounds(db: Session, denksessie: Denksessie) -> list[SessionRound]:
    assert denksessie.id is not None
    return sessions.rounds_of(db, denksessie.id)


class TestRounds:
    def test_a_casus_round_offering_the_card_values_and_one_other(
        self, db: Session, started: Denksessie
    ) -> None:
        casus_round, decisive, arguments, other_view = _rounds(db, started)
        assert casus_round.kind == "casus"
        assert casus_round.title == CASUS["title"]
        assert casus_round.config["offered"] == CARD_VALUES
        assert casus_round.config["allow_other"] is True
        assert sessions.candidates_of(db, started, casus_round) == CARD_VALUES
        assert decisive.kind == "approval"
        assert decisive.title == "Welke waarde was doorslaggevend?"
        assert decisive.config["candidates"] == CARD_VALUES
        assert decisive.config["max_approvals"] == 1
        assert decisive.config["allow_other"] is True
        assert [arguments.kind, other_view.kind] == ["open", "open"]
        assert arguments.config["question"] == ("Welke aanvullende argumenten of opties zie je nu?")
        assert other_view.config["question"] == "Kan je er ook anders naar kijken?"
        assert (other_view.title, other_view.config["show"]) == (
            "Kan je er ook anders naar kijken?",
            "wall",
        )

    def test_an_old_casus_round_still_offers_the_whole_catalogue(
        self, db: Session, started: Denksessie
    ) -> None:
        casus_round = _rounds(db, started)[0]
        casus_round.config = {"casus_id": started.casus_ids[0], "max_values": 3}
        assert len(sessions.candidates_of(db, started, casus_round)) == 25


def _cast(
    db: Session, denksessie: Denksessie, round_id: int, kind: str, payload: dict[str, object]
) -> None:
    participant = sessions.join(db, denksessie=denksessie, data=JoinRequest())
    ballots.cast_ballot(
        db,
        denksessie=denksessie,
        participant=participant,
        round_id=round_id,
        kind=kind,
        payload=payload,
        client_msg_id=f"m-{participant.id}",
    )


def _open(db: Session, denksessie: Denksessie, session_round: SessionRound) -> None:
    assert session_round.id is not None
    flows.open_round(db, denksessie=denksessie, round_id=session_round.id)


class TestOtherValue:
    def test_one_other_value_is_taken(self, db: Session, started: Denksessie) -> None:
        casus_round = _rounds(db, started)[0]
        _open(db, started, casus_round)
        assert casus_round.id is not None
        _cast(
            db,
            started,
            casus_round.id,
            "casus",
            {"decision": "toekennen", "values": ["menselijkheid", "privacy"]},
        )

    def test_two_other_values_are_refused(self, db: Session, started: Denksessie) -> None:
        casus_round = _rounds(db, started)[0]
        _open(db, started, casus_round)
        assert casus_round.id is not None
        with pytest.raises(Rejected) as refused:
            _cast(
                db,
                started,
                casus_round.id,
                "casus",
                {"decision": "toekennen", "values": ["privacy", "vertrouwen"]},
            )
        assert (refused.value.code, refused.value.reason) == ("TOO_MANY_VALUES", "OTHER")

    def test_without_allow_other_a_value_off_the_card_is_refused(
        self, db: Session, started: Denksessie
    ) -> None:
        casus_round = _rounds(db, started)[0]
        casus_round.config = {**casus_round.config, "allow_other": False}
        db.add(casus_round)
        _open(db, started, casus_round)
        assert casus_round.id is not None
        with pytest.raises(Rejected) as refused:
            _cast(
                db,
                started,
                casus_round.id,
                "casus",
                {"decision": "twijfel", "values": ["menselijkheid", "privacy"]},
            )
        assert (refused.value.code, refused.value.reason) == ("UNKNOWN_VALUE", "OFFERED")

    def test_the_decisive_round_takes_one_other_value(
        self, db: Session, started: Denksessie
    ) -> None:
        decisive = _rounds(db, started)[1]
        _open(db, started, decisive)
        assert decisive.id is not None
        _cast(db, started, decisive.id, "approval", {"approve": ["privacy"]})
        with pytest.raises(Rejected) as refused:
            _cast(db, started, decisive.id, "approval", {"approve": ["vliegen"]})
        assert (refused.value.code, refused.value.reason) == ("UNKNOWN_VALUE", "CANDIDATE")

    def test_an_approval_round_without_allow_other_keeps_to_its_candidates(
        self, db: Session, started: Denksessie
    ) -> None:
        decisive = _rounds(db, started)[1]
        decisive.config = {**decisive.config, "allow_other": False}
        db.add(decisive)
        _open(db, started, decisive)
        assert decisive.id is not None
        with pytest.raises(Rejected) as refused:
            _cast(db, started, decisive.id, "approval", {"approve": ["privacy"]})
        assert (refused.value.code, refused.value.reason) == ("UNKNOWN_VALUE", "CANDIDATE")

    def test_offered_values_must_be_in_the_catalogue(
        self, db: Session, started: Denksessie
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            sessions.validate_config(
                db,
                denksessie=started,
                kind="casus",
                raw={"casus_id": started.casus_ids[0], "offered": ["menselijkheid", "vliegen"]},
            )
        assert [p.loc for p in refused.value.problems] == ["config.offered.1"]


class TestComparison:
    def test_pure_counts_per_card_value_others_and_unchosen(self) -> None:
        result = compare_room(
            ["a", "b", "c"],
            chosen={"a": 4, "b": 1, "x": 2, "y": 2, "z": 0},
            decisive={"a": 3, "b": 0, "c": 0},
            n_casus=5,
            n_decisive=3,
        )
        assert result.on_card == (
            ValueInRoom("a", 4, 3),
            ValueInRoom("b", 1, 0),
            ValueInRoom("c", 0, 0),
        )
        assert result.others == (ValueInRoom("x", 2, 0), ValueInRoom("y", 2, 0))
        assert result.unchosen == ("c",)
        assert (result.n_casus, result.n_decisive) == (5, 3)

    def test_a_value_only_found_decisive_is_not_unchosen(self) -> None:
        result = compare_room(["a", "b"], chosen={}, decisive={"b": 1}, n_casus=0, n_decisive=1)
        assert result.unchosen == ("a",)

    def test_the_room_against_the_card_from_real_ballots(
        self, client: TestClient, db: Session, started: Denksessie
    ) -> None:
        casus_round, decisive, arguments, other_view = _rounds(db, started)
        assert casus_round.id is not None
        assert decisive.id is not None
        _open(db, started, casus_round)
        for values in (
            ["menselijkheid", "zelfbeschikking"],
            ["menselijkheid", "privacy"],
            ["billijkheid", "privacy"],
            ["menselijkheid", "compassie"],
        ):
            _cast(db, started, casus_round.id, "casus", {"decision": "toekennen", "values": values})
        flows.close_round(db, denksessie=started, round_id=casus_round.id)
        _open(db, started, decisive)
        for approve in (["menselijkheid"], ["menselijkheid"], ["billijkheid"], ["privacy"]):
            _cast(db, started, decisive.id, "approval", {"approve": approve})
        flows.close_round(db, denksessie=started, round_id=decisive.id)
        _open(db, started, other_view)
        assert other_view.id is not None
        for answers in (
            ["Vanuit de zoon bekeken is school de vraag."],
            ["Vanuit de zoon bekeken is school de vraag."],
        ):
            _cast(db, started, other_view.id, "open", {"answers": answers})
        card = db.get(Principekaart, started.principekaart_id)
        assert card is not None
        result = intervisie.compare(db, denksessie=started, card=card)
        assert [(r.value, r.chosen, r.decisive) for r in result.on_card] == [
            ("menselijkheid", 3, 2),
            ("zelfbeschikking", 1, 0),
            ("verantwoordelijkheid", 0, 0),
            ("billijkheid", 1, 1),
            ("doeltreffendheid", 0, 0),
        ]
        assert [(r.value, r.chosen, r.decisive) for r in result.others] == [
            ("privacy", 2, 1),
            ("compassie", 1, 0),
        ]
        assert result.unchosen == ("verantwoordelijkheid", "doeltreffendheid")
        db.commit()
        page = _text(client.get(f"/console/{started.id}/kaart-en-zaal", headers=HTML).text)
        assert "Kaart en zaal" in page
        assert "Menselijkheid 3 2" in page
        assert "Privacy : 2 keer gekozen, 1 keer doorslaggevend" in page
        assert "Niemand koos Verantwoordelijkheid, Doeltreffendheid" in page
        assert (
            "Kan je er ook anders naar kijken? Vanuit de zoon bekeken is school de vraag. (2×)"
            in page
        )
        assert "Welke aanvullende argumenten of opties zie je nu? Nog geen antwoorden." in page
        table = client.get(f"/api/v1/denksessies/{started.id}/results.csv").text
        assert "Privacy" in table
        exported = client.get(f"/api/v1/denksessies/{started.id}/export").json()
        others = [b for b in exported["ballots"] if "privacy" in b["answer"].get("values", [])]
        assert len(others) == 2  # the other value, next to a pseudonym
        assert {b["participant"] for b in others}.isdisjoint(
            {p.id for p in db.exec(select(Participant)).all()}
        )

    def test_another_organisation_cannot_read_it(
        self,
        started: Denksessie,
        other_organisation: OtherOrganisation,
    ) -> None:
        _, stranger = other_organisation()
        answer = stranger.get(f"/console/{started.id}/kaart-en-zaal", headers=HTML)
        assert answer.status_code == 404

    def test_a_denksessie_not_started_from_a_card_says_so(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        plain = make_denksessie(db, organisation_id=demo_org_id)
        db.commit()
        answer = client.get(f"/console/{plain.id}/kaart-en-zaal", headers=HTML)
        assert answer.status_code == 409
        assert "niet gestart vanaf een Principekaart" in answer.text


class TestCardPage:
    def test_a_published_card_offers_start_intervisie(self, client: TestClient) -> None:
        html = client.get(f"/principekaarten/{BUILTIN}", headers=HTML).text
        assert f'href="{FORM}"' in html
        assert "Start intervisie" in html

    def test_without_login_there_is_no_start(self, anonymous_client: TestClient) -> None:
        html = anonymous_client.get(f"/principekaarten/{BUILTIN}", headers=HTML).text
        assert "Start intervisie" not in html

    def test_the_card_page_lists_its_intervisies(
        self, client: TestClient, db: Session, started: Denksessie
    ) -> None:
        db.commit()
        html = client.get(f"/principekaarten/{BUILTIN}", headers=HTML).text
        assert f'href="/console/{started.id}/kaart-en-zaal"' in html
