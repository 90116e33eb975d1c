//! Excel 97-2003 workbooks (BIFF8: the `Workbook` stream of .xls/.xlt and WPS .et) and
//! Excel 5.0/95 ones (BIFF5: `Book`), read from [MS-XLS]: the shared strings (SST, split
//! over CONTINUE records), each sheet's text cells in row order — one line per cell,
//! reported as its row, in its column's group — text results of formulas, page headers
//! and footers (margins), text boxes and chart text (notes), cell comments (hidden). A
//! hidden sheet is hidden text. An encrypted workbook (FILEPASS) is refused; a record
//! cut short is a gap beside what was read. Every loop is bounded by the stream.
//!
//! Read by hand rather than with the `calamine` crate (0.38, which would add only itself
//! and `codepage` to the build: it shares our `zip` 9 and `quick-xml`): calamine gives
//! cell values only — no page headers or footers, text boxes, comments or strings no
//! cell shows — parses the compound file a second time with its own reader, outside
//! `cfb` and our budget, and fails a whole file where this keeps what was read beside
//! a gap.

use encoding_rs::{Encoding, WINDOWS_1252};

use super::{Compound, admit, u16_at, u32_at};
use crate::extract::ooxml::header_footer_text;
use crate::extract::{
    Block, Bound, Document, ExtractError, Flavour, Gap, Part, Role, map_symbols,
    sheet_column_group, text,
};

/// Record types ([MS-XLS] 2.3).
mod rt {
    pub const FORMULA: u16 = 0x0006;
    pub const EOF: u16 = 0x000A;
    pub const HEADER: u16 = 0x0014;
    pub const FOOTER: u16 = 0x0015;
    pub const FILEPASS: u16 = 0x002F;
    pub const CONTINUE: u16 = 0x003C;
    pub const CODEPAGE: u16 = 0x0042;
    pub const OBJ: u16 = 0x005D;
    pub const BOUNDSHEET: u16 = 0x0085;
    pub const RSTRING: u16 = 0x00D6;
    pub const SST: u16 = 0x00FC;
    pub const LABELSST: u16 = 0x00FD;
    pub const TXO: u16 = 0x01B6;
    pub const LABEL: u16 = 0x0204;
    pub const STRING: u16 = 0x0207;
    pub const BOF: u16 = 0x0809;
    pub const HEADER_FOOTER: u16 = 0x089C;
    pub const SERIES_TEXT: u16 = 0x100D;
}

/// `ot` of an OBJ record that is a cell comment.
const OBJ_NOTE: u16 = 0x19;

/// Read the workbook of `file`.
pub fn read(file: &mut Compound) -> Result<Document, ExtractError> {
    let (stream, bytes) = match file.read("/Workbook")? {
        Some(b) => ("Workbook", b),
        None => match file.read("/Book")? {
            Some(b) => ("Book", b),
            None => return Err(ExtractError::Corrupt("no Workbook stream".into())),
        },
    };
    let (records, cut) = records(&bytes);
    let mut book = Book::new(records, file.budget.text_left(), &file.budget.limits)?;
    let globals_end = book.globals()?;
    book.sheets(globals_end);
    book.unshown_strings();
    if let Some(at) = cut {
        book.gap(
            stream,
            ExtractError::Corrupt(format!(
                "the {stream} stream ends inside the record at byte {at}"
            )),
        );
    }
    let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
    doc.encoding = if book.biff8 {
        "UTF-16LE"
    } else {
        book.encoding.name()
    };
    doc.gaps = std::mem::take(&mut book.gaps);
    admit(file.budget, book.parts, &mut doc);
    Ok(doc)
}

/// One record, with the data of the CONTINUE records after it.
struct Record<'a> {
    at: usize,
    kind: u16,
    data: Vec<&'a [u8]>,
}

impl Record<'_> {
    fn head(&self) -> &[u8] {
        self.data.first().copied().unwrap_or_default()
    }
}

/// The records of a stream, and the offset of a record the stream's end cuts short.
fn records(bytes: &[u8]) -> (Vec<Record<'_>>, Option<usize>) {
    let mut out: Vec<Record> = Vec::new();
    let mut at = 0usize;
    while let (Some(kind), Some(len)) = (u16_at(bytes, at), u16_at(bytes, at + 2)) {
        let start = at + 4;
        let Some(data) = bytes.get(start..start + len as usize) else {
            return (out, Some(at));
        };
        match out.last_mut() {
            Some(last) if kind == rt::CONTINUE => last.data.push(data),
            _ => out.push(Record {
                at,
                kind,
                data: vec![data],
            }),
        }
        at = start + len as usize;
    }
    (out, None)
}

/// Reads a record's data on through its CONTINUE records.
struct Cursor<'r, 'a> {
    data: &'r [&'a [u8]],
    seg: usize,
    pos: usize,
}

