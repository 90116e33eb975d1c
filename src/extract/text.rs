//! Decoding bytes to text: BOM, UTF-8, BOM-less UTF-16, then GB18030/GBK and other
//! legacy encodings guessed by `chardetng` with the `.cn` hint. A file that is mostly
//! UTF-8 stays UTF-8 whatever a few bad bytes say: lines that are not UTF-8 are decoded
//! on their own (GB18030, or the legacy guess) or replaced, and what could hide text is
//! reported as a gap — never a silent switch of the whole file to another encoding.
//! Also the one definition of a line break (LF, CRLF, CR, NEL, U+2028, U+2029) that
//! every reader and `--fix` share. Returns `None` only for binary data.

use encoding_rs::{Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

use super::{ExtractError, Gap};

pub struct Decoded {
    /// The text, line breaks as in the file.
    pub text: String,
    pub encoding: &'static str,
    /// What may hide text: bytes no encoding read, control characters amid text.
    pub gaps: Vec<Gap>,
    /// The text encodes back to exactly the bytes read: one encoding throughout and
    /// nothing replaced (`--fix` rewrites only such files).
    pub exact: bool,
    /// The text holds NEL, U+2028 or U+2029 (found with U+FFFD in the same pass).
    unicode_breaks: bool,
    /// What the same pass found not to be in the text.
    pub absent: Absent,
}

/// What a text is known not to hold (from the pass over its bytes that looks for
/// damage), so that the searches for them are skipped; `false`: not known, search.
/// Line breaks made LF do not change it: a break is only ever replaced by a break.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Absent {
    /// No ★.
    pub star: bool,
    /// No `mark-lint` (no inline suppression).
    pub directive: bool,
}

impl Decoded {
    /// The text with every line break as LF (see `normalise_breaks`).
    pub fn into_lf_text(self) -> (String, Vec<Gap>, &'static str, Absent) {
        let text = normalise_known(self.text, self.unicode_breaks);
        (text, self.gaps, self.encoding, self.absent)
    }
}

/// How much of a file the legacy-encoding detector and the binary sniffing read:
/// detection is the costly step, and the start of a file tells what it is.
const DETECT_PREFIX: usize = 64 * 1024;

/// At most this many gaps per document; the last one covers the rest.
const MAX_GAPS: usize = 16;

/// Decode `bytes`; `None` when they are not text in any encoding we know. The bytes
/// are consumed: a valid UTF-8 file becomes its text without a copy, any other is
/// decoded into one buffer and the bytes are freed on return.
pub fn decode(mut bytes: Vec<u8>, html: bool) -> Option<Decoded> {
    // Before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one.
    if let Some((le, bom)) = utf32(&bytes) {
        let (text, exact) = decode_utf32(&bytes[bom..], le);
        let name = if le { "UTF-32LE" } else { "UTF-32BE" };
        return Some(finish(text, name, exact, Reading::Units));
    }
    match Encoding::for_bom(&bytes) {
        Some((enc, bom_len)) if enc == UTF_8 => {
            // In place: no second copy of a large file.
            bytes.drain(..bom_len);
            return Some(decode_utf8_family(bytes, Primary::Utf8, 0));
        }
        Some((enc, bom_len)) => {
            let (text, exact) = decode_utf16(&bytes[bom_len..], enc == UTF_16LE);
            return Some(finish(text, enc.name(), exact, Reading::Units));
        }
        None => {}
    }
    if binary_signature(&bytes) {
        return None;
    }
    let head = &bytes[..bytes.len().min(DETECT_PREFIX)];
    // Validation is most of the work on a corpus of UTF-8 text: do it with SIMD.
    let valid = simdutf8::basic::from_utf8(&bytes).is_ok();
    let nul = memchr::memchr(0, head).is_some();
    // UTF-16 without a BOM has NULs when it holds ASCII, none when it is all CJK (and
    // then it is not UTF-8 either).
    if (nul || !valid)
        && let Some(enc) = utf16_without_bom(&bytes)
    {
        let (text, exact) = decode_utf16(&bytes, enc == UTF_16LE);
        return Some(finish(text, enc.name(), exact, Reading::Units));
    }
    if nul && looks_binary(head) {
        return None;
    }
    if valid {
        // SAFETY: `simdutf8` has just validated these bytes as UTF-8.
        let text = unsafe { String::from_utf8_unchecked(bytes) };
        return Some(finish(text, UTF_8.name(), true, Reading::Utf8));
    }
    if looks_binary(head) {
        return None;
    }
    let evidence = utf8_evidence(&bytes);
    let primary = if evidence.is_utf8() {
        Primary::Utf8
    } else {
        let declared = html.then(|| meta_charset(&bytes)).flatten();
        match declared {
            Some(enc) if enc == UTF_8 => Primary::Utf8,
            Some(enc) if enc != UTF_16LE && enc != UTF_16BE => Primary::Legacy(enc),
            _ => Primary::Legacy(guess_legacy(&bytes)),
        }
    };
    Some(decode_utf8_family(bytes, primary, evidence.more))
}

