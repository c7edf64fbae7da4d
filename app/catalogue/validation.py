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

INVALID_MESSAGE = "De catalogus is niet geldig; er is niets opgeslagen."


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
                    f"onbekende groep '{key}' (kies uit: {', '.join(GROUP_KEYS)})",
                )
            )
        elif isinstance(key, str) and key in seen:
            problems.append(Problem(f"groups.{index}.key", f"groep '{key}' staat er twee keer"))
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
            problems.append(Problem(f"{where}.name", "de naam van het cluster is leeg"))
        elif fold(name) in names:
            name_duplicate = True
            problems.append(
                Problem(
                    f"{where}.name",
                    f"clusternaam '{name}' komt twee keer voor "
                    f"(ook bij clusters.{names[fold(name)]})",
                )
            )
        else:
            names[fold(name)] = index
        key = cluster.get("key")
        if isinstance(key, str) and key in keys:
            if not name_duplicate:
                problems.append(
                    Problem(f"{where}.key", f"clustersleutel '{key}' komt twee keer voor")
                )
        elif isinstance(key, str):
            keys[key] = name or key
        group = cluster.get("group")
        if _is_blank(group):
            problems.append(Problem(f"{where}.group", "het cluster hoort bij geen groep"))
        elif group not in GROUP_KEYS:
            problems.append(
                Problem(
                    f"{where}.group",
                    f"onbekende groep '{group}' (kies uit: {', '.join(GROUP_KEYS)})",
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
            problems.append(Problem(f"{where}.name", "de naam van de waarde is leeg"))
        if isinstance(cluster, list) and len(cluster) > 1:
            problems.append(
                Problem(
                    f"{where}.cluster",
                    f"waarde '{label}' staat in {len(cluster)} clusters; "
                    "een waarde hoort in precies één cluster",
                )
            )
        elif cluster is None or (isinstance(cluster, str | list) and not cluster):
            problems.append(Problem(f"{where}.cluster", f"waarde '{label}' staat in geen cluster"))
        elif isinstance(cluster, str) and cluster not in cluster_names:
            problems.append(
                Problem(
                    f"{where}.cluster",
                    f"waarde '{label}' verwijst naar onbekend cluster '{cluster}'",
                )
            )
        name_duplicate = False
        if name is not None:
            folded = fold(name)
            if folded in first_seen:
                name_duplicate = True
                other_index, other_cluster = first_seen[folded]
                if isinstance(cluster, str) and other_cluster != cluster:
                    message = (
                        f"waarde '{label}' staat in twee clusters: "
                        f"'{cluster_names.get(other_cluster, other_cluster)}' en "
                        f"'{cluster_names.get(cluster, cluster)}'"
                    )
                else:
                    message = f"waarde '{label}' komt twee keer voor (ook bij values.{other_index})"
                problems.append(Problem(f"{where}.name", message))
            else:
                first_seen[folded] = (index, cluster)
        key = value.get("key")
        if isinstance(key, str) and key in key_seen:
            if not name_duplicate:
                problems.append(
                    Problem(f"{where}.key", f"waardesleutel '{key}' komt twee keer voor")
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
                Problem(f"{where}.opvattingen.{index}", f"lege opvatting bij waarde '{label}'")
            )
        elif " ".join(text.split()).casefold() in seen:
            problems.append(
                Problem(
                    f"{where}.opvattingen.{index}",
                    f"opvatting staat twee keer bij waarde '{label}'",
                )
            )
        seen.add(" ".join(text.split()).casefold())
    return problems


def find_problems(raw: Any) -> tuple[list[Problem], CatalogueDocument | None]:
    if not isinstance(raw, dict):
        return [Problem("(document)", "een catalogus moet een object zijn")], None
    data = _fill_in_conveniences(raw)
    semantic: list[Problem] = []
    if _is_blank(data.get("name")):
        semantic.append(Problem("name", "de naam van de catalogus is leeg"))
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
        raise InvalidInput(INVALID_MESSAGE, problems)
    return document
