"""The built-in casus library: enough casussen, from the named seeds, pointing at real values."""

from __future__ import annotations

from typing import Any

import pytest

from app.casussen.schemas import CasussenDocument
from app.catalogue.validation import validate_document
from app.content import CASUSSEN_FILE, CATALOGUE_FILE, read_builtin


@pytest.fixture(scope="module")
def library() -> CasussenDocument:
    return CasussenDocument.model_validate(read_builtin(*CASUSSEN_FILE))


@pytest.fixture(scope="module")
def value_keys() -> set[str]:
    return {value.key for value in validate_document(read_builtin(*CATALOGUE_FILE)).values}


def _by_seed(library: CasussenDocument) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for casus in library.casussen:
        assert casus.source is not None
        found.setdefault(casus.source.seed, []).append(casus)
    return found


class TestLibrary:
    def test_has_at_least_twelve_casussen_with_unique_slugs(
        self, library: CasussenDocument
    ) -> None:
        slugs = [casus.slug for casus in library.casussen]
        assert len(slugs) >= 12
        assert len(set(slugs)) == len(slugs)

    def test_draws_on_the_named_seeds(self, library: CasussenDocument) -> None:
        by_seed = _by_seed(library)
        titles = " ".join(c.title + c.situation for c in by_seed["000"])
        for name in ("Angela", "Cees", "Philomena"):
            assert name in titles
        assert len(by_seed["002"]) >= 2
        assert len(by_seed["004"]) >= 6

    def test_every_casus_asks_a_toekennen_question(self, library: CasussenDocument) -> None:
        for casus in library.casussen:
            assert casus.decision_question.endswith("wel of niet toe?"), casus.slug

    def test_situations_are_short_enough_for_a_phone(self, library: CasussenDocument) -> None:
        for casus in library.casussen:
            words = len(casus.situation.split())
            assert 60 <= words <= 180, (casus.slug, words)

    def test_values_in_tension_exist_in_the_waardenkaart(
        self, library: CasussenDocument, value_keys: set[str]
    ) -> None:
        for casus in library.casussen:
            assert 2 <= len(casus.values_in_tension) <= 4, casus.slug
            assert set(casus.values_in_tension) <= value_keys, casus.slug

    def test_names_its_law(self, library: CasussenDocument) -> None:
        domains = {casus.domain for casus in library.casussen}
        assert {"Wmo 2015", "Participatiewet", "Jeugdwet"} <= domains
