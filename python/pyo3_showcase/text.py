r"""The guide's word count, in parallel Rust and in pure Python.

A *word* is a maximal run of characters that are not whitespace, and *whitespace* is exactly
what ``str.isspace()`` accepts, i.e. the separators ``str.split()`` uses: spaces, tabs, ``\n``,
``\r``, ``\v``, ``\f``, the ASCII separators ``\x1c``-``\x1f``, ``\x85``, and the Unicode
spaces and line/paragraph separators (``\u00a0``, ``\u2028``, ``\u3000``, ...). Matching is exact
and case-sensitive. A needle that is empty or contains whitespace is never a word, so it counts 0.
The Rust functions and :func:`search_py` agree on every string, lone surrogates (``"\ud800"``)
included: a surrogate is a character like any other, never whitespace. ``search`` reads a UTF-8
file, which cannot hold one, so a needle with a lone surrogate counts 0 there.
"""

from pyo3_showcase._native import count_words, search, search_sequential, search_sequential_detached

__all__ = ["count_words", "search", "search_py", "search_sequential", "search_sequential_detached"]


# str.isspace() is true for these ASCII separators, but PyPy's str.split() does not split at them
# (CPython's does). Mapping them to spaces first makes the reference mean the same everywhere.
_SEPARATORS_TO_SPACE = str.maketrans(dict.fromkeys("\x1c\x1d\x1e\x1f", " "))


def search_py(contents: str, needle: str) -> int:
    """Count the words of ``contents`` equal to ``needle``: the pure-Python reference."""
    if any(separator in contents for separator in "\x1c\x1d\x1e\x1f"):
        contents = contents.translate(_SEPARATORS_TO_SPACE)
    return sum(1 for word in contents.split() if word == needle)
