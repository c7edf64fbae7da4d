"""The built-in Waardenkaart matches the publication it was extracted from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.catalogue.schemas import CatalogueDocument
from app.catalogue.validation import validate_document
from app.content import CATALOGUE_FILE, read_builtin

EXPECTED_VALUES_PER_CLUSTER = {
    "vrijheid": ["zelfbeschikking", "professionele-autonomie", "privacy"],
    "rechtvaardigheid": ["gelijkheid", "billijkheid", "verantwoordelijkheid", "wederkerigheid"],
    "puurheid": ["zuiverheid", "beschaving"],
    "loyaliteit": ["saamhorigheid", "inclusiviteit"],
    "empathie": ["menselijkheid", "compassie"],
    "gezag": ["vertrouwen", "autoriteit"],
    "continuiteit": ["bestaansveiligheid", "preventie", "zelfredzaamheid", "stabiliteit"],
    "kwaliteit": ["eenvoud", "menselijke-maat", "zorgvuldigheid"],
    "nut": ["doeltreffendheid", "rekenschap", "realiteitszin"],
}
EXPECTED_GROUPS = {
    "ideeel": ["vrijheid", "rechtvaardigheid", "puurheid"],
    "sociaal": ["loyaliteit", "empathie", "gezag"],
    "praktisch": ["continuiteit", "kwaliteit", "nut"],
}
TOTAL_OPVATTINGEN = 67


@pytest.fixture(scope="module")
def waardenkaart() -> CatalogueDocument:
    return validate_document(read_builtin(*CATALOGUE_FILE))


def _normalise(text: str) -> str:
    """Undo the PDF extraction: line-break hyphenation, line breaks and curly quotes."""
    text = re.sub(r"-\s*\n\s*", "", text)
    text = text.replace("Zelfb eschikking", "Zelfbeschikking")
    text = text.replace("Doeltreff endheid", "Doeltreffendheid")
    return " ".join(text.split())


class TestStructure:
    def test_has_25_values_in_9_clusters(self, waardenkaart: CatalogueDocument) -> None:
        assert len(waardenkaart.values) == 25
        assert len(waardenkaart.clusters) == 9

    def test_values_per_cluster_in_printed_order(self, waardenkaart: CatalogueDocument) -> None:
        found: dict[str, list[str]] = {}
        for value in waardenkaart.values:
            found.setdefault(value.cluster, []).append(value.key)
        assert found == EXPECTED_VALUES_PER_CLUSTER

    def test_clusters_sit_in_their_groups(self, waardenkaart: CatalogueDocument) -> None:
        found: dict[str, list[str]] = {}
        for cluster in waardenkaart.clusters:
            found.setdefault(cluster.group, []).append(cluster.key)
        assert found == EXPECTED_GROUPS

    def test_counts_every_opvatting(self, waardenkaart: CatalogueDocument) -> None:
        assert sum(len(v.opvattingen) for v in waardenkaart.values) == TOTAL_OPVATTINGEN
        assert all(value.opvattingen for value in waardenkaart.values)

    def test_every_cluster_has_its_description(self, waardenkaart: CatalogueDocument) -> None:
        for cluster in waardenkaart.clusters:
            assert len(cluster.description) > 400, cluster.key

    def test_carries_its_source(self, waardenkaart: CatalogueDocument) -> None:
        assert waardenkaart.source is not None
        assert waardenkaart.source.title == "Werken vanuit waarden in het sociaal domein"
        assert waardenkaart.source.publisher == "De Argumentenfabriek"
        assert waardenkaart.source.year == 2023


class TestTextIsRepairedButVerbatim:
    def test_split_names_are_repaired(self, waardenkaart: CatalogueDocument) -> None:
        names = {value.name for value in waardenkaart.values}
        assert {"Zelfbeschikking", "Doeltreffendheid", "Professionele autonomie"} <= names
        assert not any(" " in name and name.islower() for name in names)

    def test_every_opvatting_stands_in_the_publication(
        self, waardenkaart: CatalogueDocument, seeds: Path
    ) -> None:
        source = _normalise((seeds / "001_6fd317f1ea591f68.txt").read_text(encoding="utf-8"))
        missing = [
            opvatting
            for value in waardenkaart.values
            for opvatting in value.opvattingen
            if f"‘{opvatting}’" not in source
        ]
        assert missing == []

    def test_no_extraction_artefacts_remain(self, waardenkaart: CatalogueDocument) -> None:
        texts = [c.description for c in waardenkaart.clusters] + [
            o for v in waardenkaart.values for o in v.opvattingen
        ]
        for text in texts:
            assert "  " not in text
            assert not re.search(r"[a-z]- (?!en |of )[a-z]", text), text
            assert not text.startswith(("‘", "'"))
            assert not text.endswith(("’", "'"))