impl<'r, 'a> Cursor<'r, 'a> {
    fn new(data: &'r [&'a [u8]], seg: usize, pos: usize) -> Self {
        Cursor { data, seg, pos }
    }

    /// What is left of the current segment, moving past used-up ones.
    fn current(&mut self) -> Option<&'a [u8]> {
        loop {
            let seg = *self.data.get(self.seg)?;
            if self.pos < seg.len() {
                return Some(&seg[self.pos..]);
            }
            self.seg += 1;
            self.pos = 0;
        }
    }

    fn at_end(&mut self) -> bool {
        self.current().is_none()
    }

    fn u8(&mut self) -> Option<u8> {
        let b = *self.current()?.first()?;
        self.pos += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from(self.u16()?) | (u32::from(self.u16()?) << 16))
    }

    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            let k = self.current()?.len().min(n);
            self.pos += k;
            n -= k;
        }
        Some(())
    }

    /// `cch` characters, 8-bit or UTF-16 (`wide`). In BIFF8 (`enc` is `None`) each
    /// CONTINUE record the characters run into starts with a byte saying which the
    /// rest are, and 8-bit characters are the low bytes of UTF-16 units; in BIFF5 they
    /// are bytes in the workbook's code page. (text, whether some did not decode).
    fn chars(
        &mut self,
        cch: usize,
        mut wide: bool,
        enc: Option<&'static Encoding>,
    ) -> Option<(String, bool)> {
        let mut units: Vec<u16> = Vec::with_capacity(cch.min(1 << 16));
        let mut bytes: Vec<u8> = Vec::new();
        let mut left = cch;
        while left > 0 {
            let seg = *self.data.get(self.seg)?;
            if self.pos >= seg.len() {
                self.seg += 1;
                self.pos = 0;
                if enc.is_none() {
                    wide = *self.data.get(self.seg)?.first()? & 1 != 0;
                    self.pos = 1;
                }
                continue;
            }
            let rest = &seg[self.pos..];
            let width = if wide { 2 } else { 1 };
            let n = left.min(rest.len() / width);
            if n == 0 {
                // Half a UTF-16 unit before the record's end.
                return None;
            }
            let taken = &rest[..n * width];
            match (enc, wide) {
                (Some(_), _) => bytes.extend_from_slice(taken),
                (None, true) => units.extend(
                    taken
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]])),
                ),
                (None, false) => units.extend(taken.iter().map(|b| u16::from(*b))),
            }
            self.pos += n * width;
            left -= n;
        }
        Some(match enc {
            Some(enc) => {
                let (s, bad) = enc.decode_without_bom_handling(&bytes);
                (s.into_owned(), bad)
            }
            None => {
                let s = String::from_utf16_lossy(&units);
                let bad = s.contains('\u{FFFD}') && !units.contains(&0xFFFD);
                (s, bad)
            }
        })
    }
}

/// A sheet named in the workbook globals.
struct SheetEntry {
    name: String,
    /// Offset of its BOF record in the stream.
    at: usize,
    hidden: bool,
}

/// The text of one sheet's substream, before it becomes parts.
#[derive(Default)]
struct SheetText {
    /// (row, column, text), both 0-based.
    cells: Vec<(u16, u16, String)>,
    margins: Vec<String>,
    /// Text boxes and chart text: drawn on the sheet.
    drawn: Vec<String>,
    /// Cell comments and strings no cell shows.
    unseen: Vec<String>,
}

struct Book<'a> {
    records: Vec<Record<'a>>,
    biff8: bool,
    /// The code page of 8-bit strings in BIFF5.
    encoding: &'static Encoding,
    sst: Vec<String>,
    /// Whether a cell shows each shared string.
    shown: Vec<bool>,
    entries: Vec<SheetEntry>,
    parts: Vec<Part>,
    gaps: Vec<Gap>,
    /// Text that may still be produced (the budget's), and the bound named when not.
    text_left: u64,
    limits: &'a crate::extract::Limits,
    stopped: bool,
}

impl<'a> Book<'a> {
    fn new(
        records: Vec<Record<'a>>,
        text_left: u64,
        limits: &'a crate::extract::Limits,
    ) -> Result<Self, ExtractError> {
        let first = records
            .first()
            .filter(|r| r.kind == rt::BOF)
            .ok_or_else(|| ExtractError::Corrupt("the workbook does not start with BOF".into()))?;
        let biff8 = match u16_at(first.head(), 0) {
            Some(0x0600) => true,
            Some(0x0500) => false,
            v => {
                // Only BIFF5 and BIFF8 were ever stored in compound files.
                return Err(corrupt(format!(
                    "unknown Excel version {:#06x} in the workbook",
                    v.unwrap_or(0)
                )));
            }
        };
        Ok(Book {
            records,
            biff8,
            encoding: WINDOWS_1252,
            sst: Vec::new(),
            shown: Vec::new(),
            entries: Vec::new(),
            parts: Vec::new(),
            gaps: Vec::new(),
            text_left,
            limits,
            stopped: false,
        })
    }

