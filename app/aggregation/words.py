"""Words for a word cloud: count the words of short free-text answers, without stop words.

Pure: the standard library only, no I/O. A word is a run of letters (Dutch letters with their
diacritics included, "één", "café", "coöperatie"); an apostrophe or hyphen inside a word keeps
it whole ("zo'n", "zorg-en-welzijn" is three words, though: a hyphen splits). Everything is
lowercased (``casefold``); words of one letter and stop words (``STOP_WORDS``) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

# A run of letters, with an apostrophe inside a word ("zo'n", "auto's").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# The most frequent Dutch function words, and English basics: they say nothing about an answer.
STOP_WORDS: frozenset[str] = frozenset(
    """
    aan al alle alles als altijd ander andere anders ben bij bijna daar daarom dan dat de den
    der deze die dit doch doen door dus een eens en er ge geen geweest haar had heb hebben heeft
    hem het hier hij hoe hun iemand iets ik in is ja je jij jou jouw jullie kan kon kunnen
    maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat ons onze ook op
    over reeds te tegen toch toen tot u uit uw van veel voor waar wat we wel welk welke werd
    wie wij wil worden wordt zal ze zei zelf zich zij zijn zo zo'n zonder zou
    a an and are as at be but by for from has have i if in into is it its me my no not of on
    or our so that the their them there they this to was we were what which who will with
    you your
    """.split()
)


@lru_cache(maxsize=20_000)
def words(text: str) -> tuple[str, ...]:
    """The counted words of one text, in order: lowercased, no stop words, none of one
    letter. Cached: a live room's answers are counted again on every tick."""
    folded = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    found: list[str] = []
    for token in _WORD.findall(folded):
        if token.replace("'", "").isalpha():
            found.append(token)
        else:  # ``\w`` also takes signs such as "²": only letters make a word
            letters = "".join(char if char.isalpha() or char == "'" else " " for char in token)
            found.extend(_WORD.findall(letters))
    return tuple(word for word in found if len(word) > 1 and word not in STOP_WORDS)


def word_counts(texts: Iterable[str], *, top: int = 40) -> list[tuple[str, int]]:
    """The ``top`` most used words of the texts with their counts, most used first; equal
    counts in alphabetical order, so the cloud does not shuffle between two ticks."""
    return weighted_word_counts(Counter(texts), top=top)


def weighted_word_counts(texts: Mapping[str, int], *, top: int = 40) -> list[tuple[str, int]]:
    """``word_counts`` of texts given with how often each was given (a room gives the same
    answer many times: each is split once)."""
    counts: Counter[str] = Counter()
    for text, times in texts.items():
        for word in words(text):
            counts[word] += times
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: max(0, top)]


@lru_cache(maxsize=20_000)
def answer_key(text: str) -> str:
    """What two answers share when they say the same: lowercased, only letters and digits,
    single spaces ("Meer tijd!" and "meer  tijd" are both "meer tijd"). A text of signs only
    keeps its trimmed self, so it is never lost in an empty key."""
    key = " ".join(re.findall(r"[^\W_]+", text.casefold()))
    return key or " ".join(text.split())
