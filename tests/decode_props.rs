//! Property tests for reading text robustly: documents in every encoding, with every
//! line break, damaged by bytes that do not decode (stray bytes, runs, lone UTF-16
//! surrogates, control bytes, a cut end). The oracle is the product's promise: the
//! mark is found on its line, or an ML900 gap is reported there — never silence.
//! And `--fix` finds the mark on the line the readers report, whatever the breaks.

use mark_lint::extract::{Document, Extracted, Limits, extract_bytes};
use mark_lint::fix::{Edit, fix_bytes};
use mark_lint::regime::Regime;
use proptest::prelude::*;

const MARK: &str = "机密★10年";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    Utf8,
    Utf8Bom,
    Gbk,
    Gb18030,
    Utf16Le,
    Utf16Be,
    Utf16LeBom,
    Utf16BeBom,
    Utf32Le,
    Utf32BeBom,
}

const ENCODINGS: [Enc; 10] = [
    Enc::Utf8,
    Enc::Utf8Bom,
    Enc::Gbk,
    Enc::Gb18030,
    Enc::Utf16Le,
    Enc::Utf16Be,
    Enc::Utf16LeBom,
    Enc::Utf16BeBom,
    Enc::Utf32Le,
    Enc::Utf32BeBom,
];

impl Enc {
    fn utf16(self) -> Option<bool> {
        match self {
            Enc::Utf16Le | Enc::Utf16LeBom => Some(false),
            Enc::Utf16Be | Enc::Utf16BeBom => Some(true),
            _ => None,
        }
    }

    /// UTF-32: big-endian or not.
    fn utf32(self) -> Option<bool> {
        match self {
            Enc::Utf32Le => Some(false),
            Enc::Utf32BeBom => Some(true),
            _ => None,
        }
    }

    fn bom(self) -> &'static [u8] {
        match self {
            Enc::Utf32BeBom => b"\x00\x00\xFE\xFF",
            Enc::Utf8Bom => b"\xEF\xBB\xBF",
            Enc::Utf16LeBom => b"\xFF\xFE",
            Enc::Utf16BeBom => b"\xFE\xFF",
            _ => b"",
        }
    }

    /// The line breaks this encoding can write (GBK has no NEL nor separators).
    fn breaks(self) -> &'static [&'static str] {
        match self {
            Enc::Gbk => &["\n", "\r\n", "\r"],
            _ => &["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"],
        }
    }

    /// `text` encoded, each character's byte range kept: (bytes, char starts).
    fn encode(self, text: &str) -> (Vec<u8>, Vec<usize>) {
        let mut out = self.bom().to_vec();
        let mut starts = Vec::new();
        for c in text.chars() {
            starts.push(out.len());
            let s = c.to_string();
            match self {
                Enc::Utf8 | Enc::Utf8Bom => out.extend_from_slice(s.as_bytes()),
                Enc::Gbk => out.extend_from_slice(&encoding_rs::GBK.encode(&s).0),
                Enc::Gb18030 => out.extend_from_slice(&encoding_rs::GB18030.encode(&s).0),
                Enc::Utf32Le => out.extend_from_slice(&(c as u32).to_le_bytes()),
                Enc::Utf32BeBom => out.extend_from_slice(&(c as u32).to_be_bytes()),
                _ => {
                    let be = self.utf16() == Some(true);
                    for u in s.encode_utf16() {
                        out.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
                    }
                }
            }
        }
        starts.push(out.len());
        (out, starts)
    }

    /// Bytes that do not decode in this encoding, in the shapes damage takes.
    fn damage(self, kind: usize, seed: u8) -> Vec<u8> {
        // A surrogate, or beyond U+10FFFF: no character.
        if let Some(be) = self.utf32() {
            let unit = [0xD800u32 | u32::from(seed), 0x0011_0000 + u32::from(seed)][kind % 2];
            let one = if be {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            return one.repeat(1 + kind / 2 % 2);
        }
        match self.utf16() {
            // A lone surrogate, or two. Low ones only: a high one inserted just before
            // would pair with it into a valid character (lone high ones are in the
            // unit tests and the truncation property).
            Some(be) => {
                let unit = [0xDC00u16, 0xDFC0][kind % 2] | u16::from(seed & 0x3F);
                let one = if be {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                };
                one.repeat(1 + kind / 4 % 2)
            }
            None if matches!(self, Enc::Gbk | Enc::Gb18030) => match kind % 4 {
                0 => vec![0xFF],
                1 => vec![0xFF; 2 + usize::from(seed % 3)],
                2 => vec![0x81, 0x30, 0xFF],
                _ => vec![0x00, 0x01][..1 + usize::from(seed % 2)].to_vec(),
            },
            None => match kind % 6 {
                0 => vec![0xE9],                                            // Latin-1 é
                1 => vec![0x80 | (seed & 0x3F)],                            // stray continuation
                2 => vec![0xF8 | (seed & 0x07); 1 + usize::from(seed % 4)], // never UTF-8
                3 => vec![0xE6, 0x9C],                                      // a cut character
                4 => (0..2 + seed % 4)
                    .map(|i| 0x80 | (seed.wrapping_add(i) & 0x3F))
                    .collect(),
                _ => vec![0x00; 1 + usize::from(seed % 2)], // NUL
            },
        }
    }
}