/// What a file is as a whole: UTF-8 with some lines in another encoding, or a legacy
/// encoding with some lines in UTF-8.
#[derive(Clone, Copy)]
enum Primary {
    Utf8,
    Legacy(&'static Encoding),
}

/// How much of some bytes is UTF-8 beyond ASCII, and how much is not UTF-8.
#[derive(Default)]
struct Evidence {
    /// Bytes of other valid sequences: Latin, Greek, Cyrillic, and what GBK and Big5
    /// text makes by chance (two-byte sequences often; three-byte ones into the scripts
    /// and private-use areas a Chinese text does not hold: `∴　` is `E0 A1 A1`).
    two: usize,
    /// Bytes of valid sequences that are Chinese text (CJK, its punctuation, stars
    /// and shapes, full-width forms): what UTF-8 Chinese is made of, rarer by chance.
    more: usize,
    invalid: usize,
}

impl Evidence {
    /// UTF-8 however many lines are not: more Chinese UTF-8 than bad bytes (two
    /// characters at least: one can be chance), or far more UTF-8 of any kind (eight
    /// accented letters at least: GBK symbols make a few by chance). A tiny text of
    /// GBK symbols can pass for UTF-8 (`″　′埂` holds `E5 A1 A1` and `E4 B9 A1`): it is
    /// then read with gaps, not silently.
    fn is_utf8(&self) -> bool {
        let any = self.two + self.more;
        (self.more >= self.invalid && self.more >= 6) || (any >= 4 * self.invalid && any >= 16)
    }
}

/// The length of the valid UTF-8 sequence at the start of `s`, or 0.
fn utf8_sequence(s: &[u8]) -> usize {
    let cont = |i: usize, lo: u8, hi: u8| s.get(i).is_some_and(|b| (lo..=hi).contains(b));
    let tail = |i: usize| cont(i, 0x80, 0xBF);
    match s[0] {
        0x00..=0x7F => 1,
        0xC2..=0xDF if tail(1) => 2,
        0xE0 if cont(1, 0xA0, 0xBF) && tail(2) => 3,
        0xE1..=0xEC | 0xEE..=0xEF if tail(1) && tail(2) => 3,
        0xED if cont(1, 0x80, 0x9F) && tail(2) => 3,
        0xF0 if cont(1, 0x90, 0xBF) && tail(2) && tail(3) => 4,
        0xF1..=0xF3 if tail(1) && tail(2) && tail(3) => 4,
        0xF4 if cont(1, 0x80, 0x8F) && tail(2) && tail(3) => 4,
        _ => 0,
    }
}

/// A character of Chinese text, for `Evidence::more`. Not the rare extension blocks
/// (A, and beyond the BMP): GBK's punctuation row makes them by chance (`○　` holds
/// `F0 A1 A1 A1`).
fn chinese(c: u32) -> bool {
    matches!(c, 0x2000..=0x206F | 0x2460..=0x257F | 0x25A0..=0x27BF | 0x3000..=0x33FF
        | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF)
}

/// One pass over the bytes (a GBK file is a string of short invalid pieces: iterating
/// `utf8_chunks` cost as much as decoding it).
fn utf8_evidence(bytes: &[u8]) -> Evidence {
    let mut e = Evidence::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            i += 1;
            continue;
        }
        let len = utf8_sequence(&bytes[i..]);
        if len == 0 {
            e.invalid += 1;
            i += 1;
            continue;
        }
        let c = bytes[i + 1..i + len]
            .iter()
            .fold(u32::from(b) & (0x7F >> len), |c, t| {
                (c << 6) | u32::from(t & 0x3F)
            });
        if chinese(c) {
            e.more += len;
        } else {
            e.two += len;
        }
        i += len;
    }
    e
}

/// Decode a byte-oriented file line by line (LF is one byte in every encoding read
/// here, and never part of a multi-byte character). Each line is UTF-8 when it is;
/// otherwise it is decoded in the other encoding (GB18030 in a UTF-8 file, the legacy
/// encoding in a legacy one) or as UTF-8 with replacement, whichever replaces less.
fn decode_utf8_family(bytes: Vec<u8>, primary: Primary, chinese_utf8: usize) -> Decoded {
    if let Primary::Utf8 = primary
        && simdutf8::basic::from_utf8(&bytes).is_ok()
    {
        // SAFETY: validated just above.
        let text = unsafe { String::from_utf8_unchecked(bytes) };
        return finish(text, UTF_8.name(), true, Reading::Utf8);
    }
    let other = match primary {
        Primary::Utf8 => GB18030,
        Primary::Legacy(enc) => enc,
    };
    // CJK text grows by half from two-byte encodings to UTF-8; capacity that is never
    // written is never touched, so a generous reserve costs address space only.
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2 + 16);
    // A legacy file with no Chinese UTF-8 anywhere and nothing malformed reads the same
    // line by line as in one go: in one go, then.
    if let Primary::Legacy(enc) = primary
        && chinese_utf8 == 0
    {
        if decode_into(enc, &bytes, &mut out) == 0 {
            drop(bytes);
            return finish(out, enc.name(), true, Reading::Legacy);
        }
        out.clear();
    }
    let mut exact = true;
    let utf8 = matches!(primary, Primary::Utf8);
    for (line, brk) in byte_lines(&bytes, utf8) {
        decode_line(line, primary, other, &mut out, &mut exact);
        // The break as found (ASCII, or UTF-8 in a UTF-8 file): never read as part of
        // a character in another encoding.
        out.push_str(std::str::from_utf8(brk).unwrap_or("\n"));
    }
    drop(bytes);
    match primary {
        Primary::Utf8 => finish(out, UTF_8.name(), exact, Reading::Utf8),
        Primary::Legacy(enc) => finish(out, enc.name(), exact, Reading::Legacy),
    }
}

