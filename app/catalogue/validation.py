"""Validating a catalogue document: every problem at once, then a typed document or nothing.

Structure and types are checked by pydantic; the rules that span several entries (duplicates, a
value in no or two clusters, unknown groups and clusters, empty names) are checked here on the
raw data, so that one broken file yields one complete list instead of one error per upload.
Conveniences a person writing a file by hand expects are applied first: a missing ``key`` is
derived from the name, and a value may name its cluster by name instead of key.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from app.catalogue.groups import GROUP_KEYS
from app.catalogue.schemas import CatalogueDocument
from app.errors import InvalidInput, Problem
from app.text import fold, slugify
from app.validation import merge_problems, problems_from_validation_error


def _is_blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _text(value: Any) -> str | None:
    """The stripped text, or None when the value is missing, not text, or blank."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def _entries(data: dict[str, Any], field: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(field)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _fill_in_conveniences(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    if "slug" not in data and isinstance(data.get("name"), str):
        data["slug"] = slugify(data["name"])
    clusters = _entries(data, "clusters")
    for field in ("clusters", "values"):
        for _, item in _entries(data, field):
            if "key" not in item and isinstance(item.get("name"), str) and item["name"].strip():
                item["key"] = slugify(item["name"])
    by_name = {
        fold(item["name"]): item["key"]
        for _, item in clusters
        if isinstance(item.get("name"), str) and isinstance(item.get("key"), str)
    }
    keys = {item.get("key") for _, item in clusters}
    for _, value in _entries(data, "values"):
        cluster = value.get("cluster")
        if isinstance(cluster, str) and cluster not in keys and fold(cluster) in by_name:
            value["cluster"] = by_name[fold(cluster)]
    return data


