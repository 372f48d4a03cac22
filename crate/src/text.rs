//! The guide's parallel word count.
//!
//! A *word* is a maximal run of characters that are not whitespace, and *whitespace* is exactly
//! what Python's `str.isspace()` accepts (the separators of `str.split()`): Unicode `White_Space`
//! plus the four ASCII information separators U+001C..U+001F. `count_words(text, needle)` is the
//! number of words equal to `needle`, so it always equals the pure-Python reference `search_py`
//! (`str.split()` on CPython; PyPy's `str.split()` misses U+001C..U+001F, which `search_py` handles).
//!
//! Every `str` is accepted, lone surrogates included: the counting works on generalized UTF-8
//! (see `strings`), where a surrogate is one three-byte sequence that is never whitespace.

use std::ops::Range;
use std::path::PathBuf;

use memchr::memmem;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rayon::prelude::*;

use crate::errors::read_utf8_file;
use crate::strings::generalized_utf8;

/// Below this many bytes per chunk, splitting work across threads costs more than it saves.
const MIN_PARALLEL_CHUNK: usize = 1 << 20;

/// Whether Python's `str.isspace()` is true for `c`.
pub fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `str.isspace()` for the 128 ASCII characters: tab..carriage return, U+001C..U+001F, space.
const ASCII_WHITESPACE: [bool; 128] = {
    let mut table = [false; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = matches!(byte, 0x09..=0x0d | 0x1c..=0x20);
        byte += 1;
    }
    table
};

/// Whether `byte` continues a UTF-8 sequence rather than starting one.
fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// The character whose sequence starts at byte offset `at`, or None if it is not a character of
/// UTF-8 proper (a lone surrogate of generalized UTF-8), which is never whitespace.
fn char_at(text: &[u8], at: usize) -> Option<char> {
    let length = match text[at] {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    };
    std::str::from_utf8(text.get(at..at + length)?).ok()?.chars().next()
}

/// Whether the character ending just before byte offset `at` is whitespace (or `at` is the start).
/// Looks at one byte when it is ASCII, which is almost always; decodes a character otherwise.
#[inline]
fn whitespace_before(text: &[u8], at: usize) -> bool {
    match at.checked_sub(1).map(|previous| text[previous]) {
        None => true,
        Some(byte) if byte.is_ascii() => ASCII_WHITESPACE[usize::from(byte)],
        Some(_) => {
            // A sequence is at most four bytes long: step back over its continuation bytes.
            let start = (at.saturating_sub(4)..at).rev().find(|&i| !is_continuation(text[i])).unwrap_or(0);
            char_at(text, start).is_some_and(is_python_whitespace)
        }
    }
}

/// Whether the character starting at byte offset `at` is whitespace (or `at` is the end).
#[inline]
fn whitespace_at(text: &[u8], at: usize) -> bool {
    match text.get(at) {
        None => true,
        Some(&byte) if byte.is_ascii() => ASCII_WHITESPACE[usize::from(byte)],
        Some(_) => char_at(text, at).is_some_and(is_python_whitespace),
    }
}

/// The byte offset of the first whitespace character in `text`, if any.
///
/// Reads only as far as that character, one character at a time: the parallel count calls it at
/// every cut of a text of any size (`utf8_chunks` would first validate all the rest, each time).
fn find_whitespace(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < text.len() {
        if whitespace_at(text, at) {
            return Some(at);
        }
        // A lone surrogate's bytes, never whitespace, are stepped over one at a time.
        at += char_at(text, at).map_or(1, char::len_utf8);
    }
    None
}

/// Whether `needle` can be a word at all: non-empty and free of whitespace.
fn is_word(needle: &[u8]) -> bool {
    !needle.is_empty() && find_whitespace(needle).is_none()
}

/// How much of a long text `count_sequential` searches first, to learn how common the needle is.
const PROBE_BYTES: usize = 1 << 16;

/// Below one occurrence of the needle per this many bytes, the SIMD substring search is fastest;
/// above it, its cost per occurrence dominates and scanning every byte position wins.
const SPARSE_GAP: usize = 128;

