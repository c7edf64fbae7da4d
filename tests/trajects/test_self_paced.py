"""A self-paced denksessie feeds a traject like any other (docs/decisions/0033): its stage
cannot close while its rounds are open; once the closing job closed it, its ballots count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.errors import Rejected
from app.organisations.models import utcnow
from app.sessions import flows
from app.sessions import service as sessions
from app.sessions.schemas import DenksessieCreate
from app.trajects import service as trajects
from tests.sessions.factories import cast, casus_ids, make_participant, make_round
from tests.trajects.factories import attach, make_traject


def test_a_closed_self_paced_session_feeds_the_naming_stage(db: Session, demo_org_id: int) -> None:
    traject = make_traject(db, organisation_id=demo_org_id)
    denksessie = sessions.create(
        db,
        organisation_id=demo_org_id,
        data=DenksessieCreate(
            title="Benoemen op eigen tempo",
            casus_ids=casus_ids(db, organisation_id=demo_org_id, count=1),
            self_paced=True,
            closes_at=utcnow() + timedelta(days=7),
        ),
    )
    attach(db, traject, denksessie, "naming", organisation_id=demo_org_id)
    casus_round = make_round(db, denksessie, "casus", max_values=3)
    flows.start_self_paced(db, denksessie=denksessie)
    for values in (["privacy", "compassie"], ["privacy"]):
        payload = {"decision": "toekennen", "values": values, "principles": {}}
        cast(db, denksessie, make_participant(db, denksessie), casus_round, payload)

    with pytest.raises(Rejected) as still_open:
        trajects.close_stage(db, traject=traject, stage="naming")
    assert still_open.value.code == "STAGE_HAS_OPEN_ROUNDS"

    assert denksessie.closes_at is not None
    [event] = flows.close_due(db, now=denksessie.closes_at + timedelta(minutes=1))
    assert event.type == "self_paced_closed"
    trajects.close_stage(db, traject=traject, stage="naming")
    counts = {n.value: (n.count, n.sessions) for n in trajects.named_values(db, traject)}
    assert counts == {"privacy": (2, 1), "compassie": (1, 1)}