/// Decode one line (without its break) onto `out`: UTF-8 when it is; otherwise in
/// `other` (GB18030 in a UTF-8 file, the legacy encoding in a legacy one) or as UTF-8
/// with replacement, whichever reads it; `exact` is cleared when the line is not in
/// the file's encoding or had bytes replaced.
fn decode_line(
    line: &[u8],
    primary: Primary,
    other: &'static Encoding,
    out: &mut String,
    exact: &mut bool,
) {
    let utf8 = matches!(primary, Primary::Utf8);
    let e = utf8_evidence(line);
    // UTF-8 beyond doubt: its CJK outweighs three times over what is not UTF-8 and
    // the other sequences, which GBK and Big5 text make by chance, and is three
    // characters at least (`五、` in GBK holds `E5 A1 A2`; `″　′埂`, `E5 A1 A1` and
    // `E4 B9 A1`).
    let utf8_heavy = e.more >= 3 * (e.invalid + e.two) && e.more >= 9;
    if let Ok(s) = std::str::from_utf8(line) {
        if utf8 || line.is_ascii() || utf8_heavy {
            *exact &= utf8 || line.is_ascii();
            out.push_str(s);
            return;
        }
        let at = out.len();
        if decode_into(other, line, out) > 0 {
            out.truncate(at);
            out.push_str(s);
            *exact = false;
        }
        return;
    }
    let pieces = line
        .utf8_chunks()
        .filter(|c| !c.invalid().is_empty())
        .count();
    // Each line keeps the file's encoding unless it clearly is the other. In a UTF-8
    // file, a line is GB18030 only where that is clean, where it has no run of Chinese
    // UTF-8 (damage amid UTF-8 CJK may well read as GB18030 too), and not when its bad
    // bytes are one cut character or stand alone among ASCII: that is Latin-1
    // (`crème`), whose letters GB18030 would swallow two bytes at a time. In a legacy file, only a line that is UTF-8 beyond doubt is not
    // in the legacy encoding.
    let other_line = match utf8 {
        true => e.more == 0 && pieces >= 2 && lone_high_bytes(line) * 4 < e.invalid,
        false => !utf8_heavy,
    };
    if other_line {
        let at = out.len();
        let mut replaced = decode_into(other, line, out);
        // Private-use characters are not text read right: GB18030 gives them for bytes
        // that are no character in GBK (user-defined areas), as it does for garbage.
        if utf8 && out[at..].chars().any(private_use) {
            replaced += 1;
        }
        if replaced == 0 {
            *exact &= !utf8;
            return;
        }
        // The legacy encoding of the file, its bad bytes replaced, unless UTF-8
        // replaces less.
        if !utf8 && replaced <= pieces {
            *exact = false;
            return;
        }
        out.truncate(at);
    }
    *exact = false;
    for chunk in line.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// The lines of a byte-oriented file: (line, its break). In a UTF-8 file every break
/// counts (NEL, U+2028, U+2029 too: a line read in another encoding must not swallow
/// one); in a legacy one only CR and LF, the same bytes in every encoding read here
/// and never inside a character.
fn byte_lines(bytes: &[u8], utf8: bool) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let found = match utf8 {
            true => next_break(rest, 0),
            false => memchr::memchr2(b'\n', b'\r', rest).map(|i| (i, break_at(rest, i))),
        };
        let (at, len) = found.unwrap_or((rest.len(), 0));
        let (line, brk) = (&rest[..at], &rest[at..at + len]);
        rest = &rest[at + len..];
        Some((line, brk))
    })
}

fn private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..)
}

/// Whether UTF-8 `s` holds a private-use character (U+E000–U+F8FF: `EE`, or `EF`
/// then `80`–`A3`; planes 15 and 16: `F3 B0`… and `F4`).
fn has_private_use(s: &[u8]) -> bool {
    let then = |lead: u8, lo: u8, hi: u8| {
        memchr::memchr_iter(lead, s).any(|i| s.get(i + 1).is_some_and(|b| (lo..=hi).contains(b)))
    };
    memchr::memchr2(0xEE, 0xF4, s).is_some() || then(0xEF, 0x80, 0xA3) || then(0xF3, 0xB0, 0xBF)
}

/// Bytes above ASCII with ASCII (or nothing) on both sides.
fn lone_high_bytes(line: &[u8]) -> usize {
    let high = |i: usize| line.get(i).is_some_and(|b| !b.is_ascii());
    (0..line.len())
        .filter(|&i| high(i) && !high(i + 1) && (i == 0 || !high(i - 1)))
        .count()
}