/// Count words equal to `needle` in `text` on the current thread (both generalized UTF-8).
///
/// Two exact methods. A text longer than `PROBE_BYTES` is searched that far for the needle with
/// a SIMD substring search that stops at each occurrence (`search_words`), the fastest way to
/// find a rare needle; if the needle turned out to be common (`the` in English), the rest is
/// scanned instead, testing eight byte positions per step and stopping only at likely words
/// (`scan_words`). Shorter texts are scanned.
pub fn count_sequential(text: &[u8], needle: &[u8]) -> usize {
    if !is_word(needle) {
        return 0;
    }
    if text.len() <= PROBE_BYTES {
        return scan_words(text, needle, 0..text.len());
    }
    let finder = memmem::Finder::new(needle);
    let (words, occurrences) = search_words(text, &finder, 0..PROBE_BYTES);
    let rest = PROBE_BYTES..text.len();
    words
        + if occurrences * SPARSE_GAP < PROBE_BYTES {
            search_words(text, &finder, rest).0
        } else {
            scan_words(text, needle, rest)
        }
}

/// The words equal to the needle that start at an offset in `starts`, and how many times the
/// needle occurs there at all, found with a SIMD substring search.
///
/// Skipping overlapping occurrences loses no word: an occurrence that starts inside an earlier
/// one is preceded by a needle character, so it cannot be a word.
fn search_words(text: &[u8], finder: &memmem::Finder<'_>, starts: Range<usize>) -> (usize, usize) {
    let length = finder.needle().len();
    let haystack = &text[starts.start..(starts.end + length - 1).min(text.len())];
    finder.find_iter(haystack).fold((0, 0), |(words, occurrences), offset| {
        let start = starts.start + offset;
        let word = whitespace_before(text, start) && whitespace_at(text, start + length);
        (words + usize::from(word), occurrences + 1)
    })
}

/// The words equal to `needle` that start at an offset in `starts`, found by testing each offset.
///
/// Eight offsets at a time, with arithmetic on 64-bit integers that hold eight bytes each
/// (portable, and no `unsafe`), a block of 64 offsets becomes 64 bits, each set where the
/// needle's first and last bytes are in place and the bytes around them may be whitespace: ASCII
/// up to U+0020, or any byte of a multi-byte character. Only those offsets are checked exactly.
fn scan_words(text: &[u8], needle: &[u8], starts: Range<usize>) -> usize {
    let (Some(&first), Some(&last)) = (needle.first(), needle.last()) else {
        return 0;
    };
    let (first, last, length) = (EACH_BYTE * u64::from(first), EACH_BYTE * u64::from(last), needle.len());
    let mut count = 0;
    let mut start = starts.start;
    if start == 0 && !starts.is_empty() {
        // No byte before it for the block to read.
        count += usize::from(is_word_at(text, 0, needle));
        start = 1;
    }
    while start + BLOCK <= starts.end && start + length + BLOCK <= text.len() {
        // Every byte the block reads: the one before its first offset to the one after its last word.
        let view = &text[start - 1..start + length + BLOCK];
        let mut candidates = 0;
        for step in 0..BLOCK / 8 {
            let at = 8 * step;
            let lanes = equal_lanes(eight_bytes(view, at + 1), first)
                & equal_lanes(eight_bytes(view, at + length), last)
                & maybe_whitespace_lanes(eight_bytes(view, at))
                & maybe_whitespace_lanes(eight_bytes(view, at + length + 1));
            // Shifted once per later step, the high bit of byte `i` of this step ends at bit
            // 8i + step: every offset of the block gets a bit of its own.
            candidates = (candidates >> 1) | lanes;
        }
        while candidates != 0 {
            let bit = candidates.trailing_zeros() as usize;
            count += usize::from(is_word_at(text, start + 8 * (bit % 8) + bit / 8, needle));
            candidates &= candidates - 1;
        }
        start += BLOCK;
    }
    count + (start..starts.end).filter(|&offset| is_word_at(text, offset, needle)).count()
}

