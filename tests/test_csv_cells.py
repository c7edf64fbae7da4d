"""Every CSV the app writes escapes cells a spreadsheet would run as a formula."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

from app.csv_cells import DictWriter, escape_cell

APP = Path(__file__).resolve().parents[1] / "app"


class TestEscapeCell:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ('=HYPERLINK("https://x.example","klik")', '\'=HYPERLINK("https://x.example","klik")'),
            ("+31 6 1234", "'+31 6 1234"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("Ik luister = eerst", "Ik luister = eerst"),
            (3, "3"),
            (None, ""),
        ],
    )
    def test_formula_starts_get_an_apostrophe(self, value: object, expected: str) -> None:
        assert escape_cell(value) == expected

    def test_the_writer_escapes_every_cell(self) -> None:
        out = io.StringIO()
        writer = DictWriter(out, ["text", "n"])
        writer.writeheader()
        writer.writerow({"text": "=cmd|' /C calc'!A0", "n": 1})
        (row,) = csv.DictReader(io.StringIO(out.getvalue()))
        assert row == {"text": "'=cmd|' /C calc'!A0", "n": "1"}


def test_no_module_writes_csv_around_the_escaping_writer() -> None:
    offenders = []
    for path in APP.rglob("*.py"):
        if path.name == "csv_cells.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(a.name == "csv" for a in node.names):
                offenders.append(str(path.relative_to(APP)))
            if isinstance(node, ast.ImportFrom) and node.module == "csv":
                offenders.append(str(path.relative_to(APP)))
    assert offenders == []
