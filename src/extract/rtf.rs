//! RTF, read by content (`{\rtf` first) whatever the file's name: the body, headers and
//! footers, notes, comments and hidden text as parts, decoded as Word reads them
//! (`\uN` with its fallback skipped, `\'hh` bytes in the font's charset or the document
//! code page, symbol fonts mapped like `w:sym`), plus `\info` dates and user properties.
//! Never panics: every loop consumes input, every stack is bounded by `max_depth`, and
//! what a damaged file does not let it read is a `Gap` beside what it did read.

use std::collections::HashMap;

use encoding_rs::Encoding;
use jiff::civil::Date;

use super::symbol_char;
use super::{
    Block, Bound, Budget, Document, ExtractError, Flavour, Gap, Part, Property, Role, map_symbols,
};

/// Where user-defined properties are said to come from.
const USERPROPS: &str = "\\userprops";

/// Destinations whose content is never text a reader sees.
const SKIPPED: &[&[u8]] = &[
    b"colortbl",
    b"stylesheet",
    b"listtable",
    b"listoverridetable",
    b"revtbl",
    b"rsidtbl",
    b"generator",
    b"pict",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"xmlnstbl",
    b"mmathPr",
    b"pgdsctbl",
    b"filetbl",
    b"bkmkstart",
    b"bkmkend",
    b"objdata",
    b"blipuid",
    b"shprslt",
    b"linkval",
    b"ftnsep",
    b"ftnsepc",
    b"aftnsep",
    b"aftnsepc",
    b"atnid",
    b"atnauthor",
    b"atntime",
    b"atndate",
    b"atnref",
    b"atnicn",
    b"atnparent",
    b"atrfstart",
    b"atrfend",
    b"listpicture",
    b"nonshppict",
    b"objclass",
    b"objname",
    b"template",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    /// `\word` or `\wordN`.
    Word(&'a [u8], Option<i32>),
    /// A control symbol other than `\'hh`: `\~`, `\*`, `\{` …
    Symbol(u8),
    /// `\'hh`.
    Byte(u8),
    /// Literal bytes (line ends, which RTF ignores, left out).
    Text(&'a [u8]),
}

/// The tokens of an RTF file. Every call to `next` consumes at least one byte.
struct Lexer<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let c = *self.b.get(self.at)?;
            match c {
                b'{' | b'}' => {
                    self.at += 1;
                    return Some(if c == b'{' { Token::Open } else { Token::Close });
                }
                b'\\' => {
                    self.at += 1;
                    return self.control();
                }
                b'\r' | b'\n' | 0 => self.at += 1,
                _ => {
                    let start = self.at;
                    let len = self.b[start..]
                        .iter()
                        .position(|c| matches!(c, b'{' | b'}' | b'\\' | b'\r' | b'\n' | 0))
                        .unwrap_or(self.b.len() - start);
                    self.at += len;
                    return Some(Token::Text(&self.b[start..self.at]));
                }
            }
        }
    }

    /// What follows a backslash.
    fn control(&mut self) -> Option<Token<'a>> {
        let b = self.b;
        let c = *b.get(self.at)?;
        if c.is_ascii_alphabetic() {
            let start = self.at;
            while b.get(self.at).is_some_and(u8::is_ascii_alphabetic) {
                self.at += 1;
            }
            let name = &b[start..self.at];
            let param = self.param();
            if b.get(self.at) == Some(&b' ') {
                self.at += 1;
            }
            // `\binN`: N bytes of binary data follow, which may hold braces.
            if name == b"bin"
                && let Some(n) = param.filter(|n| *n > 0)
            {
                self.at = self.at.saturating_add(n as usize).min(b.len());
            }
            return Some(Token::Word(name, param));
        }
        self.at += 1;
        Some(match c {
            b'\'' => {
                let hex = |i: usize| b.get(i).and_then(|c| char::from(*c).to_digit(16));
                match (hex(self.at), hex(self.at + 1)) {
                    (Some(h), Some(l)) => {
                        self.at += 2;
                        Token::Byte((h * 16 + l) as u8)
                    }
                    _ => Token::Symbol(b'\''),
                }
            }
            // A backslash before a line end is a paragraph mark.
            b'\r' | b'\n' => Token::Word(b"par", None),
            _ => Token::Symbol(c),
        })
    }

    /// The numeric parameter of a control word, saturated to `i32`.
    fn param(&mut self) -> Option<i32> {
        let b = self.b;
        let neg =
            b.get(self.at) == Some(&b'-') && b.get(self.at + 1).is_some_and(u8::is_ascii_digit);
        let start = self.at + usize::from(neg);
        if !b.get(start).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        self.at = start;
        let mut v: i64 = 0;
        while let Some(d) = b.get(self.at).filter(|d| d.is_ascii_digit()) {
            v = (v * 10 + i64::from(d - b'0')).min(1 << 32);
            self.at += 1;
        }
        let v = if neg { -v } else { v };
        Some(v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
    }

    /// Skip to the end of the group just opened (bounded by the input).
    fn skip_group(&mut self) {
        let mut depth = 1usize;
        while let Some(t) = self.next() {
            match t {
                Token::Open => depth += 1,
                Token::Close => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return;
            }
        }
    }
}

/// What the text of a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    /// Text of the current story.
    Text,
    Skip,
    FontTable,
    /// `\info`, `\userprops`: no text of their own, but dates and properties inside.
    Info,
    Creatim,
    PropName,
    StaticVal,
    FieldInstruction,
    /// `\shpinst`: shape properties, but a `\shptxt` text box inside.
    ShapeProps,
}

/// The state a group inherits from its parent and a closing brace restores.
#[derive(Debug, Clone, Copy)]
struct State {
    dest: Dest,
    /// The destination an `\upr` group's `\ud` (its Unicode version) returns to.
    upr: Option<Dest>,
    /// After `\*`: an unknown destination is skipped.
    star: bool,
    font: Option<i32>,
    /// Fallback characters after `\uN`.
    uc: u32,
    hidden: bool,
    deleted: bool,
    inserted: bool,
    table: bool,
    list: bool,
    heading: bool,
    /// The field's `SYMBOL` instruction was read: its result is not read again.
    symbol_field: bool,
}

impl State {
    fn root() -> State {
        State {
            dest: Dest::Text,
            upr: None,
            star: false,
            font: None,
            uc: 1,
            hidden: false,
            deleted: false,
            inserted: false,
            table: false,
            list: false,
            heading: false,
            symbol_field: false,
        }
    }
}

