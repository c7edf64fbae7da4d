"""Tables of a live denksessie.

A ballot is one row per (round, participant), revised in place until the round closes; the
``ballot_submission`` table remembers every client message id, so a resent message is recognised
by a unique constraint and acknowledged again without being counted twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow


class Denksessie(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id"))
    catalogue_id: int = Field(sa_column=foreign_key("catalogue.id"))
    title: str = Field(max_length=200)
    join_code: str = Field(max_length=6, unique=True)
    status: str = Field(default="lobby", max_length=16)  # lobby | running | ended
    join_locked: bool = False
    # Joining (docs/decisions/0011): the facilitator's expected room size sets how many may
    # join in all (``sessions.service.join_budget``); ``joined`` counts them atomically. An
    # optional PIN, shown only on the projector, is asked at join.
    room_size: int = Field(default=60, sa_column_kwargs={"server_default": "60"})
    joined: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    room_pin: str | None = Field(default=None, max_length=8)
    show_results_live: bool = False
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    casus_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The Principekaart an intervisie was started from (app/cards/intervisie.py, decision 0034).
    principekaart_id: int | None = Field(
        default=None, sa_column=foreign_key("principekaart.id", nullable=True)
    )
    # Bumped atomically by every state change; clients detect a gap and ask for a snapshot.
    seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    # When the participant-level data was deleted (app/privacy.py); results live on as snapshots.
    purged_at: datetime | None = None
    # Self-paced (docs/decisions/0033): no facilitator clicks through it; every round is open
    # from the start until ``closes_at``, when the server closes and reveals them all and sets
    # ``closed_at`` (once: a conditional update, so one worker does it).
    self_paced: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    closes_at: datetime | None = None
    closed_at: datetime | None = None


class Participant(SQLModel, table=True):
    """Anonymous: a random id, an optional display name and role; never IP or user agent."""

    id: str = Field(primary_key=True, max_length=32)
    denksessie_id: int = Field(sa_column=foreign_key("denksessie.id", cascade=True))
    display_name: str | None = Field(default=None, max_length=40)
    role: str | None = Field(default=None, max_length=60)
    removed: bool = False
    joined_at: datetime = Field(default_factory=utcnow)


class SessionRound(SQLModel, table=True):
    __tablename__ = "session_round"

    id: int | None = Field(default=None, primary_key=True)
    denksessie_id: int = Field(sa_column=foreign_key("denksessie.id", cascade=True))
    position: int = 0
    kind: str = Field(max_length=16)  # casus | ranking | points | approval | principle
    title: str = Field(max_length=200)
    status: str = Field(default="draft", max_length=16)  # draft | open | closed
    revealed: bool = False
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Drawn from a secure seed when the round first opens and shown before anyone votes.
    tie_break_order: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    deadline_at: datetime | None = None
    # The facilitator's view of the result, kept when the ballots are deleted (app/privacy.py).
    result_snapshot: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # The facilitator's private note: shown on the console only, never in a snapshot, event or
    # download (app/sessions/programme.py).
    facilitator_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Ballot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=foreign_key("session_round.id", cascade=True))
    # Indexed on its own: deleting a participant (app/privacy.py) makes the database look up
    # its ballots by participant alone; without the index every deleted participant scans the
    # whole table (a purge of 100 x 100 participants took 38 s instead of 2 s).
    participant_id: str = Field(
        sa_column=foreign_key("participant.id", cascade=True, type_=String(32))
    )
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    client_msg_id: str = Field(max_length=64)
    revision: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class BallotSubmission(SQLModel, table=True):
    """Every accepted client message id; the unique constraint makes a resend idempotent."""

    __tablename__ = "ballot_submission"
    __table_args__ = (UniqueConstraint("participant_id", "client_msg_id"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = Field(
        sa_column=foreign_key("participant.id", cascade=True, index=False, type_=String(32))
    )
    client_msg_id: str = Field(max_length=64)
    round_id: int = Field(sa_column=foreign_key("session_round.id", cascade=True, index=False))
    revision: int = 1
    accepted_at: datetime = Field(default_factory=utcnow)


class Principle(SQLModel, table=True):
    """A leading principle ("Ik ...") written for a value; hidden by moderation, never deleted.

    When participant-level data is deleted the text stays (it is what a card is made of) and
    ``participant_id`` becomes NULL: nobody can be traced from it any more.

    Indexed by round and participant (a ballot rewrites its author's principles in its round)
    and by ``rewords_id`` (deleting a principle cascades to its rewordings; without the index
    every deleted row scans the table).
    """

    __table_args__ = (Index("ix_principle_round_id_participant_id", "round_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=foreign_key("session_round.id", cascade=True))
    participant_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(32),
            ForeignKey("participant.id", ondelete="SET NULL"),
            nullable=True,
            index=True,  # as for ballots: deleting a participant looks its principles up
        ),
    )
    value_key: str = Field(max_length=80)
    text: str = Field(max_length=300)
    # A rewording proposed in a principle round points at the principle it rewords.
    rewords_id: int | None = Field(
        default=None,
        sa_column=foreign_key("principle.id", cascade=True, nullable=True),
    )
    hidden: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ModerationLog(SQLModel, table=True):
    __tablename__ = "moderation_log"

    id: int | None = Field(default=None, primary_key=True)
    denksessie_id: int = Field(sa_column=foreign_key("denksessie.id", cascade=True))
    action: str = Field(max_length=40)
    target: str = Field(max_length=80)
    at: datetime = Field(default_factory=utcnow)


class OpenAnswerMark(SQLModel, table=True):
    """The facilitator's moderation of an answer to an open question (decision 0030): hidden,
    or merged into another answer. Keyed by the answer's words (``aggregation.words.answer_key``),
    not by who wrote it: a mark holds no participant, stays when an author edits an unchanged
    answer, and covers everyone who wrote the same ("Meer tijd!" and "meer tijd")."""

    __tablename__ = "open_answer_mark"
    __table_args__ = (UniqueConstraint("round_id", "answer_key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=foreign_key("session_round.id", cascade=True, index=False))
    answer_key: str = Field(max_length=300)
    hidden: bool = False
    # The key of the answer this one is shown as (with its count); None: shown as itself.
    merged_into: str | None = Field(default=None, max_length=300)


class HiddenReason(SQLModel, table=True):
    """A reason ("Waarom?") of a casus round hidden by moderation. Reasons live in the ballots
    (decision 0031); one is named by ``reason_id``, a digest of its value and text
    (``app.aggregation.reasons.reason_id``), so hiding a text hides it wherever it was written in
    the round. Showing it again deletes the row."""

    __tablename__ = "hidden_reason"
    __table_args__ = (UniqueConstraint("round_id", "reason_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=foreign_key("session_round.id", cascade=True, index=False))
    reason_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class CardQuote(SQLModel, table=True):
    """A reason or principle the facilitator picked as a quote for the card (decision 0031): a
    copy of its text, never who wrote it, so it outlives the ballots. A traject's card shows
    the quotes of its denksessies in the verantwoording."""

    __tablename__ = "card_quote"
    __table_args__ = (UniqueConstraint("denksessie_id", "value_key", "text"),)

    id: int | None = Field(default=None, primary_key=True)
    denksessie_id: int = Field(sa_column=foreign_key("denksessie.id", cascade=True, index=False))
    round_id: int = Field(sa_column=foreign_key("session_round.id", cascade=True))
    value_key: str = Field(max_length=80)
    source: str = Field(max_length=16)  # reason | principle
    # The side of the decision a reason was written on (toekennen, niet_toekennen, twijfel).
    side: str | None = Field(default=None, max_length=16)
    text: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
