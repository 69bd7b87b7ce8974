"""Words and their parts of speech, from jieba's dictionary (shipped in its wheel, read offline).

The extractor segments only the few characters in front of a place suffix
(``…街道``, ``…社区``), without the HMM for unknown words: an unknown name then
falls apart into single characters, each with its dictionary tag, which is what
tells ``包保前程街道`` (a verb, then a name) from ``前程街道``.
"""

from __future__ import annotations

import logging
import math
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


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, int], float, dict[str, str]]:
    tokenizer = _posseg().tokenizer
    return tokenizer.FREQ, math.log(tokenizer.total), _posseg().word_tag_tab


@lru_cache(maxsize=4096)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """``text`` as (word, tag) pairs, dictionary words only (no HMM guesses).

    jieba's own route (the most probable path through the dictionary's word
    graph, as ``jieba.posseg.cut(text, HMM=False)`` takes it), computed here
    without its generators: the extractor segments thousands of short windows.
    """
    freq, log_total, tags = _lexicon()
    n = len(text)
    if not n:
        return ()
    route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for k in range(n - 1, -1, -1):
        best: tuple[float, int] | None = None
        i, frag = k, text[k]
        while i < n and frag in freq:
            if freq[frag]:
                cand = (math.log(freq[frag]) - log_total + route[i + 1][0], i)
                if best is None or cand > best:
                    best = cand
            i += 1
            frag = text[k : i + 1]
        if best is None:
            best = (math.log(freq.get(text[k]) or 1) - log_total + route[k + 1][0], k)
        route[k] = best
    out: list[tuple[str, str]] = []
    k = 0
    while k < n:
        j = route[k][1] + 1
        word = text[k:j]
        out.append((word, tags.get(word, "x")))
        k = j
    return tuple(out)


def tag_of(word: str) -> str | None:
    """The dictionary tag of ``word``, or None when it is not a dictionary word."""
    return _posseg().word_tag_tab.get(word)


def is_function(word: str, tag: str) -> bool:
    """A word that cannot start a name: a verb, adverb, preposition… or a multi-character adjective (广大)."""
    return tag.startswith(FUNCTION_TAGS) or (tag.startswith("a") and len(word) > 1)