/// Lines a document is made of.
const FILLER: &[&str] = &[
    "关于加强涉密载体管理工作的通知",
    "各单位：请认真贯彻执行。",
    "Meeting notes, draft 2",
    "2026年3月5日",
    "",
    "附件：名单",
    "联系人：李㛃",
];

fn extract(bytes: Vec<u8>, ext: &str) -> Document {
    match extract_bytes(bytes, ext, &Limits::new(64 << 20), 0) {
        Ok(Extracted::Doc(d)) => d,
        Ok(Extracted::Skip) => panic!("skipped as binary"),
        Err(e) => panic!("not read: {e:?}"),
    }
}

/// The lines (1-based) where the scan reports the mark `raw` — as written, or with a
/// replacement character in it (then it is reported as malformed: not silence).
fn mark_lines(doc: &Document, raw: &str) -> Vec<u32> {
    let scan = mark_lint::scan::scan(&Regime::builtin(), doc, "x.txt");
    scan.banners
        .iter()
        .chain(&scan.candidates)
        .chain(&scan.changes)
        .filter(|m| m.mark.raw.replace('\u{FFFD}', "") == raw)
        .map(|m| m.pos.line)
        .collect()
}

/// The line (1-based) of each character of `text` and of its end, counting every
/// break as the readers must (CRLF once).
fn lines_of_chars(text: &str) -> Vec<u32> {
    let mut line_of = Vec::new();
    let mut no = 1u32;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        line_of.push(no);
        let crlf = *c == '\r' && chars.get(i + 1) == Some(&'\n');
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') && !crlf {
            no += 1;
        }
    }
    line_of.push(no);
    line_of
}

/// The line of `mark` in `text` (not the index of its filler line: a CR that ends one
/// line and the LF that ends an empty next one are one CRLF).
fn mark_line(text: &str, mark: &str) -> u32 {
    lines_of_chars(text)[text[..text.find(mark).unwrap()].chars().count()]
}

