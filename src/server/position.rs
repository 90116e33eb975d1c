//! Positions between mark-lint and the protocol. A finding has a line as the readers count
//! lines (LF, CRLF, CR, NEL, U+2028, U+2029) and a column in characters; the protocol
//! counts lines at LF, CRLF and CR only, and columns in UTF-16 code units. Everything
//! goes through byte offsets into the document's text, so CJK (one unit) and astral
//! characters such as 𠮷 (two units) land exactly. Pure: no I/O, never panics.

use lsp_types::{Position, Range};

use crate::diagnostic::Diagnostic;
use crate::extract::text::split_lines;

/// A document's text with the byte offset of each mark-lint line.
pub struct Lines<'t> {
    text: &'t str,
    /// Byte start and end (before its break) of each line, as the readers count them.
    spans: Vec<(usize, usize)>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        let mut spans = Vec::new();
        let mut at = 0;
        for (line, term) in split_lines(text) {
            spans.push((at, at + line.len()));
            at += line.len() + term.len();
        }
        Lines { text, spans }
    }

    /// The text of the 1-based mark-lint line `no`, and its byte offset.
    pub fn line(&self, no: u32) -> Option<(&'t str, usize)> {
        let (start, end) = *self.spans.get((no as usize).checked_sub(1)?)?;
        Some((self.text.get(start..end)?, start))
    }

    /// The protocol position of byte offset `at` (clamped to the text, and back to a
    /// character boundary).
    pub fn position(&self, at: usize) -> Position {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let all = self.text.as_bytes();
        let mut line = 0u32;
        let mut start = 0;
        let mut i = 0;
        while i < at {
            match all[i] {
                b'\n' => {
                    line += 1;
                    start = i + 1;
                }
                // CRLF is one break: counted at its LF.
                b'\r' if all.get(i + 1) != Some(&b'\n') => {
                    line += 1;
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        let column: usize = before[start..].chars().map(char::len_utf16).sum();
        Position::new(line, column as u32)
    }

    /// The protocol range of bytes `from..to`.
    pub fn range(&self, from: usize, to: usize) -> Range {
        Range::new(self.position(from), self.position(to))
    }

    /// Where a finding stands: what it points at on its line (the mark as written, the
    /// value of a label), found by its column and the text it quotes; the start of its
    /// line when it quotes none (a file name, a document property).
    pub fn finding_range(&self, d: &Diagnostic) -> Range {
        let Some((line, start)) = self.line(d.line) else {
            return Range::default();
        };
        let at_column = |col: usize| {
            line.char_indices()
                .nth(col)
                .map_or(line.len(), |(at, _)| at)
        };
        let column = d.column.saturating_sub(1) as usize;
        let Some(snippet) = &d.snippet else {
            let at = start + at_column(column);
            return self.range(at, at);
        };
        let needle: String = snippet
            .text
            .chars()
            .skip(snippet.col)
            .take(snippet.width)
            .collect();
        let guess = at_column(column);
        let found = if needle.is_empty() {
            None
        } else if line
            .get(guess..)
            .is_some_and(|rest| rest.starts_with(&needle))
        {
            Some(guess)
        } else {
            // The line as read may differ from the source (tags removed from HTML):
            // the occurrence nearest to the column.
            line.match_indices(&needle)
                .map(|(at, _)| at)
                .min_by_key(|at| at.abs_diff(guess))
        };
        match found {
            Some(at) => self.range(start + at, start + at + needle.len()),
            None => {
                let trimmed = line.trim_end();
                let lead = trimmed.len() - trimmed.trim_start().len();
                self.range(start + lead, start + trimmed.len())
            }
        }
    }
}

/// The byte offset of protocol position `p` in `text` (lines at LF, CRLF and CR,
/// columns in UTF-16 units), clamped as the protocol asks: a column past its line's
/// end is the line's end, a line past the last the text's end; a column inside an
/// astral character (between its two units) is the character's start.
pub fn offset(text: &str, p: Position) -> usize {
    let b = text.as_bytes();
    let next_break = |from: usize| b[from..].iter().position(|&c| c == b'\n' || c == b'\r');
    let mut start = 0;
    for _ in 0..p.line {
        let Some(i) = next_break(start) else {
            return text.len();
        };
        let at = start + i;
        start = if b[at] == b'\r' && b.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        };
    }
    let end = next_break(start).map_or(text.len(), |i| start + i);
    let mut units = 0u32;
    for (i, c) in text[start..end].char_indices() {
        units += c.len_utf16() as u32;
        if units > p.character {
            return start + i;
        }
    }
    end
}

/// Whether `p` lies in `r` (ends included: a cursor just after a mark is on it).
pub fn contains(r: &Range, p: Position) -> bool {
    (r.start.line, r.start.character) <= (p.line, p.character)
        && (p.line, p.character) <= (r.end.line, r.end.character)
}

/// Whether two ranges meet.
pub fn overlaps(a: &Range, b: &Range) -> bool {
    contains(a, b.start) || contains(a, b.end) || contains(b, a.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    /// CJK characters are one UTF-16 unit, astral characters (𠮷) two.
    #[test]
    fn columns_count_utf16_units() {
        let text = "𠮷野家 机密★10年\n";
        let l = Lines::new(text);
        let at = text.find('机').unwrap();
        assert_eq!(l.position(at), pos(0, 5));
    }

    /// Readers break lines at NEL and U+2028 too; the protocol does not.
    #[test]
    fn unicode_breaks_stay_on_one_protocol_line() {
        let text = "甲\u{2028}机密★10年\r\n乙\r丙";
        let l = Lines::new(text);
        let (line, start) = l.line(2).unwrap();
        assert_eq!(line, "机密★10年");
        assert_eq!(l.position(start), pos(0, 2));
        let (line, start) = l.line(4).unwrap();
        assert_eq!(line, "丙");
        assert_eq!(l.position(start), pos(2, 0));
        assert!(l.line(5).is_none());
        assert!(l.line(0).is_none());
    }

    #[test]
    fn positions_are_clamped_never_panicking() {
        let l = Lines::new("𠮷");
        assert_eq!(l.position(2), pos(0, 0));
        assert_eq!(l.position(99), pos(0, 2));
        let empty = Lines::new("");
        assert_eq!(empty.position(3), pos(0, 0));
    }

    /// Positions back to bytes: CJK one unit, 𠮷 two, every kind of break.
    #[test]
    fn offsets_of_positions() {
        let text = "𠮷野 机密\r\n乙\r丙\n";
        assert_eq!(offset(text, pos(0, 0)), 0);
        assert_eq!(offset(text, pos(0, 1)), 0, "inside 𠮷: its start");
        assert_eq!(offset(text, pos(0, 2)), 4);
        assert_eq!(offset(text, pos(0, 4)), text.find('机').unwrap());
        assert_eq!(offset(text, pos(0, 99)), text.find('\r').unwrap());
        assert_eq!(offset(text, pos(1, 1)), text.find('\r').unwrap() + 2 + 3);
        assert_eq!(offset(text, pos(2, 0)), text.find('丙').unwrap());
        assert_eq!(offset(text, pos(3, 0)), text.len());
        assert_eq!(offset(text, pos(9, 9)), text.len());
        for at in [0, 4, 7, 11] {
            assert_eq!(offset(text, Lines::new(text).position(at)), at);
        }
    }

    #[test]
    fn ranges_meet() {
        let r = Range::new(pos(1, 2), pos(1, 6));
        assert!(contains(&r, pos(1, 6)));
        assert!(!contains(&r, pos(2, 0)));
        assert!(overlaps(&r, &Range::new(pos(0, 0), pos(1, 3))));
        assert!(overlaps(&Range::new(pos(1, 3), pos(1, 3)), &r));
        assert!(!overlaps(&r, &Range::new(pos(1, 7), pos(1, 9))));
    }
}
