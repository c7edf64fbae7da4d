"""Typed factories for catalogue documents used across tests."""

from __future__ import annotations

from typing import Any


def catalogue_document(
    *,
    slug: str = "eigen-waarden",
    name: str = "Eigen waarden",
    clusters: list[dict[str, Any]] | None = None,
    values: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A small valid catalogue: two clusters, three values."""
    return {
        "format": "denksessie-catalogue/1",
        "slug": slug,
        "name": name,
        "description": "Waarden van onze gemeente.",
        "clusters": clusters
        if clusters is not None
        else [
            {"key": "vrijheid", "name": "Vrijheid", "group": "ideeel", "description": "Vrij."},
            {"key": "nut", "name": "Nut", "group": "praktisch", "description": "Nuttig."},
        ],
        "values": values
        if values is not None
        else [
            {"key": "regie", "name": "Regie", "cluster": "vrijheid", "opvattingen": ["Ik kies."]},
            {"key": "eenvoud", "name": "Eenvoud", "cluster": "nut", "opvattingen": ["Simpel."]},
            {"key": "snelheid", "name": "Snelheid", "cluster": "nut", "opvattingen": []},
        ],
    }
