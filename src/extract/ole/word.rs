//! Word 97–2003 binary documents (.doc/.dot, and WPS's .wps/.wpt, the same format), per
//! [MS-DOC]: the FIB of the `WordDocument` stream locates the piece table in the table
//! stream; the piece table maps character positions to 8-bit or UTF-16 text; the CP
//! range is cut into stories (main text, footnotes, headers, comments, endnotes, text
//! boxes), each read paragraph by paragraph as the .docx reader reads its parts, with
//! character (hidden, deleted, symbol) and paragraph (table, list, heading) properties
//! from the FKPs. Every offset is checked against its stream and every count bounded by
//! it; what cannot be read is an `ExtractError` or a `Gap`, never a panic.

use std::collections::BTreeSet;
use std::ops::Range;

use super::{Compound, u16_at, u32_at};
use crate::extract::{
    Block, Document, ExtractError, Flavour, Gap, Part, Role, map_symbols, symbol_char,
};

/// The FIB fields this reader uses ([MS-DOC] 2.5.1).
#[derive(Debug)]
struct Fib {
    /// `fWhichTblStm`: the table stream is `1Table` (else `0Table`).
    table_1: bool,
    /// Story lengths in CPs: text, footnotes, headers, comments, endnotes, text boxes,
    /// header text boxes.
    ccp: [u32; 7],
    /// FibRgFcLcb97 and later: (fc, lcb) pairs, as many as the file has.
    fc_lcb: Vec<(u32, u32)>,
}

/// Indices into FibRgFcLcb97 ([MS-DOC] 2.5.6).
const PLCF_SED: usize = 6;
const PLCF_HDD: usize = 11;
const PLCF_BTE_CHPX: usize = 12;
const PLCF_BTE_PAPX: usize = 13;
const STTBF_FFN: usize = 15;
const CLX: usize = 33;
const PLC_SPA_MOM: usize = 40;
const PLCF_TXBX_TXT: usize = 56;

const WORD_97: u16 = 0x00C0;

fn corrupt(why: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt(why.into())
}

impl Fib {
    /// The FIB at the start of the `WordDocument` stream.
    fn parse(w: &[u8]) -> Result<Fib, ExtractError> {
        let short = || corrupt("WordDocument: the file information block is cut short");
        let ident = u16_at(w, 0).ok_or_else(short)?;
        if ident != 0xA5EC {
            return Err(corrupt(format!(
                "WordDocument: not a Word document (identifier {ident:#06x})"
            )));
        }
        let nfib = u16_at(w, 2).ok_or_else(short)?;
        let flags = u16_at(w, 0x0A).ok_or_else(short)?;
        // fEncrypted, fObfuscated: the text is not readable as stored.
        if flags & (1 << 8) != 0 || flags & (1 << 15) != 0 {
            return Err(ExtractError::Encrypted);
        }
        if nfib < WORD_97 {
            return Err(ExtractError::Legacy(
                "a Word 6.0/95 document (.doc), older than Word 97".into(),
            ));
        }
        // FibBase (32 bytes), csw + FibRgW, cslw + FibRgLw, cbRgFcLcb + FibRgFcLcb.
        let csw = usize::from(u16_at(w, 32).ok_or_else(short)?);
        let at_lw = 34 + 2 * csw;
        let cslw = usize::from(u16_at(w, at_lw).ok_or_else(short)?);
        let lw = at_lw + 2;
        let at_fc = lw + 4 * cslw;
        let cb_fc_lcb = usize::from(u16_at(w, at_fc).ok_or_else(short)?);
        if cslw < 11 || cb_fc_lcb <= CLX {
            return Err(corrupt(
                "WordDocument: the file information block is too short",
            ));
        }
        let lw_at = |i: usize| u32_at(w, lw + 4 * i).ok_or_else(short);
        let ccp = [
            lw_at(3)?,
            lw_at(4)?,
            lw_at(5)?,
            lw_at(7)?,
            lw_at(8)?,
            lw_at(9)?,
            lw_at(10)?,
        ];
        let fc_lcb = (0..cb_fc_lcb)
            .map(|i| {
                let at = at_fc + 2 + 8 * i;
                Some((u32_at(w, at)?, u32_at(w, at + 4)?))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(short)?;
        Ok(Fib {
            table_1: flags & (1 << 9) != 0,
            ccp,
            fc_lcb,
        })
    }

    /// The bytes of structure `index` in the table stream; empty when absent, an error
    /// when it lies outside the stream.
    fn slice<'t>(
        &self,
        table: &'t [u8],
        index: usize,
        what: &str,
    ) -> Result<&'t [u8], ExtractError> {
        let Some(&(fc, lcb)) = self.fc_lcb.get(index) else {
            return Ok(&[]);
        };
        if lcb == 0 {
            return Ok(&[]);
        }
        let (fc, lcb) = (fc as usize, lcb as usize);
        fc.checked_add(lcb)
            .and_then(|end| table.get(fc..end))
            .ok_or_else(|| corrupt(format!("{what} lies past the end of the table stream")))
    }
}

/// One piece of the piece table: CPs `cp..cp_end` stored from byte `fc` of the
/// `WordDocument` stream, 8-bit or UTF-16; `prm`: the property modifier of the piece.
#[derive(Debug, Clone, Copy)]
struct Piece {
    cp: u32,
    cp_end: u32,
    fc: u32,
    compressed: bool,
    prm: u16,
}

/// The CLX ([MS-DOC] 2.9.38): the property grpprls of fast-saved files (`Prc`) and the
/// piece table (`Pcdt`).
fn clx(bytes: &[u8]) -> Result<(Vec<&[u8]>, Vec<Piece>), ExtractError> {
    let mut grpprls = Vec::new();
    let mut at = 0usize;
    // Each Prc takes at least 3 bytes: the stream bounds the loop.
    while bytes.get(at) == Some(&0x01) {
        let len = u16_at(bytes, at + 1).ok_or_else(|| corrupt("piece table: a Prc cut short"))?;
        let start = at + 3;
        let grpprl = bytes
            .get(start..start + usize::from(len))
            .ok_or_else(|| corrupt("piece table: a Prc past its end"))?;
        grpprls.push(grpprl);
        at = start + usize::from(len);
    }
    if bytes.get(at) != Some(&0x02) {
        return Err(corrupt("piece table: no Pcdt in the CLX"));
    }
    let lcb = u32_at(bytes, at + 1).ok_or_else(|| corrupt("piece table: cut short"))? as usize;
    let plc = bytes
        .get(at + 5..(at + 5).saturating_add(lcb))
        .ok_or_else(|| corrupt("piece table: longer than the table stream"))?;
    if plc.len() < 4 || !(plc.len() - 4).is_multiple_of(12) {
        return Err(corrupt("piece table: size is not that of a PlcPcd"));
    }
    let n = (plc.len() - 4) / 12;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let cp = u32_at(plc, 4 * i).unwrap_or(0);
        let cp_end = u32_at(plc, 4 * i + 4).unwrap_or(0);
        let pcd = 4 * (n + 1) + 8 * i;
        let raw = u32_at(plc, pcd + 2).unwrap_or(0);
        if cp_end < cp || pieces.last().is_some_and(|p: &Piece| p.cp_end > cp) {
            return Err(corrupt("piece table: character positions out of order"));
        }
        let compressed = raw & (1 << 30) != 0;
        pieces.push(Piece {
            cp,
            cp_end,
            fc: if compressed {
                (raw & 0x3FFF_FFFF) / 2
            } else {
                raw & 0x3FFF_FFFF
            },
            compressed,
            prm: u16_at(plc, pcd + 6).unwrap_or(0),
        });
    }
    Ok((grpprls, pieces))
}

/// 8-bit text in a compressed piece: Windows-1252 with the mappings of [MS-DOC]
/// 2.9.73; the other bytes are their own code points.
fn compressed_unit(b: u8) -> u16 {
    match b {
        0x82 => 0x201A,
        0x83 => 0x0192,
        0x84 => 0x201E,
        0x85 => 0x2026,
        0x86 => 0x2020,
        0x87 => 0x2021,
        0x88 => 0x02C6,
        0x89 => 0x2030,
        0x8A => 0x0160,
        0x8B => 0x2039,
        0x8C => 0x0152,
        0x91 => 0x2018,
        0x92 => 0x2019,
        0x93 => 0x201C,
        0x94 => 0x201D,
        0x95 => 0x2022,
        0x96 => 0x2013,
        0x97 => 0x2014,
        0x98 => 0x02DC,
        0x99 => 0x2122,
        0x9A => 0x0161,
        0x9B => 0x203A,
        0x9C => 0x0153,
        0x9F => 0x0178,
        b => u16::from(b),
    }
}