    fn gap(&mut self, part: &str, error: ExtractError) {
        self.gaps.push(Gap {
            part: Some(part.to_string()),
            line: 1,
            error,
        });
    }

    /// The encoding of strings: `None` for BIFF8 (UTF-16 or its low bytes).
    fn enc(&self) -> Option<&'static Encoding> {
        (!self.biff8).then_some(self.encoding)
    }

    /// A string with a 16-bit (`long`) or 8-bit character count.
    fn string(&self, c: &mut Cursor, long: bool) -> Option<(String, bool)> {
        let cch = if long {
            usize::from(c.u16()?)
        } else {
            usize::from(c.u8()?)
        };
        let wide = self.biff8 && c.u8()? & 1 != 0;
        c.chars(cch, wide, self.enc())
    }

    /// The workbook globals: code page, sheets, shared strings. The index after their EOF.
    fn globals(&mut self) -> Result<usize, ExtractError> {
        let mut i = 1;
        while let Some(r) = self.records.get(i) {
            match r.kind {
                rt::EOF => return Ok(i + 1),
                rt::FILEPASS => return Err(ExtractError::Encrypted),
                rt::CODEPAGE => {
                    let cp = u16_at(r.head(), 0).unwrap_or(1252);
                    self.encoding = text::codepage(u32::from(cp)).unwrap_or(WINDOWS_1252);
                }
                rt::BOUNDSHEET => self.sheet_entry(i),
                rt::SST if self.biff8 => self.shared_strings(i),
                _ => {}
            }
            i += 1;
        }
        let why = "the workbook ends inside its globals (no EOF record)".to_string();
        self.gap("Workbook", corrupt(why));
        Ok(i)
    }

    fn sheet_entry(&mut self, i: usize) {
        let r = &self.records[i];
        let head = r.head();
        let (Some(at), Some(state)) = (u32_at(head, 0), head.get(4)) else {
            let at = r.at;
            self.gap(
                "Workbook",
                corrupt(format!("sheet entry at byte {at} cut short")),
            );
            return;
        };
        let mut c = Cursor::new(&r.data, 0, 6);
        let name = match self.string(&mut c, false) {
            Some((name, _)) => name,
            None => format!("{}", self.entries.len() + 1),
        };
        self.entries.push(SheetEntry {
            name,
            at: at as usize,
            hidden: state & 3 != 0,
        });
    }

    /// The SST record at `i`: the strings cells show by number.
    fn shared_strings(&mut self, i: usize) {
        let r = &self.records[i];
        let mut c = Cursor::new(&r.data, 0, 0);
        let (Some(_total), Some(unique)) = (c.u32(), c.u32()) else {
            self.gap("Workbook", corrupt("shared string table cut short".into()));
            return;
        };
        let bytes: usize = r.data.iter().map(|d| d.len()).sum();
        // Each string takes at least 3 bytes: the count cannot promise more.
        let mut sst = Vec::with_capacity((unique as usize).min(bytes / 3));
        let mut lossy = false;
        let mut cut = None;
        for n in 0..unique {
            if c.at_end() {
                break;
            }
            match rich_string(&mut c) {
                Some((s, bad)) => {
                    lossy |= bad;
                    sst.push(s);
                }
                None => {
                    cut = Some(n);
                    break;
                }
            }
        }
        if let Some(n) = cut {
            let why = format!("shared string {n} runs past the end of its records");
            self.gap("Workbook", corrupt(why));
        }
        if lossy {
            self.gap(
                "Workbook",
                ExtractError::Undecodable("shared strings with broken UTF-16".into()),
            );
        }
        self.shown = vec![false; sst.len()];
        self.sst = sst;
    }

    /// Every sheet substream: those the globals name in their order, then any other.
    fn sheets(&mut self, globals_end: usize) {
        let mut read = std::collections::HashSet::new();
        let entries = std::mem::take(&mut self.entries);
        for (n, entry) in entries.iter().enumerate() {
            let place = format!("sheet {} ({})", n + 1, entry.name);
            let found = self.records.binary_search_by_key(&entry.at, |r| r.at);
            match found {
                Ok(i) if self.records[i].kind == rt::BOF && i > 0 => {
                    if !read.insert(i) {
                        let why = "its records are another sheet's".to_string();
                        self.gap(&place, corrupt(why));
                        continue;
                    }
                    let (text, _) = self.sheet_text(i, &place);
                    self.sheet_parts(n as u32 + 1, &place, entry.hidden, text);
                }
                _ => {
                    let why = format!("no sheet at byte {} of the workbook", entry.at);
                    self.gap(&place, corrupt(why));
                }
            }
        }
        // Substreams no sheet entry names: nobody sees them.
        let mut i = globals_end;
        let mut extra = entries.len() as u32;
        while i < self.records.len() && !self.stopped {
            if self.records[i].kind != rt::BOF {
                i += 1;
                continue;
            }
            if !read.insert(i) {
                i = self.substream_end(i);
                continue;
            }
            let place = format!("substream at byte {}", self.records[i].at);
            let (text, end) = self.sheet_text(i, &place);
            extra += 1;
            self.sheet_parts(extra, &place, true, text);
            i = end;
        }
    }

    /// The index after the EOF that ends the substream whose BOF is record `from`.
    fn substream_end(&self, from: usize) -> usize {
        let mut depth = 0usize;
        for (i, r) in self.records.iter().enumerate().skip(from) {
            match r.kind {
                rt::BOF => depth += 1,
                rt::EOF if depth <= 1 => return i + 1,
                rt::EOF => depth -= 1,
                _ => {}
            }
        }
        self.records.len()
    }

    /// The text of the substream whose BOF is record `from`; the index after its EOF.
    /// Text beyond the budget's is not produced: a gap says so and reading stops.
    fn sheet_text(&mut self, from: usize, place: &str) -> (SheetText, usize) {
        let mut state = SheetState::default();
        let mut depth = 0usize;
        let mut i = from;
        let mut ended = false;
        while let Some(r) = self.records.get(i) {
            i += 1;
            match r.kind {
                rt::BOF => depth += 1,
                rt::EOF => {
                    depth = depth.saturating_sub(1);
                    ended = depth == 0;
                    if ended {
                        break;
                    }
                }
                _ => self.record_text(r, &mut state),
            }
            if state.produced > self.text_left {
                self.stopped = true;
                break;
            }
        }
        for n in state.shown {
            self.shown[n] = true;
        }
        self.text_left = self.text_left.saturating_sub(state.produced);
        if !ended && !self.stopped {
            state
                .broken
                .push("the sheet ends without its EOF record".into());
        }
        for why in state.broken {
            self.gap(place, corrupt(why));
        }
        if state.lossy {
            self.gap(
                place,
                ExtractError::Undecodable("text with broken UTF-16".into()),
            );
        }
        if self.stopped {
            self.gap(place, Bound::Text.exceeded(self.limits, place));
        }
        (state.text, i)
    }

    /// What one record of a sheet substream adds to its text.
    fn record_text(&self, r: &Record, state: &mut SheetState) {
        let head = r.head();
        let cell = || Some((u16_at(head, 0)?, u16_at(head, 2)?));
        let string = |state: &mut SheetState, long: bool, seg: usize, pos: usize| {
            let mut c = Cursor::new(&r.data, seg, pos);
            let (s, bad) = self.string(&mut c, long)?;
            state.lossy |= bad;
            state.produced += s.len() as u64;
            Some(s)
        };
        match r.kind {
            rt::LABELSST => {
                let index = u32_at(head, 6).map(|n| n as usize);
                match (cell(), index.and_then(|n| Some((n, self.sst.get(n)?)))) {
                    (Some((row, col)), Some((n, s))) => {
                        state.produced += s.len() as u64;
                        state.text.cells.push((row, col, s.clone()));
                        state.shown.push(n);
                    }
                    _ => state.broken.push(format!(
                        "a cell shows a shared string the workbook lacks (byte {})",
                        r.at
                    )),
                }
            }
            rt::LABEL | rt::RSTRING => {
                if let (Some((row, col)), Some(s)) = (cell(), string(state, true, 0, 6)) {
                    state.text.cells.push((row, col, s));
                }
            }
            rt::FORMULA => {
                // A text result: the value's first byte 0 and its last two 0xFFFF; the
                // text follows in a STRING record.
                let text = head.get(6) == Some(&0) && head.get(12..14) == Some(&[0xFF, 0xFF]);
                state.formula = cell().filter(|_| text);
            }
            rt::STRING => match (state.formula.take(), string(state, true, 0, 0)) {
                (Some((row, col)), Some(s)) => state.text.cells.push((row, col, s)),
                // A formula result no cell shows.
                (None, Some(s)) => state.text.unseen.push(s),
                _ => {}
            },
            rt::HEADER | rt::FOOTER if !head.is_empty() => {
                if let Some(s) = string(state, self.biff8, 0, 0) {
                    state.text.margins.push(s);
                }
            }
            rt::HEADER_FOOTER => {
                let more = self.header_footer(r);
                state.produced += more.iter().map(|s| s.len() as u64).sum::<u64>();
                state.text.margins.extend(more);
            }
            rt::OBJ if u16_at(head, 0) == Some(0x15) => state.obj = u16_at(head, 4).unwrap_or(0),
            rt::TXO if self.biff8 => self.text_object(r, state),
            rt::SERIES_TEXT if self.biff8 => {
                if let Some(s) = string(state, false, 0, 2) {
                    state.text.drawn.push(s);
                }
            }
            _ => {}
        }
    }

    /// A text box or comment (TXO): its characters are in the CONTINUE records after it,
    /// the first of them starting with the 8-bit/UTF-16 flag.
    fn text_object(&self, r: &Record, state: &mut SheetState) {
        let cch = usize::from(u16_at(r.head(), 10).unwrap_or(0));
        if cch == 0 {
            return;
        }
        let mut c = Cursor::new(&r.data, 1, 0);
        match c.u8().and_then(|f| c.chars(cch, f & 1 != 0, None)) {
            Some((s, bad)) => {
                state.lossy |= bad;
                state.produced += s.len() as u64;
                if state.obj == OBJ_NOTE {
                    state.text.unseen.push(s);
                } else {
                    state.text.drawn.push(s);
                }
            }
            None => state
                .broken
                .push(format!("a text box cut short (byte {})", r.at)),
        }
    }

    /// The even-page and first-page headers and footers of a HeaderFooter record:
    /// after the frt header (12 bytes), view GUID (16), flags (2), their four counts.
    fn header_footer(&self, r: &Record) -> Vec<String> {
        let head = r.head();
        let mut c = Cursor::new(&r.data, 0, 38);
        let mut out = Vec::new();
        for k in 0..4 {
            let Some(cch) = u16_at(head, 30 + 2 * k).filter(|n| *n > 0) else {
                continue;
            };
            // The count is given twice: before the strings and in each.
            let Some((s, _)) = self.string(&mut c, true) else {
                break;
            };
            if s.encode_utf16().count() != usize::from(cch) {
                break;
            }
            out.push(s);
        }
        out
    }

    /// One sheet's text as parts: cells by row then column, margins, what is drawn on
    /// it (notes) and what is not shown (hidden). `no` numbers the sheet's groups.
    fn sheet_parts(&mut self, no: u32, place: &str, hidden: bool, mut text: SheetText) {
        let role = |r: Role| if hidden { Role::Hidden } else { r };
        text.cells.sort_by_key(|c| (c.0, c.1));
        let mut cells = Part::new(Some(place.to_string()), role(Role::Body));
        for (row, col, s) in &text.cells {
            let block = Block::TableCell(sheet_column_group(no, u32::from(*col) + 1));
            cells.push_line_in(&map_symbols(s), u32::from(*row) + 1, block);
        }
        self.parts.push(cells);
        for (lines, r) in [
            (text.margins, Role::Margin),
            (text.drawn, Role::Note),
            (text.unseen, Role::Hidden),
        ] {
            let mut part = Part::new(Some(place.to_string()), role(r));
            for (n, s) in lines.iter().enumerate() {
                let s = if r == Role::Margin {
                    header_footer_text(s)
                } else {
                    s.clone()
                };
                part.push_line(&map_symbols(&s), n as u32 + 1);
            }
            self.parts.push(part);
        }
    }

    /// Shared strings no cell shows: in the file, unseen.
    fn unshown_strings(&mut self) {
        let mut part = Part::new(Some("shared strings".to_string()), Role::Hidden);
        for (n, s) in self.sst.iter().enumerate() {
            if !self.shown[n] && !s.trim().is_empty() {
                part.push_line(&map_symbols(s), n as u32 + 1);
            }
        }
        self.parts.push(part);
    }
}

