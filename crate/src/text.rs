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
fn whitespace_at(text: &[u8], at: usize) -> bool {
    match text.get(at) {
        None => true,
        Some(&byte) if byte.is_ascii() => ASCII_WHITESPACE[usize::from(byte)],
        Some(_) => char_at(text, at).is_some_and(is_python_whitespace),
    }
}

/// The byte offset of the first whitespace character in `text`, if any.
fn find_whitespace(text: &[u8]) -> Option<usize> {
    let mut offset = 0;
    for chunk in text.utf8_chunks() {
        if let Some((index, _)) = chunk.valid().char_indices().find(|&(_, c)| is_python_whitespace(c)) {
            return Some(offset + index);
        }
        offset += chunk.valid().len() + chunk.invalid().len();
    }
    None
}

/// Whether `needle` can be a word at all: non-empty and free of whitespace.
fn is_word(needle: &[u8]) -> bool {
    !needle.is_empty() && find_whitespace(needle).is_none()
}

/// Count words equal to `needle` in `text` on the current thread (both generalized UTF-8).
///
/// Finds each occurrence with a SIMD substring search, then keeps those bounded by whitespace
/// or the ends of `text`. Skipping overlapping occurrences loses nothing: an occurrence that
/// starts inside an earlier one is preceded by a needle character, so it cannot be a word.
pub fn count_sequential(text: &[u8], needle: &[u8]) -> usize {
    if !is_word(needle) {
        return 0;
    }
    // Both ends of a match are character boundaries: a needle of whole sequences only matches whole
    // sequences, since no sequence is a prefix or a suffix of another.
    memmem::find_iter(text, needle)
        .filter(|&start| whitespace_before(text, start) && whitespace_at(text, start + needle.len()))
        .count()
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
