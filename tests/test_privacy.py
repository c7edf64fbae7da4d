"""Deleting participant-level data: ballots and people go, results and principle texts stay."""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app import privacy
from app.accounts import service as accounts
from app.accounts.models import Invitation, LoginSession
from app.cli import cli
from app.db import build_engine, transaction
from app.errors import Rejected
from app.events import Event
from app.main import purge_periodically
from app.organisations import service as organisations
from app.organisations.models import Organisation, utcnow
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    Denksessie,
    Participant,
    Principle,
    SessionRound,
)
from tests.conftest import TEST_SECRET, make_account, settings_for
from tests.realtime.support import prepared_database
from tests.sessions.factories import (
    cast,
    close,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
)

runner = CliRunner()
DAY = timedelta(days=1)
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
        exported = privacy.export(db, denksessie, secret_key=TEST_SECRET)
        assert exported["participants"] == []
        assert exported["ballots"] == []
        assert exported["denksessie"]["participant_count"] == 0
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
        _set_retention(db, demo_org_id, 10)
        assert denksessie.ended_at is not None
        ended = denksessie.ended_at
        assert denksessie.id not in privacy.purge_expired(db, now=ended + DAY * 9).purged
        assert denksessie.purged_at is None
        assert denksessie.id in privacy.purge_expired(db, now=ended + DAY * 10).purged
        assert denksessie.purged_at is not None


