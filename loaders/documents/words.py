"""Words and their parts of speech, from jieba's dictionary (shipped in its wheel, read offline).

The extractor segments only the few characters in front of a place suffix
(``…街道``, ``…社区``), without the HMM for unknown words: an unknown name then
falls apart into single characters, each with its dictionary tag, which is what
tells ``包保前程街道`` (a verb, then a name) from ``前程街道``.
"""

from __future__ import annotations

import logging
from functools import lru_cache

#: tags of words that cannot begin a place name: verbs, adverbs, prepositions, conjunctions,
#: particles, pronouns, numerals, measure words, idioms, state words
FUNCTION_TAGS = ("v", "d", "p", "c", "u", "r", "m", "q", "l", "i", "z", "y", "e", "o", "t")
#: tags that mark a numeral or ordinal: 十佳社区, 五好社区 are titles, not places
NUMERAL_TAGS = ("m", "z", "q")


@lru_cache(maxsize=1)
def _posseg():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    jieba.posseg.dt.tokenizer.initialize()
    return jieba.posseg.dt


def tagged(text: str) -> list[tuple[str, str]]:
    """``text`` as (word, tag) pairs, dictionary words only (no HMM guesses)."""
    return [(p.word, p.flag) for p in _posseg().cut(text, HMM=False)]


def tag_of(word: str) -> str | None:
    """The dictionary tag of ``word``, or None when it is not a dictionary word."""
    return _posseg().word_tag_tab.get(word)


def is_function(word: str, tag: str) -> bool:
    """A word that cannot start a name: a verb, adverb, preposition… or a multi-character adjective (广大)."""
    return tag.startswith(FUNCTION_TAGS) or (tag.startswith("a") and len(word) > 1)