/// The byte offsets `scan_words` tests at once: one bit each in a `u64`.
const BLOCK: usize = 64;
/// The lowest bit of each byte of a `u64`; times a byte, that byte eight times.
const EACH_BYTE: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = EACH_BYTE << 7;
const LOW_SEVEN_BITS: u64 = !HIGH_BITS;

/// The eight bytes of `bytes` from `at` as one number, the first in the lowest bits (0 past the end).
// Inlined even where the crate is optimised for size (Cargo.toml's release profile): in the
// scan's inner loop a call would cost more than the work.
#[allow(clippy::inline_always)]
#[inline(always)]
fn eight_bytes(bytes: &[u8], at: usize) -> u64 {
    bytes[at..].first_chunk().map_or(0, |word| u64::from_le_bytes(*word))
}

/// The high bit of each byte of `word` that equals the byte `repeated` holds eight times.
#[allow(clippy::inline_always)] // as for eight_bytes
#[inline(always)]
fn equal_lanes(word: u64, repeated: u64) -> u64 {
    let difference = word ^ repeated;
    // A byte is zero when neither its high bit nor the carry out of its low seven bits is set.
    !(((difference & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | difference) & HIGH_BITS
}

/// The high bit of each byte of `word` that may belong to a whitespace character: an ASCII byte
/// up to U+0020 (where every ASCII whitespace character is), or any byte of a non-ASCII character.
#[allow(clippy::inline_always)] // as for eight_bytes
#[inline(always)]
fn maybe_whitespace_lanes(word: u64) -> u64 {
    // Adding 0x80 - 0x21 carries into the high bit exactly for the low seven bits >= 0x21.
    (!((word & LOW_SEVEN_BITS) + EACH_BYTE * (0x80 - 0x21)) | word) & HIGH_BITS
}

/// Whether a word equal to `needle` starts at byte offset `start` of `text`.
#[allow(clippy::inline_always)] // as for eight_bytes
#[inline(always)]
fn is_word_at(text: &[u8], start: usize, needle: &[u8]) -> bool {
    let end = start + needle.len();
    // The ends first: the comparison then only runs where a word starts, so it reads each byte
    // of the text at most once however many offsets are tested. Byte by byte, as needles are
    // short: a call to `memcmp` would cost more.
    end <= text.len()
        && whitespace_at(text, end)
        && whitespace_before(text, start)
        && text[start..end].iter().eq(needle)
}

/// Split `text` into about `parts` pieces, each cut just before a whitespace character,
/// so that no word spans two pieces.
fn split_at_whitespace(text: &[u8], parts: usize) -> Vec<&[u8]> {
    let target = text.len().div_ceil(parts.max(1)).max(1);
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = text;
    while rest.len() > target {
        let mut cut = target;
        while cut < rest.len() && is_continuation(rest[cut]) {
            cut += 1;
        }
        match find_whitespace(&rest[cut..]) {
            Some(offset) => {
                let (piece, tail) = rest.split_at(cut + offset);
                pieces.push(piece);
                rest = tail;
            }
            None => break,
        }
    }
    pieces.push(rest);
    pieces
}

/// Count words equal to `needle` in `text`, using every thread of rayon's pool.
pub fn count_parallel(text: &[u8], needle: &[u8]) -> usize {
    let threads = rayon::current_num_threads();
    let parts = (text.len() / MIN_PARALLEL_CHUNK).clamp(1, threads * 4);
    if parts == 1 {
        return count_sequential(text, needle);
    }
    split_at_whitespace(text, parts).into_par_iter().map(|piece| count_sequential(piece, needle)).sum()
}

/// Count the words of `contents` equal to `needle` (see the module documentation for "word").
///
/// Releases the interpreter while counting, so other Python threads keep running. With
/// `parallel=True` (the default) the text is split across all cores with rayon.
#[pyfunction]
#[pyo3(signature = (contents, needle, parallel = true))]
pub fn count_words(
    py: Python<'_>,
    contents: &Bound<'_, PyString>,
    needle: &Bound<'_, PyString>,
    parallel: bool,
) -> PyResult<usize> {
    let (contents, needle) = (generalized_utf8(contents)?, generalized_utf8(needle)?);
    Ok(py.detach(|| if parallel { count_parallel(&contents, &needle) } else { count_sequential(&contents, &needle) }))
}

/// Count words equal to `needle` on one thread, holding the interpreter (the guide's baseline).
#[pyfunction]
pub fn search_sequential(contents: &Bound<'_, PyString>, needle: &Bound<'_, PyString>) -> PyResult<usize> {
    Ok(count_sequential(&generalized_utf8(contents)?, &generalized_utf8(needle)?))
}

/// Count words equal to `needle` on one thread, releasing the interpreter while counting,
/// so that several Python threads can count at the same time.
#[pyfunction]
pub fn search_sequential_detached(
    py: Python<'_>,
    contents: &Bound<'_, PyString>,
    needle: &Bound<'_, PyString>,
) -> PyResult<usize> {
    let (contents, needle) = (generalized_utf8(contents)?, generalized_utf8(needle)?);
    Ok(py.detach(|| count_sequential(&contents, &needle)))
}

/// Read the UTF-8 file at `path` and count the words equal to `needle`, in parallel,
/// with the interpreter released for both the reading and the counting.
///
/// Raises the precise `OSError` subclass (`FileNotFoundError`, ...) or `UnicodeDecodeError`.
#[pyfunction]
pub fn search(py: Python<'_>, path: PathBuf, needle: &Bound<'_, PyString>) -> PyResult<usize> {
    let needle = generalized_utf8(needle)?;
    let contents = py.detach(|| read_utf8_file(&path))?;
    Ok(py.detach(|| count_parallel(contents.as_bytes(), &needle)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnd::SplitMix64;

    /// The reference definition, written the obvious way.
    fn reference(text: &str, needle: &str) -> usize {
        text.split(is_python_whitespace).filter(|word| !word.is_empty() && *word == needle).count()
    }

    #[test]
    fn ascii_table_agrees_with_the_definition() {
        for byte in 0_u8..128 {
            assert_eq!(ASCII_WHITESPACE[usize::from(byte)], is_python_whitespace(char::from(byte)), "{byte:#04x}");
        }
    }

    #[test]
    fn counts_whole_words_only() {
        let text = "the cat\tthe\r\nthem the\u{2028}bathe the";
        assert_eq!(count_sequential(text.as_bytes(), b"the"), 4);
        assert_eq!(count_sequential(text.as_bytes(), b"the"), reference(text, "the"));
    }

    #[test]
    fn needles_that_are_not_words_never_match() {
        assert_eq!(count_sequential(b"a b", b""), 0);
        assert_eq!(count_sequential(b"a b", b"a b"), 0);
    }

    #[test]
    fn information_separators_split_words_as_in_python() {
        assert_eq!(count_sequential("x\u{1c}x\u{1f}x".as_bytes(), b"x"), 3);
        assert_eq!(count_sequential("x\u{200b}x".as_bytes(), b"x"), 0, "zero-width space is not whitespace");
    }

    #[test]
    fn overlapping_occurrences_are_not_lost() {
        assert_eq!(count_sequential(b"aa aaa aa", b"aa"), 2);
        assert_eq!(count_sequential(b"aba ababa aba", b"aba"), 2);
    }

    #[test]
    fn parallel_split_keeps_every_word_whole() {
        let text = "ünïcödé wörd\u{3000}".repeat(50_000) + "ünïcödé";
        for parts in [1, 2, 3, 7, 64] {
            let pieces = split_at_whitespace(text.as_bytes(), parts);
            assert_eq!(pieces.concat(), text.as_bytes());
            let total: usize = pieces.iter().map(|piece| count_sequential(piece, "ünïcödé".as_bytes())).sum();
            assert_eq!(total, 50_001);
        }
        assert_eq!(count_parallel(text.as_bytes(), "wörd".as_bytes()), reference(&text, "wörd"));
    }

    /// U+D800 as generalized UTF-8 (Python's `"\ud800".encode("utf-8", "surrogatepass")`).
    const SURROGATE: &[u8] = b"\xed\xa0\x80";

    /// The definition on generalized UTF-8: bytes that are no UTF-8 (lone surrogates) are never whitespace.
    fn reference_bytes(text: &[u8], needle: &[u8]) -> usize {
        let mut words = Vec::new();
        let mut word_start = None;
        let mut offset = 0;
        for chunk in text.utf8_chunks() {
            for (index, c) in chunk.valid().char_indices() {
                if !is_python_whitespace(c) {
                    word_start.get_or_insert(offset + index);
                } else if let Some(start) = word_start.take() {
                    words.push(&text[start..offset + index]);
                }
            }
            offset += chunk.valid().len();
            if !chunk.invalid().is_empty() {
                word_start.get_or_insert(offset);
            }
            offset += chunk.invalid().len();
        }
        words.extend(word_start.map(|start| &text[start..]));
        words.iter().filter(|word| **word == needle).count()
    }

    /// Texts of up to `pieces` words, whitespace of every kind, look-alikes and lone surrogates.
    fn random_text(rng: &mut SplitMix64, pieces: u64) -> Vec<u8> {
        const PIECES: [&str; 17] = [
            "fox", "the", "them", "a", "ünï", "日本", "🦀", " ", "\t", "\r\n", "\x1c", "\x00", "\u{85}", "\u{a0}",
            "\u{2028}", "\u{3000}", "\u{200b}",
        ];
        let choices = PIECES.iter().map(|piece| piece.as_bytes()).chain([SURROGATE]).collect::<Vec<_>>();
        let count = rng.roll(pieces);
        (0..count).flat_map(|_| choices[usize::try_from(rng.roll(18) - 1).unwrap_or(0)]).copied().collect()
    }

    #[test]
    fn scanning_and_searching_agree_with_the_definition_on_any_range_of_offsets() {
        let needles: [&[u8]; 7] =
            [b"fox", b"the", b"a", "ünï".as_bytes(), "日本🦀".as_bytes(), SURROGATE, &[b"fox", SURROGATE].concat()];
        let mut rng = SplitMix64::new(2025);
        for _ in 0..400 {
            let text = random_text(&mut rng, 400);
            let cut = usize::try_from(rng.roll(text.len() as u64 + 1) - 1).unwrap_or(0);
            for needle in needles {
                let expected = reference_bytes(&text, needle);
                let finder = memmem::Finder::new(needle);
                let end = text.len();
                assert_eq!(scan_words(&text, needle, 0..end), expected);
                assert_eq!(search_words(&text, &finder, 0..end).0, expected);
                let scan_then_search = scan_words(&text, needle, 0..cut) + search_words(&text, &finder, cut..end).0;
                let search_then_scan = search_words(&text, &finder, 0..cut).0 + scan_words(&text, needle, cut..end);
                assert_eq!((scan_then_search, search_then_scan), (expected, expected), "cut at {cut}");
                assert_eq!(count_sequential(&text, needle), expected);
            }
        }
    }

    #[test]
    fn long_texts_are_counted_whichever_method_the_probe_picks() {
        let common = "the fox\u{3000}".repeat(20_000);
        let rare = "fox\tfox ".repeat(20_000) + "the";
        for text in [common, rare, "日".repeat(PROBE_BYTES)] {
            assert!(text.len() > PROBE_BYTES);
            for needle in ["the", "fox", "日"] {
                assert_eq!(count_sequential(text.as_bytes(), needle.as_bytes()), reference(&text, needle), "{needle}");
            }
        }
    }

    #[test]
    fn lone_surrogates_are_characters_that_are_never_whitespace() {
        let text = [b"a ", SURROGATE, b" b ", SURROGATE, SURROGATE, b"\xe3\x80\x80", SURROGATE].concat();
        assert_eq!(count_sequential(&text, SURROGATE), 2);
        assert_eq!(count_sequential(&text, &[SURROGATE, SURROGATE].concat()), 1);
        assert_eq!(count_sequential(&text, b"a"), 1);
        assert!(is_word(SURROGATE));
        let long = [SURROGATE, b"\xe2\x80\xa8"].concat().repeat(400_000);
        for parts in [2, 7] {
            assert_eq!(split_at_whitespace(&long, parts).concat(), long);
        }
        assert_eq!(count_parallel(&long, SURROGATE), 400_000);
    }
}