/// The part a story's text goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Body,
    Margin(&'static str),
    Footnotes,
    Endnotes,
    Comments,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Body => "document",
            Target::Margin(name) => name,
            Target::Footnotes => "footnotes",
            Target::Endnotes => "endnotes",
            Target::Comments => "comments",
        }
    }

    fn role(self) -> Role {
        match self {
            Target::Body => Role::Body,
            Target::Margin(_) => Role::Margin,
            Target::Footnotes | Target::Endnotes => Role::Note,
            Target::Comments => Role::Hidden,
        }
    }

    fn rank(self) -> u8 {
        match self {
            Target::Body => 0,
            Target::Margin(_) => 1,
            Target::Footnotes => 2,
            Target::Endnotes => 3,
            Target::Comments => 4,
        }
    }

    /// `\header`, `\footerf` …: the margin part they write.
    fn margin(word: &[u8]) -> Option<Target> {
        Some(Target::Margin(match word {
            b"header" => "header",
            b"headerl" => "header (left pages)",
            b"headerr" => "header (right pages)",
            b"headerf" => "header (first page)",
            b"footer" => "footer",
            b"footerl" => "footer (left pages)",
            b"footerr" => "footer (right pages)",
            b"footerf" => "footer (first page)",
            _ => return None,
        }))
    }
}

/// One paragraph being read.
#[derive(Debug, Default)]
struct Para {
    /// What a reader sees.
    visible: String,
    /// The text before tracked changes, hidden text included.
    original: String,
    /// Only the deleted and hidden pieces.
    pieces: String,
    /// A `\listtext` or `\pntext` (the bullet or number) was read.
    list: bool,
}

impl Para {
    fn is_empty(&self) -> bool {
        self.original.is_empty() && self.visible.is_empty() && self.pieces.is_empty()
    }
}

/// A run of text read in order: the body, a header, a footnote, a text box. Stories
/// nest (a footnote inside a body paragraph); each has its own open paragraph.
struct Story {
    target: Target,
    /// The group depth it opened at: it ends when that group closes.
    depth: usize,
    para: Para,
}

/// The parts one target's paragraphs are written to.
struct Sink {
    target: Target,
    visible: Part,
    hidden: Part,
    paragraphs: u32,
    tables: u32,
    in_table: bool,
}

#[derive(Debug, Default)]
struct Font {
    charset: Option<i32>,
    cpg: Option<i32>,
    name: String,
    /// The `;` that ends the name was read.
    named: bool,
}

impl Font {
    fn is_symbol(&self) -> bool {
        let name = self.name.trim().to_ascii_lowercase();
        self.charset == Some(2)
            || name.starts_with("wingdings")
            || matches!(name.as_str(), "symbol" | "webdings" | "zapf dingbats")
    }

    /// Its own encoding, if it says one (`\cpgN`, `\fcharsetN`): (encoding, code page
    /// when unknown and guessed).
    fn encoding(&self) -> Option<(&'static Encoding, Option<i32>)> {
        let cp = match self.cpg {
            Some(cp) => cp,
            None => charset_code_page(self.charset?)?,
        };
        Some(code_page(cp))
    }
}

/// The Windows code page of an RTF `\fcharsetN`; `None` for the document's own.
fn charset_code_page(charset: i32) -> Option<i32> {
    Some(match charset {
        77 => 10000,
        128 => 932,
        129 => 949,
        130 => 1361,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        254 => 437,
        255 => 850,
        _ => return None,
    })
}

/// The decoder of Windows code page `cp`; an unknown one is read as GB18030 (the
/// sensible guess for Chinese text), and returned as guessed.
fn code_page(cp: i32) -> (&'static Encoding, Option<i32>) {
    let known = match cp {
        874 => Some(encoding_rs::WINDOWS_874),
        932 => Some(encoding_rs::SHIFT_JIS),
        936 | 20936 | 54936 => Some(encoding_rs::GB18030),
        949 => Some(encoding_rs::EUC_KR),
        950 => Some(encoding_rs::BIG5),
        866 => Some(encoding_rs::IBM866),
        10000 => Some(encoding_rs::MACINTOSH),
        20866 => Some(encoding_rs::KOI8_R),
        21866 => Some(encoding_rs::KOI8_U),
        65001 => Some(encoding_rs::UTF_8),
        1250..=1258 => Encoding::for_label(format!("windows-{cp}").as_bytes()),
        28591..=28606 => Encoding::for_label(format!("iso-8859-{}", cp - 28590).as_bytes()),
        _ => None,
    };
    match known {
        Some(e) => (e, None),
        None => (encoding_rs::GB18030, Some(cp)),
    }
}

/// How a paragraph ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Paragraph,
    Cell,
    Row,
    /// Its story (a footnote, a header) ends without a paragraph mark.
    Story,
}

/// The reader: group states, open stories, the parts written, and what the document
/// says of itself.
struct Reader<'b> {
    budget: &'b Budget,
    stack: Vec<State>,
    stories: Vec<Story>,
    sinks: Vec<Sink>,
    fonts: HashMap<i32, Font>,
    /// The font `\fonttbl` is defining.
    defining: Option<i32>,
    deff: Option<i32>,
    encoding: &'static Encoding,
    /// The document's code page, when unknown and guessed.
    guessed: Option<i32>,
    /// A guessed code page that 8-bit text was read in.
    guessed_used: Option<i32>,
    /// Text bytes not yet decoded (a GBK character is two `\'hh`).
    pending: Vec<u8>,
    /// Fallback characters still to skip after `\uN`.
    skip: u32,
    high: Option<u32>,
    /// The text of the field instruction, property name or value being read.
    collected: String,
    prop_name: String,
    date: [i32; 3],
    doc: Document,
    undecodable: usize,
    too_deep: bool,
    /// A file-wide bound was reached: nothing more is read.
    stopped: bool,
}

/// Read an RTF document (`bytes` start with `{\rtf`, after a BOM or white space).
pub fn extract(bytes: &[u8], budget: &Budget) -> Result<Document, ExtractError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    if !body[start..].starts_with(b"{\\rtf") {
        return Err(ExtractError::Corrupt(
            "not an RTF file (no {\\rtf header)".to_string(),
        ));
    }
    let mut lexer = Lexer {
        b: &body[start..],
        at: 0,
    };
    let mut reader = Reader::new(budget);
    while let Some(token) = lexer.next() {
        if token == Token::Open && reader.stack.len() >= budget.limits.max_depth {
            lexer.skip_group();
            reader.too_deep();
            continue;
        }
        reader.token(token);
        if reader.stack.is_empty() || reader.stopped {
            break;
        }
    }
    let rest = &lexer.b[lexer.at.min(lexer.b.len())..];
    Ok(reader.finish(rest))
}

impl<'b> Reader<'b> {
    fn new(budget: &'b Budget) -> Self {
        Reader {
            budget,
            stack: Vec::new(),
            stories: vec![Story {
                target: Target::Body,
                depth: 0,
                para: Para::default(),
            }],
            sinks: Vec::new(),
            fonts: HashMap::new(),
            defining: None,
            deff: None,
            encoding: encoding_rs::WINDOWS_1252,
            guessed: None,
            guessed_used: None,
            pending: Vec::new(),
            skip: 0,
            high: None,
            collected: String::new(),
            prop_name: String::new(),
            date: [0; 3],
            doc: Document::with_parts(Flavour::Plain, Vec::new()),
            undecodable: 0,
            too_deep: false,
            stopped: false,
        }
    }