/// Decode `src` with `enc` onto `out` through a small buffer: encoding_rs touches
/// every page of the spare capacity it is given, so decoding straight into a large
/// string would make all of its reserve resident. Returns how many malformed
/// sequences were replaced.
fn decode_into(enc: &'static Encoding, mut src: &[u8], out: &mut String) -> usize {
    // One buffer per thread: a fresh one per call would be zeroed per line.
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 8192]);
    }
    BUF.with_borrow_mut(|buf| {
        let mut decoder = enc.new_decoder_without_bom_handling();
        let mut replaced = 0;
        loop {
            let (result, read, written) =
                decoder.decode_to_utf8_without_replacement(src, buf, true);
            // encoding_rs writes whole characters only: this never fails.
            out.push_str(simdutf8::basic::from_utf8(&buf[..written]).unwrap_or_default());
            src = &src[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => return replaced,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    replaced += 1;
                    out.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
    })
}

/// UTF-32 by its BOM: (little-endian, BOM length); or without one by its shape: in
/// every four bytes the top one of a code point is zero, and it reads as characters,
/// plausible ones. (UTF-16 of ASCII has the zeros too, but reads as no characters.)
fn utf32(bytes: &[u8]) -> Option<(bool, usize)> {
    if bytes.starts_with(b"\xFF\xFE\x00\x00") {
        return Some((true, 4));
    }
    if bytes.starts_with(b"\x00\x00\xFE\xFF") {
        return Some((false, 4));
    }
    let head = &bytes[..bytes.len().min(DETECT_PREFIX) & !3];
    if head.len() < 16 {
        return None;
    }
    [(true, 3), (false, 0)].into_iter().find_map(|(le, top)| {
        if !head.chunks_exact(4).all(|u| u[top] == 0) {
            return None;
        }
        // Most units are characters (some may be damage: UTF-16 of ASCII reads as
        // none), and nine in ten of those plausible.
        let text = decode_utf32(head, le).0;
        let known = || text.chars().filter(|c| *c != char::REPLACEMENT_CHARACTER);
        let (units, chars) = (head.len() / 4, known().count());
        let plausible = known().filter(|c| plausible_char(*c)).count();
        (chars * 2 > units && plausible * 10 >= chars * 9).then_some((le, 0))
    })
}

/// UTF-32: what is no character (a surrogate, beyond U+10FFFF, a cut last unit)
/// becomes U+FFFD. Returns the text and whether it was exact.
fn decode_utf32(bytes: &[u8], le: bool) -> (String, bool) {
    let mut out = String::with_capacity(bytes.len());
    let mut exact = bytes.len().is_multiple_of(4);
    for u in bytes.chunks_exact(4) {
        let u = [u[0], u[1], u[2], u[3]];
        let code = if le {
            u32::from_le_bytes(u)
        } else {
            u32::from_be_bytes(u)
        };
        out.push(char::from_u32(code).unwrap_or_else(|| {
            exact = false;
            char::REPLACEMENT_CHARACTER
        }));
    }
    if !bytes.len().is_multiple_of(4) {
        out.push(char::REPLACEMENT_CHARACTER);
    }
    (out, exact)
}

/// UTF-16: lone surrogates become U+FFFD (gaps), and an odd last byte — a file cut
/// short — too. Returns the text and whether it was exact.
fn decode_utf16(bytes: &[u8], le: bool) -> (String, bool) {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    let enc = if le { UTF_16LE } else { UTF_16BE };
    let replaced = decode_into(enc, bytes, &mut out);
    (out, replaced == 0)
}

/// How a text was read, which decides what in it is suspect.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// UTF-8 (with lines in GB18030): a lone bad byte among Latin letters is Latin-1.
    Utf8,
    /// A legacy encoding, guessed: private-use characters are bytes that are no
    /// character in it (GBK's user-defined areas), as garbage is.
    Legacy,
    /// UTF-16 or UTF-32: a bad unit is a whole character, wherever it is.
    Units,
}

/// The decoded text with its gaps, looked for in one pass over it with the breaks.
fn finish(text: String, encoding: &'static str, exact: bool, reading: Reading) -> Decoded {
    let bytes = text.as_bytes();
    let look = second_look(bytes);
    let control = look.control;
    let (unicode_breaks, fffd) = match look.rare {
        true => rare_chars(bytes),
        false => (false, false),
    };
    let suspects = fffd || control || (reading == Reading::Legacy && has_private_use(bytes));
    let gaps = match suspects {
        true => gaps_in(&text, encoding, reading),
        false => Vec::new(),
    };
    Decoded {
        text,
        encoding,
        gaps,
        exact,
        unicode_breaks,
        absent: Absent {
            star: !look.star,
            directive: !look.directive,
        },
    }
}

/// The legacy encoding `bytes` are most likely in (Chinese first: the `.cn` hint).
pub(crate) fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let prefix = &bytes[..bytes.len().min(DETECT_PREFIX)];
    // Never "the end": a file cut inside its last character must not count against
    // the encoding it is in (a GBK file cut short was guessed windows-1251).
    det.feed(prefix, false);
    let guess = det.guess(Some(b"cn"), chardetng::Utf8Detection::Deny);
    // GBK's decoder is the GB18030 decoder: it reads 4-byte sequences too.
    if guess == GB18030 { GBK } else { guess }
}

