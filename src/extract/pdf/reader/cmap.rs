//! CMaps: reads ToUnicode and embedded encoding CMap programs, splits a text string's bytes
//! into codes by codespace ranges (ISO 32000-1 §9.7.6.2), and knows the predefined CJK
//! CMaps whose codes are a character set. A code it cannot map is `None`, never a guess:
//! the reader reports an unreadable font rather than wrong text. It must not panic or
//! grow without bound on any input: mappings are capped and ranges stay one entry each.

use std::collections::BTreeMap;

use encoding_rs::{BIG5, EUC_JP, EUC_KR, Encoding, GB18030, GBK, SHIFT_JIS};

use super::encoding::glyph_unicode;
use super::syntax::{hex_value, is_delimiter, is_space as is_white};

/// At most this many mappings (chars, ranges and array elements) are kept from one CMap.
const MAX_MAPPINGS: usize = 1 << 20;
/// Codes are at most four bytes (ISO 32000-1 §9.7.6.2).
const MAX_CODE_BYTES: usize = 4;
/// A destination string: up to 32 UTF-16 units, enough for ligatures and surrogate pairs.
const MAX_DEST_BYTES: usize = 64;
/// Real CMaps have a handful of codespace ranges; more is garbage and would slow splitting.
const MAX_SPACES: usize = 256;

/// One code split off a byte string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The code's bytes, big-endian.
    pub code: u32,
    /// How many bytes it took (1–4).
    pub len: u8,
    /// False when the bytes matched no codespace range (or ran out inside one).
    pub in_codespace: bool,
}

/// A codespace range: every byte lies between the same byte of `low` and `high`.
#[derive(Debug, Clone, Copy)]
struct Space {
    len: u8,
    low: [u8; 4],
    high: [u8; 4],
}

impl Space {
    const fn new(len: u8, low: u32, high: u32) -> Space {
        let (l, h) = (low.to_be_bytes(), high.to_be_bytes());
        let skip = 4 - len as usize;
        let mut space = Space {
            len,
            low: [0; 4],
            high: [0; 4],
        };
        let mut i = 0;
        while i < len as usize {
            space.low[i] = l[skip + i];
            space.high[i] = h[skip + i];
            i += 1;
        }
        space
    }

    /// How many leading bytes of `bytes` lie within this range.
    fn matched(&self, bytes: &[u8]) -> usize {
        bytes
            .iter()
            .take(usize::from(self.len))
            .enumerate()
            .take_while(|&(i, &b)| self.low[i] <= b && b <= self.high[i])
            .count()
    }
}

fn code_of(bytes: &[u8], len: usize, in_codespace: bool) -> Code {
    let code = bytes[..len]
        .iter()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    Code {
        code,
        len: len as u8,
        in_codespace,
    }
}

/// Splits the next code off `bytes` by codespace ranges: the shortest full match wins;
/// with none, take the length of the shortest range sharing the longest matching prefix
/// (at least its first byte), else one byte, and report the code as outside the codespace.
fn split(spaces: &[Space], bytes: &[u8]) -> Option<Code> {
    if bytes.is_empty() {
        return None;
    }
    for n in 1..=MAX_CODE_BYTES.min(bytes.len()) {
        if spaces
            .iter()
            .any(|s| usize::from(s.len) == n && s.matched(bytes) == n)
        {
            return Some(code_of(bytes, n, true));
        }
    }
    let mut best: Option<(usize, usize)> = None; // (matched prefix, range length)
    for s in spaces {
        let matched = s.matched(bytes);
        if matched == 0 {
            continue;
        }
        let len = usize::from(s.len);
        best = match best {
            Some((m, l)) if m > matched || (m == matched && l <= len) => Some((m, l)),
            _ => Some((matched, len)),
        };
    }
    let len = best.map_or(1, |(_, len)| len).min(bytes.len());
    Some(code_of(bytes, len, false))
}

/// Where a mapping's destination is.
#[derive(Debug, Clone, Copy)]
enum Dest {
    /// UTF-16BE bytes in `CMap::bytes`; code `low + k` maps to them plus `k`.
    Text { start: u32, len: u8 },
    /// `count` destinations in `CMap::array`, one per code from `low`.
    Array { start: u32, count: u32 },
    /// Code `low + k` is CID `cid + k`.
    Cid(u32),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    low: u32,
    high: u32,
    dest: Dest,
}

/// Mappings of one kind, flattened so that a later definition wins where two overlap
/// (as pdf.js and PDFBox read them) and a lookup is one binary search.
#[derive(Debug, Default)]
struct Table {
    entries: Vec<Entry>,
    /// Per code length 1–4: disjoint `(first, last, entry)` segments sorted by `first`.
    segments: [Vec<(u32, u32, u32)>; MAX_CODE_BYTES],
}

impl Table {
    fn finish(&mut self, lens: &[u8]) {
        let mut maps: [BTreeMap<u32, (u32, u32)>; MAX_CODE_BYTES] = Default::default();
        for (index, (entry, &len)) in self.entries.iter().zip(lens).enumerate() {
            let map = &mut maps[usize::from(len) - 1];
            let (low, high) = (entry.low, entry.high);
            // Segments are disjoint, so walking back from `high` stops at the first one
            // that ends before `low`.
            let overlapping: Vec<(u32, (u32, u32))> = map
                .range(..=high)
                .rev()
                .take_while(|&(_, &(last, _))| last >= low)
                .map(|(&first, &rest)| (first, rest))
                .collect();
            for (first, (last, old)) in overlapping {
                map.remove(&first);
                if first < low {
                    map.insert(first, (low - 1, old));
                }
                if last > high {
                    map.insert(high + 1, (last, old));
                }
            }
            map.insert(low, (high, index as u32));
        }
        for (segments, map) in self.segments.iter_mut().zip(maps) {
            *segments = map
                .into_iter()
                .map(|(first, (last, entry))| (first, last, entry))
                .collect();
        }
    }

    /// The entry for a code of the given length; failing that, one written with another
    /// length (producers write `<0041>` in a one-byte codespace), shortest first.
    fn find(&self, code: u32, len: u8) -> Option<&Entry> {
        let exact = usize::from(len)
            .checked_sub(1)
            .filter(|&i| i < MAX_CODE_BYTES);
        let order = exact
            .into_iter()
            .chain((0..MAX_CODE_BYTES).filter(|&i| Some(i) != exact));
        for i in order {
            let segments = &self.segments[i];
            let at = segments.partition_point(|&(first, _, _)| first <= code);
            if let Some(&(_, last, entry)) = at.checked_sub(1).and_then(|j| segments.get(j))
                && code <= last
            {
                return self.entries.get(entry as usize);
            }
        }
        None
    }
}

/// A CMap read from a stream: a ToUnicode CMap (bfchar/bfrange) or an embedded encoding
/// CMap (codespacerange, cidchar/cidrange); both kinds carry codespace ranges.
#[derive(Debug, Default)]
pub struct CMap {
    spaces: Vec<Space>,
    unicode: Table,
    cids: Table,
    /// Destination strings of `unicode`, end to end.
    bytes: Vec<u8>,
    /// Array-form destinations: `(start, len)` in `bytes`; `len` 0 is an unmappable name.
    array: Vec<(u32, u8)>,
    usecmap: Option<Vec<u8>>,
    vertical: bool,
    /// Mapping items that did not read (garbage, a bad source or destination, past the
    /// bound): the codes they meant are not known to be unmapped, so the caller reports.
    dropped: usize,
}

