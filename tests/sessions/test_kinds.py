"""Round kinds live in one place: a module per kind under app/sessions/kinds and the registry
that names them (decision 0026). The API's union, the models by kind, the socket's ballot frame
and the phone's forms name the same kinds, built from the registry, so a new kind is a module and
a line in ``KINDS``; no module elsewhere switches on a kind's name."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from app.realtime.protocol import BallotFrame, client_frames
from app.sessions.kinds import KINDS, kind_of
from app.sessions.results import PER_ROLE_KINDS
from app.sessions.schemas import (
    BALLOT_MODELS,
    CONFIG_MODELS,
    ROUND_KINDS,
    RoundCreateByKind,
    RoundKind,
)

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
KINDS_PACKAGE = APP / "sessions" / "kinds"


def _union_members() -> dict[str, type[BaseModel]]:
    """The ``RoundCreate*`` members of the API's union, by the ``kind`` each one fixes."""
    union, _discriminator = typing.get_args(RoundCreateByKind)
    found = {}
    for member in typing.get_args(union):
        (kind,) = typing.get_args(member.model_fields["kind"].annotation)
        found[kind] = member
    return found


class TestTheRegistryNamesEveryKind:
    def test_the_union_and_the_registry_name_the_same_kinds(self) -> None:
        assert set(_union_members()) == set(KINDS)
        assert list(KINDS) == list(ROUND_KINDS)
        assert set(typing.get_args(RoundKind)) == set(KINDS)

    def test_each_union_member_takes_its_kinds_config(self) -> None:
        for name, member in _union_members().items():
            assert member.model_fields["config"].annotation is kind_of(name).config_model

    def test_the_models_by_kind_are_the_registrys(self) -> None:
        assert {name: kind.config_model for name, kind in KINDS.items()} == CONFIG_MODELS
        assert {name: kind.ballot_model for name, kind in KINDS.items()} == BALLOT_MODELS

    def test_each_kind_module_holds_its_config_ballot_and_create_models(self) -> None:
        for name, kind in KINDS.items():
            module = sys.modules[type(kind).__module__]
            assert module.KIND is kind
            assert module.NAME == name
            for model in (kind.config_model, kind.ballot_model, kind.create_model):
                assert model.__module__ == module.__name__, (name, model.__name__)
            create = kind.create_model
            assert typing.get_args(create.model_fields["kind"].annotation) == (name,)
            assert create.model_fields["config"].annotation is kind.config_model

    def test_the_union_is_the_registrys_create_models_in_its_order(self) -> None:
        union, _discriminator = typing.get_args(RoundCreateByKind)
        assert list(typing.get_args(union)) == [kind.create_model for kind in KINDS.values()]
        assert typing.get_args(RoundKind) == tuple(KINDS)

    def test_the_sockets_ballot_frame_takes_every_kind(self) -> None:
        assert set(typing.get_args(BallotFrame.model_fields["kind"].annotation)) == set(KINDS)

    def test_every_kind_has_a_form_on_the_phone(self) -> None:
        for name in KINDS:
            assert (APP / "static" / "js" / f"round-{name}.js").is_file(), name

    def test_each_kind_is_registered_under_its_own_name(self) -> None:
        assert all(kind.name == name for name, kind in KINDS.items())
        assert all(kind.title for kind in KINDS.values())

    def test_the_facilitator_sees_its_own_aggregate_where_principles_can_be_hidden(self) -> None:
        assert PER_ROLE_KINDS == {"casus", "principle", "open"}

    def test_an_unknown_kind_is_not_found(self) -> None:
        with pytest.raises(KeyError):
            kind_of("poll")


# --- a new kind is a module and a line in the registry ---------------------------------------