/// The encoding of Windows code page `cp` (legacy Office property sets, BIFF records,
/// RTF `\ansicpg`); `None` for a code page encoding_rs does not know.
pub fn codepage(cp: u32) -> Option<&'static Encoding> {
    let label = match cp {
        // GBK's decoder is the GB18030 decoder: it reads 4-byte sequences too.
        936 | 20936 | 54936 => return Some(GB18030),
        950 => "big5",
        932 => "shift_jis",
        949 => "euc-kr",
        874 => "windows-874",
        1200 => "utf-16le",
        1201 => "utf-16be",
        1250..=1258 => return Encoding::for_label(format!("windows-{cp}").as_bytes()),
        // ISO-8859-1 and US-ASCII read as windows-1252, as browsers do.
        20127 | 28591 | 437 => "windows-1252",
        28592..=28599 | 28603 | 28605 => {
            return Encoding::for_label(format!("iso-8859-{}", cp - 28590).as_bytes());
        }
        10000 => "macintosh",
        65001 => "utf-8",
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

/// Formats whose first bytes say they are not text (zip, PDF and OLE are read as
/// documents before this). Only signatures no text file starts with: none made of
/// text alone (`GIF89a`, `ID3`, `wOFF`…: a note may start so; those formats are
/// dense in control bytes anyway).
fn binary_signature(bytes: &[u8]) -> bool {
    const SIGNATURES: &[&[u8]] = &[
        b"\x89PNG\r\n\x1a\n",
        b"\xFF\xD8\xFF",         // JPEG
        b"\x7FELF",              // ELF executables and libraries
        b"\x1F\x8B\x08",         // gzip
        b"\xFD7zXZ\x00",         // xz
        b"7z\xBC\xAF\x27\x1C",   // 7-Zip
        b"\x28\xB5\x2F\xFD",     // zstd
        b"Rar!\x1A\x07",         // RAR
        b"\xCA\xFE\xBA\xBE",     // Mach-O universal, Java class
        b"\xCF\xFA\xED\xFE",     // Mach-O 64-bit
        b"\xCE\xFA\xED\xFE",     // Mach-O 32-bit
        b"\x00asm",              // WebAssembly
        b"SQLite format 3\x00",  // SQLite
        b"\x00\x01\x00\x00\x00", // TrueType
        b"II*\x00",              // TIFF
        b"MM\x00*",
        b"\x00\x00\x01\x00", // ICO
        b"OggS\x00",
    ];
    SIGNATURES.iter().any(|s| bytes.starts_with(s))
}

/// A control byte that is not layout (tab, line feed, vertical tab, form feed,
/// carriage return) nor ESC (terminal colours in logs): binary data, or damage.
/// Written without branches so that the scan over a whole file vectorises.
fn is_control(b: u8) -> bool {
    (b < 0x09) | ((b > 0x0d) & (b < 0x20) & (b != 0x1b)) | (b == 0x7f)
}

fn has_control(bytes: &[u8]) -> bool {
    // Blocks folded into a byte (`u8` lanes vectorise; a `bool` fold did not).
    let block = |c: &[u8]| c.iter().fold(0u8, |any, b| any | u8::from(is_control(*b))) != 0;
    let mut blocks = bytes.chunks_exact(64);
    blocks.any(block) || block(blocks.remainder())
}

/// What one pass over a whole text saw. `control` is exact (a control byte as
/// `has_control` finds them); the others are byte pairs that *may* belong to what
/// they name — a superset, settled by an exact search when set, and never unset when
/// the thing is there:
/// - `rare`: a pair of NEL, U+2028/9 or U+FFFD (`C2 85`; `80 A8`, `80 A9` ending
///   U+2028/9; `EF BF` starting U+FFFD), which `rare_chars` settles. These pairs are
///   rare in Chinese text (`BF BD`, ending U+FFFD, also ends 忽: not that one);
/// - `star`: `E2 98`, the start of ★ (and of the other symbols U+2600–U+263F), for
///   the gate (`regime::Gate`);
/// - `directive`: `-l`, the middle of `mark-lint`, for inline suppressions.
///
/// On Chinese Markdown this one pass stands for four: the control bytes, the packed
/// search for the rare characters, and the searches for ★ and `mark-lint`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Look {
    pub(crate) control: bool,
    pub(crate) rare: bool,
    pub(crate) star: bool,
    pub(crate) directive: bool,
}

impl Look {
    /// From the class bits of `second_look_avx2` (see there).
    fn from_bits(bits: u8) -> Look {
        Look {
            rare: bits & 0b111 != 0,
            star: bits & 0b1000 != 0,
            directive: bits & 0b1_0000 != 0,
            control: bits & 0b1110_0000 != 0,
        }
    }

    fn or(self, other: Look) -> Look {
        Look {
            control: self.control | other.control,
            rare: self.rare | other.rare,
            star: self.star | other.star,
            directive: self.directive | other.directive,
        }
    }
}

fn second_look(bytes: &[u8]) -> Look {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has just been found to support AVX2.
        return unsafe { second_look_avx2(bytes) };
    }
    second_look_portable(bytes)
}

/// Whether `prev`, `cur` may be two bytes of NEL, U+2028, U+2029 or U+FFFD.
#[inline(always)]
fn rare_tail(prev: u8, cur: u8) -> bool {
    ((prev == 0xc2) & (cur == 0x85))
        | ((prev == 0x80) & ((cur | 1) == 0xa9))
        | ((prev == 0xef) & (cur == 0xbf))
}

/// The pass byte by byte: what `second_look_avx2` computes 32 bytes at a time.
fn second_look_portable(bytes: &[u8]) -> Look {
    let mut look = Look {
        control: bytes.first().is_some_and(|&b| is_control(b)),
        ..Look::default()
    };
    for pair in bytes.windows(2) {
        let (y, z) = (pair[0], pair[1]);
        look.control |= is_control(z);
        look.rare |= rare_tail(y, z);
        look.star |= (y == 0xe2) & (z == 0x98);
        look.directive |= (y == b'-') & (z == b'l');
    }
    look
}

/// The nibble tables of `second_look_avx2`: a byte's class is
/// `HIGH[b >> 4] & LOW[b & 15]`, one bit per thing looked for. As the first byte of a
/// pair (`Y`): bit 0 `C2`, 1 `80`, 2 `EF`, 3 `E2`, 4 `-`, and bits 5–7 always (so
/// that the second byte's control bits pass the `&`). As the second byte (`Z`): bit 0
/// `85`, 1 `A8`/`A9`, 2 `BF`, 3 `98`, 4 `l`; and the control bytes: bit 5 `00`–`08`,
/// `0E`, `0F`; bit 6 `10`–`1A`, `1C`–`1F`; bit 7 `7F`. A pair matches where
/// `class(y) & class(z)` has a bit 0–4; a control byte where `class(z)` has a bit 5–7.
#[cfg(target_arch = "x86_64")]
mod nibbles {
    const ALL: u8 = 0b1110_0000;
    const fn table(entries: &[(usize, u8)], base: u8) -> [u8; 16] {
        let mut t = [base; 16];
        let mut i = 0;
        while i < entries.len() {
            t[entries[i].0] |= entries[i].1;
            i += 1;
        }
        t
    }
    pub(super) const Y_HIGH: [u8; 16] = table(&[(0xC, 1), (0x8, 2), (0xE, 4 | 8), (0x2, 16)], ALL);
    pub(super) const Y_LOW: [u8; 16] = table(&[(0x2, 1 | 8), (0x0, 2), (0xF, 4), (0xD, 16)], ALL);
    pub(super) const Z_HIGH: [u8; 16] = table(
        &[
            (0x8, 1),
            (0xA, 2),
            (0xB, 4),
            (0x9, 8),
            (0x6, 16),
            (0x0, 32),
            (0x1, 64),
            (0x7, 128),
        ],
        0,
    );
    pub(super) const Z_LOW: [u8; 16] = {
        let mut t = table(
            &[
                (0x5, 1),
                (0x8, 2 | 8),
                (0x9, 2),
                (0xF, 4),
                (0xC, 16),
                (0xF, 128),
            ],
            0,
        );
        // 00–08, 0E, 0F; 10–1A, 1C–1F.
        let mut i = 0;
        while i < 16 {
            if i <= 8 || i >= 0xE {
                t[i] |= 32;
            }
            if i != 0xB {
                t[i] |= 64;
            }
            i += 1;
        }
        t
    };
}

