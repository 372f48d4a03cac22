r"""The texts the word-count benchmark measures, and the counts each must give.

``mixed`` and ``ascii`` are generated (see :func:`generate_corpus`), ``zen`` is the PyO3 guide's
text; ``benchmarks/wordcount.py``'s docstring describes them.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import random
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from pyo3_showcase.text import search_py

MB = 10**6
ZEN_REPEATS = 1000
ZEN_NEEDLE = "is"

# In rough order of frequency. The non-ASCII words are spread through the ranks so that multi-byte
# characters turn up everywhere in the mixed text.
VOCABULARY = (
    "the", "of", "and", "to", "a", "in", "is", "that", "naïve", "it", "for", "was", "on", "are",
    "as", "with", "café", "be", "this", "by", "at", "from", "東京", "or", "have", "an", "not",
    "they", "über", "which", "one", "you", "were", "all", "straße", "we", "there", "their",
    "been", "has", "привет", "more", "if", "will", "would", "other", "señor", "when", "what",
    "about", "into", "than", "them", "日本語", "these", "so", "some", "time", "déjà", "only",
    "could", "new", "python", "rust", "Ελλάδα", "thread", "parallel", "interpreter", "façade",
    "benchmark", "whitespace", "substring", "ünïcödé", "Zürich",
)  # fmt: skip
# Separator and weight; the last two are Unicode whitespace that str.split() also splits on.
SEPARATORS = (
    (" ", 80.0),
    ("\n", 10.0),
    ("\t", 3.0),
    ("  ", 3.0),
    ("\r\n", 2.0),
    ("\u00a0", 1.0),
    ("\u3000", 1.0),
)
# Word of rank r (from 1) has weight 1 / (r + ZIPF_MANDELBROT_SHIFT), the Zipf-Mandelbrot law with
# the shift fitted to English; it makes the top word ~8% of all words, as "the" is in English prose.
ZIPF_MANDELBROT_SHIFT = 2.7
GENERATOR_BLOCK_TOKENS = 1 << 16

WHITESPACE = re.compile(r"\s")  # for str patterns, \s is exactly str.isspace()


@dataclass(frozen=True)
class GeneratedText:
    """A generated text and how many times each word of the vocabulary was emitted."""

    text: str
    word_counts: Mapping[str, int]


@dataclass(frozen=True)
class Corpus:
    """A text to measure, the needle to count and the count every implementation must return."""

    name: str
    description: str
    text: str
    needle: str
    expected_count: int
    size_bytes: int
    word_counts: Mapping[str, int]


def generate_text(size_bytes: int, seed: int, *, ascii_only: bool) -> GeneratedText:
    """Generate at least ``size_bytes`` UTF-8 bytes of words and whitespace, deterministically.

    Every token is a vocabulary word followed by a separator, so every emitted word is a whole
    word of the text and ``word_counts`` is the exact answer for any needle in the vocabulary.
    """
    words = [word for word in VOCABULARY if word.isascii() or not ascii_only]
    separators = [(sep, weight) for sep, weight in SEPARATORS if sep.isascii() or not ascii_only]
    tokens: list[str] = []
    token_words: list[str] = []
    weights: list[float] = []
    for rank, word in enumerate(words, start=1):
        for separator, separator_weight in separators:
            tokens.append(word + separator)
            token_words.append(word)
            weights.append(separator_weight / (rank + ZIPF_MANDELBROT_SHIFT))
    cumulative_weights = [0.0] * len(weights)
    running = 0.0
    for index, weight in enumerate(weights):
        running += weight
        cumulative_weights[index] = running

    rng = random.Random(seed)
    blocks: list[str] = []
    token_counts: Counter[str] = Counter()
    generated_bytes = 0
    while generated_bytes < size_bytes:
        chosen = rng.choices(tokens, cum_weights=cumulative_weights, k=GENERATOR_BLOCK_TOKENS)
        token_counts.update(chosen)
        block = "".join(chosen)
        generated_bytes += len(block.encode())
        blocks.append(block)

    word_counts: Counter[str] = Counter()
    for token, word in zip(tokens, token_words, strict=True):
        word_counts[word] += token_counts[token]
    return GeneratedText("".join(blocks), word_counts)


def generate_corpus(name: str, size_bytes: int, seed: int, needle: str, *, ascii_only: bool) -> Corpus:
    """A generated corpus of about ``size_bytes`` bytes whose expected count the generator knows."""
    generated = generate_text(size_bytes, seed, ascii_only=ascii_only)
    kind = (
        "English-like word frequencies, ASCII words and whitespace only"
        if ascii_only
        else "English-like word frequencies, ~1 word in 9 non-ASCII, mixed ASCII and Unicode whitespace"
    )
    return Corpus(
        name=name,
        description=f"generated, seed {seed}: {kind}",
        text=generated.text,
        needle=needle,
        expected_count=generated.word_counts.get(needle, 0),
        size_bytes=utf8_size(generated.text),
        word_counts=generated.word_counts,
    )


def zen_of_python() -> str:
    """The Zen of Python, as ``import this`` prints it (without printing it)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this  # noqa: PLC0415 -- importing `this` prints the Zen; only here is stdout redirected

    return codecs.decode(this.s, "rot13")


def zen_corpus() -> Corpus:
    """The PyO3 guide's benchmark text: the Zen of Python repeated 1000 times."""
    text = (zen_of_python() + "\n") * ZEN_REPEATS
    return Corpus(
        name="zen",
        description=(
            f"the Zen of Python (`import this`) x {ZEN_REPEATS}; below 2 MiB `count_words` does not split"
            " the text, so its parallel row is sequential"
        ),
        text=text,
        needle=ZEN_NEEDLE,
        expected_count=search_py(text, ZEN_NEEDLE),
        size_bytes=utf8_size(text),
        word_counts=Counter(text.split()),
    )


def utf8_size(text: str) -> int:
    """The number of bytes of ``text`` in UTF-8, which is what the Rust functions scan."""
    return len(text.encode())


def cut_before_whitespace(text: str, position: int) -> int:
    """The index of the first whitespace character at or after ``position`` (or ``len(text)``)."""
    match = WHITESPACE.search(text, position)
    return match.start() if match else len(text)


def prefix_of(text: str, size_bytes: int) -> str:
    """A prefix of ``text`` of roughly ``size_bytes`` bytes that ends at a word boundary."""
    if len(text) <= size_bytes:
        return text
    return text[: cut_before_whitespace(text, size_bytes)]


def split_into_shares(text: str, shares: int) -> list[str]:
    """Cut ``text`` into ``shares`` pieces of about equal length, each cut just before whitespace.

    No word spans two pieces, so the counts of the pieces add up to the count of ``text``.
    """
    pieces: list[str] = []
    start = 0
    for share in range(1, shares):
        end = max(start, cut_before_whitespace(text, len(text) * share // shares))
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces
