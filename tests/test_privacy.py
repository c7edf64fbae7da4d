"""Deleting participant-level data: ballots and people go, results and principle texts stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app import privacy
from app.cli import cli
from app.db import build_engine, transaction
from app.errors import Rejected
from app.organisations import service as organisations
from app.organisations.models import Organisation, utcnow
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.models import Ballot, BallotSubmission, Denksessie, Participant, Principle
from tests.conftest import TEST_SECRET, settings_for
from tests.sessions.factories import (
    cast,
    close,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
)

runner = CliRunner()
PRINCIPLE = "Ik laat mensen zelf kiezen hoe ze wonen."


def _ended_session_with_answers(db: Session, organisation_id: int) -> Denksessie:
    denksessie = make_denksessie(db, organisation_id=organisation_id, roles=["gemeente"])
    casus = make_open_round(db, denksessie, "casus")
    ana = make_participant(db, denksessie, display_name="Ana", role="gemeente")
    bo = make_participant(db, denksessie, display_name="Bo")
    for person, decision in ((ana, "toekennen"), (bo, "niet_toekennen")):
        cast(
            db,
            denksessie,
            person,
            casus,
            {
                "decision": decision,
                "values": ["zelfbeschikking"],
                "principles": {"zelfbeschikking": PRINCIPLE},
            },
        )
    close(db, denksessie, casus)
    flows.end_denksessie(db, denksessie=denksessie)
    return denksessie


class TestPurge:
    def test_people_and_ballots_go_results_and_principles_stay(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _ended_session_with_answers(db, demo_org_id)
        assert denksessie.id is not None
        (casus,) = sessions.rounds_of(db, denksessie.id)
        before = results.aggregate(db, denksessie, casus, role="facilitator")
        ballots, submissions = count(db, Ballot), count(db, BallotSubmission)

        assert privacy.purge(db, denksessie) == 2

        assert denksessie.purged_at is not None
        assert (
            db.exec(select(Participant).where(Participant.denksessie_id == denksessie.id)).all()
            == []
        )
        assert count(db, Ballot) == ballots - 2
        assert count(db, BallotSubmission) == submissions - 2
        principles = db.exec(select(Principle).where(Principle.round_id == casus.id)).all()
        assert [(p.text, p.participant_id) for p in principles] == [(PRINCIPLE, None)] * 2
        after = results.aggregate(db, denksessie, casus, role="facilitator")
        assert (
            after["decisions"]
            == before["decisions"]
            == {
                "toekennen": 1,
                "niet_toekennen": 1,
                "twijfel": 0,
            }
        )
        assert after["values"] == before["values"]
        # Export now shows results without people.
        exported = privacy.export(db, denksessie)
        assert exported["participants"] == []
        assert exported["ballots"] == []
        assert exported["rounds"][0]["result"]["decisions"]["toekennen"] == 1
        assert privacy.purge(db, denksessie) == 0  # idempotent

    def test_a_live_denksessie_cannot_be_purged(self, db: Session, demo_org_id: int) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        make_participant(db, denksessie)
        with pytest.raises(Rejected, match="Beëindig de denksessie eerst"):
            privacy.purge(db, denksessie)
        assert denksessie.purged_at is None

    def test_retention_counts_from_the_end_per_organisation(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _ended_session_with_answers(db, demo_org_id)
        organisation = db.get(Organisation, demo_org_id)
        assert organisation is not None
        assert denksessie.ended_at is not None
        organisation.retention_days = 10
        db.add(organisation)
        ended = denksessie.ended_at
        assert denksessie.id not in privacy.purge_expired(db, now=ended + timedelta(days=9))
        assert denksessie.purged_at is None
        assert denksessie.id in privacy.purge_expired(db, now=ended + timedelta(days=10))
        assert denksessie.purged_at is not None

    def test_export_has_everything_but_no_addresses(self, db: Session, demo_org_id: int) -> None:
        denksessie = _ended_session_with_answers(db, demo_org_id)
        exported = privacy.export(db, denksessie)
        assert exported["format"] == "denksessie-export/1"
        assert sorted(p["display_name"] or "" for p in exported["participants"]) == ["Ana", "Bo"]
        assert len(exported["ballots"]) == 2
        assert {b["answer"]["decision"] for b in exported["ballots"]} == {
            "toekennen",
            "niet_toekennen",
        }
        assert [p["text"] for p in exported["principles"]] == [PRINCIPLE, PRINCIPLE]
        flat = str(exported)
        assert "127.0.0.1" not in flat
        assert "user_agent" not in flat


class TestPurgeCommand:
    def test_purges_what_is_past_retention_on_sqlite(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = f"sqlite:///{tmp_path}/purge.sqlite3"
        monkeypatch.setenv("DENKSESSIE_DATABASE_URL", url)
        monkeypatch.setenv("DENKSESSIE_SECRET_KEY", TEST_SECRET)
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        assert runner.invoke(cli, ["load-content"]).exit_code == 0
        engine = build_engine(settings_for(url))
        try:
            with transaction(engine) as db:
                organisation_id = organisations.ensure_demo(db).id
                assert organisation_id is not None
                old = _ended_session_with_answers(db, organisation_id)
                recent = _ended_session_with_answers(db, organisation_id)
                old.ended_at = utcnow() - timedelta(days=31)
                db.add(old)
                ids = (old.id, recent.id)
            result = runner.invoke(cli, ["purge"])
            assert result.exit_code == 0, result.output
            assert f"denksessie(s): {ids[0]}" in result.output
            with transaction(engine) as db:
                left = db.exec(select(Participant.denksessie_id)).all()
                assert sorted(set(left)) == [ids[1]]
            assert "Niets te wissen" in runner.invoke(cli, ["purge"]).output
        finally:
            engine.dispose()