def _check_groups(data: dict[str, Any]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, group in _entries(data, "groups"):
        key = group.get("key")
        if isinstance(key, str) and key not in GROUP_KEYS:
            problems.append(
                Problem(
                    f"groups.{index}.key",
                    code="UNKNOWN_GROUP",
                    params={"group": key, "choices": ", ".join(GROUP_KEYS)},
                )
            )
        elif isinstance(key, str) and key in seen:
            problems.append(
                Problem(f"groups.{index}.key", code="DUPLICATE_GROUP", params={"group": key})
            )
        if isinstance(key, str):
            seen.add(key)
    return problems


def _check_clusters(data: dict[str, Any]) -> tuple[list[Problem], dict[str, str]]:
    """Return the problems and a map of cluster key -> cluster name for the value checks."""
    problems = []
    names: dict[str, int] = {}
    keys: dict[str, str] = {}
    for index, cluster in _entries(data, "clusters"):
        where = f"clusters.{index}"
        name = _text(cluster.get("name"))
        name_duplicate = False
        if name is None:
            problems.append(Problem(f"{where}.name", code="EMPTY_CLUSTER_NAME"))
        elif fold(name) in names:
            name_duplicate = True
            problems.append(
                Problem(
                    f"{where}.name",
                    code="DUPLICATE_CLUSTER_NAME",
                    params={"name": name, "other": f"clusters.{names[fold(name)]}"},
                )
            )
        else:
            names[fold(name)] = index
        key = cluster.get("key")
        if isinstance(key, str) and key in keys:
            if not name_duplicate:
                problems.append(
                    Problem(f"{where}.key", code="DUPLICATE_CLUSTER_KEY", params={"key": key})
                )
        elif isinstance(key, str):
            keys[key] = name or key
        group = cluster.get("group")
        if _is_blank(group):
            problems.append(Problem(f"{where}.group", code="CLUSTER_WITHOUT_GROUP"))
        elif group not in GROUP_KEYS:
            problems.append(
                Problem(
                    f"{where}.group",
                    code="UNKNOWN_GROUP",
                    params={"group": group, "choices": ", ".join(GROUP_KEYS)},
                )
            )
    return problems, keys


def _check_values(data: dict[str, Any], cluster_names: dict[str, str]) -> list[Problem]:
    problems = []
    first_seen: dict[str, tuple[int, Any]] = {}
    key_seen: dict[str, int] = {}
    for index, value in _entries(data, "values"):
        where = f"values.{index}"
        name = _text(value.get("name"))
        cluster = value.get("cluster")
        label = name or f"nr. {index + 1}"
        if name is None:
            problems.append(Problem(f"{where}.name", code="EMPTY_VALUE_NAME"))
        if isinstance(cluster, list) and len(cluster) > 1:
            problems.append(
                Problem(
                    f"{where}.cluster",
                    code="VALUE_IN_CLUSTERS",
                    params={"value": label, "count": len(cluster)},
                )
            )
        elif cluster is None or (isinstance(cluster, str | list) and not cluster):
            problems.append(
                Problem(f"{where}.cluster", code="VALUE_WITHOUT_CLUSTER", params={"value": label})
            )
        elif isinstance(cluster, str) and cluster not in cluster_names:
            problems.append(
                Problem(
                    f"{where}.cluster",
                    code="UNKNOWN_CLUSTER",
                    params={"value": label, "cluster": cluster},
                )
            )
        name_duplicate = False
        if name is not None:
            folded = fold(name)
            if folded in first_seen:
                name_duplicate = True
                other_index, other_cluster = first_seen[folded]
                if isinstance(cluster, str) and other_cluster != cluster:
                    problem = Problem(
                        f"{where}.name",
                        code="VALUE_IN_TWO_CLUSTERS",
                        params={
                            "value": label,
                            "first": cluster_names.get(other_cluster, other_cluster),
                            "second": cluster_names.get(cluster, cluster),
                        },
                    )
                else:
                    problem = Problem(
                        f"{where}.name",
                        code="DUPLICATE_VALUE_NAME",
                        params={"value": label, "other": f"values.{other_index}"},
                    )
                problems.append(problem)
            else:
                first_seen[folded] = (index, cluster)
        key = value.get("key")
        if isinstance(key, str) and key in key_seen:
            if not name_duplicate:
                problems.append(
                    Problem(f"{where}.key", code="DUPLICATE_VALUE_KEY", params={"key": key})
                )
        elif isinstance(key, str):
            key_seen[key] = index
        problems.extend(_check_opvattingen(value, where, label))
    return problems


def _check_opvattingen(value: dict[str, Any], where: str, label: str) -> list[Problem]:
    problems: list[Problem] = []
    opvattingen = value.get("opvattingen")
    if not isinstance(opvattingen, list):
        return problems
    seen: set[str] = set()
    for index, text in enumerate(opvattingen):
        if not isinstance(text, str):
            continue
        if not text.strip():
            problems.append(
                Problem(
                    f"{where}.opvattingen.{index}", code="EMPTY_OPVATTING", params={"value": label}
                )
            )
        elif " ".join(text.split()).casefold() in seen:
            problems.append(
                Problem(
                    f"{where}.opvattingen.{index}",
                    code="DUPLICATE_OPVATTING",
                    params={"value": label},
                )
            )
        seen.add(" ".join(text.split()).casefold())
    return problems


def find_problems(raw: Any) -> tuple[list[Problem], CatalogueDocument | None]:
    if not isinstance(raw, dict):
        return [Problem("(document)", code="CATALOGUE_NOT_AN_OBJECT")], None
    data = _fill_in_conveniences(raw)
    semantic: list[Problem] = []
    if _is_blank(data.get("name")):
        semantic.append(Problem("name", code="EMPTY_CATALOGUE_NAME"))
    semantic += _check_groups(data)
    cluster_problems, cluster_names = _check_clusters(data)
    semantic += cluster_problems
    semantic += _check_values(data, cluster_names)
    try:
        document = CatalogueDocument.model_validate(data)
    except ValidationError as exc:
        return merge_problems(semantic, problems_from_validation_error(exc)), None
    return semantic, (None if semantic else document)


def validate_document(raw: Any) -> CatalogueDocument:
    """Return the typed document, or raise ``InvalidInput`` listing every problem."""
    problems, document = find_problems(raw)
    if problems or document is None:
        raise InvalidInput(reason="CATALOGUE", problems=problems)
    return document
