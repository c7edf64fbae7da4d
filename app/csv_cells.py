"""CSV written so that a spreadsheet shows every cell as text and runs none of them.

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some versions, a tab or carriage return before one) as a formula: a principle typed
as ``=HYPERLINK("https://...")`` would become a link or a command in the facilitator's
spreadsheet (OWASP, "CSV Injection"). Such a cell gets a leading apostrophe, which spreadsheets
hide and treat as "this is text". Every CSV the app produces goes through ``DictWriter`` here
(tests/test_csv_cells.py checks that no other module writes CSV).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class DictWriter:
    """``csv.DictWriter`` with every cell escaped, header included."""

    def __init__(self, out: IO[str], fieldnames: Sequence[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=list(fieldnames), lineterminator="\n")

    def writeheader(self) -> None:
        self._writer.writerow({name: escape_cell(name) for name in self._writer.fieldnames})

    def writerow(self, row: Mapping[str, object]) -> None:
        self._writer.writerow({key: escape_cell(value) for key, value in row.items()})
