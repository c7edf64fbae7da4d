"""The word cloud's counting: Dutch words whole, stop words and single letters out, top N."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.aggregation.words import STOP_WORDS, answer_key, word_counts, words

PROPERTY = settings(max_examples=100, deadline=None, database=None)


class TestWords:
    def test_lowercases_and_splits_on_what_is_not_a_letter(self) -> None:
        assert list(words("Meer TIJD, meer-ruimte!!! 3x vertrouwen?")) == [
            "tijd",
            "ruimte",
            "vertrouwen",
        ]

    def test_keeps_dutch_letters_with_diacritics_whole(self) -> None:
        assert list(words("Één coöperatie, café en privé-zaken")) == [
            "één",
            "coöperatie",
            "café",
            "privé",
            "zaken",
        ]

    def test_an_apostrophe_inside_a_word_keeps_it_whole(self) -> None:
        assert list(words("auto's en zo'n ’s avonds")) == ["auto's", "avonds"]

    def test_drops_dutch_and_english_stop_words_and_single_letters(self) -> None:
        assert list(words("Ik vind dat de gemeente het niet weet, and the x is u")) == [
            "vind",
            "gemeente",
            "weet",
        ]
        assert {"de", "het", "een", "en", "van", "ik", "je", "dat", "die", "niet"} <= STOP_WORDS
        assert {"the", "and", "of", "to"} <= STOP_WORDS


class TestWordCounts:
    def test_most_used_first_then_alphabetical_and_cut_at_top(self) -> None:
        texts = ["Meer tijd", "meer tijd!", "Tijd en rust", "rust", "aandacht", "zorg"]
        assert word_counts(texts, top=3) == [("tijd", 3), ("rust", 2), ("aandacht", 1)]

    def test_nothing_to_count(self) -> None:
        assert word_counts([]) == []
        assert word_counts(["de het een", "!!!"]) == []
        assert word_counts(["tijd"], top=0) == []

    @PROPERTY
    @given(st.lists(st.text(max_size=80), max_size=20), st.integers(min_value=0, max_value=50))
    def test_counts_are_what_words_finds(self, texts: list[str], top: int) -> None:
        counted = word_counts(texts, top=top)
        every = [word for text in texts for word in words(text)]
        assert len(counted) <= top
        assert all(count == every.count(word) for word, count in counted)
        assert [count for _, count in counted] == sorted(
            (count for _, count in counted), reverse=True
        )
        for word, _ in counted:
            assert len(word) > 1
            assert word == word.casefold()
            assert word not in STOP_WORDS
            assert not any(char.isdigit() or char.isspace() for char in word)


class TestAnswerKey:
    def test_same_words_same_key(self) -> None:
        assert answer_key("Meer tijd!") == answer_key("meer  tijd") == "meer tijd"
        assert answer_key("Meer tijd nodig") != answer_key("meer tijd")

    def test_signs_only_keep_their_text(self) -> None:
        assert answer_key("  ?! ") == "?!"

    @PROPERTY
    @given(st.text(max_size=60))
    def test_a_key_is_stable(self, text: str) -> None:
        assert answer_key(answer_key(text)) == answer_key(text) or not answer_key(text)
