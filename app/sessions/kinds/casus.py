"""Casus: a participant decides on a casus, names the values that weighed, and may write a
leading principle ("Ik ...") for each."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from app.aggregation.casus import CasusBallot, tally_casus
from app.casussen import service as casussen
from app.db import DbSession
from app.errors import Problem
from app.sessions.kinds.base import (
    BallotLookups,
    BallotRow,
    Kind,
    PrincipleRow,
    _reject,
    catalogue_values,
    own_principles,
    principles_of_round,
    shown_principles,
)
from app.sessions.models import Denksessie, Principle, SessionRound
from app.sessions.schemas import CasusBallotIn, CasusConfig

NAME = "casus"


class Casus(Kind):
    name = NAME
    config_model = CasusConfig
    ballot_model = CasusBallotIn
    title = "Casus"
    per_role = True

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        if config["casus_id"] not in denksessie.casus_ids:
            return [Problem("config.casus_id", code="CASUS_NOT_IN_DENKSESSIE")]
        return []

    def default_title(self, db: DbSession, config: dict[str, Any]) -> str:
        casus = casussen.get_by_id(db, config["casus_id"])
        return casus.title if casus else self.title

    def candidates(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[str]:
        """The whole catalogue."""
        return sorted(catalogue_values(db, denksessie))

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        config = session_round.config
        if ballot["decision"] == "twijfel" and not config.get("allow_twijfel", True):
            raise _reject("BALLOT_INVALID", reason="TWIJFEL")
        values: list[str] = ballot["values"]
        if len(set(values)) != len(values):
            raise _reject("DUPLICATE_VALUE", reason="VALUE")
        if len(values) > config["max_values"]:
            raise _reject("TOO_MANY_VALUES", reason="VALUES", params={"max": config["max_values"]})
        known = lookups.value_keys(denksessie)
        unknown = [value for value in values if value not in known]
        if unknown:
            raise _reject("UNKNOWN_VALUE", reason="CASUS", params={"values": ", ".join(unknown)})
        for value, text in ballot["principles"].items():
            if value not in values:
                raise _reject("BALLOT_INVALID", reason="PRINCIPLE_WITHOUT_VALUE")
            if text.strip() and not text.strip().startswith("Ik "):
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
        tally = tally_casus(
            [CasusBallot(b["decision"], tuple(b["values"])) for b, _ in rows],
            tie_break_order=session_round.tie_break_order,
        )
        grouped: dict[str, list[dict[str, Any]]] = {}
        for principle in principles_of_round(db, session_round, include_hidden=include_hidden):
            grouped.setdefault(principle.value_key, []).append(
                {"id": principle.id, "text": principle.text, "hidden": principle.hidden}
            )
        return {
            "kind": NAME,
            "n_ballots": tally.n_ballots,
            "decisions": tally.decisions,
            "values": [
                {"value": v.value, "total": v.total, "by_decision": v.by_decision}
                for v in tally.values
            ],
            "principles": grouped,
        }

    def table_rows(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        result: dict[str, Any],
        names: dict[str, str],
    ) -> list[dict[str, Any]]:
        """A row with the decisions, then one per value with its count per decision."""
        decisions = result.get("decisions", {})
        summary = "; ".join(f"{decision}: {n}" for decision, n in decisions.items())
        rows = [{"place": "", "item": "", "score": "", "detail": summary}] if summary else []
        return rows + [
            {
                "place": place,
                "item": names.get(v["value"], v["value"]),
                "score": v["total"],
                "detail": "; ".join(f"{d}: {n}" for d, n in v.get("by_decision", {}).items()),
            }
            for place, v in enumerate(result.get("values", []), start=1)
        ]

    def store_extras(
        self,
        db: DbSession,
        session_round: SessionRound,
        participant_id: str,
        ballot: dict[str, Any],
    ) -> None:
        """Keep the participant's principles equal to the ballot; a kept text keeps its
        moderation."""
        principles: dict[str, str] = ballot["principles"]
        wanted = {
            (value, " ".join(text.split())) for value, text in principles.items() if text.strip()
        }
        for row in own_principles(db, session_round, participant_id):
            if (row.value_key, row.text) in wanted:
                wanted.discard((row.value_key, row.text))
            else:
                db.delete(row)
        assert session_round.id is not None
        for value, text in sorted(wanted):
            db.add(
                Principle(
                    round_id=session_round.id,
                    participant_id=participant_id,
                    value_key=value,
                    text=text,
                )
            )

    def wanted_principles(
        self, config: dict[str, Any], ballot: dict[str, Any]
    ) -> set[PrincipleRow] | None:
        return {
            (value, " ".join(text.split()), None)
            for value, text in ballot["principles"].items()
            if text.strip()
        }

    def casus_ids(self, config: dict[str, Any]) -> set[int]:
        return {config["casus_id"]}


def visible_principles(db: DbSession, denksessie: Denksessie, value_key: str) -> list[Principle]:
    """Principles written for a value in this denksessie's casus rounds, as shown to the room."""
    return list(
        db.exec(
            shown_principles()
            .join(SessionRound, col(SessionRound.id) == col(Principle.round_id))
            .where(
                SessionRound.denksessie_id == denksessie.id,
                SessionRound.kind == NAME,
                Principle.value_key == value_key,
            )
            .order_by(col(Principle.id))
        ).all()
    )


KIND = Casus()