/// One character position: its UTF-16 unit, where it is stored in `WordDocument`
/// (`MISSING` when its piece lies outside the stream) and its piece.
#[derive(Debug, Clone, Copy)]
struct Unit {
    ch: u16,
    fc: u32,
    piece: u32,
}

const MISSING: u32 = u32::MAX;

/// The characters at CPs `0..len` through the piece table. CPs no piece covers, or
/// whose piece lies past the end of the stream, are `MISSING` units, reported once.
fn units(word: &[u8], pieces: &[Piece], len: u32) -> (Vec<Unit>, Option<ExtractError>) {
    let mut out = Vec::with_capacity(len as usize);
    let mut missing = false;
    for (i, p) in pieces.iter().enumerate() {
        if out.len() as u32 >= len {
            break;
        }
        // A gap in the CPs of the table: unreadable positions, so stories stay aligned.
        while (out.len() as u32) < p.cp.min(len) {
            out.push(Unit {
                ch: 0,
                fc: MISSING,
                piece: i as u32,
            });
            missing = true;
        }
        let count = p.cp_end.min(len).saturating_sub(out.len() as u32);
        for k in 0..count {
            let unit = if p.compressed {
                let fc = p.fc.checked_add(k);
                fc.and_then(|fc| Some((fc, *word.get(fc as usize)?)))
                    .map(|(fc, b)| (fc, compressed_unit(b)))
            } else {
                let fc = k.checked_mul(2).and_then(|o| p.fc.checked_add(o));
                fc.and_then(|fc| Some((fc, u16_at(word, fc as usize)?)))
            };
            match unit {
                Some((fc, ch)) => out.push(Unit {
                    ch,
                    fc,
                    piece: i as u32,
                }),
                None => {
                    out.push(Unit {
                        ch: 0,
                        fc: MISSING,
                        piece: i as u32,
                    });
                    missing = true;
                }
            }
        }
    }
    while (out.len() as u32) < len {
        out.push(Unit {
            ch: 0,
            fc: MISSING,
            piece: 0,
        });
        missing = true;
    }
    let err = missing.then(|| {
        corrupt("piece table: text past the end of the WordDocument stream or not in any piece")
    });
    (out, err)
}

/// Single property modifiers in a grpprl ([MS-DOC] 2.2.5): (sprm, operand). Stops at
/// the first one that runs past the end.
fn sprms(grpprl: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(sprm) = u16_at(grpprl, at) {
        let rest = &grpprl[at + 2..];
        let Some((skip, len)) = operand_len(sprm, rest) else {
            break;
        };
        let Some(operand) = rest.get(skip..skip + len) else {
            break;
        };
        out.push((sprm, operand));
        at += 2 + skip + len;
    }
    out
}

/// Where the operand of `sprm` starts in `rest` and how long it is.
fn operand_len(sprm: u16, rest: &[u8]) -> Option<(usize, usize)> {
    const TDEF_TABLE: u16 = 0xD608;
    const PCHG_TABS: u16 = 0xC615;
    Some(match sprm >> 13 {
        0 | 1 => (0, 1),
        2 | 4 | 5 => (0, 2),
        3 => (0, 4),
        7 => (0, 3),
        _ => match sprm {
            // A two-byte size, counting one byte more than follows it.
            TDEF_TABLE => (2, usize::from(u16_at(rest, 0)?).checked_sub(1)?),
            PCHG_TABS if *rest.first()? == 255 => {
                // Deleted tabs (4 bytes each), then added tabs (3 bytes each).
                let del = usize::from(*rest.get(1)?);
                let add = usize::from(*rest.get(2 + 4 * del)?);
                (1, 2 + 4 * del + 3 * add)
            }
            _ => (1, usize::from(*rest.first()?)),
        },
    })
}

/// What the character properties of a run say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CharProps {
    /// `sprmCFVanish`: hidden text.
    hidden: bool,
    /// `sprmCFRMarkDel`: a tracked deletion.
    deleted: bool,
    /// `sprmCFRMarkIns`: a tracked insertion.
    inserted: bool,
    /// `sprmCSymbol`: (font index, character) drawn in place of the character.
    symbol: Option<(u16, u16)>,
    /// `sprmCRgFtc0/1/2`: the fonts of the run (ASCII, East Asian, other).
    fonts: [Option<u16>; 3],
}

/// A toggle operand ([MS-DOC] ToggleOperand): 1 on, 0x81 the opposite of the
/// style (whose value is taken to be off), 0 and 0x80 off.
fn toggle(operand: &[u8]) -> bool {
    matches!(operand.first(), Some(1 | 0x81))
}

impl CharProps {
    fn apply(&mut self, grpprl: &[u8]) {
        for (sprm, op) in sprms(grpprl) {
            match sprm {
                0x083C => self.hidden = toggle(op),
                0x0800 => self.deleted = toggle(op),
                0x0801 => self.inserted = toggle(op),
                0x4A4F..=0x4A51 => self.fonts[usize::from(sprm - 0x4A4F)] = u16_at(op, 0),
                0x6A09 => {
                    if let (Some(ftc), Some(ch)) = (u16_at(op, 0), u16_at(op, 2)) {
                        self.symbol = Some((ftc, ch));
                    }
                }
                _ => {}
            }
        }
    }
}

/// What the paragraph properties of a paragraph say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ParaProps {
    in_table: bool,
    /// The end of a table row (`sprmPFTtp`): no paragraph of its own.
    row_end: bool,
    list: bool,
    heading: bool,
}

impl ParaProps {
    /// `bytes`: a GrpPrlAndIstd (style index, then the grpprl).
    fn parse(bytes: &[u8]) -> ParaProps {
        let istd = u16_at(bytes, 0).unwrap_or(0);
        // Styles 1 to 9 are the built-in Heading 1 to 9 ([MS-DOC] 2.9.271 STSH).
        let mut p = ParaProps {
            heading: (1..=9).contains(&istd),
            ..ParaProps::default()
        };
        for (sprm, op) in sprms(bytes.get(2..).unwrap_or_default()) {
            let on = op.first().is_some_and(|b| *b != 0);
            match sprm {
                // sprmPFInTable, sprmPItap
                0x2416 => p.in_table = on,
                0x6649 => p.in_table |= u32_at(op, 0).is_some_and(|n| n > 0),
                // sprmPFTtp, sprmPFInnerTtp
                0x2417 | 0x244C => p.row_end = on,
                // sprmPIlfo
                0x460B => p.list = u16_at(op, 0).is_some_and(|n| n != 0),
                // sprmPOutLvl: 0–8 are outline levels, 9 body text.
                0x2640 => p.heading = op.first().is_some_and(|l| *l < 9),
                _ => {}
            }
        }
        p
    }
}

/// Runs of properties by file offset, from the FKPs a bin table lists: sorted
/// `(start, end, props)`.
struct Runs<T> {
    runs: Vec<(u32, u32, T)>,
}

impl<T: Copy + Default> Runs<T> {
    fn at(&self, fc: u32) -> T {
        let i = self.runs.partition_point(|r| r.0 <= fc);
        match i.checked_sub(1).and_then(|i| self.runs.get(i)) {
            Some(r) if fc < r.1 => r.2,
            _ => T::default(),
        }
    }
}

/// The FKP pages a PlcBte lists ([MS-DOC] PlcBteChpx, PlcBtePapx): each 512
/// bytes of `WordDocument`, read through `page` into runs.
fn fkp_runs<T: Copy + Default>(
    word: &[u8],
    plc: &[u8],
    what: &str,
    page: impl Fn(&[u8], &mut Vec<(u32, u32, T)>),
) -> Result<Runs<T>, ExtractError> {
    let mut runs = Vec::new();
    if plc.is_empty() {
        return Ok(Runs { runs });
    }
    if plc.len() < 4 || !(plc.len() - 4).is_multiple_of(8) {
        return Err(corrupt(format!("{what}: size is not that of a bin table")));
    }
    let n = (plc.len() - 4) / 8;
    let mut seen = BTreeSet::new();
    for i in 0..n {
        let pn = u32_at(plc, 4 * (n + 1) + 4 * i).unwrap_or(0) & 0x003F_FFFF;
        // A page listed twice is read once: the list cannot multiply the work.
        if !seen.insert(pn) {
            continue;
        }
        let at = pn as usize * 512;
        let bytes = word
            .get(at..at + 512)
            .ok_or_else(|| corrupt(format!("{what}: a page past the end of WordDocument")))?;
        page(bytes, &mut runs);
    }
    runs.sort_by_key(|r| r.0);
    Ok(Runs { runs })
}

