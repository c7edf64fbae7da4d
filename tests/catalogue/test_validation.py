"""A catalogue document is refused with every problem named, or accepted as a whole."""

from __future__ import annotations

from typing import Any

import pytest

from app.catalogue.validation import validate_document
from app.errors import InvalidInput
from tests.catalogue.factories import catalogue_document


def _problems(raw: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        validate_document(raw)
    return {problem.loc: problem.message for problem in caught.value.problems}


def _value(**fields: Any) -> dict[str, Any]:
    return {"key": "regie", "name": "Regie", "cluster": "vrijheid", "opvattingen": [], **fields}


class TestValidDocuments:
    def test_accepts_a_small_catalogue(self) -> None:
        document = validate_document(catalogue_document())
        assert [value.key for value in document.values] == ["regie", "eenvoud", "snelheid"]

    def test_derives_missing_keys_from_names(self) -> None:
        raw = catalogue_document(
            clusters=[{"name": "Continuïteit", "group": "praktisch"}],
            values=[{"name": "Menselijke maat", "cluster": "continuiteit"}],
        )
        document = validate_document(raw)
        assert document.clusters[0].key == "continuiteit"
        assert document.values[0].key == "menselijke-maat"

    def test_a_value_may_name_its_cluster_by_name(self) -> None:
        raw = catalogue_document(values=[_value(cluster="Vrijheid")])
        assert validate_document(raw).values[0].cluster == "vrijheid"


class TestEachProblem:
    @pytest.mark.parametrize(
        ("raw", "loc", "fragment"),
        [
            (catalogue_document(name="  "), "name", "naam van de catalogus is leeg"),
            (
                catalogue_document(values=[_value(), _value(key="regie-2")]),
                "values.1.name",
                "komt twee keer voor",
            ),
            (
                catalogue_document(values=[_value(), _value(key="regie-2", cluster="nut")]),
                "values.1.name",
                "staat in twee clusters: 'Vrijheid' en 'Nut'",
            ),
            (
                catalogue_document(values=[_value(cluster=["vrijheid", "nut"])]),
                "values.0.cluster",
                "staat in 2 clusters",
            ),
            (catalogue_document(values=[_value(cluster="")]), "values.0.cluster", "geen cluster"),
            (
                catalogue_document(values=[{"key": "x", "name": "X"}]),
                "values.0.cluster",
                "geen cluster",
            ),
            (
                catalogue_document(values=[_value(cluster="gezag")]),
                "values.0.cluster",
                "onbekend cluster 'gezag'",
            ),
            (catalogue_document(values=[_value(name="")]), "values.0.name", "leeg"),
            (
                catalogue_document(clusters=[{"key": "a", "name": "A", "group": "spiritueel"}]),
                "clusters.0.group",
                "onbekende groep 'spiritueel'",
            ),
            (
                catalogue_document(
                    clusters=[
                        {"key": "a", "name": "Vrijheid", "group": "ideeel"},
                        {"key": "b", "name": "vrijheid ", "group": "ideeel"},
                    ],
                    values=[],
                ),
                "clusters.1.name",
                "clusternaam 'vrijheid' komt twee keer voor",
            ),
            (
                catalogue_document(values=[_value(opvattingen=["Ja.", " "])]),
                "values.0.opvattingen.1",
                "lege opvatting",
            ),
            (
                catalogue_document(values=[_value(opvattingen=["Ja.", "ja."])]),
                "values.0.opvattingen.1",
                "twee keer",
            ),
            (catalogue_document(slug="Mijn Slug"), "slug", "kleine letters"),
            ({**catalogue_document(), "colour": "red"}, "colour", "onbekend veld"),
            ({**catalogue_document(), "values": "geen lijst"}, "values", "lijst"),
        ],
    )
    def test_names_the_problem(self, raw: Any, loc: str, fragment: str) -> None:
        problems = _problems(raw)
        assert loc in problems, problems
        assert fragment in problems[loc]

    def test_refuses_something_that_is_not_an_object(self) -> None:
        assert "(document)" in _problems(["not", "a", "catalogue"])


class TestEveryProblemAtOnce:
    def test_lists_all_problems_of_a_badly_broken_file(self) -> None:
        raw = catalogue_document(
            name="",
            clusters=[
                {"key": "a", "name": "A", "group": "onbekend"},
                {"key": "b", "name": "", "group": "sociaal"},
            ],
            values=[
                {"key": "v", "name": "V", "cluster": "a"},
                {"key": "v2", "name": "V", "cluster": "b"},
                {"key": "w", "name": "W"},
                {"key": "z", "name": "", "cluster": "a"},
            ],
        )
        problems = _problems(raw)
        assert set(problems) >= {
            "name",
            "clusters.0.group",
            "clusters.1.name",
            "values.1.name",
            "values.2.cluster",
            "values.3.name",
        }
