"""French text normalisation shared by the index, the queries and the highlights: lower case,
accents removed ("réseau" → "reseau"), Snowball French stem ("imprimantes" → "imprim")."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"\w+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("french")
# Words too common to search on (the stemmer keeps them); the PostgreSQL french config drops them too.
STOP = frozenset(
    "a au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me meme mes moi mon ne "
    "nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous "
    "c d j l m n s t y est sont ai as avons avez ont etre avoir plus".split())


def unaccent(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(unaccent(word.lower()))


def words(text: str) -> list[str]:
    return WORD.findall(text or "")


def stems(text: str) -> list[str]:
    """Every word's stem (what the SQLite index stores, in order)."""
    return [stem(w) for w in words(text)]


def query_stems(text: str) -> list[str]:
    """The distinct stems a query searches for, stop words left out, in order (at most 12)."""
    seen: list[str] = []
    for w in words(text):
        s = stem(w)
        if unaccent(w.lower()) in STOP or s in seen:
            continue
        seen.append(s)
    return seen[:12]
