"""Denksessies, join codes, participants and round configuration against the real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.casussen import service as casussen
from app.casussen.schemas import CasusCreate
from app.db import transaction
from app.errors import InvalidInput, NotFound, Rejected
from app.organisations import service as organisations
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.ballots import round_principles
from app.sessions.models import Denksessie, Principle, SessionRound
from app.sessions.schemas import DEFAULT_ROLES, DenksessieCreate, JoinRequest, RoundCreate
from tests.sessions.factories import (
    CANDIDATES,
    cast,
    casus_ids,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
)

LOOK_ALIKES = set("0O1IL")


@pytest.fixture
def denksessie(db: Session, demo_org_id: int) -> Denksessie:
    return make_denksessie(db, organisation_id=demo_org_id)


def _id(denksessie: Denksessie) -> int:
    assert denksessie.id is not None
    return denksessie.id


class TestJoinCodes:
    def test_alphabet_has_31_symbols_and_no_look_alikes(self) -> None:
        assert len(set(sessions.JOIN_ALPHABET)) == len(sessions.JOIN_ALPHABET) == 31
        assert not LOOK_ALIKES & set(sessions.JOIN_ALPHABET)

    def test_codes_are_six_symbols_from_the_alphabet(self) -> None:
        codes = [sessions.new_join_code() for _ in range(2000)]
        assert {len(code) for code in codes} == {6}
        used = set("".join(codes))
        assert used <= set(sessions.JOIN_ALPHABET)
        assert not used & LOOK_ALIKES
        # 2,000 codes of 6 draws each use every one of the 31 symbols.
        assert used == set(sessions.JOIN_ALPHABET)

    def test_codes_are_unique_across_denksessies(self, db: Session, demo_org_id: int) -> None:
        codes = [
            make_denksessie(db, organisation_id=demo_org_id, casus_count=0).join_code
            for _ in range(30)
        ]
        assert len(set(codes)) == len(codes)

    def test_a_drawn_code_already_in_use_is_drawn_again(
        self, db: Session, demo_org_id: int, denksessie: Denksessie, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        draws = iter([denksessie.join_code, denksessie.join_code, "ABCDEF"])
        monkeypatch.setattr(sessions, "new_join_code", lambda: next(draws))
        other = make_denksessie(db, organisation_id=demo_org_id)
        assert other.join_code == "ABCDEF" != denksessie.join_code


class TestGetByCode:
    @pytest.mark.parametrize(
        "typed",
        [
            pytest.param(lambda code: code, id="as-shown"),
            pytest.param(lambda code: code.lower(), id="lower-case"),
            pytest.param(lambda code: f"  {code[:3]} {code[3:]} ", id="spaces"),
            pytest.param(lambda code: " ".join(code.lower()), id="lower-case-spaced"),
            pytest.param(lambda code: f"{code[:3]}\t{code[3:]}\n", id="tab-and-newline"),
        ],
    )
    def test_ignores_case_and_spaces(
        self, db: Session, denksessie: Denksessie, typed: Callable[[str], str]
    ) -> None:
        assert sessions.get_by_code(db, typed(denksessie.join_code)).id == denksessie.id

    def test_unknown_code_is_not_found(self, db: Session, denksessie: Denksessie) -> None:
        with pytest.raises(NotFound):
            sessions.get_by_code(db, "ZZZZZZ" if denksessie.join_code != "ZZZZZZ" else "YYYYYY")

    def test_an_ended_denksessie_no_longer_answers(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        flows.end_denksessie(db, denksessie=denksessie)
        with pytest.raises(NotFound):
            sessions.get_by_code(db, denksessie.join_code)


class TestCreate:
    def test_stores_title_casussen_and_catalogue(self, db: Session, demo_org_id: int) -> None:
        ids = casus_ids(db, organisation_id=demo_org_id, count=3)
        created = sessions.create(
            db,
            organisation_id=demo_org_id,
            data=DenksessieCreate(title="Wmo-team", casus_ids=ids),
        )
        assert (created.title, created.casus_ids, created.status) == ("Wmo-team", ids, "lobby")
        assert sessions.catalogue_of(db, created).slug == "waardenkaart-sociaal-domein"
        assert created.seq == 0

    def test_default_roles(self, denksessie: Denksessie) -> None:
        assert (
            denksessie.roles
            == DEFAULT_ROLES
            == [
                "gemeente",
                "landelijke uitvoeringsorganisatie",
                "welzijn",
                "inwoner",
                "anders",
            ]
        )

    def test_unknown_casus_is_refused_and_nothing_written(
        self, db: Session, demo_org_id: int
    ) -> None:
        before = count(db, Denksessie)
        [known] = casus_ids(db, organisation_id=demo_org_id, count=1)
        with pytest.raises(InvalidInput) as refused:
            sessions.create(
                db,
                organisation_id=demo_org_id,
                data=DenksessieCreate(title="X", casus_ids=[known, 999_999, 999_998]),
            )
        assert [p.loc for p in refused.value.problems] == ["casus_ids.1", "casus_ids.2"]
        assert count(db, Denksessie) == before

    def test_casus_of_another_organisation_is_refused(self, db: Session, demo_org_id: int) -> None:
        other = organisations.ensure(db, slug="andere-gemeente", name="Andere gemeente")
        assert other.id is not None
        theirs = casussen.create(
            db,
            organisation_id=other.id,
            data=CasusCreate(
                title="Eigen casus",
                situation="Een situatie.",
                decision_question="Wel of niet?",
                domain="Wmo 2015",
                values_in_tension=["privacy", "compassie"],
            ),
        )
        before = count(db, Denksessie)
        with pytest.raises(InvalidInput) as refused:
            sessions.create(
                db,
                organisation_id=demo_org_id,
                data=DenksessieCreate(title="X", casus_ids=[theirs.id or 0]),
            )
        assert [p.loc for p in refused.value.problems] == ["casus_ids.0"]
        assert count(db, Denksessie) == before

    def test_duplicate_roles_are_refused(self, db: Session, demo_org_id: int) -> None:
        with pytest.raises(InvalidInput) as refused:
            make_denksessie(db, organisation_id=demo_org_id, roles=["inwoner", "inwoner"])
        assert [p.loc for p in refused.value.problems] == ["roles"]


class TestJoin:
    def test_joins_with_a_role_from_the_list(self, db: Session, denksessie: Denksessie) -> None:
        participant = make_participant(db, denksessie, role="welzijn", display_name=" Anna ")
        assert (participant.role, participant.display_name) == ("welzijn", "Anna")
        assert participant.denksessie_id == denksessie.id
        assert sessions.participant_count(db, _id(denksessie)) == 1

    def test_participant_ids_are_random_and_distinct(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        ids = {make_participant(db, denksessie).id for _ in range(5)}
        assert len(ids) == 5
        assert all(len(participant_id) == 32 for participant_id in ids)

    def test_refused_when_locked(self, db: Session, denksessie: Denksessie) -> None:
        flows.lock_joining(db, denksessie=denksessie, locked=True)
        with pytest.raises(Rejected) as refused:
            make_participant(db, denksessie)
        assert refused.value.code == "JOIN_LOCKED"
        assert sessions.participant_count(db, _id(denksessie)) == 0

    def test_refused_with_a_role_not_in_the_list(self, db: Session, denksessie: Denksessie) -> None:
        with pytest.raises(Rejected) as refused:
            sessions.join(db, denksessie=denksessie, data=JoinRequest(role="burgemeester"))
        assert (refused.value.code, refused.value.http_status) == ("UNKNOWN_ROLE", 422)
        assert sessions.participant_count(db, _id(denksessie)) == 0

    def test_own_roles_replace_the_defaults(self, db: Session, demo_org_id: int) -> None:
        own = make_denksessie(db, organisation_id=demo_org_id, roles=["team noord", "team zuid"])
        assert make_participant(db, own, role="team zuid").role == "team zuid"
        with pytest.raises(Rejected) as refused:
            make_participant(db, own, role="gemeente")
        assert refused.value.code == "UNKNOWN_ROLE"


class TestActiveParticipant:
    def test_returns_a_participant_still_in(self, db: Session, denksessie: Denksessie) -> None:
        participant = make_participant(db, denksessie)
        found = sessions.active_participant(
            db, denksessie_id=_id(denksessie), participant_id=participant.id
        )
        assert found.id == participant.id

    def test_removed_participant_is_refused(self, db: Session, denksessie: Denksessie) -> None:
        participant = make_participant(db, denksessie)
        flows.remove_participant(db, denksessie=denksessie, participant_id=participant.id)
        with pytest.raises(Rejected) as refused:
            sessions.active_participant(
                db, denksessie_id=_id(denksessie), participant_id=participant.id
            )
        assert (refused.value.code, refused.value.http_status) == ("PARTICIPANT_REMOVED", 403)

    def test_participant_of_another_denksessie_is_unknown(
        self, db: Session, demo_org_id: int, denksessie: Denksessie
    ) -> None:
        stranger = make_participant(db, make_denksessie(db, organisation_id=demo_org_id))
        with pytest.raises(Rejected) as refused:
            sessions.active_participant(
                db, denksessie_id=_id(denksessie), participant_id=stranger.id
            )
        assert refused.value.code == "UNKNOWN_PARTICIPANT"


class TestAddRound:
    @pytest.mark.parametrize("kind", ["casus", "ranking", "points", "approval", "principle"])
    def test_accepts_a_valid_round_of_every_kind(
        self, db: Session, denksessie: Denksessie, kind: str
    ) -> None:
        session_round = make_round(db, denksessie, kind)
        assert (session_round.kind, session_round.status) == (kind, "draft")
        assert session_round.title
        assert session_round.tie_break_order == []

    def test_rounds_are_numbered_in_order(self, db: Session, denksessie: Denksessie) -> None:
        kinds = ["casus", "ranking", "points", "approval", "principle"]
        made = [make_round(db, denksessie, kind) for kind in kinds]
        listed = sessions.rounds_of(db, _id(denksessie))
        assert [r.id for r in listed] == [r.id for r in made]
        assert [r.position for r in listed] == [0, 1, 2, 3, 4]

    def test_casus_round_is_titled_after_its_casus(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        casus = casussen.get_by_id(db, denksessie.casus_ids[1])
        assert casus is not None
        assert make_round(db, denksessie, "casus", casus_id=casus.id).title == casus.title

    def test_config_defaults_are_stored(self, db: Session, denksessie: Denksessie) -> None:
        assert make_round(db, denksessie, "points").config == {
            "candidates": list(CANDIDATES),
            "mode": "points",
            "budget": 100,
        }

    @pytest.mark.parametrize(
        ("kind", "config", "locs"),
        [
            pytest.param(
                "ranking",
                {"candidates": ["privacy", "moed", "compassie", "lef"]},
                ["config.candidates.1", "config.candidates.3"],
                id="unknown-candidate-value",
            ),
            pytest.param(
                "principle", {"value_key": "moed"}, ["config.value_key"], id="unknown-value-key"
            ),
            pytest.param(
                "approval",
                {"candidates": ["privacy", "compassie"], "max_approvals": 3},
                ["config.max_approvals"],
                id="max-approvals-above-candidates",
            ),
            pytest.param(
                "ranking",
                {"candidates": ["privacy", "compassie"], "top_k": 3},
                ["config.top_k"],
                id="top-k-above-candidates",
            ),
            pytest.param(
                "approval",
                {"candidates": ["privacy", "moed"], "max_approvals": 3},
                ["config.candidates.1", "config.max_approvals"],
                id="every-problem-at-once",
            ),
        ],
    )
    def test_refuses_a_config_naming_every_problem(
        self,
        db: Session,
        denksessie: Denksessie,
        kind: str,
        config: dict[str, object],
        locs: list[str],
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, kind, **config)
        assert [p.loc for p in refused.value.problems] == locs
        assert all(p.message for p in refused.value.problems)

    def test_refuses_a_casus_not_in_the_denksessie(
        self, db: Session, demo_org_id: int, denksessie: Denksessie
    ) -> None:
        [*_, outside] = casus_ids(db, organisation_id=demo_org_id, count=5)
        assert outside not in denksessie.casus_ids
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "casus", casus_id=outside)
        assert [p.loc for p in refused.value.problems] == ["config.casus_id"]

    def test_refuses_duplicate_candidates(self, db: Session, denksessie: Denksessie) -> None:
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "ranking", candidates=["privacy", "compassie", "privacy"])
        [problem] = refused.value.problems
        assert "twee keer" in problem.message
        # Named inside the round's config, like every other problem of add_round.
        assert problem.loc.startswith("config")

    def test_refuses_a_field_of_another_kind(self, db: Session, denksessie: Denksessie) -> None:
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "ranking", budget=100)
        [problem] = refused.value.problems
        assert (problem.loc, problem.message) == ("config.budget", "onbekend veld")

    def test_names_every_missing_field(self, db: Session, denksessie: Denksessie) -> None:
        data = RoundCreate(kind="approval", config={"max_approvals": 0})
        with pytest.raises(InvalidInput) as refused:
            sessions.add_round(db, denksessie=denksessie, data=data)
        assert {p.loc for p in refused.value.problems} == {
            "config.candidates",
            "config.max_approvals",
        }

    def test_a_refused_round_writes_nothing(self, db: Session, denksessie: Denksessie) -> None:
        before = count(db, SessionRound)
        with pytest.raises(InvalidInput):
            make_round(db, denksessie, "ranking", candidates=["moed", "lef"])
        assert count(db, SessionRound) == before

    def test_refused_once_the_denksessie_ended(self, db: Session, denksessie: Denksessie) -> None:
        flows.end_denksessie(db, denksessie=denksessie)
        with pytest.raises(Rejected) as refused:
            make_round(db, denksessie, "ranking")
        assert refused.value.code == "DENKSESSIE_ENDED"


class TestCandidates:
    def test_a_casus_round_asks_about_the_whole_catalogue(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        candidates = sessions.candidates_of(db, denksessie, make_round(db, denksessie, "casus"))
        assert len(candidates) == 25
        assert "zelfbeschikking" in candidates

    def test_a_ranking_round_asks_about_its_candidates(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_round(db, denksessie, "ranking")
        assert sessions.candidates_of(db, denksessie, session_round) == list(CANDIDATES)

    def test_a_principle_round_asks_about_its_value(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_round(db, denksessie, "principle", value_key="privacy")
        assert sessions.candidates_of(db, denksessie, session_round) == ["privacy"]


class TestBumpSeq:
    def test_increments_by_one_and_returns_the_new_value(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        assert [sessions.bump_seq(db, _id(denksessie)) for _ in range(3)] == [1, 2, 3]
        db.expire(denksessie)
        assert denksessie.seq == 3

    def test_concurrent_bumps_lose_nothing(self, pg_engine: Engine) -> None:
        """Four workers, each in its own transactions: every bump is counted exactly once."""
        with transaction(pg_engine) as setup:
            demo = organisations.ensure_demo(setup)
            assert demo.id is not None
            created = sessions.create(
                setup, organisation_id=demo.id, data=DenksessieCreate(title="Gelijktijdig")
            )
            denksessie_id = _id(created)
        seen: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(4)

        def bump_many() -> None:
            start.wait()
            for _ in range(25):
                with transaction(pg_engine) as worker:
                    value = sessions.bump_seq(worker, denksessie_id)
                with lock:
                    seen.append(value)

        try:
            threads = [threading.Thread(target=bump_many) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            with Session(pg_engine) as check:
                stored = check.get(Denksessie, denksessie_id)
                assert stored is not None
                assert stored.seq == 100
            assert sorted(seen) == list(range(1, 101))
        finally:
            with transaction(pg_engine) as cleanup:
                leftover = cleanup.get(Denksessie, denksessie_id)
                if leftover is not None:
                    cleanup.delete(leftover)


class TestPrincipleRoundsOverEarlierSessions:
    """A principle round may put principles of earlier denksessies to the vote (a traject's
    principles stage), but only its own organisation's, about its own value."""

    def _principle(self, db: Session, organisation_id: int) -> int:
        earlier = make_denksessie(db, organisation_id=organisation_id)
        casus = make_open_round(db, earlier, "casus")
        person = make_participant(db, earlier)
        text = "Ik laat mensen zelf kiezen."
        payload = {"decision": "toekennen", "values": ["privacy"], "principles": {"privacy": text}}
        cast(db, earlier, person, casus, payload)
        principle = db.exec(select(Principle).where(Principle.round_id == casus.id)).one()
        assert principle.id is not None
        return principle.id

    def test_own_principles_are_shown_and_can_be_voted_on(
        self, db: Session, demo_org_id: int
    ) -> None:
        principle_id = self._principle(db, demo_org_id)
        later = make_denksessie(db, organisation_id=demo_org_id)
        vote = make_open_round(
            db, later, "principle", value_key="privacy", principle_ids=[principle_id]
        )
        assert [p.id for p in round_principles(db, later, vote)] == [principle_id]
        cast(db, later, make_participant(db, later), vote, {"approve": [principle_id]})
        assert results.aggregate(db, later, vote, role="facilitator")["counts"] == {
            str(principle_id): 1
        }

    def test_another_organisations_or_another_values_principles_are_unknown(
        self, db: Session, demo_org_id: int
    ) -> None:
        other = organisations.ensure(db, slug="elders", name="Elders")
        assert other.id is not None
        theirs = self._principle(db, other.id)
        mine = self._principle(db, demo_org_id)
        later = make_denksessie(db, organisation_id=demo_org_id)
        rounds_before = count(db, SessionRound)
        for value_key, ids in (
            ("privacy", [theirs]),
            ("eenvoud", [mine]),
            ("privacy", [mine, mine]),
        ):
            with pytest.raises(InvalidInput) as refused:
                make_round(db, later, "principle", value_key=value_key, principle_ids=ids)
            assert refused.value.problems
        assert count(db, SessionRound) == rounds_before