/// The runs of one CHPX FKP ([MS-DOC] 2.9.43).
fn chpx_page(page: &[u8], runs: &mut Vec<(u32, u32, CharProps)>) {
    let count = usize::from(page[511]).min(101);
    for i in 0..count {
        let (Some(start), Some(end)) = (u32_at(page, 4 * i), u32_at(page, 4 * i + 4)) else {
            break;
        };
        let mut props = CharProps::default();
        let off = usize::from(page.get(4 * (count + 1) + i).copied().unwrap_or(0)) * 2;
        if off > 0
            && let Some(&cb) = page.get(off)
            && let Some(grpprl) = page.get(off + 1..off + 1 + usize::from(cb))
        {
            props.apply(grpprl);
        }
        runs.push((start, end, props));
    }
}

/// The runs of one PAPX FKP ([MS-DOC] 2.9.175): one per paragraph end.
fn papx_page(page: &[u8], runs: &mut Vec<(u32, u32, ParaProps)>) {
    let count = usize::from(page[511]).min(29);
    for i in 0..count {
        let (Some(start), Some(end)) = (u32_at(page, 4 * i), u32_at(page, 4 * i + 4)) else {
            break;
        };
        let bx = 4 * (count + 1) + 13 * i;
        let off = usize::from(page.get(bx).copied().unwrap_or(0)) * 2;
        let grpprl = match page.get(off).copied() {
            _ if off == 0 => None,
            Some(0) => page
                .get(off + 1)
                .and_then(|cb| page.get(off + 2..off + 2 + 2 * usize::from(*cb))),
            Some(cb) => page.get(off + 1..off + 2 * usize::from(cb)),
            None => None,
        };
        runs.push((start, end, grpprl.map(ParaProps::parse).unwrap_or_default()));
    }
}

/// Font names by index, from the SttbfFfn ([MS-DOC] 2.9.286; each FFN 2.9.88: the name
/// is UTF-16 after 39 bytes of metrics).
fn font_names(sttb: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let Some(mut count) = u16_at(sttb, 0) else {
        return names;
    };
    let mut at = 4;
    if count == 0xFFFF {
        count = u16_at(sttb, 2).unwrap_or(0);
        at = 6;
    }
    for _ in 0..count {
        let Some(&len) = sttb.get(at) else { break };
        let ffn = sttb
            .get(at + 1..at + 1 + usize::from(len))
            .unwrap_or_default();
        let units: Vec<u16> = ffn
            .get(39..)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|u| *u != 0)
            .collect();
        names.push(String::from_utf16_lossy(&units));
        at += 1 + usize::from(len);
    }
    names
}

/// What every story is read with.
struct Context<'a> {
    units: Vec<Unit>,
    chars: Runs<CharProps>,
    paras: Runs<ParaProps>,
    fonts: Vec<String>,
    /// The property grpprls of fast-saved pieces (`Prc`), by index.
    piece_grpprls: Vec<&'a [u8]>,
    pieces: Vec<Piece>,
    /// The CPs of section ends (a 0x0C there ends a paragraph).
    section_ends: BTreeSet<u32>,
}

impl Context<'_> {
    fn char_props(&self, u: &Unit) -> CharProps {
        let mut props = self.chars.at(u.fc);
        // A Prm pointing at a Prc: properties applied over the whole piece.
        if let Some(p) = self.pieces.get(u.piece as usize)
            && p.prm & 1 == 1
            && let Some(grpprl) = self.piece_grpprls.get(usize::from(p.prm >> 1))
        {
            props.apply(grpprl);
        }
        props
    }

    fn symbol(&self, ftc: u16, ch: u16) -> Option<char> {
        let font = self.fonts.get(usize::from(ftc)).map_or("", String::as_str);
        symbol_char(font, u32::from(ch))
    }

    /// A character of the symbol area (U+F000–U+F0FF) in a run set in a symbol font:
    /// that font's glyph. `None` when no font of the run is a symbol font (the code
    /// alone is mapped then, as in the other readers).
    fn symbol_in_run(&self, props: &CharProps, ch: u16) -> Option<Option<char>> {
        props.fonts.iter().flatten().find_map(|ftc| {
            let font = self.fonts.get(usize::from(*ftc))?.to_ascii_lowercase();
            let symbolic = ["wingdings", "webdings", "symbol"]
                .iter()
                .any(|f| font.starts_with(f));
            symbolic.then(|| self.symbol(*ftc, ch))
        })
    }
}

/// One paragraph being read.
#[derive(Default)]
struct Para {
    visible: Vec<u16>,
    original: Vec<u16>,
    pieces: Vec<u16>,
}

/// One story read into its visible part and its hidden part (same name).
struct Story<'c, 'a> {
    ctx: &'c Context<'a>,
    visible: Part,
    hidden: Part,
    para: Para,
    para_no: u32,
    /// Open fields, innermost last: whether its result (after 0x14) is being read;
    /// and how many are still in their instructions (text is dropped while any is).
    fields: Vec<bool>,
    instructions: usize,
    /// Tables met so far in the part, and whether the last paragraph was in one.
    tables: u32,
    in_table: bool,
    /// The CP where the current paragraph starts.
    para_start: u32,
    /// Text boxes anchored in this story: (anchor CP, the box's CPs), each read once,
    /// where its anchor's paragraph ends (the .docx reader meets them there).
    boxes: Vec<Anchored>,
    in_box: bool,
}

impl<'c, 'a> Story<'c, 'a> {
    fn new(ctx: &'c Context<'a>, name: &str, role: Role) -> Self {
        Story {
            ctx,
            visible: Part::new(Some(name.to_string()), role),
            hidden: Part::new(Some(name.to_string()), Role::Hidden),
            para: Para::default(),
            para_no: 0,
            fields: Vec::new(),
            instructions: 0,
            tables: 0,
            in_table: false,
            para_start: 0,
            boxes: Vec::new(),
            in_box: false,
        }
    }

    fn with_boxes(mut self, boxes: Vec<Anchored>) -> Self {
        self.boxes = boxes;
        self
    }

    /// Read CPs `range` of the document.
    fn read(self, range: Range<u32>) -> (Part, Part) {
        self.read_all(&[range])
    }

    /// Read the CPs of `ranges` of the document, in order, as one part.
    fn read_all(mut self, ranges: &[Range<u32>]) -> (Part, Part) {
        for range in ranges {
            self.read_range(range.clone());
        }
        // Boxes whose anchor no paragraph end reached: read at the end, never lost.
        self.read_boxes(0..u32::MAX);
        (self.visible, self.hidden)
    }

    /// Read CPs `range`; a paragraph left open at its end ends there.
    fn read_range(&mut self, range: Range<u32>) {
        let ctx = self.ctx;
        let units = &ctx.units;
        let end = (range.end as usize).min(units.len());
        self.para_start = range.start;
        let start = (range.start as usize).min(end);
        for (cp, u) in (range.start..).zip(&units[start..end]) {
            self.unit(cp, u);
        }
        let p = &self.para;
        if !p.visible.is_empty() || !p.original.is_empty() || !p.pieces.is_empty() {
            self.end_paragraph(None, range.end);
        }
    }

    /// The text boxes anchored in CPs `anchors`, read as paragraphs of this story.
    fn read_boxes(&mut self, anchors: Range<u32>) {
        if self.in_box || self.boxes.first().is_none_or(|(a, _)| *a >= anchors.end) {
            return;
        }
        // The boxes are sorted by anchor and paragraphs end in CP order: the boxes due
        // are at the front, each taken once.
        let due = self.boxes.partition_point(|(a, _)| *a < anchors.end);
        let here: Vec<_> = self.boxes.drain(..due).collect();
        let fields = std::mem::take(&mut self.fields);
        let instructions = std::mem::take(&mut self.instructions);
        let in_table = self.in_table;
        self.in_box = true;
        for (_, range) in here {
            self.read_range(range);
        }
        self.in_box = false;
        self.in_table = in_table;
        self.fields = fields;
        self.instructions = instructions;
    }

