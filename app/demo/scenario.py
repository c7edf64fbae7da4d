"""The replay scenario of the Principekaart Professionals (2024), built from a fixed seed.

The real ballots of 2024 were never published, so this scenario is ILLUSTRATIVE: it follows the
published process (seed 000, Verantwoording) with simulated participants. Two sessions with
fictional casussen, in which people name values and write a leading principle per value; then a
third session that ranks the twelve values named down to five. The principles on the card come
from the casus sessions and are curated after session 3, as in 2024.

The simulated people do not copy the card: each principle they write is a variation of a
published one (synonyms, another word order, a clause left off, something added), some write
other principles for the same value, and seven values not on the card are named too. Their
rankings scatter around a consensus; the traject's own aggregation then decides. ``build()``
uses ``random.Random(SEED)``, so it makes the same scenario every time; ``replay-2024.json`` is
its output, kept for reading (a test checks that the two agree).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SCENARIO_FILE = DATA / "replay-2024.json"
CARD_FILE = Path(__file__).resolve().parent.parent / "cards" / "data"
CARD_FILE = CARD_FILE / "principekaart-professionals-2024.json"

SEED = 2024
# The five of 2024 in card order, then seven other values named in the naming sessions.
SELECTED = ["menselijkheid", "zelfbeschikking", "verantwoordelijkheid", "billijkheid",
            "doeltreffendheid"]  # fmt: skip
OTHERS = ["zorgvuldigheid", "bestaansveiligheid", "menselijke-maat", "vertrouwen", "gelijkheid",
          "zelfredzaamheid", "compassie"]  # fmt: skip
ROLES = ["gemeente", "landelijke uitvoeringsorganisatie", "welzijn"]
# Principles for values that are not on the card.
OTHER_PRINCIPLES = {
    "zorgvuldigheid": "Ik neem de tijd om een besluit goed te onderbouwen.",
    "bestaansveiligheid": "Ik zorg eerst dat iemand een dak boven het hoofd en eten heeft.",
    "menselijke-maat": "Ik kijk naar de mens achter het dossier, niet alleen naar de regel.",
    "vertrouwen": "Ik ga ervan uit dat mensen eerlijk vertellen wat er aan de hand is.",
    "gelijkheid": "Ik behandel gelijke gevallen gelijk.",
    "zelfredzaamheid": "Ik help mensen om het straks weer zelf te kunnen.",
    "compassie": "Ik laat merken dat ik begrijp hoe zwaar het is.",
}
# Principles for card values that did not make the card: the room wrote more than it kept.
EXTRA_PRINCIPLES = {
    "menselijkheid": "Ik neem de tijd voor een echt gesprek met de inwoner.",
    "zelfbeschikking": "Ik laat de inwoner zelf kiezen welke hulp bij het leven past.",
    "verantwoordelijkheid": "Ik spreek mensen aan op hun eigen aandeel in de oplossing.",
    "billijkheid": "Ik weeg af wat in deze situatie redelijk is voor iedereen.",
    "doeltreffendheid": "Ik kies de hulp die het snelst effect heeft.",
}
# How people say the same thing in other words: (phrase, alternatives), matched on whole words.
SYNONYMS: list[tuple[str, list[str]]] = [
    ("Ik zorg dat", ["Ik zorg ervoor dat", "Ik let erop dat"]),
    ("degene die ik help", ["de inwoner", "de persoon die ik help", "de cliënt"]),
    ("mensen", ["inwoners", "cliënten"]),
    ("ondersteuning", ["hulp"]),
    ("Ik bied", ["Ik geef"]),
    ("Ik heb oog voor", ["Ik let op", "Ik kijk naar"]),
    ("Ik realiseer me", ["Ik besef"]),
    ("Ik respecteer", ["Ik accepteer"]),
    ("Ik maak me sterk voor", ["Ik kom op voor", "Ik sta voor"]),
    ("Ik kies voor", ["Ik ga voor", "Ik kies"]),
    ("Ik zoek", ["Ik werk aan", "Ik ga voor"]),
    ("Ik help", ["Ik ondersteun"]),
    ("Ik overweeg", ["Ik durf"]),
    ("wet- en regelgeving", ["de wet en de regels", "de regels"]),
    ("wetten en regels", ["de regels", "regels en wetten"]),
    ("gezien, gehoord en geholpen", ["gehoord, gezien en geholpen", "gehoord en geholpen"]),
    ("behoeften, wensen en plannen", ["wensen, behoeften en plannen", "wensen en plannen"]),
    ("nuttig en noodzakelijk", ["noodzakelijk en nuttig"]),
    ("familie, vrienden en burens", ["familie, vrienden en buren", "familie en buren"]),
    ("probleem", ["problemen"]),
    ("situatie", ["omstandigheden"]),
    ("zelfredzamer", ["zelfstandiger"]),
    ("onredelijke", ["onbillijke"]),
    ("snel", ["vlot"]),
    ("eigen keuzes", ["hun eigen keuzes"]),
    ("óók", ["ook"]),
]
# A clause after a comma that starts with one of these can be left off, keeping a sentence.
CLAUSE_STARTS = frozenset({"ook", "óók", "tenzij", "dit", "zoals", "niet"})
ADDITIONS = [" in mijn werk", " als professional", " in de praktijk"]
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
DECISIONS = ["toekennen", "niet_toekennen", "twijfel"]


def published_card() -> dict[str, Any]:
    card: dict[str, Any] = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    return card


def normalised(text: str) -> str:
    """What does not make a principle someone else's: case, spaces, closing punctuation."""
    return " ".join(text.casefold().split()).rstrip(".!?;: ")