impl CMap {
    /// Parse a CMap program (PostScript-like; tolerates comments, `begincmap`…, `usecmap`,
    /// dictionaries, garbage between sections, missing `end…` at EOF). Bounds: at most
    /// 1<<20 mappings, ranges kept as one entry (a bfrange <0000><FFFF> is one, not
    /// 65,536), codes of up to 4 bytes, destinations of up to 64 bytes of UTF-16BE.
    /// Error only when nothing usable is in it.
    pub fn parse(data: &[u8]) -> Result<CMap, String> {
        let mut builder = Builder::default();
        let mut lexer = Lexer { data, pos: 0 };
        let mut previous = Tok::Other;
        let mut pending: Option<Tok> = None;
        while let Some(tok) = pending.take().or_else(|| lexer.next()) {
            if let Tok::Op(op) = &tok {
                let kind = match op.as_slice() {
                    b"begincodespacerange" => Some(Section::Codespace),
                    b"beginbfchar" => Some(Section::BfChar),
                    b"beginbfrange" => Some(Section::BfRange),
                    b"begincidchar" => Some(Section::CidChar),
                    b"begincidrange" => Some(Section::CidRange),
                    b"beginnotdefchar" => Some(Section::NotDefChar),
                    b"beginnotdefrange" => Some(Section::NotDefRange),
                    _ => None,
                };
                if let Some(kind) = kind {
                    pending = builder.section(kind, &mut lexer);
                    previous = Tok::Other;
                    continue;
                }
                if op == b"usecmap"
                    && let Tok::Name(name) = &previous
                {
                    builder.cmap.usecmap = Some(name.clone());
                }
            }
            if let (Tok::Name(name), Tok::Int(mode)) = (&previous, &tok)
                && name == b"WMode"
            {
                builder.cmap.vertical = *mode == 1;
            }
            previous = tok;
        }
        builder.finish()
    }

    /// The next code at the start of `bytes` by the codespace ranges, or 2 bytes when the
    /// CMap has none (the default for a ToUnicode CMap of a composite font). `None` only
    /// when `bytes` is empty.
    pub fn next_code(&self, bytes: &[u8]) -> Option<Code> {
        self.next_code_or(bytes, 2)
    }

    /// As `next_code`, with the caller's code length for a CMap without codespace ranges
    /// (1 for a simple font's ToUnicode).
    pub fn next_code_or(&self, bytes: &[u8], default_len: u8) -> Option<Code> {
        if self.spaces.is_empty() {
            if bytes.is_empty() {
                return None;
            }
            let want = usize::from(default_len).clamp(1, MAX_CODE_BYTES);
            let len = want.min(bytes.len());
            return Some(code_of(bytes, len, len == want));
        }
        split(&self.spaces, bytes)
    }

    pub fn has_codespace(&self) -> bool {
        !self.spaces.is_empty()
    }

    /// The Unicode text a code maps to (bfchar, bfrange incl. the array form), `None` when
    /// unmapped or when the destination is no text (bad UTF-16, U+0000, U+FFFD).
    pub fn unicode(&self, code: u32, len: u8) -> Option<String> {
        let entry = self.unicode.find(code, len)?;
        let offset = code - entry.low;
        match entry.dest {
            Dest::Text { start, len } => {
                let start = start as usize;
                let mut dest = self.bytes.get(start..start + usize::from(len))?.to_vec();
                add_big_endian(&mut dest, offset)?;
                utf16_text(&dest)
            }
            Dest::Array { start, count } => {
                if offset >= count {
                    return None;
                }
                let &(at, len) = self.array.get((start + offset) as usize)?;
                let at = at as usize;
                utf16_text(self.bytes.get(at..at + usize::from(len))?)
            }
            Dest::Cid(_) => None,
        }
    }

    /// The CID of a code (cidchar/cidrange), for embedded encoding CMaps. Codes in
    /// notdef ranges are `None`: their glyph is the .notdef one, no character.
    pub fn cid(&self, code: u32, len: u8) -> Option<u32> {
        let entry = self.cids.find(code, len)?;
        match entry.dest {
            Dest::Cid(cid) => cid.checked_add(code - entry.low),
            _ => None,
        }
    }

    /// How many mapping items did not read (see the field).
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// The name after `usecmap`, if any (the caller resolves predefined ones; this CMap's
    /// own mappings take precedence over the used one's).
    pub fn usecmap(&self) -> Option<&[u8]> {
        self.usecmap.as_deref()
    }

    /// /WMode 1 (vertical).
    pub fn vertical(&self) -> bool {
        self.vertical
    }
}

/// Adds `offset` to a big-endian number, carrying across bytes as pdf.js and PDFBox do
/// (Adobe TN 5411's `<1379> <137B> <90FE>` reaches `<9100>`); `None` past the top byte.
fn add_big_endian(bytes: &mut [u8], offset: u32) -> Option<()> {
    let mut carry = u64::from(offset);
    for b in bytes.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let sum = u64::from(*b) + (carry & 0xFF);
        *b = sum as u8;
        carry = (carry >> 8) + (sum >> 8);
    }
    (carry == 0).then_some(())
}

/// UTF-16BE destination bytes as text. A single byte is a Latin-1 code point (producers
/// write `<41>`); other odd lengths, unpaired surrogates, U+0000, U+FFFD and the
/// noncharacters U+FFFE/U+FFFF are no text.
fn utf16_text(bytes: &[u8]) -> Option<String> {
    let text: String = match bytes {
        [] => return None,
        [b] => char::from(*b).to_string(),
        _ if bytes.len() % 2 == 1 => return None,
        _ => {
            let units = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()?
        }
    };
    (!text.contains(['\0', '\u{FFFD}', '\u{FFFE}', '\u{FFFF}'])).then_some(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Codespace,
    BfChar,
    BfRange,
    CidChar,
    CidRange,
    NotDefChar,
    NotDefRange,
}

impl Section {
    fn end(self) -> &'static [u8] {
        match self {
            Section::Codespace => b"endcodespacerange",
            Section::BfChar => b"endbfchar",
            Section::BfRange => b"endbfrange",
            Section::CidChar => b"endcidchar",
            Section::CidRange => b"endcidrange",
            Section::NotDefChar => b"endnotdefchar",
            Section::NotDefRange => b"endnotdefrange",
        }
    }

    /// Operands per item.
    fn arity(self) -> usize {
        match self {
            Section::Codespace | Section::BfChar | Section::CidChar | Section::NotDefChar => 2,
            Section::BfRange | Section::CidRange | Section::NotDefRange => 3,
        }
    }
}

/// An operand inside a section.
#[derive(Debug)]
enum Operand {
    Bytes(Vec<u8>),
    Name(Vec<u8>),
    Int(i64),
    Array(Vec<Operand>),
}

#[derive(Debug, Default)]
struct Builder {
    cmap: CMap,
    unicode_lens: Vec<u8>,
    cid_lens: Vec<u8>,
    mappings: usize,
}

impl Builder {
    /// Reads one section's items up to its `end…`. Another section's operator ends it too
    /// (a missing `end…`) and is handed back so the caller acts on it.
    fn section(&mut self, kind: Section, lexer: &mut Lexer<'_>) -> Option<Tok> {
        let mut item: Vec<Operand> = Vec::with_capacity(3);
        while let Some(tok) = lexer.next() {
            let operand = match tok {
                Tok::Op(op) if op == kind.end() => return None,
                // Another section's `begin…`/`end…` means this one's end is missing.
                Tok::Op(op) if op.starts_with(b"begin") || op.starts_with(b"end") => {
                    return Some(Tok::Op(op));
                }
                Tok::Bytes(b) => Operand::Bytes(b),
                Tok::Name(n) => Operand::Name(n),
                Tok::Int(i) => Operand::Int(i),
                Tok::ArrayOpen => Operand::Array(self.array(lexer)),
                Tok::Op(_) | Tok::ArrayClose | Tok::Other => {
                    // Garbage breaks the item it lands in; the next item starts afresh.
                    if !item.is_empty() || matches!(kind, Section::BfChar | Section::BfRange) {
                        self.cmap.dropped += 1;
                    }
                    item.clear();
                    continue;
                }
            };
            item.push(operand);
            if item.len() == kind.arity() {
                self.item(kind, &item);
                item.clear();
            }
        }
        None
    }

    fn array(&self, lexer: &mut Lexer<'_>) -> Vec<Operand> {
        let mut elements = Vec::new();
        while let Some(tok) = lexer.next() {
            match tok {
                Tok::ArrayClose => break,
                // Bounded here too: an unclosed array must not hold the whole file.
                _ if elements.len() >= MAX_MAPPINGS => {}
                Tok::Bytes(b) => elements.push(Operand::Bytes(b)),
                Tok::Name(n) => elements.push(Operand::Name(n)),
                _ => elements.push(Operand::Int(-1)),
            }
        }
        elements
    }

