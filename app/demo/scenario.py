"""The replay scenario of the Principekaart Professionals (2024), built deterministically.

The real ballots of 2024 were never published, so this scenario is ILLUSTRATIVE: it follows the
published process (two sessions with fictional casussen naming twelve values, a third session
ranking those twelve down to five) with made-up participants whose principles include the
published headline and sub-principles, plus near-duplicates and other values' principles, so
the funnel has real work to do. ``build()`` makes the same scenario every time (no randomness);
``replay-2024.json`` is its output, kept for reading.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SCENARIO_FILE = DATA / "replay-2024.json"
CARD_FILE = Path(__file__).resolve().parent.parent / "cards" / "data"
CARD_FILE = CARD_FILE / "principekaart-professionals-2024.json"

# The five of 2024 in card order, then seven other values named in the naming sessions.
SELECTED = ["menselijkheid", "zelfbeschikking", "verantwoordelijkheid", "billijkheid",
            "doeltreffendheid"]  # fmt: skip
OTHERS = ["zorgvuldigheid", "bestaansveiligheid", "menselijke-maat", "vertrouwen", "gelijkheid",
          "zelfredzaamheid", "compassie"]  # fmt: skip
ROLES = ["gemeente", "landelijke uitvoeringsorganisatie", "welzijn"]
OTHER_PRINCIPLES = {
    "zorgvuldigheid": "Ik neem de tijd om een besluit goed te onderbouwen.",
    "bestaansveiligheid": "Ik zorg eerst dat iemand een dak boven het hoofd en eten heeft.",
    "menselijke-maat": "Ik kijk naar de mens achter het dossier, niet alleen naar de regel.",
    "vertrouwen": "Ik ga ervan uit dat mensen eerlijk vertellen wat er aan de hand is.",
    "gelijkheid": "Ik behandel gelijke gevallen gelijk.",
    "zelfredzaamheid": "Ik help mensen om het straks weer zelf te kunnen.",
    "compassie": "Ik laat merken dat ik begrijp hoe zwaar het is.",
}
SESSIONS: list[dict[str, Any]] = [
    {
        "title": "Denksessie 1: casussen (april 2024)",
        "date": "2024-04-16",
        "casussen": ["angela-thuiszorg", "philomena-schulden-terugkeer"],
        "participants": 8,
    },
    {
        "title": "Denksessie 2: casussen (april 2024)",
        "date": "2024-04-30",
        "casussen": ["aaltje-verpleeghuis", "tandarts-zonder-verzekering"],
        "participants": 7,
    },
]
PRIORITISING: dict[str, Any] = {
    "title": "Denksessie 3: prioriteren (mei 2024)", "date": "2024-05-21",
    "participants": 10}  # fmt: skip
PRINCIPLES: dict[str, Any] = {
    "title": "Denksessie 4: principes kiezen (mei 2024)", "date": "2024-05-28",
    "participants": 6}  # fmt: skip
DECISIONS = ["toekennen", "niet_toekennen", "twijfel"]


def published_card() -> dict[str, Any]:
    card: dict[str, Any] = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    return card


def _principle_pool() -> list[tuple[str, str]]:
    """(value, text) in the order participants write them: every published principle, a
    near-duplicate of each headline (to be folded together), and the other values' principles."""
    pool: list[tuple[str, str]] = []
    for value in published_card()["values"]:
        pool.append((value["value"], value["headline"].rstrip(".") + "."))
        pool.extend((value["value"], text) for text in value["sub_principles"])
        pool.append((value["value"], _near_duplicate(value["headline"])))
    pool.extend(OTHER_PRINCIPLES.items())
    return pool


def _near_duplicate(text: str) -> str:
    """The same principle as someone else would type it: lower case, no full stop, one word
    more ("echt"), which normalised similarity still folds into the original."""
    words = text.rstrip(".").split()
    return " ".join([*words[:2], "echt", *words[2:]]).lower().replace("ik ", "Ik ", 1)


def build() -> dict[str, Any]:
    pool = _principle_pool()
    named = SELECTED + OTHERS
    # Every answer names two or three values; the pool is dealt over the answers in turn, so
    # every principle of the pool is written (most of them twice) and no answer names a value
    # twice.
    answers: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for index, spec in enumerate(SESSIONS):
        participants = []
        for person in range(spec["participants"]):
            mine = [
                {
                    "decision": DECISIONS[(person + casus_index + index) % 3],
                    "values": [],
                    "principles": {},
                    "capacity": 2 + (person + casus_index) % 2,
                }
                for casus_index, _casus in enumerate(spec["casussen"])
            ]
            answers.extend(mine)
            participants.append({"role": ROLES[person % len(ROLES)], "answers": mine})
        sessions.append({**spec, "participants": participants})
    pending: list[tuple[str, str]] = []
    for answer in answers:
        while len(answer["values"]) < answer["capacity"]:
            if not pending or all(value in answer["values"] for value, _ in pending):
                pending.extend(pool)
            item = next(item for item in pending if item[0] not in answer["values"])
            pending.remove(item)
            answer["values"].append(item[0])
            answer["principles"][item[0]] = item[1]
    for answer in answers:
        del answer["capacity"]
    rankings = []
    for person in range(PRIORITISING["participants"]):
        order = list(named)
        # Each person swaps one neighbouring pair: individual, yet the group order holds.
        swap = person % (len(order) - 1)
        order[swap], order[swap + 1] = order[swap + 1], order[swap]
        rankings.append({"role": ROLES[person % len(ROLES)], "ranking": order})
    card = {
        value["value"]: {
            "headline": value["headline"].rstrip(".") + ".",
            "sub_principles": value["sub_principles"],
            "quote": value.get("quote"),
        }
        for value in published_card()["values"]
    }
    return {
        "format": "denksessie-replay/1",
        "illustrative": True,
        "note": (
            "Illustratief: de echte stemmen van 2024 zijn nooit gepubliceerd. Dit scenario volgt "
            "het gepubliceerde proces met gesimuleerde deelnemers."
        ),
        "traject": {
            "title": "Principekaart Professionals (naspel van 2024)",
            "central_question": published_card()["central_question"],
            "card_size": 5,
            "method": "schulze_borda",
            "shortlist_min": 1,
            "shortlist_max": 12,
        },
        "naming_sessions": sessions,
        "prioritising_session": {**PRIORITISING, "participants": rankings},
        # Each person approves the published headline and sub-principles of every value, as far
        # as the round allows (replay.py picks them by text from what the round shows).
        "principles_session": {
            **PRINCIPLES,
            "participants": [
                {"role": ROLES[p % len(ROLES)]} for p in range(PRINCIPLES["participants"])
            ],
        },
        "card": card,
    }


def load() -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(SCENARIO_FILE.read_text(encoding="utf-8"))
    return scenario


if __name__ == "__main__":
    SCENARIO_FILE.write_text(
        json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
