"""Open question: a participant answers a question in their own words (one to three short
answers); the room sees a word cloud and a wall of answers, once the facilitator has looked at
them (decision 0030).

The answers live in the ballot, like every kind's. The facilitator's moderation lives in
``open_answer_mark``, keyed by an answer's words (``aggregation.words.answer_key``): hiding an
answer hides everyone's same answer, merging shows several answers as one entry with their
count. Answers that say the same in the same words ("Meer tijd!", "meer tijd") are one entry
without anyone merging them.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator
from sqlmodel import col, select

from app.aggregation.words import answer_key, weighted_word_counts
from app.db import DbSession
from app.errors import NotFound, Rejected
from app.schemas import StrictModel
from app.sessions.kinds.base import BallotLookups, BallotRow, Kind, _reject
from app.sessions.kinds.fields import OPEN_ANSWER_MAX, OPEN_ANSWERS_MAX, RoundTitle
from app.sessions.models import Ballot, Denksessie, OpenAnswerMark, Participant, SessionRound
from app.text import storable


class OpenConfig(StrictModel):
    question: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    max_answers: int = Field(default=1, ge=1, le=OPEN_ANSWERS_MAX)
    max_length: int = Field(default=120, ge=10, le=OPEN_ANSWER_MAX)
    # What the projector shows once revealed: the word cloud, the wall of answers, or both.
    show: Literal["both", "cloud", "wall"] = "both"

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        if not storable(value) or not value.strip():
            raise ValueError("geen vraag")
        return value


class OpenBallotIn(StrictModel):
    """Answers to an open question; their number and length are checked against the round's
    configuration by its kind (``kinds/open.py``)."""

    answers: list[Annotated[str, StringConstraints(max_length=OPEN_ANSWER_MAX)]] = Field(
        min_length=1, max_length=OPEN_ANSWERS_MAX
    )


class RoundCreateOpen(StrictModel):
    kind: Literal["open"]
    title: RoundTitle = ""
    config: OpenConfig


NAME = "open"
# The most entries an aggregate carries (every screen shows fewer; the export has them all),
# and the most words in the cloud.
ENTRY_LIMIT = 200
CLOUD_WORDS = 40
# The answers a phone gets of the wall (it shows the first five).
PHONE_ENTRIES = 10
# Longest chain of merges followed (a merge is flattened when written, so this is a guard).
_MERGE_DEPTH = 10


def clean(text: str) -> str:
    """An answer as shown: runs of white space as one space, trimmed."""
    return " ".join(text.split())


class OpenQuestion(Kind):
    name = NAME
    config_model = OpenConfig
    ballot_model = OpenBallotIn
    create_model = RoundCreateOpen
    title = "Open vraag"
    # The facilitator sees hidden answers (flagged, to show them again) and what was merged.
    per_role = True

    def default_title(self, db: DbSession, config: dict[str, Any]) -> str:
        question = clean(config["question"])
        return question if len(question) <= 200 else question[:199] + "…"

    def candidates(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[str]:
        """An open question has no values to choose from (and no tie-break order)."""
        return []

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        config = session_round.config
        answers: list[str] = ballot["answers"]
        if len(answers) > config["max_answers"]:
            raise _reject(
                "TOO_MANY_VALUES", reason="ANSWERS", params={"max": config["max_answers"]}
            )
        if any(not clean(answer) for answer in answers):
            raise _reject("ANSWER_EMPTY")
        if any(len(clean(answer)) > config["max_length"] for answer in answers):
            raise _reject("ANSWER_TOO_LONG", params={"max": config["max_length"]})

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        assert session_round.id is not None
        texts = [clean(text) for payload, _ in rows for text in payload.get("answers", [])]
        return tally(
            [text for text in texts if text],
            marks(db, session_round.id),
            n_ballots=len(rows),
            include_hidden=include_hidden,
        )

    def phone_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """The word cloud and the first answers of the wall (a phone shows five), without the
        answers merged into them."""
        entries = [
            {k: v for k, v in entry.items() if k not in ("hidden", "merged")}
            for entry in result.get("entries", [])
            if not entry.get("hidden")
        ][:PHONE_ENTRIES]
        return {**result, "entries": entries}

    def kept(self, result: dict[str, Any], *, include_hidden: bool) -> dict[str, Any]:
        """A kept result is the facilitator's: others never see a hidden answer in it."""
        if include_hidden:
            return result
        entries = [
            {k: v for k, v in entry.items() if k not in ("hidden", "merged")}
            for entry in result.get("entries", [])
            if not entry.get("hidden")
        ]
        return {**result, "entries": entries, "n_entries": len(entries)}

    def table_rows(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        result: dict[str, Any],
        names: dict[str, str],
    ) -> list[dict[str, Any]]:
        """One row per shown entry, most given first; the answers merged into it in ``detail``.
        Hidden answers are left out, as on the projector."""
        shown = [entry for entry in result.get("entries", []) if not entry.get("hidden")]
        return [
            {
                "place": place,
                "item": entry["text"],
                "score": entry["count"],
                "detail": " | ".join(
                    m["text"] for m in entry.get("merged", []) if not m.get("hidden")
                ),
            }
            for place, entry in enumerate(shown, start=1)
        ]