class TestIdleDenksessies:
    """Retention counts from the last activity, so a denksessie nobody ends is purged too."""

    def test_one_never_ended_is_ended_and_purged_once_idle_past_retention(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _running_session_with_answers(db, demo_org_id)
        _set_retention(db, demo_org_id, 30)
        last = privacy.last_activity(db, [_id(denksessie)])[_id(denksessie)]
        assert denksessie.id not in privacy.purge_expired(db, now=last + DAY * 29).purged
        assert denksessie.status == "running"

        expired = privacy.purge_expired(db, now=last + DAY * 30)

        assert _id(denksessie) in expired.purged
        assert ("denksessie_ended", denksessie.id) in [
            (e.type, e.denksessie_id) for e in expired.ended
        ]
        assert (denksessie.status, denksessie.purged_at is not None) == ("ended", True)
        assert (
            db.exec(select(Participant).where(Participant.denksessie_id == denksessie.id)).all()
            == []
        )
        assert db.exec(select(Ballot).where(Ballot.round_id == casus.id)).all() == []
        result = results.aggregate(db, denksessie, casus, role="facilitator")
        assert result["decisions"]["toekennen"] == 1

    def test_one_nobody_joined_yet_is_left_running(self, db: Session, demo_org_id: int) -> None:
        prepared = make_denksessie(db, organisation_id=demo_org_id, title="Voorbereid")
        make_round(db, prepared, "casus")
        _set_retention(db, demo_org_id, 30)
        assert prepared.id not in privacy.purge_expired(db, now=utcnow() + DAY * 60).purged
        assert (prepared.status, prepared.purged_at) == ("lobby", None)

    def test_a_later_ballot_postpones_it(self, db: Session, demo_org_id: int) -> None:
        denksessie, casus = _running_session_with_answers(db, demo_org_id)
        _set_retention(db, demo_org_id, 30)
        (ballot, _) = db.exec(select(Ballot).where(Ballot.round_id == casus.id)).all()
        later = utcnow() + DAY * 20
        ballot.updated_at = later
        db.add(ballot)
        db.flush()
        assert privacy.last_activity(db, [_id(denksessie)])[_id(denksessie)] == later
        assert denksessie.id not in privacy.purge_expired(db, now=later + DAY * 29).purged
        assert denksessie.purged_at is None
        assert denksessie.id in privacy.purge_expired(db, now=later + DAY * 30).purged

    def test_a_later_join_postpones_it(self, db: Session, demo_org_id: int) -> None:
        denksessie, _ = _running_session_with_answers(db, demo_org_id)
        _set_retention(db, demo_org_id, 30)
        late = make_participant(db, denksessie, display_name="Laat")
        late.joined_at = utcnow() + DAY * 40
        db.add(late)
        db.flush()
        assert denksessie.id not in privacy.purge_expired(db, now=utcnow() + DAY * 60).purged
        assert denksessie.id in privacy.purge_expired(db, now=utcnow() + DAY * 71).purged


def _id(denksessie: Denksessie) -> int:
    assert denksessie.id is not None
    return denksessie.id


def _set_retention(db: Session, organisation_id: int, days: int) -> None:
    organisation = db.get(Organisation, organisation_id)
    assert organisation is not None
    organisation.retention_days = days
    db.add(organisation)
    db.flush()


def _backdate(db: Session, denksessie: Denksessie, by: timedelta) -> None:
    """Move every moment of a denksessie's activity back by ``by``."""
    rounds = sessions.rounds_of(db, _id(denksessie))
    in_rounds = [r.id for r in rounds]
    shifted: list[tuple[Any, tuple[str, ...]]] = [(denksessie, ("created_at", "ended_at"))]
    shifted += [(r, ("opened_at", "closed_at")) for r in rounds]
    shifted += [
        (p, ("joined_at",))
        for p in db.exec(select(Participant).where(Participant.denksessie_id == denksessie.id))
    ]
    shifted += [
        (b, ("updated_at",))
        for b in db.exec(select(Ballot).where(col(Ballot.round_id).in_(in_rounds)))
    ]
    shifted += [
        (p, ("created_at",))
        for p in db.exec(select(Principle).where(col(Principle.round_id).in_(in_rounds)))
    ]
    for row, fields in shifted:
        for field in fields:
            if getattr(row, field) is not None:
                setattr(row, field, getattr(row, field) - by)
        db.add(row)
    db.flush()


def _running_session_with_answers(
    db: Session, organisation_id: int
) -> tuple[Denksessie, SessionRound]:
    denksessie = make_denksessie(db, organisation_id=organisation_id)
    casus = make_open_round(db, denksessie, "casus")
    for name, decision in (("Ana", "toekennen"), ("Bo", "twijfel")):
        person = make_participant(db, denksessie, display_name=name)
        cast(db, denksessie, person, casus, {"decision": decision, "values": ["privacy"]})
    return denksessie, casus


class TestExport:
    def test_answers_under_pseudonyms_and_no_addresses(self, db: Session, demo_org_id: int) -> None:
        denksessie = _ended_session_with_answers(db, demo_org_id)
        exported = privacy.export(db, denksessie, secret_key=TEST_SECRET)
        assert exported["format"] == "denksessie-export/2"
        assert exported["denksessie"]["participant_count"] == 2
        assert {b["answer"]["decision"] for b in exported["ballots"]} == {
            "toekennen",
            "niet_toekennen",
        }
        aliases = {p["participant"] for p in exported["participants"]}
        assert aliases == {b["participant"] for b in exported["ballots"]}
        assert aliases == {p["participant"] for p in exported["principles"]}
        assert len(aliases) == 2
        # One "gemeente" and one without a role: both are "overig".
        assert [p["role"] for p in exported["participants"]] == ["overig", "overig"]
        assert [p["text"] for p in exported["principles"]] == [PRINCIPLE, PRINCIPLE]
        flat = json.dumps(exported)
        for absent in ("Ana", "Bo", "127.0.0.1", "user_agent", "joined_at", "updated_at"):
            assert absent not in flat
        ids = db.exec(select(Participant.id).where(Participant.denksessie_id == denksessie.id))
        assert not any(pid in flat for pid in ids)

    def test_pseudonyms_are_stable_and_need_the_secret_key(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _ended_session_with_answers(db, demo_org_id)
        first = privacy.export(db, denksessie, secret_key=TEST_SECRET)["participants"]
        again = privacy.export(db, denksessie, secret_key=TEST_SECRET)["participants"]
        other = privacy.export(db, denksessie, secret_key="een-andere-geheime-sleutel")
        assert first == again
        assert not {p["participant"] for p in first} & {
            p["participant"] for p in other["participants"]
        }

    def test_a_removed_participant_is_left_out_and_not_named_in_the_log(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        casus = make_open_round(db, denksessie, "casus")
        stays, goes = make_participant(db, denksessie), make_participant(db, denksessie)
        for person in (stays, goes):
            cast(
                db,
                denksessie,
                person,
                casus,
                {
                    "decision": "toekennen",
                    "values": ["privacy"],
                    "principles": {"privacy": PRINCIPLE},
                },
            )
        flows.remove_participant(db, denksessie=denksessie, participant_id=goes.id)
        exported = privacy.export(db, denksessie, secret_key=TEST_SECRET)
        assert len(exported["ballots"]) == 1
        assert exported["denksessie"]["removed_participant_count"] == 1
        assert [(p["participant"] is None, p["hidden"]) for p in exported["principles"]] == [
            (False, False),
            (True, True),
        ]
        assert exported["moderation_log"][0]["action"] == "remove_participant"
        assert exported["moderation_log"][0]["target"] is None
        assert goes.id not in json.dumps(exported)


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
                _backdate(db, old, timedelta(days=31))
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


class TestExpiredAccountsData:
    def test_expired_logins_and_invitations_go_with_the_purge(
        self, db: Session, demo_org_id: int
    ) -> None:
        organisation = db.get(Organisation, demo_org_id)
        assert organisation is not None
        account = make_account(db, organisation, email="verloopt@example.org")
        assert account.user.id is not None
        accounts.start_login(db, user=account.user, lifetime=DAY, organisation_id=demo_org_id)
        accounts.create_invitation(
            db,
            organisation_id=demo_org_id,
            email="nooit-geantwoord@example.org",
            role="viewer",
            invited_by=account.user.id,
            lifetime=DAY * 7,
        )
        logins, invitations = count(db, LoginSession), count(db, Invitation)

        privacy.purge_expired(db, now=utcnow() + DAY * 2)
        assert count(db, LoginSession) == logins - 1
        assert count(db, Invitation) == invitations

        expired = privacy.purge_expired(db, now=utcnow() + DAY * 8)
        assert expired.invitations >= 1
        assert count(db, Invitation) == invitations - 1


class TestTheHourlyRun:
    @pytest.mark.postgres
    async def test_an_idle_denksessie_is_ended_and_its_end_announced(self) -> None:
        with prepared_database() as url:
            engine = build_engine(settings_for(url))
            try:
                with transaction(engine) as db:
                    organisation_id = organisations.ensure_demo(db).id
                    assert organisation_id is not None
                    denksessie, _casus = _running_session_with_answers(db, organisation_id)
                    _backdate(db, denksessie, timedelta(days=31))
                    idle = _id(denksessie)
                announced: list[Event] = []

                async def publish(event: Event) -> None:
                    announced.append(event)

                run = asyncio.create_task(purge_periodically(engine, publish, first_after_s=0))
                try:
                    for _ in range(200):
                        if announced:
                            break
                        await asyncio.sleep(0.05)
                finally:
                    run.cancel()
                    with suppress(asyncio.CancelledError):
                        await run
                assert [(e.type, e.denksessie_id) for e in announced] == [
                    ("denksessie_ended", idle)
                ]
                with transaction(engine) as db:
                    ended = db.get(Denksessie, idle)
                    assert ended is not None
                    assert (ended.status, ended.purged_at is not None) == ("ended", True)
            finally:
                engine.dispose()
