"""Codes in the domain, words at the edge (issue 16): no domain package raises an error or
reports a problem with a sentence of its own; it gives a code, a reason and the facts, and
``app/i18n/errors.py`` words them in Dutch or English."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
DOMAIN: tuple[str, ...] = (
    "cards",
    "sessions",
    "casussen",
    "catalogue",
    "accounts",
    "trajects",
    "programmes",
    "organisations",
    "privacy.py",
    "exchange.py",
    "validation.py",
    "api",  # the edge words through app/i18n/errors.py too, not sentence by sentence
)
ERRORS = {"DomainError", "NotFound", "ReadOnly", "Conflict", "Rejected", "InvalidInput"}
ERRORS |= {"TooManyAttempts", "_reject"}


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _sentences(path: Path, root: Path = APP) -> list[str]:
    """Calls that build an error or a problem with a sentence (a string past the code)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        if name in ERRORS:
            # Rejected and _reject take the code first; the others' first argument is words
            texts = node.args[1:] if name in ("Rejected", "_reject") else node.args
        elif name == "Problem":
            texts = node.args[1:]  # the loc first
        else:
            continue
        texts = [*texts, *(k.value for k in node.keywords if k.arg == "message")]
        if any(_is_text(text) for text in texts):
            found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


class TestWordsAtTheEdge:
    def test_domain_packages_raise_codes_not_sentences(self) -> None:
        offenders = [
            found
            for name in DOMAIN
            for path in (
                [APP / name] if name.endswith(".py") else sorted((APP / name).rglob("*.py"))
            )
            for found in _sentences(path)
        ]
        assert offenders == []

    def test_the_check_sees_a_sentence(self, tmp_path: Path) -> None:
        sample = tmp_path / "sample.py"
        sample.write_text(
            'raise Rejected("X", f"Kies {n}.")\nraise NotFound("Weg.")\n'
            'Problem("loc", "te lang")\nraise Rejected("X", params={"n": 1})\n'
        )
        assert _sentences(sample, tmp_path) == [
            "sample.py:1 Rejected",
            "sample.py:2 NotFound",
            "sample.py:3 Problem",
        ]
