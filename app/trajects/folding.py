"""Folding principles that say the same thing, without losing any of them.

Two principles fold together when their normalised texts are equal, or when
``difflib.SequenceMatcher`` finds them at least ``NEAR_THRESHOLD`` alike. Normalising: Unicode
NFKD with the accents dropped, casefold, punctuation replaced by spaces, whitespace collapsed.
So "Ik luister eerst." and "ik luister  eerst" are one exact group, and "Ik luister eerst naar
de inwoner" joins "Ik luister eerst naar een inwoner" as a near match.

Grouping is greedy and deterministic: texts are taken in id order (first written first); an
exact group joins the first existing group whose first text is near enough, else starts a new
group. Comparing with the group's first text (not with every member) keeps a chain of small
changes from drifting into one group that holds two different ideas.

0.85 (documented in docs/trajects.md): in the tests, rewordings that change one or two words
("de"/"een", "gelijk"/"gelijkwaardig") score 0.88-0.95, and different principles about the same
value score 0.6 or lower. Near matches are only ever shown together; nothing is merged away.

A high ratio does not mean the same meaning: "Ik dring mensen geen hulp op" and "Ik dring
mensen soms hulp op" score 0.915, "Ik stel voorwaarden" and "Ik stel geen voorwaarden" 0.945.
So a near match also needs the same *polarity words*: negations and quantifiers (``geen``,
``niet``, ``nooit``, ``soms``, ``altijd``, ``alleen``, ...), counted. Texts that differ in one of
them never fold, however alike the rest is.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

NEAR_THRESHOLD = 0.85

_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)

# Words that turn or bound what a principle says (Dutch first; English for English texts).
# Normalised (casefolded, no accents), as ``normalise`` leaves them.
POLARITY_WORDS = frozenset(
    {
        # negation
        "geen", "niet", "nooit", "niets", "niks", "niemand", "nergens", "noch", "zonder",
        # quantifiers and frequency
        "soms", "altijd", "vaak", "zelden", "meestal", "nauwelijks", "alle", "allemaal",
        "iedereen", "elke", "ieder", "sommige", "enkele", "weinig", "veel", "meer", "minder",
        "alleen", "uitsluitend", "ook", "wel",
        # conditions
        "tenzij", "mits", "behalve",
        # English
        "no", "not", "never", "nothing", "nobody", "none", "without", "sometimes", "always",
        "often", "rarely", "all", "every", "some", "only", "unless",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_PUNCTUATION.sub(" ", bare).split())


@dataclass(frozen=True)
class Text:
    id: int
    text: str


@dataclass(frozen=True)
class Group:
    """Texts folded together; ``members`` in id order, every original kept."""

    members: tuple[Text, ...]
    exact: bool  # every member has the same normalised text

    @property
    def first(self) -> Text:
        return self.members[0]

    @property
    def variants(self) -> tuple[Text, ...]:
        """One member per distinct wording (the first written): what the room is shown, so no
        near match is hidden behind the group's first text."""
        return distinct_wordings(self.members)


def distinct_wordings(members: Sequence[Text]) -> tuple[Text, ...]:
    seen: set[str] = set()
    out = []
    for member in members:
        key = normalise(member.text)
        if key not in seen:
            seen.add(key)
            out.append(member)
    return tuple(out)


def polarity(normalised: str) -> Counter[str]:
    """The negations and quantifiers in a normalised text, counted."""
    return Counter(word for word in normalised.split() if word in POLARITY_WORDS)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalise(a), normalise(b), autojunk=False).ratio()


def near(a: str, b: str, *, threshold: float = NEAR_THRESHOLD) -> bool:
    """Whether two normalised texts say the same: alike, and with the same polarity words."""
    if polarity(a) != polarity(b):
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= threshold


def fold(
    texts: Sequence[Text],
    *,
    threshold: float = NEAR_THRESHOLD,
    alone: frozenset[int] = frozenset(),
) -> list[Group]:
    """Groups in order of their first member's id.

    ``alone``: ids the facilitator split off. Their wording keeps a group of its own (with its
    exact duplicates only): it joins no near match, and no near match joins it."""
    exact: dict[str, list[Text]] = {}
    for item in sorted(texts, key=lambda t: t.id):
        exact.setdefault(normalise(item.text), []).append(item)
    groups: list[tuple[str, list[Text], bool]] = []
    apart: set[int] = set()  # indexes of groups that stand alone
    for key, members in exact.items():
        if any(member.id in alone for member in members):
            apart.add(len(groups))
            groups.append((key, list(members), True))
            continue
        for index, (head, found, _) in enumerate(groups):
            if index not in apart and near(head, key, threshold=threshold):
                groups[index] = (head, found + members, False)
                break
        else:
            groups.append((key, list(members), True))
    return [
        Group(members=tuple(sorted(members, key=lambda t: t.id)), exact=is_exact)
        for _, members, is_exact in groups
    ]
