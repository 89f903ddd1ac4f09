"""The one tokeniser of catalogue search, used for documents and queries on both databases.

Chinese (and Japanese kana, Korean hangul) has no spaces, so a run of CJK characters
becomes its overlapping bigrams plus its single characters: 「停車場」 → 停車 車場 停 車 場.
A query run is matched by its bigrams only (or its one character), so 「停車場」 finds
「臺北市公有停車場即時剩餘車位」. Latin words are lowercased, split on anything that is
not a letter or digit, and stemmed (Snowball English: parking → park). The result is a
space-separated token string that SQLite FTS5 (unicode61) and PostgreSQL
``to_tsvector('simple', …)`` both split on spaces only, so both find the same rows.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_CJK = (
    r"\u3040-\u30ff"  # kana
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    r"\uac00-\ud7af"  # hangul
)
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")
_STEMMER = snowballstemmer.stemmer("english")
_MAX_WORD = 40


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def _normal(text: str) -> str:
    # NFKC folds full-width Latin and digits (ＡＢＣ１２３) into ASCII; 臺/台 stay distinct,
    # so both spellings are indexed as written.
    return unicodedata.normalize("NFKC", text).lower()


_BIGRAMS = re.compile(rf"(?=([{_CJK}]{{2}}))")
_UNIGRAMS = re.compile(rf"[{_CJK}]")
_WORDS = re.compile(rf"[^\W_{_CJK}]+", re.UNICODE)


def document_tokens(text: str) -> list[str]:
    """Tokens of a document: CJK bigrams and unigrams, stemmed Latin words (regexes do the
    scanning, so a long description costs little Python)."""
    normal = _normal(text)
    out = _BIGRAMS.findall(normal)
    out += _UNIGRAMS.findall(normal)
    out += [_stem(w) for w in _WORDS.findall(normal) if len(w) <= _MAX_WORD]
    return out


def query_terms(text: str) -> list[str]:
    """Terms a document must all contain: CJK bigrams (a lone character as itself), stems."""
    terms: list[str] = []
    for run in _RUN.findall(_normal(text)):
        if _IS_CJK.match(run):
            terms.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        elif len(run) <= _MAX_WORD:
            terms.append(_stem(run))
    seen: set[str] = set()
    return [t for t in terms if not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]


def token_string(*texts: str) -> str:
    return " ".join(document_tokens(" \n ".join(t for t in texts if t)))
