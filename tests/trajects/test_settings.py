"""Which traject setting may still change at each stage, and the consequence of a rule or
method computed from the real ballots (app/trajects/settings.py), against PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import InvalidInput, Rejected
from app.trajects import flows, settings
from app.trajects import service as trajects
from app.trajects.models import Traject
from app.trajects.schemas import RankingRoundCreate, TrajectUpdate
from tests.sessions.factories import make_denksessie, make_round, open_
from tests.trajects.factories import attach, make_traject, naming_session, rank

A, B, C, D = "privacy", "compassie", "eenvoud", "vertrouwen"
OPEN = dict.fromkeys(settings.FIELDS)


def _locked(db: Session, traject: Traject) -> dict[str, str]:
    return {name: code for name, code in settings.locks(db, traject).items() if code}


def _update(db: Session, traject: Traject, org: int, **fields: object) -> Traject:
    data = TrajectUpdate.model_validate(fields)
    return settings.update(db, traject=traject, organisation_id=org, data=data)


class TestLocksPerStage:
    def test_a_new_traject_may_change_everything(self, db: Session, demo_org_id: int) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        assert settings.locks(db, traject) == OPEN

    def test_an_attached_session_with_draft_rounds_fixes_only_the_catalogue(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        attach(db, traject, denksessie, "naming", organisation_id=demo_org_id)
        make_round(db, denksessie, "casus")
        assert _locked(db, traject) == {"catalogue": "SESSIONS_ATTACHED"}

    def test_an_opened_naming_round_fixes_the_question(self, db: Session, demo_org_id: int) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        naming_session(db, traject, [[A]], organisation_id=demo_org_id, keep_open=True)
        assert _locked(db, traject) == {
            "catalogue": "SESSIONS_ATTACHED",
            "central_question": "NAMING_STARTED",
        }

    def test_the_ranking_round_fixes_the_rule_and_principles_fix_the_selection(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id, card_size=1, max_values=3)
        naming_session(db, traject, [[A, B], [A, C]], organisation_id=demo_org_id)
        prioritising = make_denksessie(db, organisation_id=demo_org_id, title="Prio")
        attach(db, traject, prioritising, "prioritising", organisation_id=demo_org_id)
        flows.create_ranking_round(db, traject=traject, data=RankingRoundCreate())
        locked = _locked(db, traject)
        assert locked["min_participants"] == locked["max_values"] == "SHORTLIST_FROZEN"
        assert "method" not in locked
        principles = make_denksessie(db, organisation_id=demo_org_id, title="Principes")
        attach(db, traject, principles, "principles", organisation_id=demo_org_id)
        open_(db, principles, make_round(db, principles, "approval"))
        locked = _locked(db, traject)
        assert locked["method"] == locked["card_size"] == "PRINCIPLES_STARTED"


class TestUpdate:
    def test_a_fixed_setting_is_refused_and_nothing_changes(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        naming_session(db, traject, [[A]], organisation_id=demo_org_id)
        with pytest.raises(Rejected) as refused:
            _update(db, traject, demo_org_id, title="Nieuw", central_question="Anders?")
        assert (refused.value.code, refused.value.reason) == ("SETTING_LOCKED", "NAMING_STARTED")
        assert traject.title == "Traject Wmo"

    def test_sending_a_fixed_setting_unchanged_is_fine(self, db: Session, demo_org_id: int) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        naming_session(db, traject, [[A]], organisation_id=demo_org_id)
        same = traject.central_question
        _update(db, traject, demo_org_id, title="Nieuw", central_question=same)
        assert traject.title == "Nieuw"

    def test_another_catalogue_draws_a_new_tie_break_order_over_its_values(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        before = list(traject.tie_break_order)
        _update(db, traject, demo_org_id, catalogue="waardenkaart-sociaal-domein")
        assert traject.tie_break_order == before  # the same catalogue: no change, no draw
        with pytest.raises(InvalidInput):
            _update(db, traject, demo_org_id, card_size=6, max_values=5)


class TestConsequence:
    @pytest.mark.parametrize(
        ("n", "m", "values", "tied"),
        [
            (1, 12, [A, B, C, D], []),
            (2, 12, [A, B], []),
            (3, 12, [A], []),
            (1, 2, [A, B], []),
            (1, 3, [A, B, C], [C, D]),
        ],
    )
    def test_the_rule_preview_counts_distinct_participants(
        self,
        db: Session,
        demo_org_id: int,
        n: int,
        m: int,
        values: list[str],
        tied: list[str],
    ) -> None:
        """privacy named by 3 people, compassie by 2, eenvoud and vertrouwen by 1."""
        traject = make_traject(db, organisation_id=demo_org_id)
        naming_session(db, traject, [[A, B], [A, B], [A, C], [D]], organisation_id=demo_org_id)
        preview = settings.preview_rule(db, traject, min_participants=n, max_values=m)
        # eenvoud and vertrouwen are level: their order is the traject's drawn tie-break order
        assert preview.values[:2] == values[:2]
        assert len(preview.values) == len(values)
        assert set(preview.values[2:]) <= {C, D}
        assert sorted(preview.tied) == sorted(tied)
        assert set(preview.now) == {A, B, C, D}
        assert traject.min_participants == 1  # nothing saved

    def test_a_tie_at_the_new_cut_is_shown(self, db: Session, demo_org_id: int) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        naming_session(db, traject, [[A, B], [C, D]], organisation_id=demo_org_id)
        preview = settings.preview_rule(db, traject, min_participants=1, max_values=2)
        assert len(preview.values) == 2
        assert sorted(preview.tied) == sorted([A, B, C, D])
        assert preview.places == 2

    def test_the_method_preview_is_the_selection_after_saving(
        self, db: Session, demo_org_id: int
    ) -> None:
        """Compassie beats both others head to head (Schulze); the instant runoff drops
        compassie first (fewest first choices) and privacy wins."""
        traject = make_traject(db, organisation_id=demo_org_id, card_size=1, max_values=3)
        naming_session(db, traject, [[A, B, C]], organisation_id=demo_org_id)
        prioritising = make_denksessie(db, organisation_id=demo_org_id, title="Prio")
        attach(db, traject, prioritising, "prioritising", organisation_id=demo_org_id)
        _, ranking = flows.create_ranking_round(db, traject=traject, data=RankingRoundCreate())
        rank(db, prioritising, ranking, [[A, B, C]] * 4 + [[C, B, A]] * 3 + [[B, A, C]] * 2)
        assert trajects.selection(db, traject).selection == [B]
        preview = settings.preview_selection(db, traject, method="irv", card_size=1)
        assert (preview.values, preview.now, preview.n_ballots) == ([A], [B], 9)
        assert traject.method == "schulze_borda"
        _update(db, traject, demo_org_id, method="irv")
        assert trajects.selection(db, traject).selection == preview.values

    def test_without_ranking_ballots_the_method_preview_says_why(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        preview = settings.preview_selection(db, traject, method="borda", card_size=5)
        assert preview.problem is not None
        assert preview.problem.code == "NO_RANKING_ROUND"
