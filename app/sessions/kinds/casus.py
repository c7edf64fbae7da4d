"""Casus: a participant decides on a casus, names the values that weighed, and may write a
leading principle ("Ik ...") and a short reason ("Waarom?", decision 0031) for each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator
from sqlmodel import col, select

from app.aggregation.casus import CasusBallot, CasusTally, tally_casus
from app.aggregation.reasons import GRANT, REFUSE, ReasonBallot, reason_id, reasons_by_value
from app.aggregation.running import CountStep, RunningTally, count_casus
from app.casussen import service as casussen
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
    catalogue_values,
    own_principles,
    principles_of_round,
    shown_principles,
)
from app.sessions.kinds.fields import PRINCIPLE_MAX, REASON_MAX, RoundTitle, ValueKey
from app.sessions.models import (
    Ballot,
    CardQuote,
    Denksessie,
    HiddenReason,
    Participant,
    Principle,
    SessionRound,
)


class CasusConfig(StrictModel):
    casus_id: DbId
    max_values: int = Field(default=3, ge=1, le=10)
    allow_twijfel: bool = True
    # The values the round offers (an intervisie with a Principekaart offers the card's);
    # None offers the whole catalogue. With ``allow_other`` a ballot may also name one value
    # of the catalogue that is not offered ("een andere waarde", decision 0034).
    offered: list[ValueKey] | None = Field(default=None, min_length=1, max_length=25)
    allow_other: bool = False
    # Phones may write a short reason per chosen value ("Waarom?"); on unless switched off.
    reasons: bool = True


class CasusBallotIn(StrictModel):
    decision: Literal["toekennen", "niet_toekennen", "twijfel"]
    values: list[ValueKey] = Field(min_length=1, max_length=10)
    # One leading principle per chosen value, each a sentence starting with "Ik".
    principles: dict[ValueKey, Annotated[str, StringConstraints(max_length=PRINCIPLE_MAX)]] = Field(
        default_factory=dict
    )
    # At most one short reason per chosen value ("Waarom?"); spaces folded, empty ones dropped.
    reasons: dict[ValueKey, Annotated[str, StringConstraints(max_length=REASON_MAX)]] = Field(
        default_factory=dict, max_length=10
    )

    @field_validator("reasons")
    @classmethod
    def _fold_reasons(cls, reasons: dict[str, str]) -> dict[str, str]:
        folded = {value: " ".join(text.split()) for value, text in reasons.items()}
        return {value: text for value, text in folded.items() if text}


class RoundCreateCasus(StrictModel):
    kind: Literal["casus"]
    title: RoundTitle = ""
    config: CasusConfig


NAME = "casus"
# What a phone does not show of a casus result.
PHONE_LEFT_OUT = frozenset({"principles", "reasons", "quotes"})
# The values a phone lists after a reveal: participant.js shows this many (``limit``).
PHONE_VALUES = 5


class Casus(Kind):
    name = NAME
    config_model = CasusConfig
    ballot_model = CasusBallotIn
    create_model = RoundCreateCasus
    title = "Casus"
    per_role = True
    runs_live = True
    reads_texts = True

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        problems = []
        if config["casus_id"] not in denksessie.casus_ids:
            problems.append(Problem("config.casus_id", code="CASUS_NOT_IN_DENKSESSIE"))
        offered: list[str] = config.get("offered") or []
        problems += [
            Problem(f"config.offered.{index}", code="UNKNOWN_VALUE", params={"key": key})
            for index, key in enumerate(offered)
            if key not in known
        ]
        if len(set(offered)) != len(offered):
            problems.append(Problem("config.offered", code="DUPLICATE_VALUE"))
        return problems

    def default_title(self, db: DbSession, config: dict[str, Any]) -> str:
        casus = casussen.get_by_id(db, config["casus_id"])
        return casus.title if casus else self.title

    def candidates(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[str]:
        """The offered values, or the whole catalogue."""
        offered = session_round.config.get("offered")
        return list(offered) if offered else sorted(catalogue_values(db, denksessie))

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
        offered = config.get("offered")
        if offered:
            others = [value for value in values if value not in offered]
            if others and not config.get("allow_other"):
                raise _reject(
                    "UNKNOWN_VALUE", reason="OFFERED", params={"values": ", ".join(others)}
                )
            if len(others) > 1:
                raise _reject("TOO_MANY_VALUES", reason="OTHER")
        for value, text in ballot["principles"].items():
            if value not in values:
                raise _reject("BALLOT_INVALID", reason="PRINCIPLE_WITHOUT_VALUE")
            if text.strip() and not text.strip().startswith("Ik "):
                raise _reject("PRINCIPLE_INVALID")
        reasons: dict[str, str] = ballot.get("reasons") or {}
        if reasons and not config.get("reasons", True):
            raise _reject("REASONS_OFF")
        if any(value not in values for value in reasons):
            raise _reject("REASON_WITHOUT_VALUE")

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
        quotes = picked_quotes(db, session_round) if include_hidden else None
        return _shaped(
            tally,
            grouped,
            [b for b, _ in rows],
            hidden=hidden_reasons(db, session_round),
            quotes=quotes,
            include_hidden=include_hidden,
        )

    def counter(self) -> CountStep:
        return count_casus

    def live_extras(self, db: DbSession, session_round: SessionRound) -> dict[str, Any]:
        """The reasons hidden and (for the facilitator) the quotes picked: what
        ``running_result`` needs of the database beside the principles written."""
        return {
            "hidden_reasons": hidden_reasons(db, session_round),
            "quotes": picked_quotes(db, session_round),
        }

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        """As ``aggregate``: the counts from the running tally, the reasons from the ballots it
        holds, the principles, hidden reasons and quotes as last read (None before)."""
        if texts is None:
            return None
        grouped: dict[str, list[dict[str, Any]]] = {}
        for p in texts.written:
            if facilitator or not p["hidden"]:
                grouped.setdefault(p["value_key"], []).append(
                    {"id": p["id"], "text": p["text"], "hidden": p["hidden"]}
                )
        return _shaped(
            running.casus(),
            grouped,
            [held.payload for held in running.held.values()],
            hidden=texts.extras.get("hidden_reasons", frozenset()),
            quotes=texts.extras.get("quotes", []) if facilitator else None,
            include_hidden=facilitator,
        )

    def phone_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """The counts only: a phone lists the values most named (``PHONE_VALUES``, as many as
        participant.js shows), not the principles and reasons written (they grow with the
        room: 126 KB at 5,000 phones) nor the quotes. All 25 values' counts made a phone's
        revealed state 4.6 KB, past what goes uncompressed (``wire.COMPRESS_FROM``), so every
        phone in the room had to inflate it."""
        sized = {key: part for key, part in result.items() if key not in PHONE_LEFT_OUT}
        if isinstance(sized.get("values"), list):
            sized["values"] = sized["values"][:PHONE_VALUES]
        return sized

    def kept(self, result: dict[str, Any], *, include_hidden: bool) -> dict[str, Any]:
        """A kept snapshot (made for the facilitator) without what the room must not see."""
        if include_hidden:
            return result
        room = {key: part for key, part in result.items() if key != "quotes"}
        if "principles" in result:
            room["principles"] = {
                value: [p for p in texts if not p.get("hidden")]
                for value, texts in result["principles"].items()
            }
        if "reasons" in result:
            room["reasons"] = [
                {
                    **entry,
                    "sides": {
                        decision: {
                            **side,
                            "reasons": [x for x in side["reasons"] if not x.get("hidden")],
                        }
                        for decision, side in entry["sides"].items()
                    },
                }
                for entry in result["reasons"]
            ]
        return room

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
        return (
            rows
            + [
                {
                    "place": place,
                    "item": names.get(v["value"], v["value"]),
                    "score": v["total"],
                    "detail": "; ".join(f"{d}: {n}" for d, n in v.get("by_decision", {}).items()),
                }
                for place, v in enumerate(result.get("values", []), start=1)
            ]
            + [
                {
                    "place": "",
                    "item": names.get(entry["value"], entry["value"]),
                    "score": reason["count"],
                    "detail": f"{decision}: {reason['text']}",
                }
                for entry in result.get("reasons", [])
                for decision, side in entry["sides"].items()
                for reason in side["reasons"]
                if not reason.get("hidden")
            ]
        )

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


def hidden_reasons(db: DbSession, session_round: SessionRound) -> frozenset[str]:
    """The ids of the reasons hidden in a round (``app.aggregation.reasons.reason_id``)."""
    return frozenset(
        db.exec(select(HiddenReason.reason_id).where(HiddenReason.round_id == session_round.id))
    )


def written_reasons(
    db: DbSession, session_round: SessionRound
) -> dict[str, tuple[str, str, set[str]]]:
    """Every reason written in a round by a participant still in the room: id -> (value, text,
    the sides of the decision it was written on)."""
    payloads = db.exec(
        select(Ballot.payload)
        .join(Participant, col(Participant.id) == col(Ballot.participant_id))
        .where(Ballot.round_id == session_round.id, col(Participant.removed).is_(False))
    ).all()
    written: dict[str, tuple[str, str, set[str]]] = {}
    for payload in payloads:
        for value, text in (payload.get("reasons") or {}).items():
            if value in payload.get("values", []):
                rid = reason_id(value, text)
                written.setdefault(rid, (value, text, set()))[2].add(payload["decision"])
    return written


def round_quotes(db: DbSession, session_round: SessionRound) -> list[CardQuote]:
    """The quotes for the card picked from a round, in the order they were picked."""
    return list(
        db.exec(
            select(CardQuote)
            .where(CardQuote.round_id == session_round.id)
            .order_by(col(CardQuote.id))
        ).all()
    )


def _shaped(
    tally: CasusTally,
    grouped: dict[str, list[dict[str, Any]]],
    payloads: Iterable[Mapping[str, Any]],
    *,
    hidden: frozenset[str],
    quotes: list[dict[str, Any]] | None,
    include_hidden: bool,
) -> dict[str, Any]:
    """A casus aggregate as the clients take it: the counts, the principles written per value,
    the reasons per value and side from the ballots' payloads, and the quotes picked (the
    facilitator's only: ``quotes`` None for the others)."""
    reasons = reasons_by_value(
        [
            ReasonBallot(b["decision"], tuple(b["values"]), b["reasons"])
            for b in payloads
            if b.get("reasons")
        ],
        order=[v.value for v in tally.values],
        hidden=hidden,
        include_hidden=include_hidden,
        contested={v.value for v in tally.values if v.by_decision[GRANT] and v.by_decision[REFUSE]},
    )
    result: dict[str, Any] = {
        "kind": NAME,
        "n_ballots": tally.n_ballots,
        "decisions": tally.decisions,
        "values": [
            {"value": v.value, "total": v.total, "by_decision": v.by_decision} for v in tally.values
        ],
        "principles": grouped,
        "reasons": [
            {
                "value": r.value,
                "both_sides": r.both_sides,
                "sides": {
                    decision: {
                        "n": side.n,
                        "reasons": [
                            {"id": x.id, "text": x.text, "count": x.count, "hidden": x.hidden}
                            for x in side.reasons
                        ],
                    }
                    for decision, side in r.sides.items()
                },
            }
            for r in reasons
        ],
        "both_sides": [r.value for r in reasons if r.both_sides],
    }
    if quotes is not None:  # the facilitator: which texts are picked as quotes for the card
        result["quotes"] = quotes
    return result


def picked_quotes(db: DbSession, session_round: SessionRound) -> list[dict[str, Any]]:
    """The quotes picked for the card, as the facilitator's aggregate lists them."""
    return [
        {"id": q.id, "value": q.value_key, "source": q.source, "side": q.side, "text": q.text}
        for q in round_quotes(db, session_round)
    ]


KIND = Casus()