    fn unit(&mut self, cp: u32, u: &Unit) {
        if u.fc == MISSING {
            return;
        }
        match u.ch {
            0x0D | 0x07 => return self.end_paragraph(Some(u.fc), cp),
            0x0C if self.ctx.section_ends.contains(&cp) => {
                return self.end_paragraph(Some(u.fc), cp);
            }
            0x13 => {
                self.fields.push(false);
                self.instructions += 1;
                return;
            }
            0x14 => {
                if let Some(f) = self.fields.last_mut()
                    && !*f
                {
                    *f = true;
                    self.instructions -= 1;
                }
                return;
            }
            0x15 => {
                if self.fields.pop() == Some(false) {
                    self.instructions -= 1;
                }
                return;
            }
            _ => {}
        }
        // Field instructions are codes, not text.
        if self.instructions > 0 {
            return;
        }
        let props = self.ctx.char_props(u);
        let ch: u32 = match u.ch {
            0x28 if props.symbol.is_some() => {
                let (ftc, c) = props.symbol.unwrap_or_default();
                match self.ctx.symbol(ftc, c) {
                    Some(c) => c as u32,
                    None => return,
                }
            }
            c @ 0xF000..=0xF0FF => match self.ctx.symbol_in_run(&props, c) {
                Some(Some(c)) => c as u32,
                Some(None) => return,
                None => u32::from(c),
            },
            0x0B | 0x0C => u32::from(b'\n'),
            0x09 => u32::from(b'\t'),
            0x1E => u32::from(b'-'),
            // Anchors (pictures, drawn objects, note and comment references), optional
            // hyphens and other control characters: no text.
            c if c < 0x20 => return,
            c => u32::from(c),
        };
        let mut units = [0u16; 2];
        let units = match char::from_u32(ch) {
            Some(c) => &*c.encode_utf16(&mut units),
            // A UTF-16 surrogate, joined with its pair when the line is decoded.
            None => {
                units[0] = ch as u16;
                &units[..1]
            }
        };
        let unseen = props.hidden || props.deleted;
        if !unseen {
            self.para.visible.extend(units);
        }
        if !props.inserted {
            self.para.original.extend(units);
        }
        if unseen {
            self.para.pieces.extend(units);
        }
    }

    /// The paragraph whose mark is stored at `fc` (at CP `cp`) ends.
    fn end_paragraph(&mut self, fc: Option<u32>, cp: u32) {
        let para = std::mem::take(&mut self.para);
        let start = std::mem::replace(&mut self.para_start, cp.saturating_add(1));
        let props = fc.map(|fc| self.ctx.paras.at(fc)).unwrap_or_default();
        let text = decode(&para.visible);
        // A row's end mark is no paragraph in a .docx; neither is the blank paragraph
        // that ends the text of a box.
        let blank = text.trim().is_empty() && para.original.is_empty() && para.pieces.is_empty();
        if blank && (props.row_end || self.in_box) {
            return;
        }
        self.para_no += 1;
        let no = self.para_no;
        let block = if props.in_table {
            if !self.in_table {
                self.tables += 1;
            }
            Block::TableCell(self.tables)
        } else if props.list {
            Block::ListItem
        } else if props.heading {
            Block::Heading
        } else {
            Block::Text
        };
        self.in_table = props.in_table;
        self.read_boxes(start..cp.saturating_add(1));
        self.para_start = cp.saturating_add(1);
        self.visible.push_line_in(&text, no, block);
        let original = decode(&para.original);
        let seen = text.trim();
        if original.trim() != seen && !original.trim().is_empty() {
            self.hidden.push_line(&original, no);
        }
        let pieces = decode(&para.pieces);
        if !pieces.trim().is_empty() && pieces.trim() != original.trim() {
            self.hidden.push_line(&pieces, no);
        }
    }
}

/// UTF-16 to text, symbol-font characters mapped; a lone surrogate is U+FFFD.
fn decode(units: &[u16]) -> String {
    let s = String::from_utf16_lossy(units);
    map_symbols(&s).into_owned()
}

/// The stories of a document in CP order ([MS-DOC] 2.3.1 – 2.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoryKind {
    Main,
    Footnotes,
    Headers,
    Comments,
    Endnotes,
    TextBoxes,
    HeaderTextBoxes,
}

const STORIES: [StoryKind; 7] = [
    StoryKind::Main,
    StoryKind::Footnotes,
    StoryKind::Headers,
    StoryKind::Comments,
    StoryKind::Endnotes,
    StoryKind::TextBoxes,
    StoryKind::HeaderTextBoxes,
];

impl StoryKind {
    fn name(self) -> &'static str {
        match self {
            StoryKind::Main => "main text",
            StoryKind::Footnotes => "footnotes",
            StoryKind::Headers => "headers and footers",
            StoryKind::Comments => "comments",
            StoryKind::Endnotes => "endnotes",
            StoryKind::TextBoxes => "text boxes",
            StoryKind::HeaderTextBoxes => "header text boxes",
        }
    }

    fn role(self) -> Role {
        match self {
            StoryKind::Main | StoryKind::TextBoxes => Role::Body,
            StoryKind::Footnotes | StoryKind::Endnotes => Role::Note,
            StoryKind::Headers | StoryKind::HeaderTextBoxes => Role::Margin,
            StoryKind::Comments => Role::Hidden,
        }
    }
}

/// Read the Word document in `file`.
pub fn read(file: &mut Compound) -> Result<Document, ExtractError> {
    let word = file
        .read("/WordDocument")?
        .ok_or_else(|| corrupt("no WordDocument stream"))?;
    let fib = Fib::parse(&word)?;
    let table_name = if fib.table_1 { "/1Table" } else { "/0Table" };
    let table = file.read(table_name)?.ok_or_else(|| {
        corrupt(format!(
            "no {} stream (the table stream the FIB names)",
            &table_name[1..]
        ))
    })?;
    let (parts, mut gaps, encoding) = document(&word, &fib, &table)?;
    let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
    for part in parts {
        // The main text is kept even when blank (it is the document); other blank
        // stories are no part.
        if part.is_blank() && !doc.parts.is_empty() {
            continue;
        }
        if let Err(e) = file.budget.charge_parts_text(std::slice::from_ref(&part)) {
            gaps.push(Gap {
                part: part.name.clone(),
                line: 1,
                error: e,
            });
            break;
        }
        doc.parts.push(part);
    }
    doc.encoding = encoding;
    doc.gaps = gaps;
    Ok(doc)
}

/// The parts of the document whose streams are `word` and `table`, what could not be
/// read beside them, and the encoding of the text.
fn document(
    word: &[u8],
    fib: &Fib,
    table: &[u8],
) -> Result<(Vec<Part>, Vec<Gap>, &'static str), ExtractError> {
    let clx_bytes = fib.slice(table, CLX, "the piece table")?;
    if clx_bytes.is_empty() {
        return Err(corrupt("WordDocument: no piece table"));
    }
    let (piece_grpprls, pieces) = clx(clx_bytes)?;
    let mut gaps = Vec::new();
    let ranges = story_ranges(fib, word.len(), &mut gaps);
    let len = ranges.last().map_or(0, |(_, r)| r.end);
    if let Some(gap) = text_after_the_stories(word, &pieces, len) {
        gaps.push(gap);
    }
    let (units, missing) = units(word, &pieces, len);
    let mut ctx = Context {
        units,
        chars: Runs { runs: Vec::new() },
        paras: Runs { runs: Vec::new() },
        fonts: Vec::new(),
        piece_grpprls,
        pieces,
        section_ends: section_ends(fib.slice(table, PLCF_SED, "the section table")?),
    };
    // Properties that cannot be read leave the text readable, but what they would hide
    // or mark (or which symbol font draws a character) is unknown: a gap beside it.
    match fib.slice(table, STTBF_FFN, "the font table") {
        Ok(sttb) => ctx.fonts = font_names(sttb),
        Err(e) => gaps.push(whole_file(e)),
    }
    let chpx = fib.slice(table, PLCF_BTE_CHPX, "the character properties");
    match chpx.and_then(|plc| fkp_runs(word, plc, "character properties", chpx_page)) {
        Ok(r) => ctx.chars = r,
        Err(e) => gaps.push(whole_file(e)),
    }
    let papx = fib.slice(table, PLCF_BTE_PAPX, "the paragraph properties");
    match papx.and_then(|plc| fkp_runs(word, plc, "paragraph properties", papx_page)) {
        Ok(r) => ctx.paras = r,
        Err(e) => gaps.push(whole_file(e)),
    }
    if let Some(e) = missing {
        for (kind, range) in &ranges {
            let units = &ctx.units[range.start as usize..range.end as usize];
            if units.iter().any(|u| u.fc == MISSING) {
                gaps.push(Gap {
                    part: Some(kind.name().to_string()),
                    line: 1,
                    error: e.clone(),
                });
            }
        }
    }
    let parts = stories(&ctx, fib, table, &ranges, &mut gaps);
    let encoding = if ctx.pieces.iter().all(|p| p.compressed) {
        "windows-1252"
    } else {
        "UTF-16LE"
    };
    Ok((parts, gaps, encoding))
}

/// Text the piece table holds after the last story ends (`len`): no story, and so no
/// reader, shows it, yet the file carries it. Word ends the table one paragraph mark
/// after the stories; anything more that is not blank is a gap, never silence.
fn text_after_the_stories(word: &[u8], pieces: &[Piece], len: u32) -> Option<Gap> {
    let end = pieces.last()?.cp_end;
    // Bounded by the stream: every character takes at least one byte of it.
    let end = end.min(len.saturating_add(u32::try_from(word.len()).unwrap_or(u32::MAX)));
    if end <= len.saturating_add(1) {
        return None;
    }
    let (units, _) = units(word, pieces, end);
    let after = units.get(len as usize..)?;
    let text = decode(&after.iter().map(|u| u.ch).collect::<Vec<_>>());
    let shown = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .count();
    (shown > 0).then(|| {
        whole_file(corrupt(format!(
            "WordDocument: {shown} characters after the last story, in no story (Word does not show them)"
        )))
    })
}