/// What reading one sheet substream has gathered so far.
#[derive(Default)]
struct SheetState {
    text: SheetText,
    /// The cell of a formula whose text result the next STRING record holds.
    formula: Option<(u16, u16)>,
    /// The object type of the last OBJ record (what a TXO after it is).
    obj: u16,
    /// Shared strings shown by a cell.
    shown: Vec<usize>,
    broken: Vec<String>,
    lossy: bool,
    /// Bytes of text produced.
    produced: u64,
}

/// A corrupt-file reason.
fn corrupt(why: String) -> ExtractError {
    ExtractError::Corrupt(why)
}

/// A shared string (XLUnicodeRichExtendedString): the characters, past the formatting
/// runs and phonetic data that follow them.
fn rich_string(c: &mut Cursor) -> Option<(String, bool)> {
    let cch = usize::from(c.u16()?);
    let flags = c.u8()?;
    let runs = if flags & 0x08 != 0 { c.u16()? } else { 0 };
    let ext = if flags & 0x04 != 0 { c.u32()? } else { 0 };
    let s = c.chars(cch, flags & 1 != 0, None)?;
    c.skip(4 * usize::from(runs))?;
    c.skip(ext as usize)?;
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ole::tests::{compound_with, lines, read_doc};

    fn rec(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    /// An XLUnicodeString: 16-bit count, flags, characters (UTF-16 when not Latin-1).
    fn xl_string(s: &str, long: bool) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let wide = units.iter().any(|u| *u > 0xFF);
        let mut out = if long {
            (units.len() as u16).to_le_bytes().to_vec()
        } else {
            vec![units.len() as u8]
        };
        out.push(u8::from(wide));
        for u in units {
            if wide {
                out.extend(u.to_le_bytes());
            } else {
                out.push(u as u8);
            }
        }
        out
    }

    fn bof(dt: u16) -> Vec<u8> {
        let mut d = vec![0u8; 16];
        d[..2].copy_from_slice(&0x0600u16.to_le_bytes());
        d[2..4].copy_from_slice(&dt.to_le_bytes());
        rec(rt::BOF, &d)
    }

    fn cell(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d
    }

    fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
        let mut d = cell(row, col);
        d.extend(isst.to_le_bytes());
        rec(rt::LABELSST, &d)
    }

    /// A workbook: `sst` records (SST and its CONTINUEs, already made), then sheets
    /// (name, visibility state, records of its substream after BOF).
    fn workbook(sst: &[u8], sheets: &[(&str, u8, Vec<u8>)]) -> Vec<u8> {
        let entry = |at: u32, state: u8, name: &str| {
            let mut d = at.to_le_bytes().to_vec();
            d.extend([state, 0]);
            d.extend(xl_string(name, false));
            rec(rt::BOUNDSHEET, &d)
        };
        let mut globals = bof(5);
        let entries_len: usize = sheets.iter().map(|s| entry(0, 0, s.0).len()).sum();
        let mut at = globals.len() + entries_len + sst.len() + 4;
        let mut streams = Vec::new();
        for (name, state, body) in sheets {
            globals.extend(entry(at as u32, *state, name));
            let mut sub = bof(0x10);
            sub.extend(body);
            sub.extend(rec(rt::EOF, &[]));
            at += sub.len();
            streams.extend(sub);
        }
        globals.extend(sst);
        globals.extend(rec(rt::EOF, &[]));
        globals.extend(streams);
        globals
    }

    fn sst(strings: &[&str]) -> Vec<u8> {
        let mut d = (strings.len() as u32).to_le_bytes().to_vec();
        d.extend((strings.len() as u32).to_le_bytes());
        for s in strings {
            d.extend(xl_string(s, true));
        }
        rec(rt::SST, &d)
    }

    fn read_book(stream: &[u8]) -> Result<Document, ExtractError> {
        read_doc(&compound_with(&[("/Workbook", stream)]), "xls")
    }

    /// The legacy twin of `xlsx/sheet.xlsx`, made by LibreOffice: the mark in A1 and
    /// in the page header, the table's cells in their columns' groups.
    #[test]
    fn the_fixture_reads_like_its_twin() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/office/legacy/sheet.xls"
        );
        let doc = read_doc(&std::fs::read(path).unwrap(), "xls").unwrap();
        let got = lines(&doc);
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        let first = &got[0];
        assert_eq!(
            (first.0.as_str(), first.1, first.2, first.4.as_str()),
            ("sheet 1 (检查台账)", Role::Body, 1, "秘密★5年")
        );
        assert_eq!(first.3, Block::TableCell(sheet_column_group(1, 1)));
        assert!(
            got.iter().any(|l| l.1 == Role::Margin && l.4 == "秘密★5年"),
            "{got:?}"
        );
        // Rows in order, each row's cells by column.
        let rows: Vec<u32> = got
            .iter()
            .filter(|l| l.1 == Role::Body)
            .map(|l| l.2)
            .collect();
        assert!(
            rows.windows(2).all(|w| w[0] <= w[1]) && rows.len() > 4,
            "{rows:?}"
        );
    }

    #[test]
    fn cells_in_row_order_with_their_columns() {
        let mut body = label_sst(2, 1, 1);
        body.extend(label_sst(0, 0, 0));
        let mut label = cell(1, 3);
        label.extend(xl_string("绝密★长期", true));
        body.extend(rec(rt::LABEL, &label));
        // A formula whose result is text.
        let mut f = cell(3, 0);
        f.extend([0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
        f.extend([0; 6]);
        body.extend(rec(rt::FORMULA, &f));
        body.extend(rec(rt::STRING, &xl_string("秘密★1年", true)));
        let stream = workbook(&sst(&["机密★10年", "b", "unshown ★"]), &[("S", 0, body)]);
        let doc = read_book(&stream).unwrap();
        let got: Vec<(Role, u32, Block, String)> = lines(&doc)
            .into_iter()
            .map(|l| (l.1, l.2, l.3, l.4))
            .collect();
        let g = |c| Block::TableCell(sheet_column_group(1, c));
        assert_eq!(
            got,
            vec![
                (Role::Body, 1, g(1), "机密★10年".into()),
                (Role::Body, 2, g(4), "绝密★长期".into()),
                (Role::Body, 3, g(2), "b".into()),
                (Role::Body, 4, g(1), "秘密★1年".into()),
                (Role::Hidden, 3, Block::Text, "unshown ★".into()),
            ]
        );
    }

    /// A shared string split over CONTINUE records, the rest switching from UTF-16 to
    /// 8-bit; rich-text runs and phonetic data split too.
    #[test]
    fn strings_split_over_continue_records() {
        let mut first = 2u32.to_le_bytes().to_vec();
        first.extend(2u32.to_le_bytes());
        // String 0: "机密★10年" with 1 run and 6 bytes of phonetic data; 3 characters
        // (UTF-16) here, the rest 8-bit... "10" then UTF-16 "年" in two more records.
        first.extend(6u16.to_le_bytes());
        first.push(0x01 | 0x04 | 0x08);
        first.extend(1u16.to_le_bytes());
        first.extend(6u32.to_le_bytes());
        for c in "机密★".encode_utf16() {
            first.extend(c.to_le_bytes());
        }
        let mut stream_sst = rec(rt::SST, &first);
        stream_sst.extend(rec(rt::CONTINUE, b"\x0010"));
        let mut third = vec![1u8];
        third.extend("年".encode_utf16().next().unwrap().to_le_bytes());
        third.extend([1, 2]); // half of the run
        stream_sst.extend(rec(rt::CONTINUE, &third));
        let mut fourth = vec![3u8, 4];
        fourth.extend([9; 6]); // phonetic data
        fourth.extend(xl_string("x", true));
        stream_sst.extend(rec(rt::CONTINUE, &fourth));
        let mut body = label_sst(0, 0, 0);
        body.extend(label_sst(1, 0, 1));
        let doc = read_book(&workbook(&stream_sst, &[("S", 0, body)])).unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        assert_eq!(doc.parts[0].text, "机密★10年\nx\n");
    }

    #[test]
    fn hidden_sheets_margins_and_comments() {
        let mut hidden = label_sst(0, 0, 0);
        hidden.extend(rec(rt::HEADER, &xl_string("&L机密★5年&R&P", true)));
        let mut obj = 0x15u16.to_le_bytes().to_vec();
        obj.extend(18u16.to_le_bytes());
        obj.extend(OBJ_NOTE.to_le_bytes());
        let mut visible = rec(rt::OBJ, &obj);
        let mut txo = vec![0u8; 18];
        txo[10..12].copy_from_slice(&6u16.to_le_bytes());
        visible.extend(rec(rt::TXO, &txo));
        let mut chars = vec![1u8];
        for c in "秘密★10年".encode_utf16() {
            chars.extend(c.to_le_bytes());
        }
        visible.extend(rec(rt::CONTINUE, &chars));
        visible.extend(rec(rt::CONTINUE, &[0; 16]));
        let stream = workbook(&sst(&["绝密★30年"]), &[("a", 0, visible), ("b", 1, hidden)]);
        let doc = read_book(&stream).unwrap();
        let got: Vec<(String, Role, String)> =
            lines(&doc).into_iter().map(|l| (l.0, l.1, l.4)).collect();
        assert_eq!(
            got,
            vec![
                ("sheet 1 (a)".into(), Role::Hidden, "秘密★10年".into()),
                ("sheet 2 (b)".into(), Role::Hidden, "绝密★30年".into()),
                ("sheet 2 (b)".into(), Role::Hidden, "机密★5年".into()),
            ]
        );
    }

    #[test]
    fn encrypted_workbooks_are_refused() {
        let mut stream = bof(5);
        stream.extend(rec(rt::FILEPASS, &[1, 0, 1, 0, 1, 0]));
        stream.extend(rec(rt::EOF, &[]));
        assert_eq!(read_book(&stream).err(), Some(ExtractError::Encrypted));
    }

    /// Hostile workbooks: gaps or ML900, bounded, never a panic.
    #[test]
    fn hostile_workbooks() {
        // Empty, not a BOF, an unknown version.
        for stream in [vec![], rec(rt::EOF, &[]), rec(rt::BOF, &[0, 7, 5, 0])] {
            assert!(read_book(&stream).is_err());
        }
        // An SST promising four billion strings, holding one.
        let mut big = u32::MAX.to_le_bytes().to_vec();
        big.extend(u32::MAX.to_le_bytes());
        big.extend(xl_string("机密★1年", true));
        let body = [label_sst(0, 0, 0), label_sst(1, 0, 7)].concat();
        let doc = read_book(&workbook(&rec(rt::SST, &big), &[("S", 0, body)])).unwrap();
        assert!(doc.parts[0].text.contains("机密★1年"));
        assert_eq!(doc.gaps.len(), 1, "{:?}", doc.gaps);
        // A string longer than its records; phonetic data past the end.
        let mut cut = 1u32.to_le_bytes().to_vec();
        cut.extend(1u32.to_le_bytes());
        cut.extend(xl_string("机密★1年", true));
        cut.truncate(cut.len() - 3);
        let doc = read_book(&workbook(&rec(rt::SST, &cut), &[])).unwrap();
        assert!(!doc.gaps.is_empty());
        // A record running past the stream; a sheet entry pointing nowhere; two
        // entries naming the same substream.
        let mut stream = workbook(&sst(&["x"]), &[("S", 0, label_sst(0, 0, 0))]);
        stream.extend(rec(rt::LABELSST, &[0; 10])[..8].iter());
        let doc = read_book(&stream).unwrap();
        assert!(
            doc.gaps
                .iter()
                .any(|g| matches!(&g.error, ExtractError::Corrupt(m) if m.contains("ends inside")))
        );
        let mut entry = 9999u32.to_le_bytes().to_vec();
        entry.extend([0, 0]);
        entry.extend(xl_string("nowhere", false));
        let mut stream = bof(5);
        stream.extend(rec(rt::BOUNDSHEET, &entry));
        stream.extend(rec(rt::BOUNDSHEET, &[0, 0, 0, 0, 0, 0, 1, 0, b'z']));
        stream.extend(rec(rt::EOF, &[]));
        let doc = read_book(&stream).unwrap();
        assert_eq!(doc.gaps.len(), 2, "{:?}", doc.gaps);
    }

    /// A million cells showing one long string: the text bound stops it early.
    #[test]
    fn text_amplification_is_bounded() {
        let long = "机".repeat(8000);
        let body: Vec<u8> = (0..2000u16).flat_map(|r| label_sst(r, 0, 0)).collect();
        let stream = workbook(&sst(&[&long]), &[("S", 0, body)]);
        let bytes = compound_with(&[("/Workbook", &stream)]);
        let limits = crate::extract::Limits {
            max_text_bytes: 1 << 20,
            ..crate::extract::Limits::new(64 << 20)
        };
        let budget = crate::extract::Budget::new(&limits);
        let doc = match super::super::extract(&bytes, "xls", &budget, 0).unwrap() {
            crate::extract::Extracted::Doc(d) => d,
            _ => panic!(),
        };
        let text: usize = doc.parts.iter().map(|p| p.text.len()).sum();
        assert!(text <= 1 << 20);
        assert!(
            doc.gaps
                .iter()
                .any(|g| matches!(g.error, ExtractError::Limit(_)))
        );
    }

    /// The property sets beside the workbook: a user-defined 密级 is read.
    #[test]
    fn properties_beside_the_workbook() {
        use crate::extract::ole::props::USER_DEFINED;
        use crate::extract::ole::props::tests::{codepage, dictionary_of, lpstr, property_set};
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let set = property_set(
            USER_DEFINED,
            &[
                (0, dictionary_of(&[(2, "密级")])),
                (1, codepage(936)),
                (2, lpstr(&gbk("机密"))),
            ],
        );
        let stream = workbook(&sst(&["x"]), &[("S", 0, label_sst(0, 0, 0))]);
        let file = compound_with(&[
            ("/Workbook", &stream),
            ("/\u{5}DocumentSummaryInformation", &set),
        ]);
        let doc = read_doc(&file, "xls").unwrap();
        let props: Vec<(&str, &str)> = doc
            .props
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(props, [("密级", "机密")]);
    }

    /// An Excel 5.0/95 workbook (BIFF5, `Book`): 8-bit strings in the CODEPAGE's
    /// encoding (GBK here), no flags byte, sheet names with an 8-bit count.
    #[test]
    fn biff5_strings_in_their_code_page() {
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let bof5 = |dt: u16| {
            let mut d = 0x0500u16.to_le_bytes().to_vec();
            d.extend(dt.to_le_bytes());
            d.extend([0; 4]);
            rec(rt::BOF, &d)
        };
        let mut label = cell(0, 0);
        let text = gbk("机密★10年");
        label.extend((text.len() as u16).to_le_bytes());
        label.extend(&text);
        let mut sheet = bof5(0x10);
        sheet.extend(rec(rt::LABEL, &label));
        sheet.extend(rec(rt::EOF, &[]));
        let name = gbk("台账");
        let mut globals = bof5(5);
        globals.extend(rec(rt::CODEPAGE, &936u16.to_le_bytes()));
        let entry_len = 4 + 6 + 1 + name.len();
        let at = (globals.len() + entry_len + 4) as u32;
        let mut entry = at.to_le_bytes().to_vec();
        entry.extend([0, 0, name.len() as u8]);
        entry.extend(&name);
        globals.extend(rec(rt::BOUNDSHEET, &entry));
        globals.extend(rec(rt::EOF, &[]));
        globals.extend(sheet);
        let doc = read_doc(&compound_with(&[("/Book", &globals)]), "xls").unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        assert_eq!(doc.parts[0].name.as_deref(), Some("sheet 1 (台账)"));
        assert_eq!(doc.parts[0].text, "机密★10年\n");
        // Code page 936 reads with the GB18030 decoder (text::codepage).
        assert_eq!(doc.encoding, "gb18030");
    }
}