    fn item(&mut self, kind: Section, item: &[Operand]) {
        let before = self.mappings;
        let read = self.read_item(kind, item);
        if !read || (self.mappings == before && matches!(kind, Section::BfChar | Section::BfRange))
        {
            self.cmap.dropped += usize::from(matches!(kind, Section::BfChar | Section::BfRange));
        }
    }

    /// Enter one item; false when its shape is not one the section has.
    fn read_item(&mut self, kind: Section, item: &[Operand]) -> bool {
        if self.mappings >= MAX_MAPPINGS {
            return false;
        }
        match (kind, item) {
            (Section::Codespace, [Operand::Bytes(low), Operand::Bytes(high)]) => {
                let len = low.len();
                if (1..=MAX_CODE_BYTES).contains(&len)
                    && high.len() == len
                    && self.cmap.spaces.len() < MAX_SPACES
                {
                    let mut space = Space {
                        len: len as u8,
                        low: [0; 4],
                        high: [0; 4],
                    };
                    space.low[..len].copy_from_slice(low);
                    space.high[..len].copy_from_slice(high);
                    self.cmap.spaces.push(space);
                }
            }
            (Section::BfChar, [Operand::Bytes(src), dest]) => {
                if let Some((code, len)) = source(src)
                    && let Some(dest) = self.text_dest(dest)
                {
                    self.add_unicode(code, code, len, dest);
                }
            }
            (Section::BfRange, [Operand::Bytes(low), Operand::Bytes(high), dest]) => {
                let Some((low, high, len)) = source_range(low, high) else {
                    return false;
                };
                let dest = match dest {
                    Operand::Array(elements) => {
                        let start = self.cmap.array.len() as u32;
                        let budget = MAX_MAPPINGS.saturating_sub(self.mappings) as u64;
                        let wanted = (u64::from(high - low) + 1)
                            .min(elements.len() as u64)
                            .min(budget);
                        for element in elements.iter().take(wanted as usize) {
                            let at = self.text_dest(element).map_or((0, 0), |d| match d {
                                Dest::Text { start, len } => (start, len),
                                _ => (0, 0),
                            });
                            self.cmap.array.push(at);
                            self.mappings += 1;
                        }
                        Dest::Array {
                            start,
                            count: wanted as u32,
                        }
                    }
                    other => match self.text_dest(other) {
                        Some(dest) => dest,
                        None => return false,
                    },
                };
                self.add_unicode(low, high, len, dest);
            }
            (Section::CidChar, [Operand::Bytes(src), Operand::Int(cid)]) => {
                if let (Some((code, len)), Ok(cid)) = (source(src), u32::try_from(*cid)) {
                    self.add_cid(code, code, len, Dest::Cid(cid));
                }
            }
            (Section::CidRange, [Operand::Bytes(low), Operand::Bytes(high), Operand::Int(cid)]) => {
                if let (Some((low, high, len)), Ok(cid)) =
                    (source_range(low, high), u32::try_from(*cid))
                {
                    self.add_cid(low, high, len, Dest::Cid(cid));
                }
            }
            // Notdef mappings are read to keep the stream in step; they name no character.
            (Section::NotDefChar | Section::NotDefRange, _) => {}
            _ => return false,
        }
        true
    }

    /// Stores a destination string or glyph name as UTF-16BE bytes.
    fn text_dest(&mut self, operand: &Operand) -> Option<Dest> {
        let bytes: Vec<u8> = match operand {
            Operand::Bytes(b) if !b.is_empty() && b.len() <= MAX_DEST_BYTES => b.clone(),
            Operand::Name(name) => {
                let text = glyph_unicode(name)?;
                let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
                if bytes.len() > MAX_DEST_BYTES {
                    return None;
                }
                bytes
            }
            _ => return None,
        };
        let start = u32::try_from(self.cmap.bytes.len()).ok()?;
        self.cmap.bytes.extend_from_slice(&bytes);
        Some(Dest::Text {
            start,
            len: bytes.len() as u8,
        })
    }

    fn add_unicode(&mut self, low: u32, high: u32, len: u8, dest: Dest) {
        self.cmap.unicode.entries.push(Entry { low, high, dest });
        self.unicode_lens.push(len);
        self.mappings += 1;
    }

    fn add_cid(&mut self, low: u32, high: u32, len: u8, dest: Dest) {
        self.cmap.cids.entries.push(Entry { low, high, dest });
        self.cid_lens.push(len);
        self.mappings += 1;
    }

    fn finish(mut self) -> Result<CMap, String> {
        let cmap = &mut self.cmap;
        if cmap.spaces.is_empty()
            && cmap.unicode.entries.is_empty()
            && cmap.cids.entries.is_empty()
            && cmap.usecmap.is_none()
        {
            return Err("no codespace range, mapping or usecmap in the CMap".to_owned());
        }
        cmap.unicode.finish(&self.unicode_lens);
        cmap.cids.finish(&self.cid_lens);
        Ok(self.cmap)
    }
}

fn source(bytes: &[u8]) -> Option<(u32, u8)> {
    if bytes.is_empty() || bytes.len() > MAX_CODE_BYTES {
        return None;
    }
    let code = code_of(bytes, bytes.len(), true);
    Some((code.code, code.len))
}

/// A source range as numbers. ISO wants the two ends to differ only in the last byte; real
/// CMaps break that (`<00FE> <0101>`) and every reader takes the numeric range, as here.
fn source_range(low: &[u8], high: &[u8]) -> Option<(u32, u32, u8)> {
    let (low, len) = source(low)?;
    let (high, high_len) = source(high)?;
    (high_len == len && low <= high).then_some((low, high, len))
}

/// A token of the PostScript-like CMap syntax; everything the sections ignore is `Other`.
#[derive(Debug)]
enum Tok {
    Bytes(Vec<u8>),
    Name(Vec<u8>),
    Int(i64),
    Op(Vec<u8>),
    ArrayOpen,
    ArrayClose,
    Other,
}

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// The bytes up to the next white space or delimiter.
    fn regular(&mut self) -> &[u8] {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    fn next(&mut self) -> Option<Tok> {
        self.pos = super::syntax::skip_blank(self.data, self.pos);
        let b = self.peek()?;
        self.pos += 1;
        Some(match b {
            b'<' if self.peek() == Some(b'<') => {
                self.pos += 1;
                Tok::Other
            }
            b'<' => self.hex(),
            b'(' => self.literal(),
            b'[' => Tok::ArrayOpen,
            b']' => Tok::ArrayClose,
            b'/' => {
                let raw = self.regular();
                if raw.len() > 127 {
                    Tok::Other
                } else {
                    Tok::Name(unescape_name(raw))
                }
            }
            // `>>`, stray `>` and `)`, procedure braces: nothing a section reads.
            b'>' | b')' | b'{' | b'}' => Tok::Other,
            _ => {
                self.pos -= 1;
                let word = self.regular();
                if word.is_empty() {
                    // Cannot happen after the checks above; step on rather than loop.
                    self.pos += 1;
                    return Some(Tok::Other);
                }
                number(word).map_or_else(|| word_token(word), Tok::Int)
            }
        })
    }

    /// A hex string; white space is skipped, an odd last digit is padded with 0 (ISO
    /// 32000-1 §7.3.4.3). Over `MAX_DEST_BYTES` or with a bad digit it is `Other`.
    fn hex(&mut self) -> Tok {
        let mut bytes = Vec::new();
        let mut high: Option<u8> = None;
        let mut valid = true;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            if is_white(b) {
                continue;
            }
            match hex_value(b) {
                Some(v) => match high.take() {
                    Some(h) => {
                        if bytes.len() < MAX_DEST_BYTES {
                            bytes.push(h << 4 | v);
                        } else {
                            valid = false;
                        }
                    }
                    None => high = Some(v),
                },
                None => valid = false,
            }
        }
        if let Some(h) = high {
            if bytes.len() < MAX_DEST_BYTES {
                bytes.push(h << 4);
            } else {
                valid = false;
            }
        }
        if valid { Tok::Bytes(bytes) } else { Tok::Other }
    }

    /// A literal string with nesting and escapes (§7.3.4.2); rare in CMaps but legal.
    fn literal(&mut self) -> Tok {
        let mut bytes = Vec::new();
        let mut depth = 1usize;
        let mut valid = true;
        while let Some(b) = self.peek() {
            self.pos += 1;
            let byte = match b {
                b'(' => {
                    depth += 1;
                    b
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    b
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'f' => 0x0C,
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        self.pos += 1;
                                        value = value * 8 + u32::from(d - b'0');
                                    }
                                    _ => break,
                                }
                            }
                            value as u8
                        }
                        b'\r' | b'\n' => {
                            if e == b'\r' && self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                            continue;
                        }
                        other => other,
                    }
                }
                _ => b,
            };
            if bytes.len() < MAX_DEST_BYTES {
                bytes.push(byte);
            } else {
                valid = false;
            }
        }
        if valid { Tok::Bytes(bytes) } else { Tok::Other }
    }
}

