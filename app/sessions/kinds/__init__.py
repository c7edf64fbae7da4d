"""Round kinds: one module per kind, and the registry that maps a kind's name to it.

Every place that does something different per kind asks the registry (``kind_of(name)``)
instead of comparing ``kind`` with a string; tests/sessions/test_kinds.py keeps it so. Adding a
kind: write its module here (its config, ballot and ``RoundCreate<Kind>`` models at the top, a
``Kind`` subclass naming them and ``KIND``), list it in ``KINDS``, and write its ``round-*.js``
on the phone. ``sessions/schemas.py`` builds the API's union and the models by kind from
``KINDS``; the socket's ballot frame takes every name in it (docs/architecture.md, decision
0026).
"""

from __future__ import annotations

from app.sessions.kinds import approval, casus, open, points, principle, ranking, schuur
from app.sessions.kinds.base import Kind

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        casus.KIND,
        ranking.KIND,
        points.KIND,
        approval.KIND,
        principle.KIND,
        schuur.KIND,
        open.KIND,
    )
}


def kind_of(name: str) -> Kind:
    """The kind of this name (every stored and validated round has one)."""
    return KINDS[name]


__all__ = ["KINDS", "Kind", "kind_of"]