# A throwaway kind, registered before anything builds on the registry (in a fresh interpreter, so
# this process keeps its seven kinds): what the API, the models by kind and the socket then take.
_NEW_KIND = """
import json
from typing import Literal

from app.schemas import StrictModel
from app.sessions.kinds import KINDS
from app.sessions.kinds.base import Kind
from app.sessions.kinds.fields import RoundTitle, ValueKey


class PollConfig(StrictModel):
    question: str


class PollBallotIn(StrictModel):
    choice: ValueKey


class RoundCreatePoll(StrictModel):
    kind: Literal["poll"]
    title: RoundTitle = ""
    config: PollConfig


class Poll(Kind):
    name = "poll"
    config_model = PollConfig
    ballot_model = PollBallotIn
    create_model = RoundCreatePoll
    title = "Peiling"


KINDS["poll"] = Poll()

from app.main import create_app
from app.realtime.protocol import client_frames
from app.sessions.schemas import BALLOT_MODELS, CONFIG_MODELS, ROUND_KINDS, RoundCreate
from app.sessions.schemas import round_create_by_kind

schemas = create_app().openapi()["components"]["schemas"]
frame = {"type": "ballot", "msg_id": "poll-0001", "round_id": 1, "kind": "poll",
         "payload": {"choice": "a"}}
created = round_create_by_kind.validate_python({"kind": "poll", "config": {"question": "Q?"}})
print(json.dumps({
    "round_kinds": list(ROUND_KINDS),
    "config": CONFIG_MODELS["poll"].__name__,
    "ballot": BALLOT_MODELS["poll"].__name__,
    "mapping": schemas["RoundCreate"]["discriminator"]["mapping"],
    "one_of": [ref["$ref"] for ref in schemas["RoundCreate"]["oneOf"]],
    "poll_config": sorted(schemas["PollConfig"]["properties"]),
    "created": type(created).__name__,
    "round_create": RoundCreate.model_validate({"kind": "poll"}).kind,
    "frame_kind": client_frames.validate_json(json.dumps(frame)).kind,
}))
"""


class TestANewKindNeedsOnlyItsModule:
    def test_a_registered_kind_is_in_the_api_the_models_by_kind_and_the_socket(self) -> None:
        run = subprocess.run(
            [sys.executable, "-c", _NEW_KIND],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        seen = json.loads(run.stdout.strip().splitlines()[-1])
        assert seen["round_kinds"] == [*KINDS, "poll"]
        assert (seen["config"], seen["ballot"]) == ("PollConfig", "PollBallotIn")
        assert seen["mapping"]["poll"] == "#/components/schemas/RoundCreatePoll"
        assert seen["one_of"][-1] == "#/components/schemas/RoundCreatePoll"
        assert seen["poll_config"] == ["question"]
        assert seen["created"] == "RoundCreatePoll"
        assert seen["round_create"] == "poll"
        assert seen["frame_kind"] == "poll"

    def test_without_it_the_socket_refuses_the_kind(self) -> None:
        frame = {"type": "ballot", "msg_id": "poll-0001", "round_id": 1, "kind": "poll"}
        with pytest.raises(ValidationError):
            client_frames.validate_json(json.dumps({**frame, "payload": {}}))


# --- no switch on a kind's name outside app/sessions/kinds ------------------------------------


def _is_kind(node: ast.expr) -> bool:
    """``kind``, ``x.kind`` or ``x["kind"]``."""
    if isinstance(node, ast.Name):
        return node.id == "kind"
    if isinstance(node, ast.Attribute):
        return node.attr == "kind"
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and key.value == "kind"
    return False


def _is_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_text(item) for item in node.elts)
    return False


def _switches(path: Path, root: Path = APP) -> list[str]:
    """Comparisons of a kind with a string (``==``, ``!=``, ``in``) and ``match`` on a kind."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_kind(o) for o in operands) and any(_is_text(o) for o in operands):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
        elif isinstance(node, ast.Match) and _is_kind(node.subject):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return sorted(found, key=lambda place: int(place.rsplit(":", 1)[1]))


class TestNoSwitchOnKindOutsideTheKinds:
    def test_no_module_outside_the_kinds_compares_a_kind_with_a_string(self) -> None:
        offenders = [
            found
            for path in sorted(APP.rglob("*.py"))
            if KINDS_PACKAGE not in path.parents
            for found in _switches(path)
        ]
        assert offenders == []

    def test_the_check_sees_a_switch(self, tmp_path: Path) -> None:
        sample = tmp_path / "sample.py"
        sample.write_text(
            'if kind == "casus": pass\n'
            'if r.kind in ("points", "approval"): pass\n'
            'if "ranking" != row["kind"]: pass\n'
            'match session_round.kind:\n    case "casus": pass\n'
            "if r.kind == RANKING: pass\n"
            'if r.status == "open": pass\n'
        )
        assert _switches(sample, tmp_path) == [
            "sample.py:1",
            "sample.py:2",
            "sample.py:3",
            "sample.py:4",
        ]

    def test_the_check_walks_the_modules_that_once_switched(self) -> None:
        walked = {
            str(path.relative_to(APP))
            for path in APP.rglob("*.py")
            if KINDS_PACKAGE not in path.parents
        }
        assert {
            "sessions/service.py",
            "sessions/ballots.py",
            "sessions/ballot_batch.py",
            "sessions/results.py",
            "sessions/results_table.py",
            "trajects/service.py",
        } <= walked