/// Each story of `ranges` read into its parts (visible, then hidden).
fn stories(
    ctx: &Context,
    fib: &Fib,
    table: &[u8],
    ranges: &[(StoryKind, Range<u32>)],
    gaps: &mut Vec<Gap>,
) -> Vec<Part> {
    let range_of = |k: StoryKind| {
        ranges
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|(_, r)| r.clone())
    };
    let (mut boxes, loose_boxes) = match (range_of(StoryKind::Main), range_of(StoryKind::TextBoxes))
    {
        (Some(main), Some(txbx)) => text_boxes(fib, table, main, txbx),
        (_, txbx) => (Vec::new(), txbx.into_iter().collect()),
    };
    let mut parts = Vec::new();
    for (kind, range) in ranges {
        let story = Story::new(ctx, kind.name(), kind.role());
        let (v, h) = match kind {
            StoryKind::Headers => {
                parts.extend(headers(ctx, fib, table, range.clone(), gaps));
                continue;
            }
            StoryKind::Main => story
                .with_boxes(std::mem::take(&mut boxes))
                .read(range.clone()),
            StoryKind::TextBoxes => story.read_all(&loose_boxes),
            _ => story.read(range.clone()),
        };
        parts.extend([v, h]);
    }
    parts
}

/// A text box: the CP of its anchor in the main text, and the CPs of its text.
type Anchored = (u32, Range<u32>);

/// The text boxes of the main text ([MS-DOC] 2.3.5 – 2.3.6): each box's text (its
/// range in PlcftxbxTxt) names its shape (FTXBXS `lid`), whose anchor in the main text
/// PlcSpaMom gives. Returns the boxes with their anchor CPs, and the CPs of the text box
/// story no anchor claims (read as a part of their own).
fn text_boxes(
    fib: &Fib,
    table: &[u8],
    main: Range<u32>,
    txbx: Range<u32>,
) -> (Vec<Anchored>, Vec<Range<u32>>) {
    let plc = fib.slice(table, PLCF_TXBX_TXT, "").unwrap_or_default();
    let spa = fib.slice(table, PLC_SPA_MOM, "").unwrap_or_default();
    let boxes = plc.len().saturating_sub(4) / 26;
    let shapes = spa.len().saturating_sub(4) / 30;
    // Shape id → anchor CP (the first shape of an id), looked up once per box.
    let mut anchors = std::collections::HashMap::new();
    for j in 0..shapes {
        if let (Some(spid), Some(cp)) = (u32_at(spa, 4 * (shapes + 1) + 26 * j), u32_at(spa, 4 * j))
        {
            anchors.entry(spid).or_insert(cp);
        }
    }
    let anchor_of = |lid: u32| anchors.get(&lid).copied().filter(|cp| main.contains(cp));
    let at = |cp: u32| txbx.start.saturating_add(cp).min(txbx.end);
    let mut anchored = Vec::new();
    let mut claimed: Vec<Range<u32>> = Vec::new();
    for i in 0..boxes {
        let (Some(a), Some(b)) = (u32_at(plc, 4 * i), u32_at(plc, 4 * i + 4)) else {
            break;
        };
        let range = at(a)..at(b);
        let lid = u32_at(plc, 4 * (boxes + 1) + 22 * i + 14);
        // Boxes must follow each other: an overlap would read text twice.
        let after_last = claimed.last().is_none_or(|r| r.end <= range.start);
        if let Some(cp) = lid.and_then(anchor_of)
            && after_last
            && !range.is_empty()
        {
            anchored.push((cp, range.clone()));
            claimed.push(range);
        }
    }
    let mut loose = Vec::new();
    let mut from = txbx.start;
    for r in &claimed {
        if from < r.start {
            loose.push(from..r.start);
        }
        from = r.end;
    }
    if from < txbx.end {
        loose.push(from..txbx.end);
    }
    anchored.sort_by_key(|(cp, _)| *cp);
    (anchored, loose)
}

fn whole_file(error: ExtractError) -> Gap {
    Gap {
        part: None,
        line: 1,
        error,
    }
}

/// The CP range of each story. Counts that claim more characters than the stream can
/// hold are cut there, with a gap.
fn story_ranges(fib: &Fib, stream_len: usize, gaps: &mut Vec<Gap>) -> Vec<(StoryKind, Range<u32>)> {
    // Every character takes at least one byte of the stream.
    let max = u32::try_from(stream_len).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    let mut cp = 0u32;
    for (kind, &ccp) in STORIES.iter().zip(&fib.ccp) {
        let end = cp.saturating_add(ccp);
        if end > max {
            gaps.push(Gap {
                part: Some(kind.name().to_string()),
                line: 1,
                error: corrupt(format!(
                    "WordDocument: the {} claim more characters than the file holds",
                    kind.name()
                )),
            });
            if cp < max {
                out.push((*kind, cp..max));
            }
            break;
        }
        if ccp > 0 {
            out.push((*kind, cp..end));
        }
        cp = end;
    }
    out
}

/// The CPs at which sections end (PlcfSed, [MS-DOC] 2.8.26): the character before each
/// boundary.
fn section_ends(plc: &[u8]) -> BTreeSet<u32> {
    let n = plc.len().saturating_sub(4) / 16;
    (1..=n)
        .filter_map(|i| u32_at(plc, 4 * i)?.checked_sub(1))
        .collect()
}

/// The header story cut by PlcfHdd into its stories ([MS-DOC] Plcfhdd): six
/// note separators, then six per section (even header, odd header, even footer, odd
/// footer, first-page header, first-page footer); each that holds text is a part.
fn headers(
    ctx: &Context,
    fib: &Fib,
    table: &[u8],
    range: Range<u32>,
    gaps: &mut Vec<Gap>,
) -> Vec<Part> {
    let plc = match fib.slice(table, PLCF_HDD, "the header table") {
        Ok(p) if p.len() >= 8 => p,
        Ok(_) => {
            let (v, h) = Story::new(ctx, StoryKind::Headers.name(), Role::Margin).read(range);
            return vec![v, h];
        }
        Err(e) => {
            gaps.push(whole_file(e));
            let (v, h) = Story::new(ctx, StoryKind::Headers.name(), Role::Margin).read(range);
            return vec![v, h];
        }
    };
    let cps: Vec<u32> = plc
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let at = |cp: u32| range.start.saturating_add(cp).min(range.end);
    let mut headers = Vec::new();
    let mut footers = Vec::new();
    // What the table leaves out (before its first CP) is read as one more story.
    let first = cps.first().copied().unwrap_or(0);
    if first > 0 {
        let (v, h) =
            Story::new(ctx, StoryKind::Headers.name(), Role::Margin).read(range.start..at(first));
        headers.extend([v, h]);
    }
    let separators = at(cps.get(6).copied().unwrap_or(u32::MAX));
    let (v, h) = Story::new(ctx, "note separators", Role::Note).read(at(first)..separators);
    headers.extend([v, h]);
    for (i, w) in cps.windows(2).enumerate().skip(6) {
        let (start, end) = (at(w[0]), at(w[1]));
        if start >= end {
            continue;
        }
        let (name, footer) = header_name(i - 6);
        let (v, h) = Story::new(ctx, &name, Role::Margin).read(start..end);
        if footer { &mut footers } else { &mut headers }.extend([v, h]);
    }
    // Text after the last CP of the table.
    if let Some(&last) = cps.last()
        && at(last) < range.end
    {
        let (v, h) =
            Story::new(ctx, StoryKind::Headers.name(), Role::Margin).read(at(last)..range.end);
        footers.extend([v, h]);
    }
    headers.extend(footers);
    headers
}

