"""Principle: a participant approves principles for one value (written in this denksessie's
casus rounds, or chosen from earlier denksessies of the organisation) and may reword one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlmodel import col, select

from app.aggregation.running import CountStep, RunningTally, count_approval
from app.aggregation.tallies import approval_counts
from app.db import DbSession
from app.errors import Problem
from app.schemas import DbId, StrictModel
from app.sessions.kinds.base import (
    BallotLookups,
    BallotRow,
    Kind,
    LiveTexts,
    PrincipleRow,
    _reject,
    own_principles,
    principles_of_round,
    shown_principles,
)
from app.sessions.kinds.casus import visible_principles
from app.sessions.kinds.fields import PRINCIPLE_MAX, RoundTitle, ValueKey
from app.sessions.models import Denksessie, Principle, SessionRound


class PrincipleConfig(StrictModel):
    value_key: ValueKey
    max_approvals: int = Field(default=3, ge=1, le=20)
    # Principles from earlier denksessies of the same organisation to vote on (a traject's
    # principles stage); without them, those written in this denksessie's casus rounds.
    principle_ids: list[DbId] | None = Field(default=None, min_length=1, max_length=60)


class Rewording(StrictModel):
    principle_id: DbId
    text: Annotated[str, StringConstraints(min_length=1, max_length=PRINCIPLE_MAX)]


class PrincipleBallotIn(StrictModel):
    approve: list[DbId] = Field(default_factory=list, max_length=20)
    rewording: Rewording | None = None


class RoundCreatePrinciple(StrictModel):
    kind: Literal["principle"]
    title: RoundTitle = ""
    config: PrincipleConfig


NAME = "principle"
# A phone's principle results: the most chosen this many.
PHONE_TOP_PRINCIPLES = 10


class PrincipleVote(Kind):
    name = NAME
    config_model = PrincipleConfig
    ballot_model = PrincipleBallotIn
    create_model = RoundCreatePrinciple
    title = "Welke principes horen op de kaart?"
    per_role = True
    runs_live = True
    reads_texts = True

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        value_key = config["value_key"]
        problems = []
        if value_key not in known:
            problems.append(
                Problem("config.value_key", code="UNKNOWN_VALUE", params={"key": value_key})
            )
        if config["principle_ids"]:
            problems.extend(_foreign_principles(db, denksessie, value_key, config["principle_ids"]))
        return problems

    def candidates(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[str]:
        return [session_round.config["value_key"]]

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        allowed = lookups.principle_ids(denksessie, session_round)
        most = session_round.config["max_approvals"]
        chosen = ballot["approve"]
        if any(principle_id not in allowed for principle_id in chosen):
            raise _reject("UNKNOWN_PRINCIPLE")
        if len(set(chosen)) != len(chosen):
            raise _reject("DUPLICATE_VALUE", reason="PRINCIPLE")
        if len(chosen) > most:
            raise _reject("TOO_MANY_VALUES", reason="PRINCIPLES", params={"max": most})
        rewording = ballot.get("rewording")
        if rewording and rewording["principle_id"] not in allowed:
            raise _reject("UNKNOWN_PRINCIPLE")
        if rewording and not rewording["text"].strip().startswith("Ik "):
            raise _reject("PRINCIPLE_INVALID")

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        principles = round_principles(db, denksessie, session_round)
        counts = approval_counts([p.id for p in principles], [b["approve"] for b, _ in rows])
        rewordings = principles_of_round(db, session_round, include_hidden=include_hidden)
        return {
            "kind": NAME,
            "n_ballots": len(rows),
            "counts": {str(key): value for key, value in counts.items()},
            "rewordings": [
                {"id": r.id, "rewords_id": r.rewords_id, "text": r.text, "hidden": r.hidden}
                for r in rewordings
            ],
        }

    def counter(self) -> CountStep:
        return count_approval

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        """As ``aggregate``, with the vote list and rewordings last read (None before)."""
        if texts is None:
            return None
        counts = running.scores(texts.shown_ids)
        return {
            "kind": NAME,
            "n_ballots": running.n_ballots,
            "counts": {str(key): value for key, value in counts.items()},
            "rewordings": [
                {
                    "id": p["id"],
                    "rewords_id": p["rewords_id"],
                    "text": p["text"],
                    "hidden": p["hidden"],
                }
                for p in texts.written
                if facilitator or not p["hidden"]
            ],
        }

    def phone_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """The most chosen principles only (a room writes hundreds), without the rewordings."""
        counts: dict[str, int] = result.get("counts", {})
        top = sorted(counts, key=lambda key: (-counts[key], int(key)))[:PHONE_TOP_PRINCIPLES]
        return {
            **result,
            "counts": {key: counts[key] for key in top},
            "rewordings": [],
            "n_principles": len(counts),
        }

    def table_rows(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        result: dict[str, Any],
        names: dict[str, str],
    ) -> list[dict[str, Any]]:
        """One row per shown principle, most approved first."""
        texts = {
            str(p.id): p.text
            for p in round_principles(db, denksessie, session_round)
            if not p.hidden
        }
        counts: dict[str, int] = result.get("counts", {})
        ordered = sorted((key for key in counts if key in texts), key=lambda key: -counts[key])
        return [
            {"place": place, "item": texts[key], "score": counts[key], "detail": ""}
            for place, key in enumerate(ordered, start=1)
        ]

    def store_extras(
        self,
        db: DbSession,
        session_round: SessionRound,
        participant_id: str,
        ballot: dict[str, Any],
    ) -> None:
        """The participant's rewording, replacing an earlier one."""
        for row in own_principles(db, session_round, participant_id):
            db.delete(row)
        rewording = ballot.get("rewording")
        if rewording:
            assert session_round.id is not None
            db.add(
                Principle(
                    round_id=session_round.id,
                    participant_id=participant_id,
                    value_key=session_round.config["value_key"],
                    text=" ".join(rewording["text"].split()),
                    rewords_id=rewording["principle_id"],
                )
            )

    def wanted_principles(
        self, config: dict[str, Any], ballot: dict[str, Any]
    ) -> set[PrincipleRow] | None:
        rewording = ballot.get("rewording")
        if not rewording:
            return set()
        text = " ".join(rewording["text"].split())
        return {(config["value_key"], text, rewording["principle_id"])}

    def principles_to_vote(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[Principle] | None:
        return round_principles(db, denksessie, session_round)


def round_principles(
    db: DbSession, denksessie: Denksessie, session_round: SessionRound
) -> list[Principle]:
    """What a principle round puts to the vote: the principles named in its configuration
    (earlier denksessies of a traject), else those written in this denksessie's casus rounds."""
    chosen = session_round.config.get("principle_ids")
    if chosen:
        return list(
            db.exec(
                shown_principles().where(col(Principle.id).in_(chosen)).order_by(col(Principle.id))
            )
        )
    return visible_principles(db, denksessie, session_round.config["value_key"])


def _foreign_principles(
    db: DbSession, denksessie: Denksessie, value_key: str, principle_ids: list[int]
) -> list[Problem]:
    """Principles a round may show from other denksessies: of the same organisation and about
    the round's value. Anything else is reported as unknown (existence elsewhere never leaks)."""
    found = set(
        db.exec(
            select(Principle.id)
            .join(SessionRound, col(SessionRound.id) == col(Principle.round_id))
            .join(Denksessie, col(Denksessie.id) == col(SessionRound.denksessie_id))
            .where(
                col(Principle.id).in_(principle_ids),
                Principle.value_key == value_key,
                Denksessie.organisation_id == denksessie.organisation_id,
            )
        ).all()
    )
    problems = [
        Problem(
            f"config.principle_ids.{index}",
            code="UNKNOWN_PRINCIPLE",
            params={"principle_id": principle_id},
        )
        for index, principle_id in enumerate(principle_ids)
        if principle_id not in found
    ]
    if len(set(principle_ids)) != len(principle_ids):
        problems.append(Problem("config.principle_ids", code="DUPLICATE_PRINCIPLE"))
    return problems


KIND = PrincipleVote()