/// `second_look_portable`, 32 pairs at a time: each byte is classified by two table
/// look-ups on its nibbles (`nibbles`), and the classes of the two bytes of each pair
/// are and-ed and gathered.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn second_look_avx2(bytes: &[u8]) -> Look {
    use std::arch::x86_64::*;
    const LANES: usize = 32;
    if bytes.len() <= LANES {
        return second_look_portable(bytes);
    }
    let lanes = |t: [u8; 16]| {
        let mut both = [0u8; 32];
        both[..16].copy_from_slice(&t);
        both[16..].copy_from_slice(&t);
        // SAFETY: `both` is 32 bytes.
        unsafe { _mm256_loadu_si256(both.as_ptr().cast()) }
    };
    let (y_high, y_low) = (lanes(nibbles::Y_HIGH), lanes(nibbles::Y_LOW));
    let (z_high, z_low) = (lanes(nibbles::Z_HIGH), lanes(nibbles::Z_LOW));
    let low4 = _mm256_set1_epi8(0x0f);
    let class = |v: __m256i, high: __m256i, low: __m256i| {
        let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
        let lo = _mm256_and_si256(v, low4);
        _mm256_and_si256(_mm256_shuffle_epi8(high, hi), _mm256_shuffle_epi8(low, lo))
    };
    let mut acc = _mm256_setzero_si256();
    // Pairs (y at `at`, z at `at + 1`) while a whole vector of z fits.
    let mut at = 0;
    while at + LANES < bytes.len() {
        // SAFETY: `at + 1 + 32 <= len`: both loads are inside `bytes`.
        let (y, z) = unsafe {
            let p = bytes.as_ptr().add(at);
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(1).cast()),
            )
        };
        acc = _mm256_or_si256(
            acc,
            _mm256_and_si256(class(y, y_high, y_low), class(z, z_high, z_low)),
        );
        at += LANES;
    }
    let mut gathered = [0u8; 32];
    // SAFETY: `gathered` is 32 bytes.
    unsafe { _mm256_storeu_si256(gathered.as_mut_ptr().cast(), acc) };
    let bits = gathered.iter().fold(0, |a, b| a | b);
    let first = Look {
        control: is_control(bytes[0]),
        ..Look::default()
    };
    // The pairs left start at `at` (whose byte was the last `z`, checked again).
    Look::from_bits(bits)
        .or(first)
        .or(second_look_portable(&bytes[at..]))
}

/// Binary rather than text with some damage: control bytes are more than 1 in 4 of
/// the start, or more than a few and more than 1 in 32. Long runs of NUL are not
/// counted: text padded with zeros (an editor that crashed, a preallocated file) is
/// still text.
fn looks_binary(head: &[u8]) -> bool {
    const PADDING: usize = 32;
    let (mut controls, mut counted, mut nul_run) = (0usize, 0usize, 0usize);
    let flush = |run: &mut usize, controls: &mut usize, counted: &mut usize| {
        if *run < PADDING {
            *controls += *run;
            *counted += *run;
        }
        *run = 0;
    };
    for &b in head {
        if b == 0 {
            nul_run += 1;
            continue;
        }
        flush(&mut nul_run, &mut controls, &mut counted);
        counted += 1;
        controls += usize::from(is_control(b));
    }
    flush(&mut nul_run, &mut controls, &mut counted);
    controls * 4 > counted || (controls > 8 && controls * 32 > counted)
}

/// UTF-16 without a BOM: a byte order in which the start has the shape of UTF-16
/// text and reads as text (nine in ten characters plausible). The shape, because any
/// two ASCII letters read as one unit are a CJK ideograph — plausibility alone would
/// take English with a stray NUL for UTF-16:
/// - ASCII in UTF-16: NULs in one in eight units or more, all at the high byte (the
///   low byte of `一` U+4E00 and its like aside);
/// - CJK in UTF-16: nearly every high byte is one Chinese text uses (ASCII, general
///   punctuation, symbols, CJK, full-width forms) while the low bytes are anything.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(DETECT_PREFIX) & !1];
    let chinese_high = |b: u8| matches!(b, 0x00 | 0x20..=0x27 | 0x30 | 0x34..=0x9F | 0xFE | 0xFF);
    [(UTF_16LE, 1), (UTF_16BE, 0)]
        .into_iter()
        .find(|&(enc, high)| {
            let low = 1 - high;
            // Surrogates (lone ones are damage) say nothing either way.
            let pairs = || {
                head.chunks_exact(2)
                    .filter(move |p| !(0xD8..=0xDF).contains(&p[high]))
            };
            let units = pairs().count().max(1);
            let share = |n: usize| n as f64 / units as f64;
            // NULs at the high byte (ASCII), and at the low byte but for an ideograph
            // U+4E00…U+9F00 (`一`).
            let at_high = pairs().filter(|p| p[high] == 0).count();
            let at_low = pairs()
                .filter(|p| p[low] == 0 && !(0x4E..=0x9F).contains(&p[high]))
                .count();
            let high_like = |i: usize| share(pairs().filter(|p| chinese_high(p[i])).count());
            let ascii = share(at_high) >= 0.125 && at_low <= (at_high / 8).max(1);
            // (Eight units at least: fewer are as likely two-byte junk.)
            let cjk = units >= 8 && high_like(high) >= 0.85 && high_like(low) <= 0.7;
            if !(ascii || cjk) {
                return false;
            }
            // A lone surrogate or a cut last unit says nothing either way.
            let text = decode_utf16(head, enc == UTF_16LE).0;
            let known = text.chars().filter(|c| *c != char::REPLACEMENT_CHARACTER);
            let (all, plausible) = known.fold((0usize, 0usize), |(a, p), c| {
                (a + 1, p + usize::from(plausible_char(c)))
            });
            plausible as f64 >= 0.9 * all.max(1) as f64
        })
        .map(|(enc, _)| enc)
}