fn unescape_name(raw: &[u8]) -> Vec<u8> {
    let mut name = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex_value),
                raw.get(i + 2).copied().and_then(hex_value),
            )
        {
            name.push(h << 4 | l);
            i += 3;
            continue;
        }
        name.push(raw[i]);
        i += 1;
    }
    name
}

/// An integer operand; reals and anything else are not CIDs.
fn number(word: &[u8]) -> Option<i64> {
    let (negative, digits) = match word {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, word),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
    Some(if negative { -value } else { value })
}

fn word_token(word: &[u8]) -> Tok {
    let numeric = word
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if numeric || word.len() > 64 {
        Tok::Other
    } else {
        Tok::Op(word.to_vec())
    }
}

/// A predefined CMap named by a Type0 font's /Encoding (ISO 32000-1 Table 118 and the
/// Adobe CJK collections): how its bytes split into codes and, where the CMap's codes
/// are a character set, the Unicode of a code. Identity-H/V split into 2-byte codes and
/// give no Unicode (the font's ToUnicode must).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predefined {
    Identity {
        vertical: bool,
    },
    /// Uni…-UCS2/UTF16/UTF8/UTF32: the codes are Unicode.
    Unicode {
        form: UnicodeForm,
        vertical: bool,
    },
    /// The codes are a legacy character set.
    Legacy {
        charset: Charset,
        vertical: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnicodeForm {
    Ucs2,
    Utf16,
    Utf8,
    Utf32,
}

/// The character sets behind the legacy predefined CMaps. Those marked "no Unicode" are
/// split correctly but decoded by no codec here (GB/T 12345, CNS 11643): their text must
/// come from the font's ToUnicode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// GB-EUC: GB 2312 in EUC form.
    GbEuc,
    /// GBpc-EUC: Mac GB 2312, with one-byte 0x80 and 0xFD–0xFF.
    GbPcEuc,
    /// GBK-EUC, GBKp-EUC.
    Gbk,
    /// GBK2K: GB 18030 with 1-, 2- and 4-byte codes.
    Gb18030,
    /// GB: GB 2312 in 7-bit form.
    Gb7Bit,
    /// GBT-EUC, GBTpc-EUC, GBT: GB/T 12345 (traditional), no Unicode.
    Gbt,
    /// ETen-B5, ETenms-B5.
    Big5,
    /// B5pc: Mac Big5, with one-byte 0x80 and 0xFD–0xFF.
    Big5Pc,
    /// HKscs-B5.
    Big5Hkscs,
    /// HKdla, HKdlb, HKgccs, HKm314, HKm471: only the standard Big5 area decodes, since
    /// their extension areas differ from HKSCS.
    Big5Core,
    /// CNS-EUC, CNS1, CNS2: CNS 11643, no Unicode.
    Cns,
    /// 90ms-RKSJ, 90msp-RKSJ: Windows Shift-JIS.
    ShiftJis,
    /// RKSJ, 83pv-RKSJ, 90pv-RKSJ, Add-RKSJ, Ext-RKSJ: only JIS X 0208 rows decode, since
    /// their vendor rows differ from Windows'.
    ShiftJisCore,
    /// EUC: EUC-JP.
    EucJp,
    /// H, V, Add, Ext, NWP: JIS X 0208 in 7-bit form, JIS rows only.
    Jis7Bit,
    /// KSC-EUC, KSCpc-EUC.
    EucKr,
    /// KSCms-UHC, KSCms-UHC-HW: Unified Hangul Code.
    Uhc,
    /// KSC: KS X 1001 in 7-bit form.
    Ksc7Bit,
}

const ONE_BYTE_ASCII: Space = Space::new(1, 0x00, 0x80);
const IDENTITY_SPACES: &[Space] = &[Space::new(2, 0x0000, 0xFFFF)];
const UTF8_SPACES: &[Space] = &[
    Space::new(1, 0x00, 0x7F),
    Space::new(2, 0xC280, 0xDFBF),
    Space::new(3, 0xE08080, 0xEFBFBF),
    Space::new(4, 0xF0808080, 0xF4BFBFBF),
];
const UTF32_SPACES: &[Space] = &[Space::new(4, 0x0000_0000, 0x0010_FFFF)];
const SEVEN_BIT_SPACES: &[Space] = &[Space::new(2, 0x2121, 0x7E7E)];
const EUC_SPACES: &[Space] = &[ONE_BYTE_ASCII, Space::new(2, 0xA1A1, 0xFEFE)];
const GBPC_SPACES: &[Space] = &[
    ONE_BYTE_ASCII,
    Space::new(2, 0xA1A1, 0xFCFE),
    Space::new(1, 0xFD, 0xFF),
];
const GBK_SPACES: &[Space] = &[ONE_BYTE_ASCII, Space::new(2, 0x8140, 0xFEFE)];
const GB18030_SPACES: &[Space] = &[
    ONE_BYTE_ASCII,
    Space::new(2, 0x8140, 0xFEFE),
    Space::new(4, 0x8130_8130, 0xFE39_FE39),
];
const BIG5_SPACES: &[Space] = &[ONE_BYTE_ASCII, Space::new(2, 0xA140, 0xFEFE)];
const BIG5PC_SPACES: &[Space] = &[
    ONE_BYTE_ASCII,
    Space::new(2, 0xA140, 0xFCFE),
    Space::new(1, 0xFD, 0xFF),
];
const HK_SPACES: &[Space] = &[ONE_BYTE_ASCII, Space::new(2, 0x8140, 0xFEFE)];
const CNS_EUC_SPACES: &[Space] = &[
    ONE_BYTE_ASCII,
    Space::new(2, 0xA1A1, 0xFEFE),
    Space::new(4, 0x8EA1_A1A1, 0x8EB0_FEFE),
];
const SJIS_SPACES: &[Space] = &[
    ONE_BYTE_ASCII,
    Space::new(1, 0xA0, 0xDF),
    Space::new(1, 0xFD, 0xFF),
    Space::new(2, 0x8140, 0x9FFC),
    Space::new(2, 0xE040, 0xFCFC),
];
const EUC_JP_SPACES: &[Space] = &[
    ONE_BYTE_ASCII,
    Space::new(2, 0x8EA0, 0x8EDF),
    Space::new(2, 0xA1A1, 0xFEFE),
];
const UHC_SPACES: &[Space] = &[ONE_BYTE_ASCII, Space::new(2, 0x8141, 0xFEFE)];