    fn top(&self) -> State {
        self.stack.last().copied().unwrap_or_else(State::root)
    }

    fn top_mut(&mut self) -> Option<&mut State> {
        self.stack.last_mut()
    }

    fn set_dest(&mut self, dest: Dest) {
        if let Some(s) = self.top_mut() {
            s.dest = dest;
        }
    }

    fn token(&mut self, token: Token) {
        let token = match self.skipping(token) {
            Some(t) => t,
            None => return,
        };
        match token {
            Token::Text(t) => self.bytes(t),
            Token::Byte(b) => self.bytes(&[b]),
            Token::Open => {
                self.flush();
                let mut state = self.top();
                state.star = false;
                self.stack.push(state);
            }
            Token::Close => {
                self.flush();
                self.close();
            }
            Token::Word(name, param) => {
                self.flush();
                self.word(name, param);
            }
            Token::Symbol(c) => {
                self.flush();
                self.symbol(c);
            }
        }
    }

    /// The token once the fallback of a `\uN` is skipped: a byte or control word counts
    /// as one character, a brace ends the fallback.
    fn skipping<'t>(&mut self, token: Token<'t>) -> Option<Token<'t>> {
        if self.skip == 0 {
            return Some(token);
        }
        match token {
            Token::Open | Token::Close => {
                self.skip = 0;
                Some(token)
            }
            Token::Text(t) if t.len() > self.skip as usize => {
                let rest = &t[self.skip as usize..];
                self.skip = 0;
                Some(Token::Text(rest))
            }
            Token::Text(t) => {
                self.skip -= t.len() as u32;
                None
            }
            _ => {
                self.skip -= 1;
                None
            }
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        if !matches!(self.top().dest, Dest::Skip | Dest::Info | Dest::ShapeProps) {
            self.pending.extend_from_slice(b);
        }
    }

    /// Decode the pending bytes in the current font's charset (or map them through its
    /// symbol table) and write them.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.pending);
        let font = self.top().font.and_then(|f| self.fonts.get(&f));
        let text: String = match font {
            Some(f) if f.is_symbol() => bytes
                .iter()
                .filter_map(|b| symbol_char(&f.name, 0xF000 + u32::from(*b)))
                .collect(),
            _ => {
                let (encoding, guessed) = font
                    .and_then(Font::encoding)
                    .unwrap_or((self.encoding, self.guessed));
                if guessed.is_some() && !bytes.is_ascii() {
                    self.guessed_used = guessed;
                }
                let (text, bad) = encoding.decode_without_bom_handling(&bytes);
                if bad {
                    self.undecodable += text.matches('\u{FFFD}').count();
                }
                text.into_owned()
            }
        };
        self.emit(&text);
    }

    /// Write decoded text to the current destination.
    fn emit(&mut self, s: &str) {
        if self.high.take().is_some() {
            self.undecodable += 1;
            self.emit("\u{FFFD}");
        }
        let state = self.top();
        match state.dest {
            Dest::Text => {
                let Some(story) = self.stories.last_mut() else {
                    return;
                };
                let s = map_symbols(s);
                let p = &mut story.para;
                let unseen = state.hidden || state.deleted;
                if !unseen {
                    p.visible.push_str(&s);
                }
                if !state.inserted {
                    p.original.push_str(&s);
                }
                if unseen {
                    p.pieces.push_str(&s);
                }
            }
            Dest::FontTable => {
                if let Some(font) = self.defining.and_then(|f| self.fonts.get_mut(&f))
                    && !font.named
                {
                    match s.split_once(';') {
                        Some((name, _)) => {
                            font.name.push_str(name);
                            font.named = true;
                        }
                        None => font.name.push_str(s),
                    }
                }
            }
            Dest::FieldInstruction | Dest::PropName | Dest::StaticVal => {
                self.collected.push_str(s);
            }
            Dest::Skip | Dest::Info | Dest::Creatim | Dest::ShapeProps => {}
        }
    }

    /// `\uN`: a UTF-16 code unit (negative: plus 65536); surrogate pairs are joined.
    fn unicode(&mut self, n: i32) {
        let font = self.top().font.and_then(|f| self.fonts.get(&f));
        let symbol_font = font.filter(|f| f.is_symbol()).map(|f| f.name.clone());
        self.skip = self.top().uc;
        let n = u32::try_from(if n < 0 { n.saturating_add(65536) } else { n }).ok();
        if let Some(high) = self.high.take() {
            if let Some(low @ 0xDC00..=0xDFFF) = n {
                let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
                self.emit(&c.unwrap_or('\u{FFFD}').to_string());
                return;
            }
            self.undecodable += 1;
            self.emit("\u{FFFD}");
        }
        let c = match n {
            Some(h @ 0xD800..=0xDBFF) => {
                self.high = Some(h);
                return;
            }
            Some(n) => match symbol_font {
                Some(name) if n < 0x100 || (0xF000..=0xF0FF).contains(&n) => {
                    match symbol_char(&name, 0xF000 | (n & 0xFF)) {
                        Some(c) => c,
                        None => return,
                    }
                }
                _ => char::from_u32(n).unwrap_or('\u{FFFD}'),
            },
            None => '\u{FFFD}',
        };
        if c == '\u{FFFD}' {
            self.undecodable += 1;
        }
        self.emit(&c.to_string());
    }

    fn symbol(&mut self, c: u8) {
        match c {
            b'*' => {
                if let Some(s) = self.top_mut() {
                    s.star = true;
                }
            }
            b'~' => self.emit("\u{A0}"),
            b'_' => self.emit("-"),
            b'{' | b'}' | b'\\' => self.emit(&char::from(c).to_string()),
            // `\-` (optional hyphen), `\|` and `\:` (index entries), and malformed `\'`.
            _ => {}
        }
    }

    fn close(&mut self) {
        let depth = self.stack.len();
        while self.stories.len() > 1 && self.stories.last().is_some_and(|s| s.depth >= depth) {
            self.end_paragraph(Ending::Story);
            self.stories.pop();
        }
        let Some(closed) = self.stack.pop() else {
            return;
        };
        if self.stack.last().map(|s| s.dest) != Some(closed.dest) {
            self.end_destination(closed.dest);
        }
    }

    /// A destination group closed: what it collected is used.
    fn end_destination(&mut self, dest: Dest) {
        match dest {
            Dest::Creatim => {
                let [y, m, d] = self.date;
                let date = i16::try_from(y)
                    .ok()
                    .and_then(|y| Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok());
                self.doc.created = self.doc.created.or(date);
            }
            Dest::PropName => self.prop_name = self.collected.trim().to_string(),
            Dest::StaticVal if !self.prop_name.is_empty() => {
                self.doc.props.push(Property {
                    key: self.prop_name.clone(),
                    value: self.collected.trim().to_string(),
                    part: USERPROPS.to_string(),
                });
            }
            Dest::FieldInstruction => {
                if let Some(c) = symbol_field(&self.collected) {
                    self.emit(&c.to_string());
                    if let Some(s) = self.top_mut() {
                        s.symbol_field = true;
                    }
                }
                self.collected.clear();
            }
            _ => {}
        }
    }

    fn word(&mut self, name: &[u8], param: Option<i32>) {
        let state = self.top();
        if let Some(s) = self.top_mut() {
            s.star = false;
        }
        if state.dest == Dest::Skip {
            // Only the Unicode version of an `\upr` group is read.
            if name == b"ud"
                && let Some(dest) = state.upr
            {
                self.set_dest(dest);
            }
            return;
        }
        match name {
            b"u" => return self.unicode(param.unwrap_or(0)),
            b"uc" => {
                if let Some(s) = self.top_mut() {
                    s.uc = u32::try_from(param.unwrap_or(1)).unwrap_or(0);
                }
                return;
            }
            _ => {}
        }
        if self.destination(name, state) {
            return;
        }
        if state.star {
            self.set_dest(Dest::Skip);
            return;
        }
        match state.dest {
            Dest::Text => self.text_word(name, param),
            // A field code's own formatting, never a break in the story.
            Dest::FieldInstruction
                if !matches!(
                    name,
                    b"par" | b"sect" | b"cell" | b"nestcell" | b"row" | b"nestrow"
                ) =>
            {
                self.text_word(name, param);
            }
            Dest::FontTable => self.font_word(name, param),
            Dest::Creatim => {
                let at = match name {
                    b"yr" => 0,
                    b"mo" => 1,
                    b"dy" => 2,
                    _ => return,
                };
                self.date[at] = param.unwrap_or(0);
            }
            _ => {}
        }
    }

    /// A control word that starts a destination; `false` when `name` is none.
    fn destination(&mut self, name: &[u8], state: State) -> bool {
        let dest = match name {
            b"fonttbl" => Dest::FontTable,
            b"info" | b"userprops" => Dest::Info,
            b"creatim" => {
                self.date = [0; 3];
                Dest::Creatim
            }
            b"propname" | b"staticval" | b"fldinst" => {
                self.collected.clear();
                match name {
                    b"propname" => Dest::PropName,
                    b"staticval" => Dest::StaticVal,
                    _ => Dest::FieldInstruction,
                }
            }
            b"fldrslt" if state.symbol_field => Dest::Skip,
            b"shpinst" => Dest::ShapeProps,
            b"shptxt" | b"dptxbxtext" => {
                let target = self.stories.last().map_or(Target::Body, |s| s.target);
                self.open_story(target);
                Dest::Text
            }
            b"footnote" => {
                self.open_story(Target::Footnotes);
                Dest::Text
            }
            b"ftnalt" => {
                if let Some(s) = self
                    .stories
                    .last_mut()
                    .filter(|s| s.target == Target::Footnotes)
                {
                    s.target = Target::Endnotes;
                }
                return true;
            }
            b"annotation" => {
                self.open_story(Target::Comments);
                Dest::Text
            }
            b"pntext" | b"listtext" | b"pn" => {
                if let Some(s) = self.stories.last_mut() {
                    s.para.list = true;
                }
                Dest::Skip
            }
            b"upr" => {
                if let Some(s) = self.top_mut() {
                    s.upr = Some(state.dest);
                }
                Dest::Skip
            }
            _ if SKIPPED.contains(&name) => Dest::Skip,
            _ => match Target::margin(name) {
                Some(target) => {
                    self.open_story(target);
                    Dest::Text
                }
                None => return false,
            },
        };
        self.set_dest(dest);
        true
    }

    /// A story starts in the current group (a second one in the same group replaces it).
    fn open_story(&mut self, target: Target) {
        let depth = self.stack.len();
        if self.stories.len() > 1 && self.stories.last().is_some_and(|s| s.depth == depth) {
            self.end_paragraph(Ending::Story);
            if let Some(s) = self.stories.last_mut() {
                s.target = target;
            }
            return;
        }
        self.stories.push(Story {
            target,
            depth,
            para: Para::default(),
        });
    }

    /// Control words of running text: breaks, special characters, character and
    /// paragraph properties, and the document's code page.
    fn text_word(&mut self, name: &[u8], param: Option<i32>) {
        let on = param != Some(0);
        let special = match name {
            b"par" | b"sect" => return self.end_paragraph(Ending::Paragraph),
            b"cell" | b"nestcell" => return self.end_paragraph(Ending::Cell),
            b"row" | b"nestrow" => return self.end_paragraph(Ending::Row),
            b"line" | b"page" | b"column" => "\n",
            b"tab" => "\t",
            b"emdash" => "\u{2014}",
            b"endash" => "\u{2013}",
            b"bullet" => "\u{2022}",
            b"lquote" => "\u{2018}",
            b"rquote" => "\u{2019}",
            b"ldblquote" => "\u{201C}",
            b"rdblquote" => "\u{201D}",
            b"emspace" => "\u{2003}",
            b"enspace" => "\u{2002}",
            b"qmspace" => "\u{2005}",
            _ => "",
        };
        if !special.is_empty() {
            return self.emit(special);
        }
        match name {
            b"ansicpg" => (self.encoding, self.guessed) = code_page(param.unwrap_or(1252)),
            b"mac" => (self.encoding, self.guessed) = code_page(10000),
            b"pc" => (self.encoding, self.guessed) = code_page(437),
            b"pca" => (self.encoding, self.guessed) = code_page(850),
            b"deff" => {
                self.deff = param;
                if let Some(s) = self.top_mut() {
                    s.font = param;
                }
            }
            _ => {}
        }
        let deff = self.deff;
        let Some(s) = self.top_mut() else {
            return;
        };
        match name {
            b"f" => s.font = param,
            b"plain" => {
                s.font = deff;
                s.hidden = false;
                s.deleted = false;
                s.inserted = false;
            }
            b"pard" => {
                s.table = false;
                s.list = false;
                s.heading = false;
            }
            b"v" => s.hidden = on,
            b"deleted" => s.deleted = on,
            b"revised" => s.inserted = on,
            b"intbl" => s.table = on,
            b"itap" => s.table = param.unwrap_or(1) > 0,
            b"ls" => s.list = true,
            b"outlinelevel" => s.heading = param.is_some_and(|n| (0..9).contains(&n)),
            // Index and table-of-contents entries: text no reader sees.
            b"xe" | b"tc" | b"tcn" => s.hidden = true,
            _ => {}
        }
    }

    fn font_word(&mut self, name: &[u8], param: Option<i32>) {
        match name {
            b"f" => {
                self.defining = param;
                if let Some(n) = param {
                    self.fonts.insert(n, Font::default());
                }
            }
            b"fcharset" | b"cpg" => {
                if let Some(font) = self.defining.and_then(|f| self.fonts.get_mut(&f)) {
                    if name == b"cpg" {
                        font.cpg = param;
                    } else {
                        font.charset = param;
                    }
                }
            }
            _ => {}
        }
    }

    /// The index of the sink of `target`, made (and charged) on first use.
    fn sink(&mut self, target: Target) -> Option<usize> {
        if let Some(i) = self.sinks.iter().position(|s| s.target == target) {
            return Some(i);
        }
        let name = target.name();
        if let Err(e) = self.budget.charge_part(name) {
            self.stop(name, e);
            return None;
        }
        self.sinks.push(Sink {
            target,
            visible: Part::new(Some(name.to_string()), target.role()),
            hidden: Part::new(Some(name.to_string()), Role::Hidden),
            paragraphs: 0,
            tables: 0,
            in_table: false,
        });
        Some(self.sinks.len() - 1)
    }

    fn stop(&mut self, place: &str, error: ExtractError) {
        self.doc.gaps.push(Gap {
            part: Some(place.to_string()),
            line: 1,
            error,
        });
        self.stopped = true;
    }

    /// The paragraph of the innermost story ends: what a reader sees becomes a line of
    /// its part; where it differs, the original and the unseen pieces hidden lines.
    fn end_paragraph(&mut self, how: Ending) {
        if self.stopped {
            return;
        }
        let state = self.top();
        let Some(story) = self.stories.last_mut() else {
            return;
        };
        let para = std::mem::take(&mut story.para);
        let target = story.target;
        if para.is_empty() && matches!(how, Ending::Row | Ending::Story) {
            return;
        }
        let Some(i) = self.sink(target) else {
            return;
        };
        let seen = para.visible.trim();
        let original = para.original.trim();
        let pieces = para.pieces.trim();
        let original = (original != seen && !original.is_empty()).then_some(&para.original);
        let pieces = (!pieces.is_empty() && Some(pieces) != original.map(|o| o.trim()))
            .then_some(&para.pieces);
        let n = para.visible.len()
            + original.map_or(0, String::len)
            + pieces.map_or(0, String::len)
            + 3;
        if let Err(e) = self.budget.charge_text(n, target.name()) {
            return self.stop(target.name(), e);
        }
        let sink = &mut self.sinks[i];
        sink.paragraphs += 1;
        let no = sink.paragraphs;
        let block = if matches!(how, Ending::Cell | Ending::Row) || state.table {
            if !sink.in_table {
                sink.tables += 1;
                sink.in_table = true;
            }
            Block::TableCell(sink.tables)
        } else {
            sink.in_table = false;
            if para.list || state.list {
                Block::ListItem
            } else if state.heading {
                Block::Heading
            } else {
                Block::Text
            }
        };
        sink.visible.push_line_in(&para.visible, no, block);
        for hidden in [original, pieces].into_iter().flatten() {
            sink.hidden.push_line(hidden, no);
        }
    }

    /// A group deeper than `max_depth` was skipped.
    fn too_deep(&mut self) {
        if !self.too_deep {
            self.too_deep = true;
            let place = self.stories.last().map_or("document", |s| s.target.name());
            self.doc.gaps.push(Gap {
                part: Some(place.to_string()),
                line: 1,
                error: Bound::GroupDepth.exceeded(&self.budget.limits, place),
            });
        }
    }

    /// The document read; `rest` is what follows the closing brace of the document.
    fn finish(mut self, rest: &[u8]) -> Document {
        let unclosed = self.stack.len();
        if !self.stopped {
            self.flush();
            while !self.stopped && !self.stories.is_empty() {
                self.end_paragraph(Ending::Story);
                self.stories.pop();
            }
            if unclosed > 0 {
                self.gap(ExtractError::Corrupt(format!(
                    "truncated RTF: {unclosed} groups not closed"
                )));
            }
            let after = rest
                .iter()
                .filter(|b| !b.is_ascii_whitespace() && **b != 0)
                .count();
            if after > 0 {
                self.gap(ExtractError::Corrupt(format!(
                    "{after} bytes after the end of the RTF document not read"
                )));
            }
        }
        if self.undecodable > 0 {
            let what = format!(
                "{} characters of RTF text undecodable in {}",
                self.undecodable,
                self.encoding.name()
            );
            self.gap(ExtractError::Undecodable(what));
        }
        if let Some(cp) = self.guessed_used {
            self.gap(ExtractError::Undecodable(format!(
                "RTF code page {cp} unknown: its 8-bit text read as GB18030"
            )));
        }
        self.into_document()
    }

    fn gap(&mut self, error: ExtractError) {
        self.doc.gaps.push(Gap {
            part: None,
            line: 1,
            error,
        });
    }

    /// The parts: the body first, then margins, notes and comments in the order they
    /// came; then hidden text that is not blank.
    fn into_document(mut self) -> Document {
        if !self.sinks.iter().any(|s| s.target == Target::Body) {
            self.sinks.push(Sink {
                target: Target::Body,
                visible: Part::new(Some(Target::Body.name().to_string()), Role::Body),
                hidden: Part::new(Some(Target::Body.name().to_string()), Role::Hidden),
                paragraphs: 0,
                tables: 0,
                in_table: false,
            });
        }
        self.sinks.sort_by_key(|s| s.target.rank());
        let mut hidden = Vec::new();
        let mut doc = self.doc;
        for sink in self.sinks {
            if sink.visible.role != Role::Hidden || !sink.visible.is_blank() {
                doc.parts.push(sink.visible);
            }
            if !sink.hidden.is_blank() {
                hidden.push(sink.hidden);
            }
        }
        doc.parts.extend(hidden);
        doc.encoding = self.encoding.name();
        doc
    }
}