fn plausible_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' '..='~' | '\u{85}' | '\u{feff}'
        | '\u{370}'..='\u{4ff}'     // Greek, Cyrillic
        | '\u{3040}'..='\u{30ff}'   // kana
        | '\u{3000}'..='\u{303f}'   // CJK punctuation
        | '\u{4e00}'..='\u{9fff}'   // CJK unified ideographs
        | '\u{3400}'..='\u{4dbf}'
        | '\u{ff00}'..='\u{ffef}'   // full-width forms
        | '\u{2000}'..='\u{27bf}'   // general punctuation, stars
        | '\u{a0}'..='\u{ff}')
}

/// `<meta charset="gbk">` or `content="text/html; charset=gbk"` in the first KiB.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = memchr::memmem::find(&lower, b"charset=")? + b"charset=".len();
    let rest = &lower[at..];
    let rest = rest
        .strip_prefix(b"\"")
        .or(rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

/// A character that says text may be missing: U+FFFD (bytes that did not decode, here
/// or in an earlier conversion) or a control character amid text.
fn suspect(c: char, reading: Reading) -> Option<Suspect> {
    match c {
        char::REPLACEMENT_CHARACTER => Some(Suspect::Undecodable),
        c if c.is_ascii() && is_control(c as u8) => Some(Suspect::Control),
        c if reading == Reading::Legacy && private_use(c) => Some(Suspect::Undecodable),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Suspect {
    Undecodable,
    Control,
}

/// One line's worth of suspect characters that could hide text.
struct Found {
    first: u32,
    last: u32,
    undecodable: usize,
    control: usize,
}

/// Where suspect characters (U+FFFD, control characters, and private-use ones read
/// from a legacy encoding) could hide text: every run of two or more, and a single
/// one unless it is a letter among Latin letters (`café` with a Latin-1 `é` inside
/// UTF-8: it cannot hold a CJK mark) or the cut last character of the file (U+FFFD).
/// Read as UTF-16 or UTF-32, where a bad unit is a whole character, a single one next
/// to Latin letters counts too. Runs on one line, and on consecutive lines, make one
/// gap.
fn gaps_in(text: &str, encoding: &str, reading: Reading) -> Vec<Gap> {
    let strict = reading == Reading::Units;
    let end = text.trim_end().len();
    let mut found: Vec<Found> = Vec::new();
    let mut no = 0u32;
    let mut offset = 0usize;
    for (line, term) in split_lines(text) {
        no += 1;
        let start = offset;
        offset += line.len() + term.len();
        let bytes = line.as_bytes();
        let pua = reading == Reading::Legacy && has_private_use(bytes);
        if !(has_control(bytes) || rare_chars(bytes).1 || pua) {
            continue;
        }
        let mut counts = [0usize; 2];
        let mut flag = |run: &[Suspect]| {
            for s in run {
                counts[usize::from(*s == Suspect::Control)] += 1;
            }
        };
        let mut before: Option<char> = None;
        let mut run: Vec<Suspect> = Vec::new();
        let mut run_end = 0;
        for (i, c) in line.char_indices() {
            if let Some(s) = suspect(c, reading) {
                run.push(s);
                run_end = i + c.len_utf8();
                continue;
            }
            if !run.is_empty() {
                if !harmless(&run, before, Some(c), strict, start + run_end >= end) {
                    flag(&run);
                }
                run.clear();
            }
            before = Some(c);
        }
        if !run.is_empty() && !harmless(&run, before, None, strict, start + run_end >= end) {
            flag(&run);
        }
        if counts != [0, 0] {
            match found.last_mut() {
                Some(f) if f.last + 1 == no => {
                    f.last = no;
                    f.undecodable += counts[0];
                    f.control += counts[1];
                }
                _ => found.push(Found {
                    first: no,
                    last: no,
                    undecodable: counts[0],
                    control: counts[1],
                }),
            }
        }
    }
    if found.len() > MAX_GAPS {
        let rest = found.split_off(MAX_GAPS - 1);
        let last = rest.last().map_or(0, |f| f.last);
        found.push(Found {
            first: rest[0].first,
            last,
            undecodable: rest.iter().map(|f| f.undecodable).sum(),
            control: rest.iter().map(|f| f.control).sum(),
        });
    }
    found
        .into_iter()
        .map(|f| Gap {
            part: None,
            line: f.first,
            error: ExtractError::Undecodable(describe(&f, encoding)),
        })
        .collect()
}

/// A single suspect character that cannot hide a mark (see `gaps_in`).
fn harmless(
    run: &[Suspect],
    before: Option<char>,
    after: Option<char>,
    strict: bool,
    at_end: bool,
) -> bool {
    if run.len() != 1 {
        return false;
    }
    // A file cut inside its last character (a control character there is no cut).
    if at_end && run[0] == Suspect::Undecodable {
        return true;
    }
    let latin = |c: char| c.is_alphabetic() && (c as u32) < 0x250;
    let neutral = |c: char| c.is_whitespace() || c.is_ascii_punctuation();
    let calm = |c: Option<char>| c.is_none_or(|c| latin(c) || neutral(c));
    !strict
        && calm(before)
        && calm(after)
        && (before.is_some_and(latin) || after.is_some_and(latin))
}

fn describe(f: &Found, encoding: &str) -> String {
    let mut what = Vec::new();
    if f.undecodable > 0 {
        let s = if f.undecodable == 1 { "" } else { "s" };
        what.push(format!(
            "{} character{s} not decodable as {encoding}",
            f.undecodable
        ));
    }
    if f.control > 0 {
        let s = if f.control == 1 { "" } else { "s" };
        what.push(format!("{} control character{s}", f.control));
    }
    let mut detail = what.join(", ");
    if f.last > f.first {
        detail.push_str(&format!(", lines {}–{}", f.first, f.last));
    }
    detail
}

/// The line break that starts at byte `i` of `s`: its length, or 0. CRLF is one break;
/// a CR alone (classic Mac OS), NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are breaks.
fn break_at(s: &[u8], i: usize) -> usize {
    match s[i] {
        b'\n' => 1,
        b'\r' if s.get(i + 1) == Some(&b'\n') => 2,
        b'\r' => 1,
        0xC2 if s.get(i + 1) == Some(&0x85) => 2,
        0xE2 if s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8 | 0xA9)) => 3,
        _ => 0,
    }
}

/// The next line break at or after `from`: (start, length).
fn next_break(s: &[u8], from: usize) -> Option<(usize, usize)> {
    // The first byte of each break: LF, CR, NEL's C2, U+2028/9's E2 (which also starts
    // Chinese text's quotes and dashes: searched apart, so that those do not slow the
    // search for the others).
    let mut e2 = memchr::memchr(0xE2, &s[from..]).map(|i| from + i);
    let mut at = from;
    loop {
        let other = memchr::memchr3(b'\n', b'\r', 0xC2, &s[at..]).map(|i| at + i);
        let first = match (other, e2) {
            (Some(o), Some(e)) => o.min(e),
            (o, e) => o.or(e)?,
        };
        let len = break_at(s, first);
        if len > 0 {
            return Some((first, len));
        }
        at = first + 1;
        if e2 == Some(first) {
            e2 = memchr::memchr(0xE2, &s[at..]).map(|i| at + i);
        }
    }
}

/// The lines of `s` with their terminators (`""` for a last line without one). A text
/// ending in a break has no empty line after it, as with `str::lines`.
pub fn split_lines(s: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, term) = match next_break(rest.as_bytes(), 0) {
            Some((at, len)) => (&rest[..at], &rest[at..at + len]),
            None => (rest, ""),
        };
        rest = &rest[line.len() + term.len()..];
        Some((line, term))
    })
}