impl Charset {
    fn spaces(self) -> &'static [Space] {
        match self {
            Charset::GbEuc | Charset::EucKr | Charset::Gbt => EUC_SPACES,
            Charset::GbPcEuc => GBPC_SPACES,
            Charset::Gbk => GBK_SPACES,
            Charset::Gb18030 => GB18030_SPACES,
            Charset::Gb7Bit | Charset::Jis7Bit | Charset::Ksc7Bit => SEVEN_BIT_SPACES,
            Charset::Big5 => BIG5_SPACES,
            Charset::Big5Pc => BIG5PC_SPACES,
            Charset::Big5Hkscs | Charset::Big5Core => HK_SPACES,
            Charset::Cns => CNS_EUC_SPACES,
            Charset::ShiftJis | Charset::ShiftJisCore => SJIS_SPACES,
            Charset::EucJp => EUC_JP_SPACES,
            Charset::Uhc => UHC_SPACES,
        }
    }

    fn is_japanese(self) -> bool {
        matches!(
            self,
            Charset::ShiftJis | Charset::ShiftJisCore | Charset::EucJp | Charset::Jis7Bit
        )
    }

    fn unicode(self, code: Code) -> Option<String> {
        if !(1..=4).contains(&code.len) {
            return None;
        }
        let bytes = &code.code.to_be_bytes()[4 - usize::from(code.len)..];
        if let [b] = *bytes {
            return self.one_byte(b);
        }
        let (codec, bytes): (&'static Encoding, Vec<u8>) = match self {
            Charset::GbEuc | Charset::GbPcEuc | Charset::Gbk => (GBK, bytes.to_vec()),
            Charset::Gb18030 => (GB18030, bytes.to_vec()),
            Charset::Gb7Bit => (GBK, high_bit(bytes)?),
            Charset::Big5 | Charset::Big5Pc | Charset::Big5Hkscs => (BIG5, bytes.to_vec()),
            Charset::Big5Core => {
                let &[lead, trail] = bytes else { return None };
                let standard = matches!((lead, trail), (0xA1..=0xA2, _) | (0xA3, ..=0xBF))
                    || matches!((lead, trail), (0xA4..=0xC5, _) | (0xC6, ..=0x7E))
                    || matches!((lead, trail), (0xC9..=0xF8, _) | (0xF9, ..=0xD5));
                if !standard {
                    return None;
                }
                (BIG5, bytes.to_vec())
            }
            Charset::ShiftJis => (SHIFT_JIS, bytes.to_vec()),
            Charset::ShiftJisCore => {
                if !matches!(bytes.first(), Some(0x81..=0x84 | 0x88..=0x9F | 0xE0..=0xEA)) {
                    return None;
                }
                (SHIFT_JIS, bytes.to_vec())
            }
            Charset::EucJp => (EUC_JP, bytes.to_vec()),
            Charset::Jis7Bit => {
                if !matches!(bytes.first(), Some(0x21..=0x28 | 0x30..=0x74)) {
                    return None;
                }
                (EUC_JP, high_bit(bytes)?)
            }
            Charset::EucKr | Charset::Uhc => (EUC_KR, bytes.to_vec()),
            Charset::Ksc7Bit => (EUC_KR, high_bit(bytes)?),
            Charset::Gbt | Charset::Cns => return None,
        };
        let text = codec.decode_without_bom_handling_and_without_replacement(&bytes)?;
        plain_text(&text).then(|| text.into_owned())
    }

    fn one_byte(self, b: u8) -> Option<String> {
        let c = match (self, b) {
            (Charset::Gbt | Charset::Cns, _) => return None,
            // JIS-Roman puts ¥ and ‾ where ASCII has \ and ~; the CMap alone cannot say
            // which the font draws.
            (c, 0x5C | 0x7E) if c.is_japanese() => return None,
            (_, 0x20..=0x7E) => char::from(b),
            // Mac GB 2312 (Apple's table for the Mac Chinese Simplified script).
            (Charset::GbPcEuc, 0x80) => 'ü',
            (Charset::GbPcEuc | Charset::Big5Pc, 0xFD) => '©',
            (Charset::GbPcEuc | Charset::Big5Pc, 0xFE) => '™',
            (Charset::GbPcEuc | Charset::Big5Pc, 0xFF) => '…',
            (Charset::ShiftJis | Charset::ShiftJisCore, 0xA1..=0xDF) => {
                // Half-width katakana U+FF61–U+FF9F, in JIS X 0201 order.
                char::from_u32(0xFF61 + u32::from(b - 0xA1))?
            }
            _ => return None,
        };
        Some(c.to_string())
    }
}

/// A 7-bit two-byte code in its EUC form.
fn high_bit(bytes: &[u8]) -> Option<Vec<u8>> {
    bytes
        .iter()
        .all(|b| (0x21..=0x7E).contains(b))
        .then(|| bytes.iter().map(|b| b | 0x80).collect())
}

/// Decoded text that names characters: private-use code points are whatever the font
/// designer drew there, and controls are no glyphs.
fn plain_text(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| {
            !c.is_control()
                && c != '\u{FFFD}'
                && !matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
        })
}

impl Predefined {
    /// The predefined CMap a Type0 font's /Encoding names; `None` for names unknown here
    /// (the caller then needs the font's ToUnicode or reports it unreadable).
    pub fn from_name(name: &[u8]) -> Option<Predefined> {
        // The bare JIS X 0208 CMaps have no stem.
        if let b"H" | b"V" = name {
            return Some(Predefined::Legacy {
                charset: Charset::Jis7Bit,
                vertical: name == b"V",
            });
        }
        let (stem, vertical) = match name.strip_suffix(b"-H") {
            Some(stem) => (stem, false),
            None => (name.strip_suffix(b"-V")?, true),
        };
        let unicode = |form| Some(Predefined::Unicode { form, vertical });
        let legacy = |charset| Some(Predefined::Legacy { charset, vertical });
        match stem {
            b"Identity" => Some(Predefined::Identity { vertical }),
            b"UniGB-UCS2" | b"UniCNS-UCS2" | b"UniJIS-UCS2" | b"UniJIS-UCS2-HW"
            | b"UniJISPro-UCS2" | b"UniJISPro-UCS2-HW" | b"UniKS-UCS2" => {
                unicode(UnicodeForm::Ucs2)
            }
            b"UniGB-UTF16" | b"UniCNS-UTF16" | b"UniJIS-UTF16" | b"UniJIS2004-UTF16"
            | b"UniKS-UTF16" => unicode(UnicodeForm::Utf16),
            b"UniGB-UTF8" | b"UniCNS-UTF8" | b"UniJIS-UTF8" | b"UniJIS2004-UTF8"
            | b"UniJISPro-UTF8" | b"UniKS-UTF8" => unicode(UnicodeForm::Utf8),
            b"UniGB-UTF32"
            | b"UniCNS-UTF32"
            | b"UniJIS-UTF32"
            | b"UniJIS2004-UTF32"
            | b"UniJISX0213-UTF32"
            | b"UniJISX02132004-UTF32"
            | b"UniKS-UTF32" => unicode(UnicodeForm::Utf32),
            b"GB-EUC" => legacy(Charset::GbEuc),
            b"GBpc-EUC" => legacy(Charset::GbPcEuc),
            b"GBK-EUC" | b"GBKp-EUC" => legacy(Charset::Gbk),
            b"GBK2K" => legacy(Charset::Gb18030),
            b"GB" => legacy(Charset::Gb7Bit),
            b"GBT-EUC" | b"GBTpc-EUC" => legacy(Charset::Gbt),
            b"ETen-B5" | b"ETenms-B5" => legacy(Charset::Big5),
            b"B5pc" => legacy(Charset::Big5Pc),
            b"HKscs-B5" => legacy(Charset::Big5Hkscs),
            b"HKdla-B5" | b"HKdlb-B5" | b"HKgccs-B5" | b"HKm314-B5" | b"HKm471-B5" => {
                legacy(Charset::Big5Core)
            }
            b"CNS-EUC" => legacy(Charset::Cns),
            b"90ms-RKSJ" | b"90msp-RKSJ" => legacy(Charset::ShiftJis),
            b"RKSJ" | b"83pv-RKSJ" | b"90pv-RKSJ" | b"Add-RKSJ" | b"Ext-RKSJ" => {
                legacy(Charset::ShiftJisCore)
            }
            b"EUC" => legacy(Charset::EucJp),
            b"Add" | b"Ext" | b"NWP" => legacy(Charset::Jis7Bit),
            b"KSC-EUC" | b"KSCpc-EUC" => legacy(Charset::EucKr),
            b"KSCms-UHC" | b"KSCms-UHC-HW" => legacy(Charset::Uhc),
            b"KSC" => legacy(Charset::Ksc7Bit),
            _ => None,
        }
    }

