//! The guide's parallel word count.
//!
//! A *word* is a maximal run of characters that are not whitespace, and *whitespace* is exactly
//! what Python's `str.isspace()` accepts (the separators of `str.split()`): Unicode `White_Space`
//! plus the four ASCII information separators U+001C..U+001F. `count_words(text, needle)` is the
//! number of words equal to `needle`, so it always equals the pure-Python reference `search_py`
//! (`str.split()` on CPython; PyPy's `str.split()` misses U+001C..U+001F, which `search_py` handles).

use std::path::PathBuf;

use memchr::memmem;
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::errors::read_utf8_file;

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

/// Whether the character ending just before byte offset `at` is whitespace (or `at` is the start).
/// Looks at one byte when it is ASCII, which is almost always; decodes a character otherwise.
fn whitespace_before(text: &str, at: usize) -> bool {
    match at.checked_sub(1).map(|previous| text.as_bytes()[previous]) {
        None => true,
        Some(byte) if byte.is_ascii() => ASCII_WHITESPACE[usize::from(byte)],
        Some(_) => text[..at].chars().next_back().is_some_and(is_python_whitespace),
    }
}

/// Whether the character starting at byte offset `at` is whitespace (or `at` is the end).
fn whitespace_at(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => true,
        Some(&byte) if byte.is_ascii() => ASCII_WHITESPACE[usize::from(byte)],
        Some(_) => text[at..].chars().next().is_some_and(is_python_whitespace),
    }
}

/// Whether `needle` can be a word at all: non-empty and free of whitespace.
fn is_word(needle: &str) -> bool {
    !needle.is_empty() && !needle.chars().any(is_python_whitespace)
}

/// Count words equal to `needle` in `text` on the current thread.
///
/// Finds each occurrence with a SIMD substring search, then keeps those bounded by whitespace
/// or the ends of `text`. Skipping overlapping occurrences loses nothing: an occurrence that
/// starts inside an earlier one is preceded by a needle character, so it cannot be a word.
pub fn count_sequential(text: &str, needle: &str) -> usize {
    if !is_word(needle) {
        return 0;
    }
    // Both ends of a match are char boundaries: a valid UTF-8 needle only matches whole characters.
    memmem::find_iter(text.as_bytes(), needle.as_bytes())
        .filter(|&start| whitespace_before(text, start) && whitespace_at(text, start + needle.len()))
        .count()
}

/// Split `text` into about `parts` pieces, each cut just before a whitespace character,
/// so that no word spans two pieces.
fn split_at_whitespace(text: &str, parts: usize) -> Vec<&str> {
    let target = text.len().div_ceil(parts.max(1)).max(1);
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = text;
    while rest.len() > target {
        let mut cut = target;
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        match rest[cut..].find(is_python_whitespace) {
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
pub fn count_parallel(text: &str, needle: &str) -> usize {
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
pub fn count_words(py: Python<'_>, contents: &str, needle: &str, parallel: bool) -> usize {
    py.detach(|| if parallel { count_parallel(contents, needle) } else { count_sequential(contents, needle) })
}

/// Count words equal to `needle` on one thread, holding the interpreter (the guide's baseline).
#[pyfunction]
pub fn search_sequential(contents: &str, needle: &str) -> usize {
    count_sequential(contents, needle)
}

/// Count words equal to `needle` on one thread, releasing the interpreter while counting,
/// so that several Python threads can count at the same time.
#[pyfunction]
pub fn search_sequential_detached(py: Python<'_>, contents: &str, needle: &str) -> usize {
    py.detach(|| count_sequential(contents, needle))
}

/// Read the UTF-8 file at `path` and count the words equal to `needle`, in parallel,
/// with the interpreter released for both the reading and the counting.
///
/// Raises the precise `OSError` subclass (`FileNotFoundError`, ...) or `UnicodeDecodeError`.
#[pyfunction]
pub fn search(py: Python<'_>, path: PathBuf, needle: &str) -> PyResult<usize> {
    let contents = py.detach(|| read_utf8_file(&path))?;
    Ok(py.detach(|| count_parallel(&contents, needle)))
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
        assert_eq!(count_sequential(text, "the"), 4);
        assert_eq!(count_sequential(text, "the"), reference(text, "the"));
    }

    #[test]
    fn needles_that_are_not_words_never_match() {
        assert_eq!(count_sequential("a b", ""), 0);
        assert_eq!(count_sequential("a b", "a b"), 0);
    }

    #[test]
    fn information_separators_split_words_as_in_python() {
        assert_eq!(count_sequential("x\u{1c}x\u{1f}x", "x"), 3);
        assert_eq!(count_sequential("x\u{200b}x", "x"), 0, "zero-width space is not whitespace");
    }

    #[test]
    fn overlapping_occurrences_are_not_lost() {
        assert_eq!(count_sequential("aa aaa aa", "aa"), 2);
        assert_eq!(count_sequential("aba ababa aba", "aba"), 2);
    }

    #[test]
    fn parallel_split_keeps_every_word_whole() {
        let text = "ünïcödé wörd\u{3000}".repeat(50_000) + "ünïcödé";
        for parts in [1, 2, 3, 7, 64] {
            let pieces = split_at_whitespace(&text, parts);
            assert_eq!(pieces.concat(), text);
            let total: usize = pieces.iter().map(|piece| count_sequential(piece, "ünïcödé")).sum();
            assert_eq!(total, 50_001);
        }
        assert_eq!(count_parallel(&text, "wörd"), reference(&text, "wörd"));
    }
}
