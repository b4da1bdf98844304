"""Dutch stemming for routing: the Snowball project's Dutch stemmer (``snowballstemmer``).

Chosen over simplemma and the hand-written stemmer this replaced by the router's figures
(docs/routing.md): the same top-1 and top-3 on every development set as the hand-written one,
diminutives and plurals included (``boekjes`` → ``boek``, ``jaarplannen`` → ``jaarplan``), at a
fraction of simplemma's memory. Stemming only has to be *consistent*: ``besturen`` and
``bestuur`` must end up equal, the stem need not be a word.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import snowballstemmer
from snowballstemmer.basestemmer import BaseStemmer

ALGORITHM = "dutch"  # Snowball 3's Dutch stemmer; "dutch_porter" is the older, weaker one
_local = threading.local()


def _stemmer() -> BaseStemmer:
    # A Snowball stemmer keeps its working state on the object: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer(ALGORITHM)
    return stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem one lowercase, accent-free Dutch word.

    Cached: a directory and its questions repeat the same few thousand words, and a cached
    stem costs a dictionary look-up where Snowball costs tens of microseconds.

    Args:
        word: A single token, already normalised (see ``text.normalise``).

    Returns:
        The stem; equal for inflections (plural -en/-s, -heden/-heid, diminutives, -e).
    """
    if len(word) <= 3:  # po, oba, ict: abbreviations, not words to stem
        return word
    return _stemmer().stemWord(word)