    /// The next code at the start of `bytes`; `None` only when `bytes` is empty.
    pub fn next_code(&self, bytes: &[u8]) -> Option<Code> {
        match *self {
            Predefined::Identity { .. } => split(IDENTITY_SPACES, bytes),
            Predefined::Unicode { form, .. } => match form {
                UnicodeForm::Ucs2 => split(IDENTITY_SPACES, bytes),
                UnicodeForm::Utf16 => match bytes {
                    [0xD8..=0xDB, _, 0xDC..=0xDF, _, ..] => Some(code_of(bytes, 4, true)),
                    _ => split(IDENTITY_SPACES, bytes),
                },
                UnicodeForm::Utf8 => split(UTF8_SPACES, bytes),
                UnicodeForm::Utf32 => split(UTF32_SPACES, bytes),
            },
            Predefined::Legacy { charset, .. } => split(charset.spaces(), bytes),
        }
    }

    /// The Unicode of a code, `None` for Identity, for codes outside the codespace and
    /// for codes the character set leaves unassigned or private.
    pub fn unicode(&self, code: Code) -> Option<String> {
        if !code.in_codespace {
            return None;
        }
        let text = match *self {
            Predefined::Identity { .. } => return None,
            Predefined::Unicode { form, .. } => match form {
                UnicodeForm::Ucs2 | UnicodeForm::Utf32 => char::from_u32(code.code)?.to_string(),
                UnicodeForm::Utf16 => {
                    let units = if code.len == 4 {
                        vec![(code.code >> 16) as u16, code.code as u16]
                    } else {
                        vec![code.code as u16]
                    };
                    char::decode_utf16(units)
                        .collect::<Result<String, _>>()
                        .ok()?
                }
                UnicodeForm::Utf8 => {
                    let bytes = &code.code.to_be_bytes()[4 - usize::from(code.len).min(4)..];
                    std::str::from_utf8(bytes).ok()?.to_owned()
                }
            },
            Predefined::Legacy { charset, .. } => return charset.unicode(code),
        };
        plain_text(&text).then_some(text)
    }

    pub fn vertical(&self) -> bool {
        match *self {
            Predefined::Identity { vertical }
            | Predefined::Unicode { vertical, .. }
            | Predefined::Legacy { vertical, .. } => vertical,
        }
    }

