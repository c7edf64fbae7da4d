"""Schuur: a participant names one or two pairs of values that clash in the casus ("Welke waarden
schuren met elkaar?"). Counted as a symmetric matrix of pairs and a ranked list of pairs
(``app/aggregation/clashes.py``, decision 0032)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from app.aggregation.clashes import (
    clash_counts,
    clash_matrix,
    matrix_values,
    ranked_pairs,
)
from app.casussen import service as casussen
from app.db import DbSession
from app.errors import Problem
from app.schemas import DbId, StrictModel
from app.sessions.kinds.base import BallotLookups, BallotRow, Kind, _reject
from app.sessions.kinds.fields import RoundTitle, ValueKey
from app.sessions.models import Denksessie, SessionRound


class SchuurConfig(StrictModel):
    """Values that clash: each participant names 1 or ``max_pairs`` pairs of candidates. Left
    empty, the candidates are the values in tension of ``casus_id``'s casus
    (``kinds/schuur.py``)."""

    candidates: list[ValueKey] = Field(default_factory=list, max_length=25)
    casus_id: DbId | None = None
    max_pairs: Literal[1, 2] = 2

    @model_validator(mode="after")
    def _distinct(self) -> SchuurConfig:
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("een kandidaat staat er twee keer in")
        return self


ValuePair = Annotated[list[ValueKey], Field(min_length=2, max_length=2)]


class SchuurBallotIn(StrictModel):
    """One or two pairs of values that clash; each pair is stored in key order, so (a, b) and
    (b, a) are the same pair. Pairs of one value, the same pair twice and more pairs than the
    round allows are refused with a code (``kinds/schuur.py``)."""

    pairs: list[ValuePair] = Field(min_length=1, max_length=2)

    @field_validator("pairs")
    @classmethod
    def _in_key_order(cls, pairs: list[list[str]]) -> list[list[str]]:
        return [sorted(pair) for pair in pairs]


class RoundCreateSchuur(StrictModel):
    kind: Literal["schuur"]
    title: RoundTitle = ""
    config: SchuurConfig


NAME = "schuur"
# How many places the traject and the card keep (a tie at the edge is kept whole).
TOP_PLACES = 3
# The pairs a phone gets (it shows the first five).
PHONE_PAIRS = 10


class Schuur(Kind):
    name = NAME
    config_model = SchuurConfig
    ballot_model = SchuurBallotIn
    create_model = RoundCreateSchuur
    title = "Welke waarden schuren met elkaar?"

    def complete_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any]
    ) -> dict[str, Any]:
        """No candidates given: the values in tension of the round's casus."""
        casus_id = config.get("casus_id")
        if config["candidates"] or casus_id is None or casus_id not in denksessie.casus_ids:
            return config
        casus = casussen.get_by_id(db, casus_id)
        tension = list(casus.values_in_tension) if casus is not None else []
        return {**config, "candidates": tension}

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        problems: list[Problem] = []
        casus_id = config.get("casus_id")
        if casus_id is not None and casus_id not in denksessie.casus_ids:
            problems.append(Problem("config.casus_id", code="CASUS_NOT_IN_DENKSESSIE"))
        problems.extend(
            Problem(f"config.candidates.{index}", code="UNKNOWN_VALUE", params={"key": key})
            for index, key in enumerate(config["candidates"])
            if key not in known
        )
        if not problems and len(config["candidates"]) < 2:
            problems.append(Problem("config.candidates", code="SCHUUR_TOO_FEW_VALUES"))
        return problems

    def default_title(self, db: DbSession, config: dict[str, Any]) -> str:
        return self.title

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        config = session_round.config
        pairs: list[list[str]] = ballot["pairs"]
        candidates = set(config["candidates"])
        unknown = sorted({v for pair in pairs for v in pair if v not in candidates})
        if unknown:
            raise _reject(
                "UNKNOWN_VALUE", reason="CANDIDATE", params={"values": ", ".join(unknown)}
            )
        if any(a == b for a, b in pairs):
            raise _reject("PAIR_OF_ONE_VALUE")
        if len({tuple(pair) for pair in pairs}) != len(pairs):
            raise _reject("DUPLICATE_PAIR")
        if len(pairs) > config["max_pairs"]:
            raise _reject("TOO_MANY_PAIRS", params={"max": config["max_pairs"]})

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        """The matrix of the most named values (all when they fit) and every named pair,
        ranked."""
        candidates: list[str] = list(session_round.config["candidates"])
        order = session_round.tie_break_order or candidates
        counts = clash_counts([b["pairs"] for b, _ in rows])
        values = matrix_values(candidates, counts, tie_break_order=order)
        return {
            "kind": NAME,
            "n_ballots": len(rows),
            "n_candidates": len(candidates),
            "values": values,
            "matrix": clash_matrix(values, counts),
            "pairs": [
                {"a": p.a, "b": p.b, "count": p.count, "rank": p.rank, "tied": p.tied}
                for p in ranked_pairs(counts, tie_break_order=order)
            ],
        }

    def phone_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """The matrix (at most ``MATRIX_MAX`` values) and the most named pairs (a phone shows
        five): the list of every pair named grows with the room."""
        return {**result, "pairs": result.get("pairs", [])[:PHONE_PAIRS]}

    def table_rows(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        result: dict[str, Any],
        names: dict[str, str],
    ) -> list[dict[str, Any]]:
        """One row per named pair: its place (shared places repeat), the pair, its count."""
        return [
            {
                "place": pair["rank"],
                "item": f"{names.get(pair['a'], pair['a'])} ↔ {names.get(pair['b'], pair['b'])}",
                "score": pair["count"],
                "detail": "",
            }
            for pair in result.get("pairs", [])
        ]


def top_clashes(result: dict[str, Any], places: int = TOP_PLACES) -> list[dict[str, Any]]:
    """The pairs of a schuur round's result within the first ``places`` places, ties whole."""
    return [pair for pair in result.get("pairs", []) if pair["rank"] <= places]


KIND = Schuur()