def published_principles() -> list[tuple[str, str]]:
    """(value, text) of every headline and sub-principle on the 2024 card, in card order."""
    out: list[tuple[str, str]] = []
    for value in published_card()["values"]:
        out.append((value["value"], value["headline"].rstrip(".") + "."))
        out.extend((value["value"], text) for text in value["sub_principles"])
    return out


def variation(text: str, rng: random.Random) -> str:
    """``text`` as a participant might write it: one or two phrases said otherwise, maybe a
    clause left off or something added, maybe no full stop. Never the text itself, nor any
    published principle (compared after :func:`normalised`); it still begins with "Ik "."""
    taken = {normalised(t) for _, t in published_principles()} | {normalised(text)}
    body = text.rstrip(".")
    for _attempt in range(20):
        out = body
        matching = [(p, alts) for p, alts in SYNONYMS if re.search(_word(p), out)]
        for phrase, alternatives in rng.sample(matching, k=min(len(matching), rng.choice([1, 2]))):
            out = re.sub(_word(phrase), rng.choice(alternatives), out, count=1)
        head, _comma, tail = out.rpartition(", ")
        shorter = head if tail.split()[0] in CLAUSE_STARTS else ""
        if len(shorter.split()) >= 6 and (rng.random() < 0.35 or normalised(out) in taken):
            out = shorter
        elif ", " not in out and (rng.random() < 0.2 or normalised(out) in taken):
            out += rng.choice(ADDITIONS)
        if normalised(out) not in taken:
            return out + rng.choice([".", ".", ""])
    raise AssertionError(f"geen variatie gevonden voor {text!r}")  # pragma: no cover


def _word(phrase: str) -> str:
    """``phrase`` as whole words: not inside "situatie-afhankelijke" or "mensenwerk"."""
    return rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"


def _ranking(rng: random.Random) -> list[str]:
    """One person's order of the twelve: the card's five on top in the group's view, with each
    person's own noise, and now and then an off-card value pulled up high."""
    base = {value: float(i) for i, value in enumerate(SELECTED)}
    base |= {value: 6.0 + i for i, value in enumerate(OTHERS)}
    if rng.random() < 0.4:
        base[rng.choice(OTHERS)] -= 5.0
    score = {value: place + rng.gauss(0, 1.6) for value, place in base.items()}
    return sorted(score, key=score.__getitem__)


def build() -> dict[str, Any]:
    rng = random.Random(SEED)
    published = published_principles()
    # What people write from: every published principle, other principles for the card's
    # values and the principles of seven values not on the card. Dealt in shuffled passes over
    # the answers, so every published principle is written at least once, in its own words.
    pool = published + list(EXTRA_PRINCIPLES.items()) + list(OTHER_PRINCIPLES.items())
    answers: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for spec in SESSIONS:
        participants = []
        for person in range(spec["participants"]):
            mine = [
                {
                    "decision": rng.choice(DECISIONS),
                    "values": [],
                    "principles": {},
                    "capacity": rng.choice([2, 3]),
                }
                for _casus in spec["casussen"]
            ]
            answers.extend(mine)
            participants.append({"role": ROLES[person % len(ROLES)], "answers": mine})
        sessions.append({**spec, "participants": participants})
    written: dict[str, list[str]] = {text: [] for _, text in published}
    pending: list[tuple[str, str]] = []
    for answer in answers:
        while len(answer["values"]) < answer["capacity"]:
            if not pending or all(value in answer["values"] for value, _ in pending):
                pending.extend(rng.sample(pool, k=len(pool)))
            item = next(item for item in pending if item[0] not in answer["values"])
            pending.remove(item)
            text = variation(item[1], rng)
            answer["values"].append(item[0])
            answer["principles"][item[0]] = text
            if item[1] in written:
                written[item[1]].append(text)
    for answer in answers:
        del answer["capacity"]
    # The rankings draw from their own seeded stream, so a change in the principles above does
    # not reshuffle them.
    ranking_rng = random.Random(f"{SEED}-ranking")
    rankings = [
        {"role": ROLES[person % len(ROLES)], "ranking": _ranking(ranking_rng)}
        for person in range(PRIORITISING["participants"])
    ]
    card = {
        value["value"]: {
            "headline": value["headline"].rstrip(".") + ".",
            "sub_principles": value["sub_principles"],
            "quote": value.get("quote"),
        }
        for value in published_card()["values"]
    }
    for value, text in published:
        # The facilitator's curation after session 3: which written principles say what the
        # card says, so the replay picks one of them and rewords it to the card's text.
        card[value].setdefault("written", {})[text] = written[text]
    return {
        "format": "denksessie-replay/2",
        "illustrative": True,
        "seed": SEED,
        "note": (
            "Illustratief: de echte stemmen van 2024 zijn nooit gepubliceerd. Dit scenario volgt "
            "het gepubliceerde proces met gesimuleerde deelnemers en gesimuleerde stemmen."
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
        "card": card,
    }


def load() -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(SCENARIO_FILE.read_text(encoding="utf-8"))
    return scenario


if __name__ == "__main__":
    SCENARIO_FILE.write_text(
        json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
