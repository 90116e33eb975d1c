//! What a line looks like to a reader, before the marking parser sees it: characters that
//! render as nothing (default-ignorable code points: soft hyphen, zero-width spaces and
//! joiners, word joiner, variation selectors, bidi controls, …) are removed, and
//! compatibility characters that stand for a CJK ideograph or a digit (`⽉` for `月`, `¹`
//! for `1`) are folded. Both come from Unicode data, never from a hand list. Pure; keeps a
//! byte map back to the line as written, so findings point at the text in the file.

mod tables;

use std::sync::LazyLock;

/// Default_Ignorable_Code_Point, from the Unicode tables of `regex-syntax`.
static IGNORABLE: LazyLock<Vec<(char, char)>> = LazyLock::new(|| {
    let hir = regex_syntax::Parser::new()
        .parse(r"\p{Default_Ignorable_Code_Point}")
        .expect("a Unicode property regex-syntax knows");
    match hir.kind() {
        regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        _ => unreachable!("a property is a Unicode class"),
    }
});

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// A code point that renders as nothing (U+00AD, U+200B–U+200D, U+2060, U+FEFF, U+FE0F…).
pub fn is_ignorable(c: char) -> bool {
    c >= '\u{AD}' && in_ranges(&IGNORABLE, c)
}

/// A glyph Unicode names a star, asterisk or sparkle, other than `★` (U+2605) itself.
pub fn is_star_like(c: char) -> bool {
    in_ranges(tables::STAR_LIKE, c)
}

/// The characters `fold` may turn into one of `targets` (the table's entries; `fold`
/// leaves some of them alone: a superset).
pub fn folding_into(targets: &[char]) -> impl Iterator<Item = char> + '_ {
    tables::FOLDS
        .iter()
        .filter(|(_, to)| targets.contains(to))
        .map(|&(from, _)| from)
}

/// The character a compatibility character stands for (`⽉` → `月`, `²` → `2`).
pub fn fold(c: char) -> Option<char> {
    if c < '\u{B2}' || ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return None;
    }
    tables::FOLDS
        .binary_search_by_key(&c, |&(from, _)| from)
        .ok()
        .map(|i| tables::FOLDS[i].1)
}

/// `s` with every character that renders as nothing (and every control character but
/// tab) shown as `<U+200B>`: for messages about text that hides them.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| (c.is_control() && c != '\t') || is_ignorable(c);
    if !s.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A line with ignorable characters removed and compatibility characters folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    pub text: String,
    /// For each byte of `text` (and its end), the range in the line as written of the
    /// character it belongs to.
    map: Vec<(usize, usize)>,
    /// Byte offsets in the line as written of every character removed or folded.
    changed: Vec<usize>,
}

impl Normalized {
    /// The range in the line as written of `range` in the normalised text: from its
    /// first character to the end of its last.
    pub fn original(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let start = self.map[range.start].0;
        if range.is_empty() {
            return start..start;
        }
        start..self.map[range.end - 1].1
    }

    /// Whether a character was removed or folded strictly inside `original` (a range of
    /// the line as written): the mark itself is spelt with invisible or look-alike
    /// characters, not merely surrounded by them.
    pub fn changed_within(&self, original: &std::ops::Range<usize>) -> bool {
        self.changed
            .iter()
            .any(|&at| at > original.start && at < original.end)
            || self.changed.contains(&original.start)
    }
}

/// The common characters of Chinese text (ASCII, CJK punctuation, ideographs,
/// full-width forms): never ignorable nor folded, decided without a table.
fn common(c: char) -> bool {
    c.is_ascii()
        || matches!(
            c,
            '\u{3000}'..='\u{3037}'
                | '\u{303B}'..='\u{303F}'
                | '\u{4E00}'..='\u{9FFF}'
                | '\u{FF01}'..='\u{FF5E}'
        )
}

/// Normalise `line`; `None` when nothing changes (the common case, decided without
/// allocating).
pub fn normalize(line: &str) -> Option<Normalized> {
    // The common characters of Chinese text (ASCII, CJK punctuation, ideographs,
    // full-width forms) are never ignorable nor folded: decided without a table.
    let needs = line
        .char_indices()
        .position(|(_, c)| !common(c) && (is_ignorable(c) || fold(c).is_some()))?;
    let mut text = String::with_capacity(line.len());
    let mut map = Vec::with_capacity(line.len() + 1);
    let mut changed = Vec::new();
    for (i, (at, c)) in line.char_indices().enumerate() {
        if i < needs || common(c) {
            push(&mut text, &mut map, c, at, c);
        } else if is_ignorable(c) {
            changed.push(at);
        } else if let Some(f) = fold(c) {
            changed.push(at);
            push(&mut text, &mut map, f, at, c);
        } else {
            push(&mut text, &mut map, c, at, c);
        }
    }
    map.push((line.len(), line.len()));
    Some(Normalized { text, map, changed })
}

/// Append `c`, which stands for the character `written` at byte `at` of the line.
fn push(text: &mut String, map: &mut Vec<(usize, usize)>, c: char, at: usize, written: char) {
    text.push(c);
    let span = (at, at + written.len_utf8());
    map.extend(std::iter::repeat_n(span, c.len_utf8()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignorables_come_from_unicode_data() {
        for c in [
            '\u{AD}',
            '\u{34F}',
            '\u{180E}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{FE0F}',
            '\u{FE00}',
            '\u{202E}',
            '\u{E0100}',
            '\u{3164}',
        ] {
            assert!(is_ignorable(c), "U+{:04X}", c as u32);
        }
        for c in ['a', ' ', '\u{3000}', '密', '★', '\n', '\t'] {
            assert!(!is_ignorable(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn stars_come_from_unicode_names() {
        for c in "☆⭐⭑✦✧✩✪✫✬✭✮✯✰✱✲✳✴✵✷✸✹✺⋆∗＊*🟊🌟✶⁎⁑٭".chars()
        {
            assert!(is_star_like(c), "{c} U+{:04X}", c as u32);
        }
        for c in "★密a·•※。".chars() {
            assert!(!is_star_like(c), "{c}");
        }
    }

    #[test]
    fn compatibility_forms_fold_to_what_they_stand_for() {
        assert_eq!(fold('⽉'), Some('月'));
        assert_eq!(fold('⽇'), Some('日'));
        assert_eq!(fold('\u{F98E}'), Some('年'));
        assert_eq!(fold('²'), Some('2'));
        assert_eq!(fold('１'), None, "full-width digits are the parser's");
        assert_eq!(fold('月'), None);
        assert_eq!(
            fold('（'),
            None,
            "full-width brackets are canonical in Chinese"
        );
    }

    #[test]
    fn the_fast_path_agrees_with_the_tables() {
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| common(*c))
        {
            assert!(!is_ignorable(c) && fold(c).is_none(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn map_points_back_into_the_line_as_written() {
        let line = "份号 机\u{200B}密★1\u{FE0F}0⽉";
        let n = normalize(line).unwrap();
        assert_eq!(n.text, "份号 机密★10月");
        let at = n.text.find('机').unwrap();
        let orig = n.original(at..n.text.len());
        assert_eq!(&line[orig.clone()], "机\u{200B}密★1\u{FE0F}0⽉");
        assert!(n.changed_within(&orig));
        let head = n.original(0..at);
        assert!(!n.changed_within(&head));
        assert!(normalize("机密★10年").is_none());
    }
}