    pub fn is_identity(&self) -> bool {
        matches!(self, Predefined::Identity { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a whole string through a CMap, `?` for what does not map.
    fn read(cmap: &CMap, mut bytes: &[u8]) -> String {
        let mut text = String::new();
        while let Some(code) = cmap.next_code(bytes) {
            bytes = &bytes[usize::from(code.len)..];
            text.push_str(
                &cmap
                    .unicode(code.code, code.len)
                    .unwrap_or_else(|| "?".into()),
            );
        }
        text
    }

    fn read_predefined(name: &str, mut bytes: &[u8]) -> String {
        let cmap = Predefined::from_name(name.as_bytes()).unwrap();
        let mut text = String::new();
        while let Some(code) = cmap.next_code(bytes) {
            assert!(code.len >= 1 && usize::from(code.len) <= bytes.len());
            bytes = &bytes[usize::from(code.len)..];
            text.push_str(&cmap.unicode(code).unwrap_or_else(|| "?".into()));
        }
        text
    }

    fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }

    /// The ToUnicode CMap LibreOffice 7 wrote for the CJK font of a text file holding
    /// `机密★10年 绝密★长期 秘密` (`soffice --convert-to pdf`, stream inflated with zlib).
    const LIBREOFFICE: &str = "/CIDInit/ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo<<
/Registry (Adobe)
/Ordering (UCS)
/Supplement 0
>> def
/CMapName/Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
11 beginbfchar
<01> <673A>
<02> <5BC6>
<03> <2605>
<04> <5E74>
<05> <0020>
<06> <7EDD>
<07> <957F>
<08> <671F>
<09> <79D8>
<0A> <6D4B>
<0B> <8BD5>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end
";

    /// The same text after `pdftocairo -pdf`: a 2-byte Identity-H font, lower-case hex.
    const CAIRO: &str = "/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo
<< /Registry (Adobe)
   /Ordering (UCS)
   /Supplement 0
>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <ffff>
endcodespacerange
10 beginbfchar
<0001> <673a>
<0002> <5bc6>
<0003> <2605>
<0004> <5e74>
<0005> <7edd>
<0006> <957f>
<0007> <671f>
<0008> <79d8>
<0009> <6d4b>
<000a> <8bd5>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end
";

    #[test]
    fn libreoffice_to_unicode() {
        let cmap = CMap::parse(LIBREOFFICE.as_bytes()).unwrap();
        assert_eq!(
            read(&cmap, &[1, 2, 3, 4, 5, 6, 2, 3, 7, 8]),
            "机密★年 绝密★长期"
        );
        assert_eq!(read(&cmap, &[0x0C]), "?");
        assert!(!cmap.vertical());
        assert_eq!(cmap.usecmap(), None);
    }

    #[test]
    fn cairo_to_unicode() {
        let cmap = CMap::parse(CAIRO.as_bytes()).unwrap();
        assert_eq!(read(&cmap, &hex("0001 0002 0003 0004")), "机密★年");
        // A lone trailing byte is a truncated code: outside the codespace.
        let code = cmap.next_code(&[0x00]).unwrap();
        assert_eq!((code.len, code.in_codespace), (1, false));
    }

    #[test]
    fn bfrange_forms() {
        let cmap = CMap::parse(
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange
              3 beginbfrange
              <0010> <0019> <0030>
              <0020> <0022> [<673A> <5BC6> /a35]
              <0100> <0102> [<0066006C> /uni5E74]
              endbfrange",
        )
        .unwrap();
        assert_eq!(
            read(&cmap, &hex("0011 0010 0020 0021 0022 0019")),
            "10机密★9"
        );
        assert_eq!(read(&cmap, &hex("0100 0101 0102 001A")), "fl年??");
    }

    #[test]
    fn ranges_crossing_a_byte_boundary_count_on() {
        // Source and destination both carry into the next byte, as pdf.js, PDFBox and
        // Adobe TN 5411 (`<1379> <137B> <90FE>` ends at <9100>) read them.
        let cmap = CMap::parse(
            b"beginbfrange <00FE> <0101> <00FE> <1379> <137B> <90FE> <0200> <0201> <FFFF> endbfrange",
        )
        .unwrap();
        assert_eq!(read(&cmap, &hex("00FE 00FF 0100 0101")), "þÿĀā");
        assert_eq!(
            read(&cmap, &hex("1379 137A 137B")),
            "\u{90FE}\u{90FF}\u{9100}"
        );
        // U+FFFF is a noncharacter, and past the top byte there is nothing to count on to.
        assert_eq!(read(&cmap, &hex("0200 0201")), "??");
        let mut top = [0xFF, 0xFF];
        assert_eq!(add_big_endian(&mut top, 1), None);
        let mut carry = [0x00, 0x90, 0xFE];
        assert_eq!(add_big_endian(&mut carry, 0x0102), Some(()));
        assert_eq!(carry, [0x00, 0x92, 0x00]);
    }

    #[test]
    fn surrogate_pairs_and_ligatures() {
        let cmap = CMap::parse(
            b"beginbfchar <0001> <D840DC00> <0002> <0066006C> <0003> <D840> <0004> <0000>
              <0005> <00660066> <0006> <41> endbfchar
              beginbfrange <0010> <0011> <D83DDE00> endbfrange",
        )
        .unwrap();
        assert_eq!(cmap.unicode(1, 2).as_deref(), Some("\u{20000}"));
        assert_eq!(cmap.unicode(2, 2).as_deref(), Some("fl"));
        assert_eq!(cmap.unicode(3, 2), None, "an unpaired surrogate is no text");
        assert_eq!(cmap.unicode(4, 2), None, "U+0000 is no text");
        assert_eq!(cmap.unicode(5, 2).as_deref(), Some("ff"));
        assert_eq!(cmap.unicode(6, 2).as_deref(), Some("A"));
        assert_eq!(cmap.unicode(0x11, 2).as_deref(), Some("😁"));
    }

    #[test]
    fn usecmap_wmode_and_cids() {
        let cmap = CMap::parse(
            b"%!PS-Adobe-3.0 Resource-CMap
              /CIDInit /ProcSet findresource begin 12 dict begin begincmap
              /CMapName /Custom-V def /WMode 1 def
              /UniGB-UCS2-V usecmap
              2 begincodespacerange <00> <80> <8140> <FEFE> endcodespacerange
              1 begincidrange <8140> <81FE> 100 endcidrange
              1 begincidchar <41> 34 endcidchar
              1 beginnotdefrange <00> <1F> 1 endnotdefrange
              endcmap",
        )
        .unwrap();
        assert_eq!(cmap.usecmap(), Some(&b"UniGB-UCS2-V"[..]));
        assert!(cmap.vertical());
        assert_eq!(cmap.cid(0x8140, 2), Some(100));
        assert_eq!(cmap.cid(0x8142, 2), Some(102));
        assert_eq!(cmap.cid(0x41, 1), Some(34));
        assert_eq!(cmap.cid(0x05, 1), None);
        assert_eq!(cmap.unicode(0x41, 1), None);
    }

    #[test]
    fn mixed_codespace() {
        let cmap = CMap::parse(
            b"begincodespacerange <00> <80> <8140> <FEFE> endcodespacerange
              beginbfchar <41> <0041> <BBFA> <673A> endbfchar",
        )
        .unwrap();
        let codes: Vec<Code> = {
            let mut bytes = &[0x41, 0xBB, 0xFA, 0x81, 0x30, 0xA0, 0xFF, 0x00][..];
            let mut codes = Vec::new();
            while let Some(code) = cmap.next_code(bytes) {
                bytes = &bytes[usize::from(code.len)..];
                codes.push(code);
            }
            codes
        };
        let c = |code, len, in_codespace| Code {
            code,
            len,
            in_codespace,
        };
        assert_eq!(
            codes,
            [
                c(0x41, 1, true),
                c(0xBBFA, 2, true),
                // 81 matches the first byte of the 2-byte range, 30 not its second.
                c(0x8130, 2, false),
                c(0xA0FF, 2, false),
                c(0x00, 1, true),
            ]
        );
        assert_eq!(cmap.unicode(0xBBFA, 2).as_deref(), Some("机"));
        // No range starts with 0x90..: one byte, outside.
        let only_low = CMap::parse(b"begincodespacerange <00> <7F> endcodespacerange").unwrap();
        assert_eq!(only_low.next_code(&[0x90, 0x41]), Some(c(0x90, 1, false)));
        assert_eq!(only_low.next_code(&[]), None);
    }

    #[test]
    fn without_codespace_the_caller_picks_the_length() {
        let cmap = CMap::parse(b"beginbfchar <01> <5BC6> endbfchar").unwrap();
        assert!(!cmap.has_codespace());
        assert_eq!(cmap.next_code(&[0, 1, 2]).map(|c| c.len), Some(2));
        assert_eq!(cmap.next_code_or(&[1, 2], 1).map(|c| c.code), Some(1));
        // A 2-byte code finds the entry written with one byte.
        assert_eq!(cmap.unicode(1, 2).as_deref(), Some("密"));
    }

    #[test]
    fn later_definitions_win() {
        let cmap = CMap::parse(
            b"beginbfrange <0000> <FFFF> <4E00> endbfrange
              beginbfchar <0005> <2605> endbfchar
              beginbfrange <0010> <0012> <0041> endbfrange",
        )
        .unwrap();
        assert_eq!(
            read(&cmap, &hex("0004 0005 0006 0011 0013")),
            "\u{4E04}★\u{4E06}B\u{4E13}"
        );
    }

    #[test]
    fn tolerates_garbage_and_missing_ends() {
        let cmap = CMap::parse(
            b"junk 1 2 3 << /A [1 2] >> { proc } (lit (nested) \\) ) <zz> 1.5
              beginbfchar <01> <0031> garbage <02> <0032> <03> /a35 <04> 7
              beginbfrange <10> <12> <0061> <20> <1F> <0041>",
        )
        .unwrap();
        assert_eq!(read(&{ cmap }, &[0, 1, 0, 2, 0, 3, 0, 4, 0, 0x11]), "12★?b");
        assert!(CMap::parse(b"").is_err());
        assert!(CMap::parse(b"begincmap endcmap %no mappings").is_err());
        assert!(CMap::parse(b"\xFF\x00<<<<>>>>]]][[[(((").is_err());
        let truncated = CMap::parse(b"beginbfchar <01> <00").unwrap();
        assert!(truncated.unicode(1, 1).is_none());
        let odd = CMap::parse(b"beginbfchar <1> <5BC6> endbfchar").unwrap();
        assert_eq!(
            odd.unicode(0x10, 1).as_deref(),
            Some("密"),
            "odd digit pads with 0"
        );
    }

    #[test]
    fn oversized_operands_are_dropped() {
        let long_dest = format!(
            "beginbfchar <01> <{}> <02> <0041> endbfchar",
            "0041".repeat(17 * 2)
        );
        let cmap = CMap::parse(long_dest.as_bytes()).unwrap();
        assert_eq!(cmap.unicode(1, 1), None);
        assert_eq!(cmap.unicode(2, 1).as_deref(), Some("A"));
        let long_code = CMap::parse(b"beginbfchar <0102030405> <0041> endbfchar");
        assert!(long_code.is_err());
    }

    #[test]
    fn mutated_cmaps_never_panic() {
        let seeds = [LIBREOFFICE.as_bytes(), CAIRO.as_bytes(), b"begincodespacerange <00> <80> <8140> <FEFE> endcodespacerange beginbfrange <8140> <8150> [<0041> /a1 <D840DC00>] <00> <7F> <0000> endbfrange begincidrange <8140> <FEFE> 5 endcidrange"];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"<>[]()/%\\ 0123456789abcdefABCDEF\n\x00\xFFbeginbfrangeendcidchar";
        for round in 0..3000 {
            let mut data = seeds[round % seeds.len()].to_vec();
            for _ in 0..1 + rand() % 8 {
                let at = (rand() as usize) % (data.len() + 1);
                match rand() % 4 {
                    0 if at < data.len() => data[at] = alphabet[rand() as usize % alphabet.len()],
                    1 if at < data.len() => {
                        data.remove(at);
                    }
                    2 => data.insert(at, alphabet[rand() as usize % alphabet.len()]),
                    _ => data.truncate(at),
                }
            }
            if let Ok(cmap) = CMap::parse(&data) {
                let mut bytes = &data[..data.len().min(64)];
                while let Some(code) = cmap.next_code(bytes) {
                    assert!(code.len >= 1 && usize::from(code.len) <= bytes.len());
                    bytes = &bytes[usize::from(code.len)..];
                    let _ = cmap.unicode(code.code, code.len);
                    let _ = cmap.cid(code.code, code.len);
                }
            }
        }
    }

    #[test]
    fn mapping_bound() {
        // One bfrange over the whole 2-byte space is one entry, not 65,536.
        let whole = CMap::parse(b"beginbfrange <0000> <FFFF> <0000> endbfrange").unwrap();
        assert_eq!(whole.unicode.entries.len(), 1);
        assert_eq!(whole.unicode(0x5BC6, 2).as_deref(), Some("密"));
        let mut text = b"beginbfchar\n".to_vec();
        for i in 0..(MAX_MAPPINGS as u32 + 10) {
            text.extend_from_slice(format!("<{i:06X}> <0041>\n").as_bytes());
        }
        let cmap = CMap::parse(&text).unwrap();
        assert_eq!(cmap.unicode.entries.len(), MAX_MAPPINGS);
        assert_eq!(
            cmap.unicode(MAX_MAPPINGS as u32 - 1, 3).as_deref(),
            Some("A")
        );
        assert_eq!(cmap.unicode(MAX_MAPPINGS as u32, 3), None);
    }

    const SECRET: &str = "机密★10年";

    #[test]
    fn gbk_and_gb_euc() {
        // Python: '机密★10年'.encode('gbk'); ★ is A1EF.
        let gbk = hex("bb fa c3 dc a1 ef 31 30 c4 ea");
        for name in [
            "GBK-EUC-H",
            "GBK-EUC-V",
            "GBKp-EUC-H",
            "GB-EUC-H",
            "GBpc-EUC-V",
            "GBK2K-H",
        ] {
            assert_eq!(read_predefined(name, &gbk), SECRET, "{name}");
        }
        assert!(Predefined::from_name(b"GB-EUC-V").unwrap().vertical());
        // GBK's extra area is not GB 2312: in GB-EUC 0x81 is one byte outside the
        // codespace, and 0x40 an ASCII code.
        assert_eq!(read_predefined("GBK-EUC-H", &hex("8140")), "丂");
        assert_eq!(read_predefined("GB-EUC-H", &hex("8140")), "?@");
        // 0x80 is one byte; only the Mac set (GBpc) gives it and FD-FF characters.
        assert_eq!(read_predefined("GB-EUC-H", &[0x80, 0x0A]), "??");
        assert_eq!(
            read_predefined("GBpc-EUC-H", &[0x80, 0xFD, 0xFE, 0xFF]),
            "ü©™…"
        );
        // User-defined (private-use) area: unmappable.
        assert_eq!(read_predefined("GBK-EUC-H", &hex("AAA1")), "?");
        // 7-bit GB: 机 is 3B7A.
        assert_eq!(read_predefined("GB-H", &hex("3B7A 435C")), "机密");
        // GB/T 12345 is traditional: GBK would give the simplified character.
        assert_eq!(read_predefined("GBT-EUC-H", &hex("BBFA")), "?");
    }

    #[test]
    fn gb18030_four_byte_codes() {
        // Python: '机密å€★𠀀'.encode('gb18030').
        let bytes = hex("bb fa c3 dc 81 30 8a 32 a2 e3 a1 ef 95 32 82 36");
        assert_eq!(read_predefined("GBK2K-H", &bytes), "机密å€★𠀀");
        let cmap = Predefined::from_name(b"GBK2K-V").unwrap();
        let code = cmap.next_code(&hex("81308a32")).unwrap();
        assert_eq!(
            (code.code, code.len, code.in_codespace),
            (0x8130_8A32, 4, true)
        );
        // A truncated 4-byte code is one code, not in the codespace, no text.
        assert_eq!(read_predefined("GBK2K-H", &hex("8130 8a")), "?");
    }

    #[test]
    fn unicode_cmaps() {
        // Python: '机密★10年'.encode('utf-16-be').
        let utf16 = hex("67 3a 5b c6 26 05 00 31 00 30 5e 74");
        for name in [
            "UniGB-UCS2-H",
            "UniGB-UTF16-V",
            "UniCNS-UCS2-H",
            "UniJIS-UCS2-HW-H",
            "UniKS-UTF16-H",
        ] {
            assert_eq!(read_predefined(name, &utf16), SECRET, "{name}");
        }
        let pair = hex("D840 DC00 5BC6");
        assert_eq!(read_predefined("UniGB-UTF16-H", &pair), "𠀀密");
        assert_eq!(read_predefined("UniGB-UCS2-H", &pair), "??密");
        assert_eq!(read_predefined("UniGB-UTF8-H", SECRET.as_bytes()), SECRET);
        assert_eq!(
            read_predefined("UniGB-UTF32-H", &hex("00005BC6 00020000")),
            "密𠀀"
        );
        assert_eq!(read_predefined("UniGB-UCS2-H", &hex("E000 0000")), "??");
    }

    #[test]
    fn big5_japanese_korean() {
        // Python: '機密★10年'.encode('big5'): 密 is B14B, a trail byte below 0x7F.
        let big5 = hex("be f7 b1 4b a1 b9 31 30 a6 7e");
        for name in [
            "ETen-B5-H",
            "ETenms-B5-V",
            "HKscs-B5-H",
            "B5pc-H",
            "HKm471-B5-H",
        ] {
            assert_eq!(read_predefined(name, &big5), "機密★10年", "{name}");
        }
        // Python: '極秘★'.encode('cp932') and .encode('euc_jp').
        assert_eq!(
            read_predefined("90ms-RKSJ-H", &hex("8bc9 94e9 819a 31 b1")),
            "極秘★1ｱ"
        );
        assert_eq!(read_predefined("90msp-RKSJ-V", &hex("5c 7e")), "??");
        assert_eq!(read_predefined("EUC-H", &hex("b6cb c8eb a1fa")), "極秘★");
        assert_eq!(read_predefined("H", &hex("364b 486b")), "極秘");
        // Python: '비밀★'.encode('euc_kr'); '똠'.encode('cp949') is UHC-only.
        assert_eq!(
            read_predefined("KSC-EUC-H", &hex("baf1 b9d0 a1da")),
            "비밀★"
        );
        assert_eq!(read_predefined("KSCms-UHC-HW-V", &hex("8c63 baf1")), "똠비");
        assert_eq!(read_predefined("KSC-EUC-H", &hex("8c63")), "?c");
    }

    #[test]
    fn identity_splits_without_unicode() {
        let identity = Predefined::from_name(b"Identity-H").unwrap();
        assert!(identity.is_identity() && !identity.vertical());
        assert!(Predefined::from_name(b"Identity-V").unwrap().vertical());
        let code = identity.next_code(&[0x12, 0x34, 0x56]).unwrap();
        assert_eq!(
            code,
            Code {
                code: 0x1234,
                len: 2,
                in_codespace: true
            }
        );
        assert_eq!(identity.unicode(code), None);
        // An odd trailing byte: one byte, outside the codespace, never a panic.
        let last = identity.next_code(&[0x56]).unwrap();
        assert_eq!(
            last,
            Code {
                code: 0x56,
                len: 1,
                in_codespace: false
            }
        );
        assert_eq!(identity.next_code(&[]), None);
    }

    #[test]
    fn names() {
        let all = "Identity UniGB-UCS2 UniGB-UTF16 UniCNS-UCS2 UniCNS-UTF16 UniJIS-UCS2 \
                   UniJIS-UCS2-HW UniJIS-UTF16 UniKS-UCS2 UniKS-UTF16 GB-EUC GBpc-EUC GBK-EUC \
                   GBKp-EUC GBK2K B5pc ETen-B5 HKscs-B5 ETenms-B5 90ms-RKSJ 90msp-RKSJ EUC \
                   KSC-EUC KSCms-UHC KSCms-UHC-HW";
        for stem in all.split_whitespace() {
            for dir in ["H", "V"] {
                let name = format!("{stem}-{dir}");
                let cmap = Predefined::from_name(name.as_bytes());
                assert_eq!(cmap.map(|c| c.vertical()), Some(dir == "V"), "{name}");
            }
        }
        for unknown in [
            "",
            "-H",
            "Identity",
            "GBK-EUC",
            "KSC-Johab-H",
            "Foo-H",
            "identity-h",
        ] {
            assert_eq!(Predefined::from_name(unknown.as_bytes()), None, "{unknown}");
        }
    }

    #[test]
    fn predefined_never_panic_on_random_bytes() {
        let names = [
            "Identity-H",
            "UniGB-UTF16-H",
            "UniGB-UTF8-H",
            "UniGB-UTF32-H",
            "GBK2K-H",
            "GBpc-EUC-H",
            "ETen-B5-H",
            "HKdla-B5-H",
            "90ms-RKSJ-H",
            "RKSJ-H",
            "EUC-H",
            "H",
            "KSCms-UHC-H",
            "KSC-H",
            "CNS-EUC-H",
            "GBT-EUC-H",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut bytes = Vec::new();
        for _ in 0..4096 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(state as u8);
        }
        for name in names {
            let text = read_predefined(name, &bytes);
            assert!(!text.is_empty(), "{name}");
        }
    }
}
