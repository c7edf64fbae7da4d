"""Reading and writing exchange files (catalogues, casussen) as JSON or YAML.

Organisations keep their content in files they can read and diff, so both formats are offered;
YAML is parsed with ``safe_load`` only (no object construction from untrusted uploads).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml

from app.errors import InvalidInput, Problem

Format = Literal["json", "yaml"]

MEDIA_TYPES: dict[Format, str] = {"json": "application/json", "yaml": "application/yaml"}


def format_from_media_type(media_type: str | None) -> Format:
    """``application/x-yaml``, ``text/yaml`` and friends mean YAML; everything else JSON."""
    return "yaml" if media_type and "yaml" in media_type.lower() else "json"


def format_from_filename(name: str) -> Format:
    return "yaml" if name.lower().endswith((".yaml", ".yml")) else "json"


def parse(text: str, fmt: Format) -> Any:
    try:
        if fmt == "yaml":
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        label = "YAML" if fmt == "yaml" else "JSON"
        raise InvalidInput(
            reason="NOT_PARSED",
            params={"format": label},
            problems=[
                Problem(
                    "(document)", code="NOT_PARSED", params={"format": label, "detail": str(exc)}
                )
            ],
        ) from exc


def dump(data: Any, fmt: Format) -> str:
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