/// The characters that need a second look (the line breaks beyond LF and CR, and
/// U+FFFD), found in one SIMD pass: each is two or three bytes, all of which the
/// packed searcher matches at once. (Four `memmem` passes cost a fifth of the run on
/// a corpus of Chinese Markdown; their prefilter takes the lead bytes `E2` and `EF`,
/// everywhere in Chinese punctuation, for rare.)
static RARE: std::sync::LazyLock<Option<aho_corasick::packed::Searcher>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::packed::Searcher::new(["\u{85}", "\u{2028}", "\u{2029}", "\u{FFFD}"])
    });

/// Index of U+FFFD in `RARE`.
const FFFD: usize = 3;

/// Which of the rare characters `s` holds: (a break beyond LF and CR, U+FFFD).
fn rare_chars(s: &[u8]) -> (bool, bool) {
    let mut found = [false; 2];
    match RARE.as_ref() {
        Some(searcher) => {
            for m in searcher.find_iter(s) {
                found[usize::from(m.pattern().as_usize() == FFFD)] = true;
                if found == [true; 2] {
                    break;
                }
            }
        }
        // Without SIMD: one `memmem` each.
        None => {
            for (i, c) in ["\u{85}", "\u{2028}", "\u{2029}", "\u{FFFD}"]
                .iter()
                .enumerate()
            {
                if memchr::memmem::find(s, c.as_bytes()).is_some() {
                    found[usize::from(i == FFFD)] = true;
                }
            }
        }
    }
    (found[0], found[1])
}

/// Every line break as LF (CRLF stays: readers take it as one), in place: readers
/// split on LF alone and count lines as `--fix` does.
pub fn normalise_breaks(text: String) -> String {
    let unicode = rare_chars(text.as_bytes()).0;
    normalise_known(text, unicode)
}

/// `normalise_breaks` when whether the text holds NEL, U+2028 or U+2029 is known.
fn normalise_known(text: String, unicode_breaks: bool) -> String {
    let s = text.as_bytes();
    if !unicode_breaks && !memchr::memchr_iter(b'\r', s).any(|i| s.get(i + 1) != Some(&b'\n')) {
        return text;
    }
    let mut bytes = text.into_bytes();
    let (mut read, mut write) = (0, 0);
    while let Some((at, len)) = next_break(&bytes, read) {
        bytes.copy_within(read..at, write);
        write += at - read;
        if len == 2 && bytes[at] == b'\r' {
            bytes[write..write + 2].copy_from_slice(b"\r\n");
            write += 2;
        } else {
            bytes[write] = b'\n';
            write += 1;
        }
        read = at + len;
    }
    let tail = bytes.len() - read;
    bytes.copy_within(read.., write);
    bytes.truncate(write + tail);
    // Only whole UTF-8 sequences were replaced, each by a line feed.
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests;
