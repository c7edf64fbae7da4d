"""What every round kind answers, and the parts the kinds share.

A kind is one object (``KIND`` in its module) of a ``Kind`` subclass; the registry
(``app/sessions/kinds/__init__.py``) maps its name to it. The methods here are the defaults: a
kind overrides only what differs. Modules of this package import the domain below them (models,
catalogue, casussen, aggregation, ``kinds/fields.py``), never ``sessions.schemas``,
``sessions.service``, ``ballots`` or ``results``, which import them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.aggregation.running import CountStep, RunningTally, count_nothing
from app.aggregation.tallies import order_by_score
from app.catalogue import service as catalogues
from app.catalogue.models import Catalogue
from app.db import DbSession
from app.errors import Problem, Rejected
from app.schemas import StrictModel
from app.sessions.models import Denksessie, Participant, Principle, SessionRound

# (value, text, reworded principle): a principle row a ballot asks for.
PrincipleRow = tuple[str, str, int | None]
# A ballot's payload with its participant's role.
BallotRow = tuple[dict[str, Any], str]


def _reject(
    code: str, *, reason: str | None = None, params: dict[str, object] | None = None
) -> Rejected:
    """A refused ballot: the code a phone keys on, the facts; words at the edge
    (``app/i18n/errors.py``)."""
    return Rejected(code, http_status=422, reason=reason, params=params)


class BallotLookups(Protocol):
    """What checking a ballot reads besides the ballot, read once per batch
    (``ballots.Lookups``)."""

    def value_keys(self, denksessie: Denksessie) -> frozenset[str]: ...

    def principle_ids(self, denksessie: Denksessie, session_round: SessionRound) -> set[int]: ...


@dataclass(frozen=True)
class LiveTexts:
    """What the realtime hub read from the database for a live round beside its running tally
    (app/realtime/views.py ``read_texts``): the principles written in it, a principle round's
    vote list, and for a kind without a running result (``Kind.running_result`` None) its
    aggregate recounted from the database, per facilitator variant."""

    written: list[dict[str, Any]] = field(default_factory=list)  # id, value_key, text, ...
    shown_ids: list[int] = field(default_factory=list)  # a principle round's vote list
    recount: dict[bool, dict[str, Any]] | None = None  # by ``include_hidden``
    extras: dict[str, Any] = field(default_factory=dict)  # ``Kind.live_extras``


class Kind:
    """One round kind: its models and everything the round, ballot and result paths do
    differently for it."""

    name: ClassVar[str]
    config_model: ClassVar[type[StrictModel]]
    ballot_model: ClassVar[type[StrictModel]]
    # ``RoundCreate<Kind>``: the member of the API's union of new rounds (``sessions/schemas.py``).
    create_model: ClassVar[type[StrictModel]]
    title: ClassVar[str] = ""
    # The aggregate differs for the facilitator (hidden principles are shown, flagged).
    per_role: ClassVar[bool] = False

    # --- live results (app/realtime, decision 0028) ---
    # Whether its live result comes from the running tally alone (``running_result``); if not,
    # the hub recounts it from the database with ``aggregate`` whenever ballots came in.
    runs_live: ClassVar[bool] = False
    # Whether its live result needs the texts written in the round (``LiveTexts.written``).
    reads_texts: ClassVar[bool] = False

    def counter(self) -> CountStep:
        """The running tally's count step for this kind's ballots."""
        return count_nothing

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        """The live aggregate from the running tally (and the texts last read), the same as
        ``aggregate`` over the same ballots; None when it cannot be built here (the kind does
        not run live, or its texts are not read yet): the hub then uses its recount."""
        return None

    def live_extras(self, db: DbSession, session_round: SessionRound) -> dict[str, Any]:
        """What ``running_result`` needs of the database besides the texts written (read with
        them, for a kind that ``reads_texts``; a state event has them read again)."""
        return {}

    def phone_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """The result as a phone gets it: what ``D.renderResults`` shows on a phone (the
        projector and the facilitator get it whole). Lists that grow with the room stay out."""
        return result

    def complete_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any]
    ) -> dict[str, Any]:
        """A valid config with what it leaves to the kind filled in (before ``check_config``)."""
        return config

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        """Problems of a valid config against the catalogue's values (``known``) and the
        denksessie."""
        return []

    def default_title(self, db: DbSession, config: dict[str, Any]) -> str:
        return self.title

    def candidates(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[str]:
        """The values the round asks about."""
        return list(session_round.config["candidates"])

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        """Raise a ``Rejected`` for a well-formed ballot the round cannot take."""

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def kept(self, result: dict[str, Any], *, include_hidden: bool) -> dict[str, Any]:
        """The result kept when the ballots were deleted (the facilitator's aggregate), as this
        role may see it."""
        return result

    def table_rows(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        result: dict[str, Any],
        names: dict[str, str],
    ) -> list[dict[str, Any]]:
        """The round's rows in the results table (``results_table``), best first."""
        return scored_rows(list(result.get("order", [])), result["scores"], names)

    def store_extras(
        self,
        db: DbSession,
        session_round: SessionRound,
        participant_id: str,
        ballot: dict[str, Any],
    ) -> None:
        """What casting one ballot writes besides the ballot."""

    def wanted_principles(
        self, config: dict[str, Any], ballot: dict[str, Any]
    ) -> set[PrincipleRow] | None:
        """The principle rows a ballot asks for (the batch path diffs them with what is stored),
        or None when the kind writes none."""
        return None

    def casus_ids(self, config: dict[str, Any]) -> set[int]:
        """The casussen whose texts the round shows."""
        return set()

    def principles_to_vote(
        self, db: DbSession, denksessie: Denksessie, session_round: SessionRound
    ) -> list[Principle] | None:
        """The principles the round puts to the vote, or None when it votes on none."""
        return None


class CandidatesKind(Kind):
    """A kind whose round offers a list of candidate values and whose ballot picks among them."""

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        return [
            Problem(f"config.candidates.{index}", code="UNKNOWN_VALUE", params={"key": key})
            for index, key in enumerate(config["candidates"])
            if key not in known
        ]

    def chosen(self, ballot: dict[str, Any]) -> list[str]:
        """The values the ballot names."""
        raise NotImplementedError

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        candidates = set(session_round.config["candidates"])
        chosen = self.chosen(ballot)
        unknown = [value for value in chosen if value not in candidates]
        if unknown:
            raise _reject(
                "UNKNOWN_VALUE", reason="CANDIDATE", params={"values": ", ".join(unknown)}
            )
        if len(set(chosen)) != len(chosen):
            raise _reject("DUPLICATE_VALUE", reason="VALUE")


def scored(
    name: str, scores: dict[str, Any], n_ballots: int, tie_break_order: Sequence[str]
) -> dict[str, Any]:
    """The aggregate of a kind that scores each candidate (points, approval): best first,
    level scores in the round's tie-break order."""
    return {
        "kind": name,
        "n_ballots": n_ballots,
        "scores": scores,
        "order": order_by_score(scores, tie_break_order=tie_break_order),
    }


def scored_rows(
    order: list[str], score: dict[str, Any], names: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {"place": place, "item": names.get(key, key), "score": score.get(key, 0), "detail": ""}
        for place, key in enumerate(order, start=1)
    ]


def catalogue_values(db: DbSession, denksessie: Denksessie) -> set[str]:
    """The value keys of the denksessie's catalogue."""
    catalogue = db.get(Catalogue, denksessie.catalogue_id)
    assert catalogue is not None
    return catalogues.value_keys(db, catalogue)


def shown_principles() -> SelectOfScalar[Principle]:
    """Principles that may be shown: not hidden, and not by a removed participant (a principle
    whose participant was deleted with the raw data has no participant and stays shown)."""
    return (
        select(Principle)
        .join(Participant, col(Participant.id) == col(Principle.participant_id), isouter=True)
        .where(col(Principle.hidden).is_(False), col(Participant.removed).is_not(True))
    )


def principles_of_round(
    db: DbSession, session_round: SessionRound, *, include_hidden: bool
) -> list[Principle]:
    """Principles written in a round; hidden ones only for the facilitator (to undo a hide)."""
    query = (
        select(Principle)
        .join(Participant, col(Participant.id) == col(Principle.participant_id), isouter=True)
        .where(Principle.round_id == session_round.id, col(Participant.removed).is_not(True))
    )
    if not include_hidden:
        query = query.where(col(Principle.hidden).is_(False))
    return list(db.exec(query.order_by(col(Principle.id))).all())


def own_principles(
    db: DbSession, session_round: SessionRound, participant_id: str
) -> list[Principle]:
    """The participant's principle rows in a round (to keep or delete)."""
    return list(
        db.exec(
            select(Principle).where(
                Principle.round_id == session_round.id, Principle.participant_id == participant_id
            )
        ).all()
    )