/// The name of header story `j` (counted after the six separators), and whether it is a
/// footer.
fn header_name(j: usize) -> (String, bool) {
    let section = j / 6 + 1;
    let (what, which) = match j % 6 {
        0 => ("header", " (even pages)"),
        1 => ("header", ""),
        2 => ("footer", " (even pages)"),
        3 => ("footer", ""),
        4 => ("header", " (first page)"),
        _ => ("footer", " (first page)"),
    };
    (format!("{what} {section}{which}"), what == "footer")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A Word 97 document built by hand: a FIB, text in pieces, structures in the table
    /// stream.
    pub struct Build {
        /// The text of every story, in CP order, `\r` for paragraph marks.
        text: Vec<u16>,
        /// Where pieces start (CPs) after the first, and whether each is 8-bit.
        cuts: Vec<u32>,
        compressed: Vec<bool>,
        ccp: [u32; 7],
        flags: u16,
        /// Table stream structures by FibRgFcLcb97 index.
        structures: Vec<(usize, Vec<u8>)>,
        /// FKP pages (512 bytes each) placed in WordDocument.
        pages: Vec<Vec<u8>>,
    }

    /// Where the text starts in the WordDocument stream built.
    pub const TEXT_AT: u32 = 1024;

    impl Build {
        /// A document whose main text is `main`.
        pub fn new(main: &str) -> Build {
            let text: Vec<u16> = main.encode_utf16().collect();
            Build {
                ccp: [text.len() as u32, 0, 0, 0, 0, 0, 0],
                text,
                cuts: Vec::new(),
                compressed: vec![false],
                flags: 1 << 9,
                structures: Vec::new(),
                pages: Vec::new(),
            }
        }

        /// Story `i` (1 footnotes, 2 headers, 3 comments, 4 endnotes, 5 text boxes, 6
        /// header text boxes) is `s`; stories are added in order.
        pub fn story(mut self, i: usize, s: &str) -> Build {
            let units: Vec<u16> = s.encode_utf16().collect();
            self.ccp[i] = units.len() as u32;
            self.text.extend(units);
            self
        }

        /// Pieces: new ones start at `cuts`; `compressed` says which are 8-bit.
        pub fn pieces(mut self, cuts: &[u32], compressed: &[bool]) -> Build {
            self.cuts = cuts.to_vec();
            self.compressed = compressed.to_vec();
            self
        }

        pub fn flags(mut self, flags: u16) -> Build {
            self.flags = flags;
            self
        }

        pub fn structure(mut self, index: usize, bytes: Vec<u8>) -> Build {
            self.structures.push((index, bytes));
            self
        }

        pub fn page(mut self, page: Vec<u8>) -> Build {
            self.pages.push(page);
            self
        }

        /// The byte offset of CP `cp` in WordDocument (all pieces UTF-16 or 8-bit as
        /// built).
        pub fn fc_of(&self, cp: u32) -> u32 {
            let (fcs, _) = self.layout();
            let i = self.cuts.iter().filter(|c| **c <= cp).count();
            let start = if i == 0 { 0 } else { self.cuts[i - 1] };
            let compressed = self.compressed.get(i).copied().unwrap_or(false);
            fcs[i] + (cp - start) * if compressed { 1 } else { 2 }
        }

        /// The byte offset of each piece and the end of the text.
        fn layout(&self) -> (Vec<u32>, u32) {
            let mut bounds = vec![0];
            bounds.extend(&self.cuts);
            bounds.push(self.text.len() as u32 + 1);
            let mut fc = TEXT_AT;
            let mut fcs = Vec::new();
            for (i, w) in bounds.windows(2).enumerate() {
                fcs.push(fc);
                let compressed = self.compressed.get(i).copied().unwrap_or(false);
                fc += (w[1] - w[0]) * if compressed { 1 } else { 2 };
            }
            (fcs, fc)
        }

        /// The WordDocument and table streams.
        pub fn finish(self) -> (Vec<u8>, Vec<u8>) {
            let mut units = self.text.clone();
            units.push(0x0D);
            let (fcs, end) = self.layout();
            let mut word = vec![0u8; TEXT_AT as usize];
            word[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
            word[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
            word[0x0A..0x0C].copy_from_slice(&self.flags.to_le_bytes());
            word[32..34].copy_from_slice(&14u16.to_le_bytes());
            word[62..64].copy_from_slice(&22u16.to_le_bytes());
            for (i, n) in [3, 4, 5, 7, 8, 9, 10].iter().zip(self.ccp) {
                let at = 64 + 4 * i;
                word[at..at + 4].copy_from_slice(&n.to_le_bytes());
            }
            word[152..154].copy_from_slice(&93u16.to_le_bytes());
            let mut bounds = vec![0];
            bounds.extend(&self.cuts);
            bounds.push(units.len() as u32);
            for (i, w) in bounds.windows(2).enumerate() {
                let compressed = self.compressed.get(i).copied().unwrap_or(false);
                for u in &units[w[0] as usize..w[1] as usize] {
                    if compressed {
                        word.push(*u as u8);
                    } else {
                        word.extend(u.to_le_bytes());
                    }
                }
            }
            assert_eq!(word.len() as u32, end);
            word.resize(word.len().next_multiple_of(512), 0);
            for p in &self.pages {
                word.extend(p);
            }
            // The table stream: the CLX first, then each structure.
            let mut plc = Vec::new();
            for b in &bounds {
                plc.extend(b.to_le_bytes());
            }
            for (i, fc) in fcs.iter().enumerate() {
                let compressed = self.compressed.get(i).copied().unwrap_or(false);
                let raw = if compressed {
                    (fc * 2) | (1 << 30)
                } else {
                    *fc
                };
                plc.extend(0u16.to_le_bytes());
                plc.extend(raw.to_le_bytes());
                plc.extend(0u16.to_le_bytes());
            }
            let mut table = vec![0x02];
            table.extend((plc.len() as u32).to_le_bytes());
            table.extend(plc);
            let mut entries = vec![(CLX, 0u32, table.len() as u32)];
            for (index, bytes) in &self.structures {
                entries.push((*index, table.len() as u32, bytes.len() as u32));
                table.extend(bytes);
            }
            for (index, fc, lcb) in entries {
                let at = 154 + 8 * index;
                word[at..at + 4].copy_from_slice(&fc.to_le_bytes());
                word[at + 4..at + 8].copy_from_slice(&lcb.to_le_bytes());
            }
            (word, table)
        }
    }

    /// A PLC: CPs (or FCs) then fixed-size data.
    pub fn plc(positions: &[u32], data: &[Vec<u8>]) -> Vec<u8> {
        let mut b: Vec<u8> = positions.iter().flat_map(|p| p.to_le_bytes()).collect();
        for d in data {
            b.extend(d);
        }
        b
    }

    /// A CHPX FKP: runs of (start FC, end FC, grpprl).
    pub fn chpx_fkp(runs: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut page = vec![0u8; 512];
        let n = runs.len();
        for (i, (start, end, _)) in runs.iter().enumerate() {
            page[4 * i..4 * i + 4].copy_from_slice(&start.to_le_bytes());
            page[4 * i + 4..4 * i + 8].copy_from_slice(&end.to_le_bytes());
        }
        let mut at = 510usize;
        for (i, (_, _, grpprl)) in runs.iter().enumerate() {
            if grpprl.is_empty() {
                continue;
            }
            at = (at - grpprl.len() - 1) & !1;
            page[at] = grpprl.len() as u8;
            page[at + 1..at + 1 + grpprl.len()].copy_from_slice(grpprl);
            page[4 * (n + 1) + i] = (at / 2) as u8;
        }
        page[511] = n as u8;
        page
    }

    /// A PAPX FKP: paragraphs of (start FC, end FC, grpprl after the style index).
    pub fn papx_fkp(runs: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut page = vec![0u8; 512];
        let n = runs.len();
        for (i, (start, end, _)) in runs.iter().enumerate() {
            page[4 * i..4 * i + 4].copy_from_slice(&start.to_le_bytes());
            page[4 * i + 4..4 * i + 8].copy_from_slice(&end.to_le_bytes());
        }
        let mut at = 510usize;
        for (i, (_, _, grpprl)) in runs.iter().enumerate() {
            // cb = 0, cb' (words), istd 0, the grpprl padded to whole words.
            let mut body = vec![0u8, 0];
            body.extend(grpprl);
            if body.len() % 2 == 1 {
                body.push(0);
            }
            at = (at - body.len() - 2) & !1;
            page[at] = 0;
            page[at + 1] = (body.len() / 2) as u8;
            page[at + 2..at + 2 + body.len()].copy_from_slice(&body);
            page[4 * (n + 1) + 13 * i] = (at / 2) as u8;
        }
        page[511] = n as u8;
        page
    }

    /// A bin table pointing at FKP pages `pns`, covering `fcs`.
    pub fn bin_table(fcs: &[u32], pns: &[u32]) -> Vec<u8> {
        let data: Vec<Vec<u8>> = pns.iter().map(|p| p.to_le_bytes().to_vec()).collect();
        plc(fcs, &data)
    }

    /// A compound file holding the streams of `b` (and `more`).
    pub fn compound(b: Build, more: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let (word, table) = b.finish();
        let mut cfb = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        for (name, bytes) in [("/WordDocument", &word[..]), ("/1Table", &table[..])]
            .into_iter()
            .chain(more.iter().copied())
        {
            cfb.create_stream(name).unwrap().write_all(bytes).unwrap();
        }
        cfb.flush().unwrap();
        cfb.into_inner().into_inner()
    }

    /// The document the streams of `b` hold.
    pub fn read_built(b: Build) -> Result<(Vec<Part>, Vec<Gap>), ExtractError> {
        let (word, table) = b.finish();
        let fib = Fib::parse(&word)?;
        let (parts, gaps, _) = document(&word, &fib, &table)?;
        Ok((parts, gaps))
    }

    fn lines(parts: &[Part], name: &str, role: Role) -> Vec<String> {
        parts
            .iter()
            .filter(|p| p.name.as_deref() == Some(name) && p.role == role)
            .flat_map(|p| p.text.lines().map(str::to_string))
            .collect()
    }

    #[test]
    fn compressed_and_unicode_pieces() {
        // 8-bit piece: `A“B\r` (0x93 is a left double quote), then UTF-16: `机密★10年\r`.
        let b = Build::new("A\u{93}B\r机密★10年\r").pieces(&[4], &[true, false]);
        let (parts, gaps) = read_built(b).unwrap();
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(lines(&parts, "main text", Role::Body), ["A“B", "机密★10年"]);
        assert_eq!(parts[0].line_map, [1, 2]);
    }

    #[test]
    fn a_piece_past_the_end_is_a_gap() {
        let b = Build::new("秘密★5年\r正文\r");
        let (mut word, table) = b.finish();
        // The piece table still says 8 UTF-16 characters from TEXT_AT; cut the stream
        // in the middle of the second paragraph. The counts are then larger than the
        // stream too.
        word.truncate(TEXT_AT as usize + 14);
        let fib = Fib::parse(&word).unwrap();
        let (parts, gaps, _) = document(&word, &fib, &table).unwrap();
        assert_eq!(parts[0].text.lines().next(), Some("秘密★5年"));
        assert!(!gaps.is_empty());
        // Nothing at all in the stream: an error or a gap, never a panic.
        word.truncate(TEXT_AT as usize);
        let fib = Fib::parse(&word).unwrap();
        let (_, gaps, _) = document(&word, &fib, &table).unwrap();
        assert!(
            gaps.iter()
                .any(|g| matches!(g.error, ExtractError::Corrupt(_)))
        );
    }

    /// Text the piece table holds after the stories is in no story: a gap, not silence.
    /// The one paragraph mark Word puts there is no gap.
    #[test]
    fn text_after_the_stories_is_a_gap() {
        let mut b = Build::new("正文\r机密★5年\r");
        b.ccp[0] = 3;
        let (parts, gaps) = read_built(b).unwrap();
        assert_eq!(lines(&parts, "main text", Role::Body), ["正文"]);
        assert!(
            gaps.iter().any(|g| matches!(&g.error,
                ExtractError::Corrupt(m) if m.contains("5 characters after the last story"))),
            "{gaps:?}"
        );
        let mut b = Build::new("正文\r\r");
        b.ccp[0] = 3;
        let (_, gaps) = read_built(b).unwrap();
        assert!(gaps.is_empty(), "{gaps:?}");
    }

    #[test]
    fn fields_keep_their_results() {
        let text = "A\u{13} HYPERLINK \"x\" \u{14}机密\u{15}B\r\
                    \u{13} IF \u{13} REF a \u{14}x\u{15} = x \u{14}★10年\u{15}\r\
                    C\u{13} PAGE \u{15}D\r";
        let (parts, _) = read_built(Build::new(text)).unwrap();
        assert_eq!(
            lines(&parts, "main text", Role::Body),
            ["A机密B", "★10年", "CD"]
        );
    }

    #[test]
    fn anchors_and_special_characters() {
        let text = "\u{1}\u{8}机密\u{1E}★\u{1F}10年\u{2}\u{5}\u{B}下一行\u{C}\r";
        let (parts, _) = read_built(Build::new(text)).unwrap();
        assert_eq!(
            lines(&parts, "main text", Role::Body),
            ["机密-★10年", "下一行", ""]
        );
        assert_eq!(parts[0].line_map, [1, 1, 1]);
    }

    /// A 1×2 table then a paragraph: each cell a line of one group; the row's end mark
    /// is no line. Without paragraph properties, a cell mark still ends a line.
    #[test]
    fn table_cells() {
        let text = "000001\u{7}机密★10年\u{7}\u{7}标题\r";
        let bare = read_built(Build::new(text)).unwrap().0;
        assert_eq!(
            lines(&bare, "main text", Role::Body),
            ["000001", "机密★10年", "", "标题"]
        );
        let b = Build::new(text);
        let fcs: Vec<u32> = (0..=18).map(|cp| b.fc_of(cp)).collect();
        let fc = |cp: usize| fcs[cp];
        let in_table = vec![0x16, 0x24, 1];
        let row_end = vec![0x16, 0x24, 1, 0x17, 0x24, 1];
        let fkp = papx_fkp(&[
            (fc(0), fc(7), in_table.clone()),
            (fc(7), fc(14), in_table),
            (fc(14), fc(15), row_end),
            (fc(15), fc(18), vec![]),
        ]);
        let pn = (fc(18) as usize).next_multiple_of(512) as u32 / 512;
        let b = b
            .structure(PLCF_BTE_PAPX, bin_table(&[fc(0), fc(18)], &[pn]))
            .page(fkp);
        let (parts, _) = read_built(b).unwrap();
        let main = &parts[0];
        assert_eq!(main.text, "000001\n机密★10年\n标题\n");
        assert_eq!(main.line_map, [1, 2, 3]);
        assert_eq!(main.blocks, [Block::TableCell(1), Block::TableCell(1)]);
    }

    /// The header story cut by PlcfHdd: six separator stories, then section 1.
    #[test]
    fn headers_and_footers_by_plcfhdd() {
        let stories = [
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "机密★10年\r",
            "",
            "第1页\r",
            "首页\r",
            "",
        ];
        let mut cps = vec![0u32];
        let mut header = String::new();
        for s in stories {
            header.push_str(s);
            cps.push(header.encode_utf16().count() as u32);
        }
        header.push('\r');
        cps.push(header.encode_utf16().count() as u32);
        let b = Build::new("正文\r")
            .story(2, &header)
            .structure(PLCF_HDD, plc(&cps, &[]));
        let (parts, _) = read_built(b).unwrap();
        let named: Vec<(&str, Role, &str)> = parts
            .iter()
            .filter(|p| !p.is_blank())
            .map(|p| (p.name.as_deref().unwrap_or(""), p.role, p.text.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("main text", Role::Body, "正文\n"),
                ("header 1", Role::Margin, "机密★10年\n"),
                ("header 1 (first page)", Role::Margin, "首页\n"),
                ("footer 1", Role::Margin, "第1页\n"),
            ]
        );
    }

    #[test]
    fn encrypted_obfuscated_and_old_files() {
        for flags in [1 << 8, 1 << 15, (1 << 8) | (1 << 9)] {
            let (word, _) = Build::new("机密★10年\r").flags(flags).finish();
            assert_eq!(Fib::parse(&word).err(), Some(ExtractError::Encrypted));
        }
        let (mut word, _) = Build::new("x\r").finish();
        word[2..4].copy_from_slice(&0x0068u16.to_le_bytes());
        assert!(matches!(Fib::parse(&word), Err(ExtractError::Legacy(_))));
    }

    /// Every prefix of a FIB, and ccp counts beyond the stream: an error or a gap.
    #[test]
    fn short_fibs_and_large_counts() {
        let (word, table) = Build::new("机密★10年\r").finish();
        // The FIB ends with FibRgFcLcb97 at byte 898.
        for cut in 0..898 {
            assert!(
                matches!(Fib::parse(&word[..cut]), Err(ExtractError::Corrupt(_))),
                "{cut}"
            );
        }
        let mut big = word.clone();
        big[64 + 12..64 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        big[64 + 16..64 + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        let fib = Fib::parse(&big).unwrap();
        let (parts, gaps, _) = document(&big, &fib, &table).unwrap();
        assert!(!gaps.is_empty());
        assert!(parts[0].text.starts_with("机密★10年"));
    }

    /// Hidden and deleted runs go to the hidden part; a symbol character is its font's
    /// glyph, by font name.
    #[test]
    fn character_properties() {
        let text = "秘密(5年\r绝密★长期\r机密★5年\r";
        let fonts = |second: &str| {
            let mut sttb = vec![2, 0, 0, 0];
            for name in ["Times New Roman", second] {
                let mut ffn = vec![0u8; 39];
                ffn.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
                ffn.extend([0, 0]);
                sttb.push(ffn.len() as u8);
                sttb.extend(ffn);
            }
            sttb
        };
        let build = |font: &str| {
            let b = Build::new(text);
            let fcs: Vec<u32> = (0..=19).map(|cp| b.fc_of(cp)).collect();
            let fc = |cp: usize| fcs[cp];
            let symbol = vec![0x09, 0x6A, 1, 0, 0xAB, 0xF0];
            let fkp = chpx_fkp(&[
                (fc(0), fc(2), vec![]),
                (fc(2), fc(3), symbol),
                (fc(3), fc(6), vec![]),
                (fc(6), fc(11), vec![0x3C, 0x08, 1]),
                (fc(11), fc(12), vec![]),
                (fc(12), fc(17), vec![0x00, 0x08, 1]),
                (fc(17), fc(19), vec![]),
            ]);
            let pn = (fc(19) as usize).next_multiple_of(512) as u32 / 512;
            b.structure(PLCF_BTE_CHPX, bin_table(&[fc(0), fc(19)], &[pn]))
                .structure(STTBF_FFN, fonts(font))
                .page(fkp)
        };
        let (parts, _) = read_built(build("Wingdings")).unwrap();
        assert_eq!(lines(&parts, "main text", Role::Body), ["秘密★5年", "", ""]);
        assert_eq!(
            lines(&parts, "main text", Role::Hidden),
            ["绝密★长期", "机密★5年"]
        );
        assert_eq!(parts[1].line_map, [2, 3]);
        // The same code in the Symbol font is no star.
        let (parts, _) = read_built(build("Symbol")).unwrap();
        assert_eq!(lines(&parts, "main text", Role::Body)[0], "秘密5年");
    }

    /// Through the compound file, whatever its name: read, with an encrypted one refused.
    #[test]
    fn word_documents_behind_any_name() {
        use crate::extract::zipped::testkit;
        let bytes = compound(Build::new("000001\r机密★10年\r"), &[]);
        for ext in ["doc", "wps", "dot", "wpt", "txt", ""] {
            let doc = testkit::doc(bytes.clone(), ext);
            assert_eq!(
                testkit::role_of(&doc, "机密★10年"),
                Some(Role::Body),
                ".{ext}"
            );
            assert_eq!(doc.parts[0].name.as_deref(), Some("main text"));
        }
        let enc = compound(Build::new("机密★10年\r").flags(1 << 8), &[]);
        assert_eq!(
            testkit::extract(enc, "doc").err(),
            Some(ExtractError::Encrypted)
        );
        // No table stream where the FIB says.
        let (word, _) = Build::new("x\r").finish();
        let mut cfb = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        std::io::Write::write_all(&mut cfb.create_stream("/WordDocument").unwrap(), &word).unwrap();
        let bytes = cfb.into_inner().into_inner();
        assert!(matches!(
            testkit::extract(bytes, "doc"),
            Err(ExtractError::Corrupt(m)) if m.contains("1Table")
        ));
    }

    /// Every legacy fixture gives, per role, the same marked lines as its .docx twin
    /// (tests/fixtures/office/README.md, legacy/), the same declaring properties and
    /// creation date.
    #[test]
    fn legacy_fixtures_read_like_their_docx_twins() {
        use crate::extract::zipped::testkit;
        let dir = std::path::Path::new("tests/fixtures/office/legacy");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "doc") {
                continue;
            }
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let doc = testkit::doc(std::fs::read(&path).unwrap(), "doc");
            let twin_path = format!("tests/fixtures/office/docx/{stem}.docx");
            let twin = testkit::doc(std::fs::read(&twin_path).unwrap(), "docx");
            assert_eq!(marked(&doc), marked(&twin), "{stem}");
            assert_eq!(declared(&doc), declared(&twin), "{stem}");
            assert_eq!(doc.created, twin.created, "{stem}");
            assert!(doc.gaps.is_empty(), "{stem}: {:?}", doc.gaps);
            checked += 1;
        }
        assert_eq!(checked, 20);
    }

    /// LibreOffice writes the `w:sym` of sym-star.docx as U+F0AB in a run whose font
    /// (sprmCRgFtc0) the font table names Wingdings: the star comes through the font
    /// table, not through the code alone.
    #[test]
    fn fixture_symbol_goes_through_the_font_table() {
        let bytes = std::fs::read("tests/fixtures/office/legacy/sym-star.doc").unwrap();
        let budget = crate::extract::Budget::new(&crate::extract::Limits::new(1 << 24));
        let mut file = Compound::open(&bytes, &budget).unwrap();
        let word = file.read("/WordDocument").unwrap().unwrap();
        let fib = Fib::parse(&word).unwrap();
        let table = file.read("/1Table").unwrap().unwrap();
        let fonts = font_names(fib.slice(&table, STTBF_FFN, "").unwrap());
        let plc = fib.slice(&table, PLCF_BTE_CHPX, "").unwrap();
        let runs = fkp_runs(&word, plc, "", chpx_page).unwrap();
        let star = word
            .chunks_exact(2)
            .position(|c| c == [0xAB, 0xF0])
            .expect("U+F0AB in the text") as u32
            * 2;
        let props = runs.at(star);
        let font = props.fonts[0].map(|f| fonts[usize::from(f)].as_str());
        assert_eq!(font, Some("Wingdings"), "{props:?} {fonts:?}");
    }

    /// (role, line, block) of every line that names a level.
    fn marked(doc: &Document) -> Vec<(String, String, Block)> {
        let mut out: Vec<_> = doc
            .parts
            .iter()
            .flat_map(|p| {
                p.text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| ["绝密", "机密", "秘密"].iter().any(|w| l.contains(w)))
                    .map(move |(i, l)| {
                        let role = format!("{:?}", p.role);
                        (role, l.trim().to_string(), p.block(i as u32 + 1))
                    })
            })
            .collect();
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }

    fn declared(doc: &Document) -> Vec<(String, String)> {
        let mut out: Vec<_> = doc
            .props
            .iter()
            .filter(|p| ["密级", "保密期限", "定密日期"].contains(&p.key.as_str()))
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect();
        out.sort();
        out
    }

    /// Every byte of both streams of a document with a table, properties, headers and
    /// fields changed, and every cut of the table stream: read or an error, never a
    /// panic (called directly: nothing catches it here).
    #[test]
    fn every_changed_byte_reads_or_fails() {
        let text = "机密\u{7}★\u{7}\u{7}\u{13} X \u{14}10年\u{15}\r";
        let b = Build::new(text).story(2, "\r\r\r\r\r\r页眉\r\r");
        let fcs: Vec<u32> = (0..=8).map(|cp| b.fc_of(cp)).collect();
        let pn = (b.fc_of(30) as usize).next_multiple_of(512) as u32 / 512;
        let hdd: Vec<u32> = vec![0, 1, 2, 3, 4, 5, 6, 6, 9, 9, 9, 9, 9, 10];
        let (word, table) = b
            .structure(PLCF_BTE_CHPX, bin_table(&[fcs[0], fcs[8]], &[pn]))
            .structure(PLCF_BTE_PAPX, bin_table(&[fcs[0], fcs[8]], &[pn + 1]))
            .structure(PLCF_HDD, plc(&hdd, &[]))
            .page(chpx_fkp(&[(fcs[0], fcs[8], vec![0x3C, 0x08, 0])]))
            .page(papx_fkp(&[(fcs[0], fcs[8], vec![0x16, 0x24, 1])]))
            .finish();
        let read = |w: &[u8], t: &[u8]| {
            if let Ok(fib) = Fib::parse(w) {
                let _ = document(w, &fib, t);
            }
        };
        for i in 0..word.len() {
            for v in [0x00, 0x01, 0x80, 0xFF] {
                let mut w = word.clone();
                w[i] = v;
                read(&w, &table);
            }
        }
        for i in 0..table.len() {
            for v in [0x00, 0x01, 0x80, 0xFF] {
                let mut t = table.clone();
                t[i] = v;
                read(&word, &t);
            }
            read(&word, &table[..i]);
        }
    }

    #[test]
    fn sprm_operands_never_run_past_their_grpprl() {
        assert_eq!(
            sprms(&[0x3C, 0x08, 1, 0x09, 0x6A, 1]),
            [(0x083C, &[1u8][..])]
        );
        // sprmTDefTable: a two-byte size; sprmPChgTabs with the 255 escape.
        let tdef = [0x08, 0xD6, 3, 0, 7, 7, 0x16, 0x24, 1];
        assert_eq!(sprms(&tdef).last(), Some(&(0x2416, &[1u8][..])));
        let tabs = [0x15, 0xC6, 255, 1, 0, 0, 0, 0, 1, 0, 0, 0];
        assert_eq!(sprms(&tabs).len(), 1);
        for cut in 0..tdef.len() {
            let _ = sprms(&tdef[..cut]);
        }
        assert!(sprms(&[0x08, 0xD6, 0, 0]).is_empty());
    }
}