def marks(db: DbSession, round_id: int) -> dict[str, OpenAnswerMark]:
    """The round's moderation, by answer key."""
    return {
        mark.answer_key: mark
        for mark in db.exec(select(OpenAnswerMark).where(OpenAnswerMark.round_id == round_id))
    }


def _target(key: str, merged: dict[str, str]) -> str:
    seen = 0
    while key in merged and seen < _MERGE_DEPTH:
        key = merged[key]
        seen += 1
    return key


def tally(
    texts: list[str],
    moderation: dict[str, OpenAnswerMark],
    *,
    n_ballots: int,
    include_hidden: bool,
) -> dict[str, Any]:
    """The entries (answers with the same key, and answers merged, as one with a count) and
    the cloud's words. A hidden answer, or one merged into a hidden one, is left out of both,
    except for the facilitator, who sees it flagged.

    Each distinct text is looked at once (a room gives the same answer many times): about
    40 ms for 5,000 ballots of two answers each (3,200 different ones) on this machine, once
    the words are cached."""
    hidden = {key for key, mark in moderation.items() if mark.hidden}
    merged = {key: mark.merged_into for key, mark in moderation.items() if mark.merged_into}
    by_key: dict[str, dict[str, int]] = {}
    for text, times in Counter(texts).items():
        by_key.setdefault(answer_key(text), {})[text] = times
    groups: dict[str, list[str]] = {}
    for key in by_key:
        groups.setdefault(_target(key, merged), []).append(key)
    given = {key: sum(spelled.values()) for key, spelled in by_key.items()}
    entries: list[dict[str, Any]] = []
    shown: dict[str, int] = {}
    for target, keys in groups.items():
        gone = target in hidden
        visible = [] if gone else [key for key in keys if key not in hidden]
        if not (visible or include_hidden):
            continue
        spelled = by_key.get(target) or by_key[(visible or keys)[0]]
        entry: dict[str, Any] = {
            "key": target,
            "text": max(spelled, key=spelled.__getitem__),  # the most given, first among equals
            "count": sum(given[key] for key in (keys if gone else visible)),
        }
        if include_hidden:
            entry["hidden"] = gone
            entry["merged"] = [
                {
                    "key": key,
                    "text": max(by_key[key], key=by_key[key].__getitem__),
                    "count": given[key],
                    "hidden": key in hidden,
                }
                for key in keys
                if key != target
            ]
        for key in visible:
            shown.update(by_key[key])
        entries.append(entry)
    entries.sort(key=lambda entry: -entry["count"])  # stable: first given first among equals
    return {
        "kind": NAME,
        "n_ballots": n_ballots,
        "n_answers": len(texts),
        "n_entries": len(entries),
        "entries": entries[:ENTRY_LIMIT],
        "words": [
            {"word": word, "count": count}
            for word, count in weighted_word_counts(shown, top=CLOUD_WORDS)
        ],
    }


