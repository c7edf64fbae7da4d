"""The traject funnel against the real PostgreSQL: counts, shortlist, ranking, selection,
curation and the draft card with its verantwoording."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.cards.schemas import Verantwoording
from app.catalogue.models import CatalogueValue
from app.errors import InvalidInput, Rejected
from app.sessions.ballots import visible_principles
from app.sessions.models import Participant, SessionRound
from app.trajects import export, flows, public
from app.trajects import service as trajects
from app.trajects.models import Traject, TrajectAudit
from app.trajects.schemas import (
    CardCreate,
    CurationChoice,
    PrincipleRoundsCreate,
    RankingRoundCreate,
    ShortlistChange,
    TieResolution,
)
from tests.conftest import TEST_SECRET
from tests.sessions.factories import (
    cast,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
)
from tests.trajects.factories import (
    attach,
    make_traject,
    naming_session,
    prioritising_session,
    rank,
)

FIVE = [
    "menselijkheid",
    "zelfbeschikking",
    "verantwoordelijkheid",
    "billijkheid",
    "doeltreffendheid",
]


def _tie_break(db: Session, traject: Traject, order: list[str]) -> None:
    """Pin the drawn tie-break order so a test can name what it decides."""
    rest = [v for v in traject.tie_break_order if v not in order]
    traject.tie_break_order = [*order, *rest]
    db.add(traject)
    db.flush()


class TestCreate:
    def test_defaults_and_a_tie_break_order_over_the_catalogue(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        keys = set(
            db.exec(
                select(CatalogueValue.key).where(
                    CatalogueValue.catalogue_id == traject.catalogue_id
                )
            ).all()
        )
        assert traject.central_question.startswith("Welke waarden en principes")
        assert (traject.card_size, traject.method) == (5, "schulze_borda")
        assert (traject.min_participants, traject.max_values) == (1, 12)
        assert sorted(traject.tie_break_order) == sorted(keys)
        assert len(keys) == 25


class TestNamedCounts:
    def test_distinct_participants_and_sessions(self, db: Session, demo_org_id: int) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        naming_session(
            db, traject, [["privacy", "compassie"], ["privacy"]], organisation_id=demo_org_id
        )
        naming_session(db, traject, [["privacy"]], organisation_id=demo_org_id, title="Twee")
        counts = {n.value: (n.count, n.sessions) for n in trajects.named_values(db, traject)}
        assert counts == {"privacy": (3, 2), "compassie": (1, 1)}

    def test_a_removed_participant_no_longer_counts(self, db: Session, demo_org_id: int) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        denksessie, _ = naming_session(
            db, traject, [["privacy"], ["compassie"]], organisation_id=demo_org_id
        )
        who = db.exec(select(Participant).where(Participant.denksessie_id == denksessie.id)).all()
        who[1].removed = True
        db.add(who[1])
        db.flush()
        assert [n.value for n in trajects.named_values(db, traject)] == ["privacy"]


@pytest.fixture
def tied(db: Session, demo_org_id: int) -> Traject:
    """Max 2: privacy (3) is in; compassie and eenvoud (2 each, 1 session) tie for one place."""
    traject = make_traject(db, organisation_id=demo_org_id, max_values=2, card_size=1)
    _tie_break(db, traject, ["eenvoud", "compassie"])
    naming_session(
        db,
        traject,
        [
            ["privacy", "compassie"],
            ["privacy", "eenvoud"],
            ["privacy", "compassie", "eenvoud"],
            ["vertrouwen"],
        ],
        organisation_id=demo_org_id,
    )
    return traject


class TestShortlist:
    def test_tie_at_the_cut_is_reported_and_decided_by_the_tie_break(
        self, db: Session, tied: Traject
    ) -> None:
        state = trajects.shortlist(db, tied)
        assert state.values == ["privacy", "eenvoud"]
        assert state.rule.tie is not None
        assert state.rule.tie.values == ("eenvoud", "compassie")
        assert state.tie_decision is not None
        assert state.tie_decision.decided_by == "tiebreak"

    def test_min_participants_keeps_rarely_named_values_off(
        self, db: Session, tied: Traject
    ) -> None:
        tied.min_participants = 3
        assert trajects.shortlist(db, tied).values == ["privacy"]

    def test_take_all_tied_is_recorded(self, db: Session, tied: Traject) -> None:
        trajects.change_shortlist(db, traject=tied, data=ShortlistChange(action="take_all_tied"))
        state = trajects.shortlist(db, tied)
        assert state.values == ["privacy", "eenvoud", "compassie"]
        assert state.tie_decision is not None
        assert state.tie_decision.decided_by == "take_all"
        assert [(e.action, e.values) for e in trajects.audit_trail(db, tied)] == [
            ("take_all_tied", ["eenvoud", "compassie"])
        ]

    def test_add_and_drop_with_reason_are_in_the_audit_trail(
        self, db: Session, tied: Traject
    ) -> None:
        trajects.change_shortlist(
            db,
            traject=tied,
            data=ShortlistChange(action="add", values=["vertrouwen"], reason="Kern"),
        )
        trajects.change_shortlist(
            db,
            traject=tied,
            data=ShortlistChange(action="drop", values=["eenvoud"], reason="Overlapt"),
        )
        assert trajects.shortlist(db, tied).values == ["privacy", "vertrouwen"]
        assert [(e.action, e.values, e.reason) for e in trajects.audit_trail(db, tied)] == [
            ("add", ["vertrouwen"], "Kern"),
            ("drop", ["eenvoud"], "Overlapt"),
        ]

    def test_a_change_without_reason_is_refused(self) -> None:
        with pytest.raises(ValueError, match="reden"):
            ShortlistChange(action="drop", values=["privacy"])

    def test_dropping_a_value_not_on_the_shortlist_writes_nothing(
        self, db: Session, tied: Traject
    ) -> None:
        before = count(db, TrajectAudit)
        with pytest.raises(InvalidInput):
            trajects.change_shortlist(
                db,
                traject=tied,
                data=ShortlistChange(action="drop", values=["compassie"], reason="x"),
            )
        assert count(db, TrajectAudit) == before


@pytest.fixture
def named(db: Session, demo_org_id: int) -> Traject:
    """Five values named, each with principles; card size 2."""
    traject = make_traject(db, organisation_id=demo_org_id, card_size=2)
    _tie_break(db, traject, FIVE)
    naming_session(
        db,
        traject,
        [
            {"menselijkheid": "Ik luister eerst naar de inwoner.", "billijkheid": "Ik weeg af."},
            {"menselijkheid": "Ik luister eerst naar een inwoner", "zelfbeschikking": "Ik vraag."},
            {
                "verantwoordelijkheid": "Ik neem verantwoordelijkheid.",
                "doeltreffendheid": "Ik doe.",
            },
        ],
        organisation_id=demo_org_id,
    )
    return traject


def _ranking_round(db: Session, traject: Traject, demo_org_id: int, **fields: Any) -> SessionRound:
    denksessie = prioritising_session(db, traject, organisation_id=demo_org_id)
    _, new_round = flows.create_ranking_round(
        db, traject=traject, data=RankingRoundCreate.model_validate(fields)
    )
    assert new_round.denksessie_id == denksessie.id
    return new_round


class TestRankingRound:
    def test_made_from_the_shortlist_with_principles_per_value(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        new_round = _ranking_round(db, named, demo_org_id)
        assert new_round.kind == "ranking"
        assert sorted(new_round.config["candidates"]) == sorted(FIVE)
        # Two near-identical principles are one group; both wordings are shown, side by side.
        shown = new_round.config["principles"]["menselijkheid"]
        assert shown[0] == "Ik luister eerst naar de inwoner."
        assert sorted(shown) == sorted(
            {"Ik luister eerst naar de inwoner.", "Ik luister eerst naar een inwoner"}
        )
        assert new_round.config["principles"]["billijkheid"] == ["Ik weeg af."]
        assert named.shortlist_frozen == trajects.shortlist(db, named).values

    def test_a_value_outside_the_shortlist_needs_a_reason(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        prioritising_session(db, named, organisation_id=demo_org_id)
        before = (count(db, SessionRound), count(db, TrajectAudit))
        with pytest.raises(Rejected) as refused:
            flows.create_ranking_round(
                db,
                traject=named,
                data=RankingRoundCreate(candidates=["privacy", "menselijkheid"]),
            )
        assert refused.value.code == "OUTSIDE_SHORTLIST"
        assert (count(db, SessionRound), count(db, TrajectAudit)) == before

    def test_an_override_with_reason_is_recorded_in_round_and_audit(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        new_round = _ranking_round(
            db,
            named,
            demo_org_id,
            candidates=["privacy", "menselijkheid"],
            override_reason="Privacy kwam in de pauze steeds terug",
        )
        assert new_round.config["override"] == {
            "values": ["privacy"],
            "reason": "Privacy kwam in de pauze steeds terug",
        }
        entry = trajects.audit_trail(db, named)[-1]
        assert (entry.action, entry.values) == ("override", ["privacy"])

    def test_a_card_larger_than_the_candidates_is_refused(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        prioritising_session(db, named, organisation_id=demo_org_id)
        named.card_size = 3
        with pytest.raises(Rejected) as refused:
            flows.create_ranking_round(
                db, traject=named, data=RankingRoundCreate(candidates=FIVE[:2])
            )
        assert refused.value.code == "CARD_TOO_LARGE"


class TestSelection:
    def test_top_k_by_the_method(self, db: Session, named: Traject, demo_org_id: int) -> None:
        new_round = _ranking_round(db, named, demo_org_id)
        session = trajects.sessions_of(db, named, stage="prioritising")[0][1]
        rank(db, session, new_round, [["billijkheid", "menselijkheid"]] * 3)
        state = trajects.selection(db, named)
        assert state.selection == ["billijkheid", "menselijkheid"]
        assert state.tie is None
        assert state.n_ballots == 3
        assert state.explanation is not None
        assert state.explanation.top == "billijkheid"

    @pytest.mark.parametrize(("card_size", "tied"), [(2, None), (1, {0, 2})])
    def test_a_beaten_value_never_enters_by_the_tie_break(
        self,
        db: Session,
        named: Traject,
        demo_org_id: int,
        card_size: int,
        tied: set[int] | None,
    ) -> None:
        """Issue 16: t2 and t0 are the Schulze winners, t0 beats t1; the draw says t0, t1, t2.
        t1 must not take t2's place, nor stand in the tie for the first place."""
        named.method, named.card_size = "schulze", card_size
        new_round = _ranking_round(db, named, demo_org_id, candidates=FIVE[:3])
        t = [v for v in named.tie_break_order if v in FIVE[:3]]
        session = trajects.sessions_of(db, named, stage="prioritising")[0][1]
        rank(db, session, new_round, [[t[2], t[0]], [t[0], t[1]]])
        state = trajects.selection(db, named)
        assert state.selection == [t[0], t[2]][:card_size]
        if tied is None:
            assert state.tie is None
        else:
            assert state.tie is not None
            assert set(state.tie.values) == {t[i] for i in tied}

    def test_a_tie_at_the_cut_is_shown_and_can_be_resolved_with_a_reason(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        named.card_size = 1
        new_round = _ranking_round(db, named, demo_org_id, candidates=FIVE[:2])
        session = trajects.sessions_of(db, named, stage="prioritising")[0][1]
        rank(db, session, new_round, [FIVE[:2], list(reversed(FIVE[:2]))])
        state = trajects.selection(db, named)
        assert state.tie is not None
        assert set(state.tie.values) == set(FIVE[:2])
        assert state.tie_decision is not None
        assert state.tie_decision.decided_by == "tiebreak"
        assert state.selection == ["menselijkheid"]  # first in the pinned tie-break order
        trajects.resolve_tie(
            db, traject=named, data=TieResolution(take=["zelfbeschikking"], reason="Gesprek")
        )
        state = trajects.selection(db, named)
        assert state.selection == ["zelfbeschikking"]
        assert state.tie_decision is not None
        assert (state.tie_decision.decided_by, state.tie_decision.reason) == (
            "facilitator",
            "Gesprek",
        )

    def test_resolving_without_a_tie_is_refused(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        with pytest.raises(Rejected):
            trajects.resolve_tie(
                db, traject=named, data=TieResolution(take=["billijkheid"], reason="x")
            )


def _selected(db: Session, traject: Traject, demo_org_id: int) -> SessionRound:
    new_round = _ranking_round(db, traject, demo_org_id)
    session = trajects.sessions_of(db, traject, stage="prioritising")[0][1]
    rank(db, session, new_round, [["menselijkheid", "billijkheid"]] * 2)
    return new_round


def _add_principles(
    db: Session, traject: Traject, demo_org_id: int, value: str, texts: list[str]
) -> list[int]:
    naming_session(
        db,
        traject,
        [{value: text} for text in texts],
        organisation_id=demo_org_id,
        title=f"Extra {value}",
    )
    groups = trajects.principle_groups(db, traject, value)
    return [item.id for group in groups for item in group.items]


class TestSplittingAGroup:
    def test_the_facilitator_splits_a_group_and_folds_it_again(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        (group,) = trajects.principle_groups(db, named, "menselijkheid")
        ids = [item.id for item in group.items]
        assert len(ids) == 2
        trajects.split_group(
            db, traject=named, value_key="menselijkheid", principle_ids=ids, apart=True
        )
        groups = trajects.principle_groups(db, named, "menselijkheid")
        assert [[i.id for i in g.items] for g in groups] in (
            [[ids[0]], [ids[1]]],
            [[ids[1]], [ids[0]]],
        )
        assert trajects.split_off(db, named) == frozenset(ids)
        trajects.split_group(
            db, traject=named, value_key="menselijkheid", principle_ids=ids, apart=False
        )
        assert len(trajects.principle_groups(db, named, "menselijkheid")) == 1
        actions = [e.action for e in trajects.audit_trail(db, named, stage="principles")]
        assert actions[-2:] == ["split", "join"]

    def test_a_principle_of_another_value_is_refused_and_nothing_is_written(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        (other,) = trajects.principle_groups(db, named, "billijkheid")
        before = count(db, TrajectAudit)
        with pytest.raises(InvalidInput):
            trajects.split_group(
                db,
                traject=named,
                value_key="menselijkheid",
                principle_ids=[other.items[0].id],
                apart=True,
            )
        assert count(db, TrajectAudit) == before


class TestCuration:
    def test_exact_and_near_duplicates_are_folded_keeping_every_original(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _add_principles(
            db, named, demo_org_id, "menselijkheid", ["Ik luister  eerst naar de inwoner!"]
        )
        groups = trajects.principle_groups(db, named, "menselijkheid")
        assert len(groups) == 1
        assert sorted(item.text for item in groups[0].items) == [
            "Ik luister eerst naar de inwoner!",
            "Ik luister eerst naar de inwoner.",
            "Ik luister eerst naar een inwoner",
        ]

    def test_edited_wording_keeps_the_original(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        ids = _add_principles(
            db,
            named,
            demo_org_id,
            "billijkheid",
            ["Ik behandel gelijke gevallen gelijk.", "Ik leg uit waarom.", "Ik kijk naar de wet."],
        )
        rows = trajects.choose_principles(
            db,
            traject=named,
            value_key="billijkheid",
            data=CurationChoice.model_validate(
                {
                    "headline": {"principle_id": ids[0], "text": "Ik weeg eerlijk af."},
                    "subs": [{"principle_id": i} for i in ids[1:4]],
                }
            ),
        )
        assert (rows[0].original, rows[0].text) == ("Ik weeg af.", "Ik weeg eerlijk af.")
        assert rows[1].text == rows[1].original
        assert any(e.action == "edit" for e in trajects.audit_trail(db, named))

    def test_a_value_not_selected_cannot_be_curated(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        with pytest.raises(Rejected) as refused:
            trajects.choose_principles(
                db,
                traject=named,
                value_key="doeltreffendheid",
                data=CurationChoice.model_validate(
                    {
                        "headline": {"principle_id": 1},
                        "subs": [{"principle_id": i} for i in (2, 3, 4)],
                    }
                ),
            )
        assert refused.value.code == "VALUE_NOT_SELECTED"


def _curate(
    db: Session,
    traject: Traject,
    value: str,
    ids: list[int],
    *,
    subs: int,
    quote: int | None = None,
) -> None:
    trajects.choose_principles(
        db,
        traject=traject,
        value_key=value,
        data=CurationChoice.model_validate(
            {
                "headline": {"principle_id": ids[0]},
                "subs": [{"principle_id": i} for i in ids[1 : 1 + subs]],
                "quote_id": quote,
            }
        ),
    )


class TestFlexibleCuration:
    """A value may have 1 to 4 sub-principles (usually 3 or 4): fewer is a warning, not a
    refusal; the facilitator may quote any principle written for the value."""

    @pytest.mark.parametrize("subs", [1, 4])
    def test_a_card_with_one_or_four_sub_principles(
        self, db: Session, named: Traject, demo_org_id: int, subs: int
    ) -> None:
        _selected(db, named, demo_org_id)
        texts = [f"Ik doe het op manier {n}, steeds weer anders." for n in range(1, 6)]
        for value in ("menselijkheid", "billijkheid"):
            ids = _add_principles(db, named, demo_org_id, value, texts)
            _curate(db, named, value, ids, subs=subs)
        card = flows.make_card(db, traject=named, data=CardCreate())
        rows = db.exec(
            select(PrincipekaartValue).where(PrincipekaartValue.principekaart_id == card.id)
        ).all()
        assert [len(row.sub_principles) for row in rows] == [subs, subs]
        view = public.curation(db, named, "menselijkheid")
        assert view["unusual_subs"] is (subs == 1)

    @pytest.mark.parametrize("subs", [0, 5])
    def test_none_or_five_sub_principles_are_refused(self, subs: int) -> None:
        body = {
            "headline": {"principle_id": 1},
            "subs": [{"principle_id": i} for i in range(2, 2 + subs)],
        }
        with pytest.raises(ValidationError):
            CurationChoice.model_validate(body)

    def test_with_two_principles_written_the_group_choice_fills_a_headline_and_a_sub(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        ids = _add_principles(db, named, demo_org_id, "billijkheid", ["Ik leg mijn keuze uit."])
        suggestion = public.curation(db, named, "billijkheid")["suggestion"]
        assert suggestion is not None
        assert [slot["slot"] for slot in suggestion["slots"]] == ["headline", "sub"]
        assert {slot["text"] for slot in suggestion["slots"]} == {
            "Ik weeg af.",
            "Ik leg mijn keuze uit.",
        }
        assert sorted([suggestion["headline"], *suggestion["subs"]]) == sorted(ids)

    def test_a_principle_marked_as_quote_is_on_the_card_verbatim(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        texts = [f"Ik zorg voor mensen, op manier {n}." for n in range(1, 5)]
        quoted = "Ik help niemand echt als ik niet eerst luister."
        for value in ("menselijkheid", "billijkheid"):
            ids = _add_principles(db, named, demo_org_id, value, [*texts, quoted])
            groups = trajects.principle_groups(db, named, value)
            quote_id = next(i.id for g in groups for i in g.items if i.text == quoted)
            _curate(db, named, value, [i for i in ids if i != quote_id], subs=3, quote=quote_id)
        card = flows.make_card(db, traject=named, data=CardCreate())
        quotes = db.exec(
            select(PrincipekaartValue.quote).where(PrincipekaartValue.principekaart_id == card.id)
        ).all()
        assert list(quotes) == [quoted, quoted]
        assert public.curation(db, named, "billijkheid")["quote"]["text"] == quoted
        assert len(trajects.curation_of(db, named, "billijkheid")) == 4  # the quote is apart

    def test_a_quote_from_another_value_is_refused_and_nothing_changes(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        texts = [f"Ik weeg het af, op manier {n}." for n in range(1, 5)]
        ids = _add_principles(db, named, demo_org_id, "billijkheid", texts)
        _curate(db, named, "billijkheid", ids, subs=3)
        other = trajects.principle_groups(db, named, "menselijkheid")[0].items[0].id
        with pytest.raises(InvalidInput) as refused:
            _curate(db, named, "billijkheid", ids, subs=2, quote=other)
        assert [p.loc for p in refused.value.problems] == ["quote_id"]
        assert len(trajects.curation_of(db, named, "billijkheid")) == 4


def _curate_all(db: Session, traject: Traject, demo_org_id: int) -> None:
    for value in trajects.selection(db, traject).selection:
        ids = _add_principles(
            db,
            traject,
            demo_org_id,
            value,
            [
                f"Ik zorg voor {value} nummer {n}, altijd en overal."
                for n in ("een", "twee", "drie", "vier")
            ],
        )
        trajects.choose_principles(
            db,
            traject=traject,
            value_key=value,
            data=CurationChoice.model_validate(
                {
                    "headline": {"principle_id": ids[0]},
                    "subs": [{"principle_id": i} for i in ids[1:4]],
                }
            ),
        )


class TestCard:
    def test_a_draft_card_with_the_full_verantwoording(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        _curate_all(db, named, demo_org_id)
        card = flows.make_card(db, traject=named, data=CardCreate())
        assert card.status == "draft"
        assert named.card_id == card.id
        assert card.central_question == named.central_question
        values = db.exec(
            select(CatalogueValue.key)
            .join(PrincipekaartValue, col(PrincipekaartValue.value_id) == col(CatalogueValue.id))
            .where(PrincipekaartValue.principekaart_id == card.id)
            .order_by(col(PrincipekaartValue.position))
        ).all()
        assert list(values) == ["menselijkheid", "billijkheid"]
        assert card.verantwoording is not None
        account = Verantwoording.model_validate(card.verantwoording)
        assert account.traject_id == named.id
        assert {s.stage for s in account.sessions} == {"naming", "prioritising"}
        assert account.sessions[0].participants == 3
        assert account.shortlist == trajects.shortlist(db, named).values
        assert account.shortlist_rule is not None
        assert account.shortlist_rule.max_values == 12
        assert account.selection == ["menselijkheid", "billijkheid"]
        assert account.ranking_ballots == 2
        assert account.group_order[:2] == ["menselijkheid", "billijkheid"]
        assert account.method == "schulze_borda"
        assert "Menselijkheid" in account.method_explanation
        assert account.agreement.kendall_w == 1.0
        assert {v.value: v.count for v in account.values_named}["menselijkheid"] >= 2
        # curation is told by its result, not by audit entries naming principles by id
        assert set(account.principles_written) == {"menselijkheid", "billijkheid"}
        assert not any(e.action == "choose" for e in account.audit)

    def test_making_it_again_replaces_the_draft(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        _curate_all(db, named, demo_org_id)
        first = flows.make_card(db, traject=named, data=CardCreate())
        cards = count(db, Principekaart)
        second = flows.make_card(db, traject=named, data=CardCreate())
        assert second.id == first.id
        assert count(db, Principekaart) == cards

    def test_a_published_card_is_not_made_again(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        _curate_all(db, named, demo_org_id)
        card = flows.make_card(db, traject=named, data=CardCreate())
        card.status = "published"
        db.add(card)
        db.flush()
        before = (count(db, Principekaart), count(db, PrincipekaartValue))
        with pytest.raises(Rejected) as refused:
            flows.make_card(db, traject=named, data=CardCreate())
        assert refused.value.code == "CARD_PUBLISHED"
        assert (count(db, Principekaart), count(db, PrincipekaartValue)) == before

    def test_without_curated_principles_nothing_is_made(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        before = count(db, Principekaart)
        with pytest.raises(InvalidInput) as refused:
            flows.make_card(db, traject=named, data=CardCreate())
        assert {p.loc for p in refused.value.problems} == {
            "values.menselijkheid",
            "values.billijkheid",
        }
        assert count(db, Principekaart) == before


class TestExport:
    def test_ballots_are_anonymised(self, db: Session, named: Traject, demo_org_id: int) -> None:
        text = export.ballots_csv(db, named, secret_key=TEST_SECRET)
        lines = text.strip().split("\n")
        assert lines[0].startswith("session,stage,round,round_title,kind,participant,role")
        assert len(lines) == 4  # three casus ballots
        ids = db.exec(select(Participant.id)).all()
        assert not any(pid in text for pid in ids)


class TestPrincipleVotes:
    def test_votes_from_principle_rounds_count_per_principle_and_group(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        denksessie, _ = naming_session(
            db,
            named,
            [{"privacy": "Ik bescherm gegevens."}, {"privacy": "Ik vraag eerst toestemming."}],
            organisation_id=demo_org_id,
            title="Principes",
        )
        texts = {p.text: p.id for p in visible_principles(db, denksessie, "privacy")}
        vote_round = make_open_round(db, denksessie, "principle", value_key="privacy")
        for approve in ([texts["Ik bescherm gegevens."]], list(texts.values())):
            voter = make_participant(db, denksessie)
            cast(db, denksessie, voter, vote_round, {"approve": approve})
        groups = trajects.principle_groups(db, named, "privacy")
        assert [(g.items[0].text, g.votes) for g in groups] == [
            ("Ik bescherm gegevens.", 2),
            ("Ik vraag eerst toestemming.", 1),
        ]


class TestPrincipleRounds:
    def test_every_wording_of_a_folded_group_is_offered_and_opposites_stay_apart(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        _selected(db, named, demo_org_id)
        _add_principles(
            db,
            named,
            demo_org_id,
            "menselijkheid",
            [
                "Ik dring mensen geen hulp op die ze niet willen.",
                "Ik dring mensen soms hulp op die ze niet willen.",
            ],
        )
        session = make_denksessie(db, organisation_id=demo_org_id, title="Principes")
        attach(db, named, session, "principles", organisation_id=demo_org_id)
        _, rounds = flows.create_principle_rounds(db, traject=named, data=PrincipleRoundsCreate())
        by_value = {r.config["value_key"]: r for r in rounds}
        texts = {
            item.id: item.text
            for group in trajects.principle_groups(db, named, "menselijkheid")
            for item in group.items
        }
        offered = [texts[i] for i in by_value["menselijkheid"].config["principle_ids"]]
        assert sorted(offered) == sorted(
            [
                "Ik luister eerst naar de inwoner.",
                "Ik luister eerst naar een inwoner",
                "Ik dring mensen geen hulp op die ze niet willen.",
                "Ik dring mensen soms hulp op die ze niet willen.",
            ]
        )


class TestClosedStages:
    def test_no_ranking_round_in_a_closed_prioritising_stage(
        self, db: Session, named: Traject, demo_org_id: int
    ) -> None:
        prioritising_session(db, named, organisation_id=demo_org_id)
        trajects.close_stage(db, traject=named, stage="prioritising")
        before = count(db, SessionRound)
        with pytest.raises(Rejected) as refused:
            flows.create_ranking_round(db, traject=named, data=RankingRoundCreate())
        assert refused.value.code == "STAGE_CLOSED"
        assert count(db, SessionRound) == before