/// A document: filler lines with the mark on line `at` (0-based), each line ended by
/// a break chosen from `breaks`.
fn document(enc: Enc, lines: &[usize], at: usize, breaks: &[usize], mark: &str) -> String {
    let mut text = String::new();
    let all = enc.breaks();
    for (i, l) in lines.iter().enumerate() {
        let line = if i == at {
            mark
        } else {
            FILLER[l % FILLER.len()]
        };
        // GBK cannot write 㛃.
        let line = if enc == Enc::Gbk {
            line.replace('㛃', "洁")
        } else {
            line.to_string()
        };
        text.push_str(&line);
        text.push_str(all[breaks[i % breaks.len()] % all.len()]);
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Damage anywhere — before, inside, after the mark, on other lines — never makes
    /// the mark vanish silently: found on its line, or a gap at or before that line.
    /// Damage off the mark's line leaves the mark found on its line.
    #[test]
    fn damaged_text_is_read_or_reported(
        enc in prop::sample::select(ENCODINGS.to_vec()),
        lines in prop::collection::vec(0usize..FILLER.len(), 3..7),
        at in 0usize..3,
        breaks in prop::collection::vec(0usize..6, 1..7),
        damage in prop::collection::vec((any::<prop::sample::Index>(), 0usize..12, any::<u8>()), 1..4),
        ext in prop::sample::select(vec!["txt", "md", "log"]),
    ) {
        let at = at.min(lines.len() - 1);
        let text = document(enc, &lines, at, &breaks, MARK);
        let (clean, starts) = enc.encode(&text);
        let line_of = lines_of_chars(&text);
        let mark_line = mark_line(&text, MARK);
        // Insert at character boundaries, from the end so that offsets stay valid.
        // Not inside a CRLF: that would make two breaks of one.
        let chars: Vec<char> = text.chars().collect();
        let inside_crlf = |c: usize| c > 0 && chars[c - 1] == '\r' && chars.get(c) == Some(&'\n');
        let mut places: Vec<(usize, Vec<u8>)> = damage
            .iter()
            .map(|(i, kind, seed)| {
                let c = i.index(starts.len() - 1);
                (if inside_crlf(c) { c + 1 } else { c }, enc.damage(*kind, *seed))
            })
            .collect();
        places.sort_by_key(|(c, _)| std::cmp::Reverse(*c));
        // One damage per place: two together may make a valid character (a cut
        // character completed by a stray continuation byte).
        places.dedup_by_key(|(c, _)| *c);
        let mut bytes = clean.clone();
        let mut touched = false;
        for (c, bad) in &places {
            // Damage at the start of a line belongs to that line; at the end of the
            // mark's line (before its break) to the mark's line.
            touched |= line_of[*c] == mark_line;
            bytes.splice(starts[*c]..starts[*c], bad.iter().copied());
        }
        let doc = extract(bytes, ext);
        let found = mark_lines(&doc, MARK);
        if touched {
            let reported = doc.gaps.iter().any(|g| g.line <= mark_line);
            prop_assert!(
                found.contains(&mark_line) || reported,
                "{enc:?}: mark lost without a gap; found {found:?}, gaps {:?}, text {:?}",
                doc.gaps, doc.parts[0].text
            );
        } else {
            prop_assert!(
                found.contains(&mark_line),
                "{enc:?}: damage elsewhere lost the mark; found {found:?}, gaps {:?}, text {:?}",
                doc.gaps, doc.parts[0].text
            );
        }
    }

    /// A file cut anywhere after the mark (inside a character, an odd UTF-16 length)
    /// keeps the mark on its line, and its text before the cut.
    #[test]
    fn truncated_text_keeps_what_came_before(
        enc in prop::sample::select(ENCODINGS.to_vec()),
        lines in prop::collection::vec(0usize..FILLER.len(), 2..7),
        at in 0usize..2,
        breaks in prop::collection::vec(0usize..6, 1..7),
        cut in any::<prop::sample::Index>(),
    ) {
        let at = at.min(lines.len() - 1);
        let text = document(enc, &lines, at, &breaks, MARK);
        let (bytes, starts) = enc.encode(&text);
        // After the mark's line and its break.
        let after_mark = text.find(MARK).unwrap() + MARK.len();
        let from = starts[text[..after_mark].chars().count() + 1];
        let keep = from + cut.index(bytes.len() - from + 1);
        let doc = extract(bytes[..keep].to_vec(), "txt");
        prop_assert!(mark_lines(&doc, MARK).contains(&mark_line(&text, MARK)), "{:?}", doc.parts[0].text);
    }

    /// Every break, mixed: the line the scan reports for a malformed mark is the line
    /// `--fix` edits, and the fix changes nothing else (every break written back).
    #[test]
    fn fix_edits_the_line_the_readers_report(
        // UTF-32 is read, not rewritten.
        enc in prop::sample::select(ENCODINGS.iter().copied().filter(|e| e.utf32().is_none()).collect::<Vec<_>>()),
        lines in prop::collection::vec(0usize..FILLER.len(), 2..8),
        at in 0usize..3,
        breaks in prop::collection::vec(0usize..6, 1..8),
    ) {
        let at = at.min(lines.len() - 1);
        let (raw, fixed) = ("机密☆１０年", "机密★10年");
        let text = document(enc, &lines, at, &breaks, raw);
        let (bytes, _) = enc.encode(&text);
        let doc = extract(bytes.clone(), "md");
        let found = mark_lines(&doc, raw);
        prop_assert_eq!(&found, &vec![mark_line(&text, raw)]);
        let edit = Edit { line: found[0], raw: raw.into(), fix: fixed.into() };
        let (out, done) = fix_bytes(&bytes, false, &[edit]).map_err(TestCaseError::fail)?;
        prop_assert_eq!(done.applied, vec![0]);
        let (want, _) = enc.encode(&text.replacen(raw, fixed, 1));
        // GB18030 text detected as GBK round-trips through GB18030.
        prop_assert_eq!(out, want);
    }
}

/// A GB2312 character (level-1 hanzi and the punctuation row) from two indices.
fn gb2312(lead: u8, trail: u8) -> char {
    let (lead, trail) = if lead.is_multiple_of(8) {
        (0xA1, 0xA1 + trail % 94)
    } else {
        (0xB0 + lead % 40, 0xA1 + trail % 94)
    };
    let pair = [lead, trail];
    let (s, _, bad) = encoding_rs::GBK.decode(&pair);
    match s.chars().next() {
        // Cells GB2312 leaves empty decode to private use: no character.
        Some(c) if !bad && !('\u{E000}'..='\u{F8FF}').contains(&c) => c,
        _ => '中',
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Clean GBK text of any characters, in lines of any length, is read exactly:
    /// the UTF-8 sequences its bytes make by chance (`散会。` holds `E1 A1 A3`) do not
    /// turn a line into UTF-8 with replacement (in a text mostly of symbols they may,
    /// with a gap).
    #[test]
    fn clean_gbk_reads_exactly(
        lines in prop::collection::vec(prop::collection::vec((any::<u8>(), any::<u8>()), 1..12), 1..12),
        ascii in prop::collection::vec(prop::sample::select(vec!["", " ", "2026", "Re:", "（一）"]), 1..12),
    ) {
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            text.push_str(ascii[i % ascii.len()]);
            text.extend(l.iter().map(|(a, b)| gb2312(*a, *b)));
            text.push('\n');
        }
        let bytes = encoding_rs::GBK.encode(&text).0.into_owned();
        // A GBK text that is valid UTF-8 as a whole (`隆` is `C2 A1`, `¡`) is UTF-8.
        prop_assume!(std::str::from_utf8(&bytes).is_err());
        let doc = extract(bytes, "txt");
        // GBK symbols can be valid UTF-8 CJK by chance (`″　′埂` holds `E5 A1 A1` and
        // `E4 B9 A1`): a text mostly of symbols may be misread, but then with a gap.
        let hanzi = text.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).count();
        if hanzi * 2 < text.chars().count() && doc.parts[0].text != text {
            prop_assert!(!doc.gaps.is_empty(), "{:?}", doc.parts[0].text);
            return Ok(());
        }
        prop_assert_eq!(&doc.parts[0].text, &text);
        prop_assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }
}

/// Office and PDF text comes through `Part::push_line`: a soft break inside a
/// paragraph (U+2028, CR, NEL) is a line break there too.
#[test]
fn soft_breaks_in_office_paragraphs_are_lines() {
    for br in ["\r", "\u{85}", "\u{2028}", "\u{2029}", "\r\n"] {
        let body = format!("<w:p><w:r><w:t>标题{br}{MARK}{br}正文</w:t></w:r></w:p>");
        let doc = extract(mark_lint::extract::ooxml::docx_from_body(&body), "docx");
        let text = &doc
            .parts
            .iter()
            .find(|p| p.role == mark_lint::extract::Role::Body)
            .unwrap()
            .text;
        assert!(text.contains(&format!("\n{MARK}\n")), "{br:?}: {text:?}");
        assert!(!mark_lines(&doc, MARK).is_empty(), "{br:?}: {text:?}");
    }
}