/// `SYMBOL 171 \f "Wingdings" \s 12`: the character the field draws.
fn symbol_field(instruction: &str) -> Option<char> {
    let s = instruction.trim_start();
    let rest = s
        .get(..6)
        .filter(|w| w.eq_ignore_ascii_case("SYMBOL"))
        .map(|_| &s[6..])?;
    let code = rest.split_whitespace().next()?;
    let n = match code.strip_prefix("0x").or_else(|| code.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => code.parse().ok()?,
    };
    let font = rest.find("\\f").map(|i| {
        let after = rest[i + 2..].trim_start();
        match after.strip_prefix('"') {
            Some(q) => q.split('"').next().unwrap_or_default(),
            None => after.split_whitespace().next().unwrap_or_default(),
        }
    });
    match font {
        Some(font) if !font.is_empty() => symbol_char(font, n),
        _ => char::from_u32(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Limits;
    use crate::extract::zipped::testkit::role_of;

    fn read_with(src: &[u8], limits: &Limits) -> Document {
        extract(src, &Budget::new(limits)).unwrap()
    }

    fn read(src: &str) -> Document {
        read_with(src.as_bytes(), &Limits::new(1 << 20))
    }

    /// `s` as RTF Unicode escapes with a `?` fallback each.
    fn u(s: &str) -> String {
        s.chars().map(|c| format!("\\u{}?", c as u32)).collect()
    }

    /// The part, reported line and block of the first text line holding `needle`.
    fn line_of(doc: &Document, needle: &str) -> Option<(String, Role, u32, Block)> {
        doc.parts.iter().find_map(|p| {
            let n = p.text.lines().position(|l| l.contains(needle))? as u32 + 1;
            Some((
                p.name.clone().unwrap_or_default(),
                p.role,
                p.source_line(n),
                p.block(n),
            ))
        })
    }

    fn body(doc: &Document) -> &str {
        &doc.parts[0].text
    }

    #[test]
    fn gbk_bytes_in_the_document_code_page() {
        let doc = read(r"{\rtf1\ansi\ansicpg936 \'bb\'fa\'c3\'dc\u9733?10\'c4\'ea\par}");
        assert_eq!(body(&doc), "机密★10年\n");
        assert_eq!(doc.encoding, "gb18030");
        assert_eq!(doc.parts[0].name.as_deref(), Some("document"));
        assert!(doc.gaps.is_empty() && doc.text_source().is_none());
        // Raw 8-bit bytes are decoded the same way.
        let mut raw = b"{\\rtf1\\ansi\\ansicpg936 ".to_vec();
        raw.extend("机密★10年".encode_utf16().count().to_string().as_bytes());
        raw.extend(encoding_rs::GBK.encode("机密").0.iter());
        raw.extend(b"\\par}");
        assert_eq!(body(&read_with(&raw, &Limits::new(1 << 20))), "6机密\n");
        // Without `\ansicpg`: windows-1252, as the spec says.
        assert_eq!(body(&read(r"{\rtf1\ansi caf\'e9\par}")), "café\n");
    }

    #[test]
    fn unicode_escapes_skip_their_fallback() {
        for src in [
            r"{\rtf1\uc1 \u26426?\u23494?\u9733?10\u24180?\par}",
            r"{\rtf1\uc0 \u26426\u23494\u9733 10\u24180 \par}",
            r"{\rtf1\ansicpg936\uc2 \u26426\'bb\'fa\u23494\'c3\'dc\u9733**10\u24180\'c4\'ea\par}",
            r"{\rtf1{\uc2 \u26426??}\u23494?\u9733?10\u24180?\par}",
            // The fallback ends at a brace.
            r"{\rtf1\uc3 \u26426{}\u23494{}\u9733?{}10\u24180\par}",
        ] {
            assert_eq!(body(&read(src)), "机密★10年\n", "{src}");
        }
        // Negative values are UTF-16 units above 32767; surrogate pairs are joined.
        assert_eq!(body(&read(r"{\rtf1 \u-10179?\u-8704?\par}")), "😀\n");
        let lone = read(r"{\rtf1 \u-10179?x\par}");
        assert_eq!(body(&lone), "\u{FFFD}x\n");
        assert!(matches!(
            &lone.gaps[..],
            [Gap {
                error: ExtractError::Undecodable(_),
                ..
            }]
        ));
    }

    #[test]
    fn font_charsets_decide_the_bytes() {
        let src = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times New Roman;}{\f1\fnil\fcharset134 \'cb\'ce\'cc\'e5;}{\f2\fnil\fcharset136 MingLiU;}}
{\f1 \'bb\'fa\'c3\'dc}\u9733?10{\f1\'c4\'ea} caf\'e9 {\f2\'be\'f7\'b1\'4b}\par}";
        let doc = read(src);
        assert_eq!(body(&doc), "机密★10年 café 機密\n");
        assert_eq!(doc.encoding, "windows-1252");
        // `\plain` returns to the default font; `\cpgN` overrides the charset.
        let src = r"{\rtf1\ansi\deff1{\fonttbl{\f0 Arial;}{\f1\fcharset0\cpg936 SimSun;}}\f0\plain\'bb\'fa\'c3\'dc\par}";
        assert_eq!(body(&read(src)), "机密\n");
    }

    #[test]
    fn unknown_code_page_reads_as_gb18030_and_says_so() {
        let doc = read(r"{\rtf1\ansi\ansicpg12345 \'bb\'fa\'c3\'dc\par}");
        assert_eq!(body(&doc), "机密\n");
        assert!(doc.gaps.iter().any(
            |g| matches!(&g.error, ExtractError::Undecodable(m) if m.contains("code page 12345"))
        ));
        // Nothing 8-bit, nothing guessed.
        assert!(read(r"{\rtf1\ansi\ansicpg12345 plain\par}").gaps.is_empty());
    }

    #[test]
    fn wingdings_stars_by_font_and_by_symbol_field() {
        let fonts = r"{\fonttbl{\f0 SimSun;}{\f1\fnil\fcharset2 Wingdings;}{\f2\fnil\fcharset0 Wingdings;}{\f3\fcharset2 Wingdings 2;}{\f4\fcharset2 Symbol;}}";
        let secret = u("秘密");
        let year = u("年");
        for star in [
            r"{\f1\'ab}",
            r"{\f2\'ab}",
            r"{\f1\u61611?}",
            r"{\f1\u-3925?}",
            r"{\f3\'ea}",
            r"\u61611?",
            r#"{\field{\*\fldinst SYMBOL 171 \\f "Wingdings" \\s 12}{\fldrslt {\f1\'ab}}}"#,
            r#"{\field{\*\fldinst {SYMBOL 0xAB \\f Wingdings}}{\fldrslt ?}}"#,
            r"{\field{\*\fldinst SYMBOL 9733 \\u}{\fldrslt {\u9733?}}}",
        ] {
            let doc = read(&format!(r"{{\rtf1{fonts}{secret}{star}5{year}\par}}"));
            assert_eq!(body(&doc), "秘密★5年\n", "{star}");
        }
        // The same byte is another glyph in another font: never a star there.
        for not in [r"{\f3\'ab}", r"{\f4\'2a}", r"{\f0\'ab}"] {
            let doc = read(&format!(r"{{\rtf1{fonts}{secret}{not}5{year}\par}}"));
            assert!(!body(&doc).contains('★'), "{not}: {}", body(&doc));
        }
    }

    #[test]
    fn fields_keep_their_result_only() {
        let doc = read(&format!(
            r#"{{\rtf1{{\field{{\*\fldinst HYPERLINK "http://x/{}"}}{{\fldrslt {}}}}}\par}}"#,
            u("绝密"),
            u("机密★10年")
        ));
        assert_eq!(body(&doc), "机密★10年\n");
        assert!(doc.parts.iter().all(|p| !p.text.contains("HYPERLINK")));
        // A paragraph mark inside a field code breaks nothing.
        let doc = read(r"{\rtf1 a{\field{\*\fldinst PAGE\par}{\fldrslt 1}}b\par}");
        assert_eq!(body(&doc), "a1b\n");
    }

    #[test]
    fn stories_go_to_parts_with_their_roles() {
        let m = |s: &str| u(s);
        let src = format!(
            r"{{\rtf1\ansi{{\header\pard {}\par}}{{\footerf\pard {}\par}}\pard {}{{\footnote\pard\plain {}\par}}{}\par
{{\*\atnid LM}}{{\*\atnauthor {}}}\chatn{{\*\annotation\pard {}\par}}{}{{\v {}}}\par
{{\deleted {}}}\par}}",
            m("机密★10年"),
            m("秘密★5年"),
            m("正文"),
            m("绝密★30年"),
            m("续"),
            m("李明"),
            m("机密★5年"),
            m("附"),
            m("绝密★长期"),
            m("秘密★1年"),
        );
        let doc = read(&src);
        let at = |s: &str| line_of(&doc, s).map(|(n, r, l, _)| (n, r, l));
        assert_eq!(at("机密★10年"), Some(("header".into(), Role::Margin, 1)));
        assert_eq!(
            at("秘密★5年"),
            Some(("footer (first page)".into(), Role::Margin, 1))
        );
        assert_eq!(at("绝密★30年"), Some(("footnotes".into(), Role::Note, 1)));
        assert_eq!(at("机密★5年"), Some(("comments".into(), Role::Hidden, 1)));
        assert_eq!(at("绝密★长期"), Some(("document".into(), Role::Hidden, 2)));
        assert_eq!(at("秘密★1年"), Some(("document".into(), Role::Hidden, 3)));
        // The footnote does not break the paragraph it is anchored in.
        assert_eq!(body(&doc), "正文续\n附\n\n");
        assert!(
            doc.parts
                .iter()
                .all(|p| !p.text.contains("李明") && !p.text.contains("LM"))
        );
        assert_eq!(doc.parts[0].role, Role::Body);
        // An endnote.
        let doc = read(&format!(
            r"{{\rtf1 {{\footnote\ftnalt {}\par}}\par}}",
            m("机密★10年")
        ));
        assert_eq!(
            at_of(&doc, "机密★10年"),
            Some(("endnotes".into(), Role::Note))
        );
        // Hidden until `\v0`; a revised (inserted) run is seen.
        let doc = read(&format!(
            r"{{\rtf1 \v {}\v0 {}{{\revised {}}}\par}}",
            m("机密"),
            m("正文"),
            m("新")
        ));
        assert_eq!(body(&doc), "正文新\n");
        assert_eq!(role_of(&doc, "机密"), Some(Role::Hidden));
    }

    fn at_of(doc: &Document, s: &str) -> Option<(String, Role)> {
        line_of(doc, s).map(|(n, r, _, _)| (n, r))
    }

    #[test]
    fn text_boxes_and_objects_are_body_text() {
        let src = format!(
            r"{{\rtf1 {}\par{{\shp{{\*\shpinst{{\sp{{\sn fillColor}}{{\sv 255}}}}{{\shptxt \pard {}\par}}}}{{\shprslt{{\*\do\dptxbx{{\dptxbxtext {}}}}}}}}}{{\object\objemb{{\*\objclass Word.Document}}{{\*\objdata 0102ff}}{{\result {}\par}}}}\par}}",
            u("正文"),
            u("绝密★20年"),
            u("绝密★20年"),
            u("附件"),
        );
        let doc = read(&src);
        assert_eq!(
            doc.parts[0].text.matches("绝密★20年").count(),
            1,
            "{}",
            body(&doc)
        );
        assert_eq!(role_of(&doc, "附件"), Some(Role::Body));
        assert!(
            doc.parts
                .iter()
                .all(|p| !p.text.contains("fillColor") && !p.text.contains("0102"))
        );
    }

    #[test]
    fn tables_lists_and_headings_are_blocks() {
        let src = format!(
            r"{{\rtf1 {}\par\trowd\cellx100\cellx200\pard\intbl {}\cell {}\cell\row\pard {}\par
\trowd\cellx100\pard\intbl {}\cell\row\pard{{\listtext\pard\plain 1.\tab}}\ls1 {}\par\pard{{\pntext\f1\'b7\tab}}{}\par
\pard\outlinelevel0 {}\par\pard {}\par}}",
            u("前"),
            u("000001"),
            u("机密★10年"),
            u("中"),
            u("秘密"),
            u("甲项"),
            u("乙项"),
            u("标题"),
            u("后"),
        );
        let doc = read(&src);
        let block = |s: &str| line_of(&doc, s).map(|(_, _, line, b)| (line, b));
        assert_eq!(block("前"), Some((1, Block::Text)));
        assert_eq!(block("000001"), Some((2, Block::TableCell(1))));
        assert_eq!(block("机密★10年"), Some((3, Block::TableCell(1))));
        assert_eq!(block("中"), Some((4, Block::Text)));
        assert_eq!(block("秘密"), Some((5, Block::TableCell(2))));
        assert_eq!(block("甲项"), Some((6, Block::ListItem)));
        assert_eq!(block("乙项"), Some((7, Block::ListItem)));
        assert_eq!(block("标题"), Some((8, Block::Heading)));
        assert_eq!(block("后"), Some((9, Block::Text)));
        // The list numbers are not text.
        assert!(!body(&doc).contains("1.") && !body(&doc).contains('·'));
    }

    #[test]
    fn line_breaks_keep_the_paragraph_number() {
        let doc = read(r"{\rtf1 a\line b\page c\par d\sect e\par}");
        assert_eq!(body(&doc), "a\nb\nc\nd\ne\n");
        assert_eq!(doc.parts[0].line_map, vec![1, 1, 1, 2, 3]);
    }

    #[test]
    fn info_dates_and_user_properties() {
        let src = format!(
            r"{{\rtf1{{\info{{\title {}}}{{\author x}}{{\creatim\yr2026\mo3\dy5\hr8\min0}}{{\revtim\yr2027\mo1\dy1}}}}{{\*\userprops{{\propname {}}}\proptype30{{\staticval {}}}{{\propname {}}}\proptype30{{\staticval 10{}}}{{\propname AppVersion}}\proptype30{{\staticval 14.0000}}}}{}\par}}",
            u("绝密★30年"),
            u("密级"),
            u("机密"),
            u("保密期限"),
            u("年"),
            u("正文"),
        );
        let doc = read(&src);
        assert_eq!(doc.created, Some(jiff::civil::date(2026, 3, 5)));
        let props: Vec<(&str, &str, &str)> = doc
            .props
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str(), p.part.as_str()))
            .collect();
        assert_eq!(
            props,
            vec![
                ("密级", "机密", "\\userprops"),
                ("保密期限", "10年", "\\userprops"),
                ("AppVersion", "14.0000", "\\userprops"),
            ]
        );
        assert_eq!(body(&doc), "正文\n");
        assert!(doc.parts.iter().all(|p| !p.text.contains("绝密")));
    }

    #[test]
    fn skipped_destinations_are_no_text() {
        let src = r"{\rtf1{\fonttbl{\f0 Secret;}}{\colortbl;\red0;}{\stylesheet{\s1 heading 1;}}{\*\generator Secret;}{\*\unknown Secret}{\pict\pngblip 5365637265740a}{\*\bkmkstart Secret}{\*\themedata 53}{\*\datastore 53}{\*\listtable{\list{\listlevel{\leveltext Secret;}}}}{\*\pgdsctbl{\header Secret\par}}{\pict\bin6 {}}{\par}ok\par}";
        let doc = read(src);
        assert_eq!(body(&doc), "ok\n");
        assert_eq!(doc.parts.len(), 1);
        assert!(doc.gaps.is_empty());
    }

    #[test]
    fn damage_is_a_gap_beside_what_was_read() {
        let doc = read(&format!(
            r"{{\rtf1{{\header {}\par}}{{\b {}",
            u("机密"),
            u("正文")
        ));
        assert_eq!(role_of(&doc, "机密"), Some(Role::Margin));
        assert_eq!(role_of(&doc, "正文"), Some(Role::Body));
        assert_eq!(
            doc.gaps[0].error,
            ExtractError::Corrupt("truncated RTF: 2 groups not closed".into())
        );
        let doc = read(r"{\rtf1 a\par} hidden words");
        assert_eq!(body(&doc), "a\n");
        assert!(
            matches!(&doc.gaps[0].error, ExtractError::Corrupt(m) if m.contains("after the end"))
        );
        assert!(read("{\\rtf1 a\\par}\r\n\0").gaps.is_empty());
        assert!(extract(b"{\\rt", &Budget::new(&Limits::new(1 << 20))).is_err());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let limits = Limits {
            max_depth: 64,
            ..Limits::new(1 << 20)
        };
        let src = format!(
            r"{{\rtf1 a\par{}deep{}b\par}}",
            "{".repeat(100_000),
            "}".repeat(100_000)
        );
        let doc = read_with(src.as_bytes(), &limits);
        assert_eq!(body(&doc), "a\nb\n");
        assert_eq!(
            doc.gaps[0].error,
            ExtractError::Limit("RTF group nesting depth 64, at document".into())
        );
        // Unclosed as well: never a stack overflow.
        let src = format!(r"{{\rtf1 a{}", "{\\b ".repeat(200_000));
        let doc = read_with(src.as_bytes(), &limits);
        assert_eq!(body(&doc), "a\n");
    }

    #[test]
    fn budget_bounds_parts_and_text() {
        let limits = Limits {
            max_text_bytes: 64,
            ..Limits::new(1 << 20)
        };
        let src = format!(r"{{\rtf1 {}}}", "abcdefgh\\par ".repeat(100));
        let doc = read_with(src.as_bytes(), &limits);
        assert!(doc.parts[0].text.len() <= 64);
        assert!(
            matches!(&doc.gaps[..], [Gap { error: ExtractError::Limit(m), .. }] if m.starts_with("text read from one file"))
        );
        let limits = Limits {
            max_parts: 1,
            ..Limits::new(1 << 20)
        };
        let doc = read_with(br"{\rtf1 a\par{\header b\par}}", &limits);
        assert_eq!(body(&doc), "a\n");
        assert!(
            matches!(&doc.gaps[..], [Gap { error: ExtractError::Limit(m), .. }] if m.starts_with("parts read from one file"))
        );
    }

    /// Every prefix and many byte flips of a sample: never a panic, and the text read
    /// never larger than a few times the input.
    #[test]
    fn damaged_samples_never_panic() {
        let sample = format!(
            r#"{{\rtf1\ansi\ansicpg936\deff0\uc1{{\fonttbl{{\f0\fcharset134 SimSun;}}{{\f1\fcharset2 Wingdings;}}}}{{\info{{\creatim\yr2026\mo3\dy5}}}}{{\*\userprops{{\propname a}}{{\staticval b}}}}{{\header \pard x\par}}\pard\intbl \'bb\'fa{{\f1\'ab}}\cell\row\pard{{\listtext 1}}\ls1 {}{{\field{{\*\fldinst SYMBOL 171 \\f "Wingdings"}}{{\fldrslt y}}}}{{\footnote z\par}}{{\*\annotation c}}{{\v h}}\u-10179?\u-8704?{{\pict\bin4 }}{{}}}}\line\par}}"#,
            u("机密★10年")
        );
        let bytes = sample.as_bytes();
        let limits = Limits::new(1 << 20);
        for end in 0..=bytes.len() {
            if let Ok(doc) = extract(&bytes[..end], &Budget::new(&limits)) {
                let n: usize = doc.parts.iter().map(|p| p.text.len()).sum();
                assert!(n <= 8 * end + 64);
            }
        }
        let mut state = 0x2545_F491_u32;
        for _ in 0..4000 {
            let mut b = bytes.to_vec();
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let at = state as usize % b.len();
                b[at] = (state >> 24) as u8;
            }
            let _ = extract(&b, &Budget::new(&limits));
        }
        for garbage in [
            &b"{\\rtf"[..],
            b"{\\rtf\\",
            b"{\\rtf\\'",
            b"{\\rtf\\'4",
            b"{\\rtf1\\u",
            b"{\\rtf1\\u-99999999999999999999?\\uc-5 \\uc99999999999 x\\bin-3 \\bin99999999999",
            b"{\\rtf1}}}}}",
            b"{\\rtf1{\\*}{\\*\\*}\\*\\ud{\\upr{\\ud}}",
        ] {
            let _ = extract(garbage, &Budget::new(&limits));
        }
    }

    /// The LibreOffice conversions of docx fixtures: each mark is read in the role it
    /// has in its docx twin, and the properties and creation date are the same.
    #[test]
    fn fixtures_read_like_their_docx_twins() {
        use crate::extract::zipped::testkit::doc;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/office");
        for (name, mark) in [
            ("body", "秘密★5年"),
            ("header", "机密★10年"),
            ("footer", "秘密★5年"),
            ("footnote", "机密★10年"),
            ("comment", "机密★5年"),
            ("sym-star", "秘密★5年"),
            ("properties", "机密★10年"),
            ("table-head", "机密★10年"),
            ("hidden-run", "绝密★长期"),
            ("tracked-deletion", "秘密★1年"),
            ("textbox", "绝密★20年"),
        ] {
            let read = |ext: &str| {
                let path = dir.join(format!("{ext}/{name}.{ext}"));
                doc(std::fs::read(&path).unwrap(), ext)
            };
            let (rtf, docx) = (read("rtf"), read("docx"));
            assert!(rtf.gaps.is_empty(), "{name}: {:?}", rtf.gaps);
            let role = role_of(&docx, mark);
            assert!(role.is_some(), "{name}");
            assert_eq!(role_of(&rtf, mark), role, "{name}");
            let block = |d: &Document| line_of(d, mark).map(|l| l.3);
            assert_eq!(block(&rtf), block(&docx), "{name}");
            // LibreOffice adds `AppVersion` (from docx `app.xml`) to the user properties.
            for p in &docx.props {
                let same = rtf
                    .props
                    .iter()
                    .any(|r| (&r.key, &r.value) == (&p.key, &p.value));
                assert!(same, "{name}: {p:?}");
            }
            assert_eq!(rtf.created, docx.created, "{name}");
        }
    }
}
