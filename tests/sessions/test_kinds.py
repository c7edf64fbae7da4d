"""Round kinds live in one place: a module per kind under app/sessions/kinds and the registry
that names them (decision 0026). The API's union, the models by kind, the socket's ballot frame
and the phone's forms name the same kinds; no module elsewhere switches on a kind's name."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from app.realtime.protocol import BallotFrame
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


def _union_members() -> dict[str, type]:
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

    def test_the_sockets_ballot_frame_takes_every_kind(self) -> None:
        assert set(typing.get_args(BallotFrame.model_fields["kind"].annotation)) == set(KINDS)

    def test_every_kind_has_a_form_on_the_phone(self) -> None:
        for name in KINDS:
            assert (APP / "static" / "js" / f"round-{name}.js").is_file(), name

    def test_each_kind_is_registered_under_its_own_name(self) -> None:
        assert all(kind.name == name for name, kind in KINDS.items())
        assert all(kind.title for kind in KINDS.values())

    def test_the_facilitator_sees_its_own_aggregate_where_principles_can_be_hidden(self) -> None:
        assert PER_ROLE_KINDS == {"casus", "principle"}

    def test_an_unknown_kind_is_not_found(self) -> None:
        with pytest.raises(KeyError):
            kind_of("poll")


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
