"""Approval: a participant approves up to ``max_approvals`` of the round's candidates."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.aggregation.running import CountStep, RunningTally, count_approval
from app.aggregation.tallies import approval_counts
from app.db import DbSession
from app.errors import Problem
from app.schemas import StrictModel
from app.sessions.kinds.base import (
    BallotLookups,
    BallotRow,
    CandidatesKind,
    LiveTexts,
    _reject,
    scored,
)
from app.sessions.kinds.fields import CandidatesConfig, RoundTitle, ValueKey
from app.sessions.models import Denksessie, SessionRound


class ApprovalConfig(CandidatesConfig):
    max_approvals: int = Field(default=3, ge=1, le=25)
    # A ballot may approve one catalogue value that is not a candidate ("een andere waarde",
    # an intervisie with a Principekaart, decision 0034).
    allow_other: bool = False


class ApprovalBallotIn(StrictModel):
    approve: list[ValueKey] = Field(min_length=1, max_length=25)


class RoundCreateApproval(StrictModel):
    kind: Literal["approval"]
    title: RoundTitle = ""
    config: ApprovalConfig


NAME = "approval"


class Approval(CandidatesKind):
    name = NAME
    config_model = ApprovalConfig
    runs_live = True
    ballot_model = ApprovalBallotIn
    create_model = RoundCreateApproval
    title = "Kies de belangrijkste waarden"

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        problems = super().check_config(db, denksessie, config, known)
        if config["max_approvals"] > len(config["candidates"]):
            problems.append(Problem("config.max_approvals", code="MORE_THAN_CANDIDATES"))
        return problems

    def chosen(self, ballot: dict[str, Any]) -> list[str]:
        return list(ballot["approve"])

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        if session_round.config.get("allow_other"):
            _check_with_other(ballot, denksessie, session_round, lookups)
        else:
            super().check_ballot(
                ballot, denksessie=denksessie, session_round=session_round, lookups=lookups
            )
        most = session_round.config["max_approvals"]
        if len(ballot["approve"]) > most:
            raise _reject("TOO_MANY_VALUES", reason="VALUES", params={"max": most})

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        ballots = [b for b, _ in rows]
        candidates: list[str] = list(session_round.config["candidates"])
        if session_round.config.get("allow_other"):  # other values named, after the candidates
            named = {value for b in ballots for value in b["approve"]}
            candidates += sorted(named - set(candidates))
        scores = approval_counts(candidates, [b["approve"] for b in ballots])
        return scored(NAME, scores, len(ballots), session_round.tie_break_order)

    def counter(self) -> CountStep:
        return count_approval

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        candidates = list(running.candidates)
        # Other values named (only a round with ``allow_other`` takes them), after the candidates,
        # as ``aggregate`` lists them.
        candidates += sorted(set(running.counted()) - set(candidates))
        scores = running.scores(candidates)
        return scored(NAME, scores, running.n_ballots, running.tie_break_order)


def _check_with_other(
    ballot: dict[str, Any],
    denksessie: Denksessie,
    session_round: SessionRound,
    lookups: BallotLookups,
) -> None:
    """Candidates, plus at most one other value of the catalogue."""
    chosen: list[str] = list(ballot["approve"])
    if len(set(chosen)) != len(chosen):
        raise _reject("DUPLICATE_VALUE", reason="VALUE")
    others = [value for value in chosen if value not in session_round.config["candidates"]]
    unknown = [value for value in others if value not in lookups.value_keys(denksessie)]
    if unknown:
        raise _reject("UNKNOWN_VALUE", reason="CANDIDATE", params={"values": ", ".join(unknown)})
    if len(others) > 1:
        raise _reject("TOO_MANY_VALUES", reason="OTHER")


KIND = Approval()