def export_rows(
    db: DbSession,
    rounds: list[SessionRound],
    ballots: list[Ballot],
    labels: dict[str, str | None],
    aliases: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per answer to the open questions among ``rounds`` for the pseudonymous export
    (``app/privacy.py``): the author's pseudonym and folded role, never a name; whether the
    room saw it (``hidden``) and as which answer (``shown_as``, the key it was merged into)."""
    rows: list[dict[str, Any]] = []
    for session_round in rounds:
        if session_round.kind != NAME or session_round.id is None:
            continue
        moderation = marks(db, session_round.id)
        hidden = {key for key, mark in moderation.items() if mark.hidden}
        merged = {key: mark.merged_into for key, mark in moderation.items() if mark.merged_into}
        for ballot in ballots:
            if ballot.round_id != session_round.id:
                continue
            for position, text in enumerate(ballot.payload.get("answers", []), start=1):
                key = answer_key(clean(text))
                target = _target(key, merged)
                rows.append(
                    {
                        "round_id": session_round.id,
                        "participant": aliases[ballot.participant_id],
                        "role": labels.get(ballot.participant_id),
                        "position": position,
                        "text": clean(text),
                        "key": key,
                        "hidden": key in hidden or target in hidden,
                        "shown_as": target if target != key else None,
                    }
                )
    return sorted(rows, key=lambda r: (r["round_id"], r["participant"], r["position"]))


# --- moderation (the facilitator; called by sessions.flows) ----------------------------------


def moderated_round(db: DbSession, denksessie: Denksessie, round_id: int) -> SessionRound:
    """An open question of this denksessie, or NotFound (another kind has no answers)."""
    target = db.get(SessionRound, round_id)
    if target is None or target.denksessie_id != denksessie.id or target.kind != NAME:
        raise NotFound(reason="ROUND", params={"round_id": round_id})
    return target


def answer_keys(db: DbSession, session_round: SessionRound) -> set[str]:
    """The keys of every answer given in the round (by participants still in it)."""
    payloads = db.exec(
        select(Ballot.payload)
        .join(Participant, col(Participant.id) == col(Ballot.participant_id))
        .where(Ballot.round_id == session_round.id, col(Participant.removed).is_(False))
    ).all()
    return {
        answer_key(clean(text))
        for payload in payloads
        for text in payload.get("answers", [])
        if clean(text)
    }


def _known(db: DbSession, session_round: SessionRound, keys: list[str]) -> None:
    given = answer_keys(db, session_round) | set(marks(db, session_round.id or 0))
    unknown = [key for key in keys if key not in given]
    if unknown:
        raise NotFound(reason="ANSWER", params={"answer": unknown[0]})


def _mark(db: DbSession, session_round: SessionRound, key: str) -> OpenAnswerMark:
    assert session_round.id is not None
    found = db.exec(
        select(OpenAnswerMark).where(
            OpenAnswerMark.round_id == session_round.id, OpenAnswerMark.answer_key == key
        )
    ).first()
    return found or OpenAnswerMark(round_id=session_round.id, answer_key=key)


def set_hidden(db: DbSession, session_round: SessionRound, key: str, *, hidden: bool) -> None:
    """Hide an answer (and everyone's same answer) from the room, or show it again."""
    _known(db, session_round, [key])
    mark = _mark(db, session_round, key)
    mark.hidden = hidden
    db.add(mark)
    db.flush()


def merge(db: DbSession, session_round: SessionRound, keys: list[str], *, into: str) -> None:
    """Show the answers ``keys`` as the answer ``into``, with their counts added up. Merges are
    kept flat: what was merged into one of ``keys`` now points at ``into`` too."""
    if into in keys:
        keys = [key for key in keys if key != into]
    if not keys:
        raise Rejected("MERGE_NEEDS_TWO", http_status=422)
    _known(db, session_round, [*keys, into])
    assert session_round.id is not None
    current = marks(db, session_round.id)
    merged = {key: mark.merged_into for key, mark in current.items() if mark.merged_into}
    target = _target(into, merged)
    if target in keys:  # "into" was itself merged into one of them: undo that first
        target = into
        into_mark = _mark(db, session_round, into)
        into_mark.merged_into = None
        db.add(into_mark)
    moving = set(keys)
    for mark in current.values():
        if mark.merged_into in moving:
            mark.merged_into = target
            db.add(mark)
    for key in keys:
        mark = current.get(key) or _mark(db, session_round, key)
        mark.merged_into = target
        db.add(mark)
    db.flush()


def show_as(db: DbSession, session_round: SessionRound, show: str) -> None:
    """What the projector shows of the round once revealed: the cloud, the wall, or both."""
    # A new dict, so the JSON column is written.
    config = {**session_round.config, "show": show}
    session_round.config = OpenConfig.model_validate(config).model_dump()
    db.add(session_round)
    db.flush()


def unmerge(db: DbSession, session_round: SessionRound, key: str) -> None:
    """Show a merged answer as itself again."""
    _known(db, session_round, [key])
    mark = _mark(db, session_round, key)
    mark.merged_into = None
    db.add(mark)
    db.flush()


KIND = OpenQuestion()
