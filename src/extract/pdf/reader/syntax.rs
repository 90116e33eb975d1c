//! The PDF lexer and object parser (ISO 32000-1 §7.2–7.3), shared by the file's objects
//! and page content streams. Lenient the way real readers are (a stray byte is skipped,
//! an unclosed string ends at the end), but bounded: nesting deeper than `MAX_DEPTH` is
//! an error, never a stack overflow, and every loop consumes input.

use std::ops::Range;

use super::object::{Dict, Object};

/// Arrays and dictionaries nested deeper than this are an error (real files nest a few
/// levels; a crafted one nests millions to overflow the stack).
pub const MAX_DEPTH: usize = 256;

/// What `Parser::item` reads: an object, a keyword (an operator in a content stream,
/// `obj`, `stream`, `endobj`… in a file), or the end of the input.
#[derive(Debug, PartialEq)]
pub enum Item {
    Obj(Object),
    Keyword(Range<usize>),
    End,
}

pub struct Parser<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
    /// Whether `12 0 R` is a reference (in a file) or three operands (a content stream).
    refs: bool,
    /// Places where the syntax was mended (a keyword or a value without a key skipped,
    /// a key without a value): an object read with any is reported as damaged.
    pub mended: usize,
}

pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

pub fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_space(b) && !is_delimiter(b)
}

pub fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Where the white space and comments from `pos` end (a CMap's syntax is PDF's here).
pub fn skip_blank(buf: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = buf.get(pos) {
        if is_space(b) {
            pos += 1;
        } else if b == b'%' {
            while buf.get(pos).is_some_and(|&c| c != b'\n' && c != b'\r') {
                pos += 1;
            }
        } else {
            break;
        }
    }
    pos
}

/// Hexadecimal digits up to a `>` or the end (ISO 32000-1 §7.3.4.3, and the
/// ASCIIHexDecode filter's data): white space and stray bytes skipped, an odd last digit
/// read as followed by 0. The bytes, and how many input bytes were used (the `>` too).
pub fn hex_until_end(data: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    let mut used = data.len();
    for (i, &b) in data.iter().enumerate() {
        if b == b'>' {
            used = i + 1;
            break;
        }
        if let Some(v) = hex_value(b) {
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    (out, used)
}

impl<'a> Parser<'a> {
    /// A parser of a file's objects (`N G R` is a reference).
    pub fn new(buf: &'a [u8], pos: usize) -> Parser<'a> {
        Parser {
            buf,
            pos,
            refs: true,
            mended: 0,
        }
    }

    /// A parser of a content stream (no references).
    pub fn content(buf: &'a [u8]) -> Parser<'a> {
        Parser {
            buf,
            pos: 0,
            refs: false,
            mended: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skip white space and comments.
    pub fn skip_space(&mut self) {
        self.pos = skip_blank(self.buf, self.pos);
    }

    /// The next keyword's bytes, if the next token is one (the position moves past it).
    pub fn keyword(&mut self) -> Option<&'a [u8]> {
        self.skip_space();
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.buf[start..self.pos])
    }

    /// The next object, keyword or the end.
    pub fn item(&mut self) -> Result<Item, String> {
        self.item_at(0)
    }

    /// The next object; a keyword or the end where one is due is an error.
    pub fn object(&mut self) -> Result<Object, String> {
        match self.item()? {
            Item::Obj(o) => Ok(o),
            Item::Keyword(r) => Err(format!(
                "unexpected `{}` at byte {}",
                String::from_utf8_lossy(&self.buf[r.clone()]),
                r.start
            )),
            Item::End => Err("unexpected end of data".into()),
        }
    }

    fn item_at(&mut self, depth: usize) -> Result<Item, String> {
        if depth > MAX_DEPTH {
            return Err(format!("objects nested deeper than {MAX_DEPTH}"));
        }
        self.skip_space();
        let Some(b) = self.peek() else {
            return Ok(Item::End);
        };
        let obj = match b {
            b'/' => {
                self.pos += 1;
                Object::Name(self.name())
            }
            b'(' => {
                self.pos += 1;
                Object::Str(self.literal())
            }
            b'<' if self.buf.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Object::Dict(self.dict(depth)?)
            }
            b'<' => {
                self.pos += 1;
                Object::Str(self.hex())
            }
            b'[' => {
                self.pos += 1;
                Object::Array(self.array(depth)?)
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number(),
            b')' | b'>' | b']' | b'{' | b'}' => {
                // A delimiter out of place is a one-byte keyword (content streams use
                // `{` `}` in no operator; the caller skips what it does not know).
                self.pos += 1;
                return Ok(Item::Keyword(self.pos - 1..self.pos));
            }
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(is_regular) {
                    self.pos += 1;
                }
                return Ok(match &self.buf[start..self.pos] {
                    b"true" => Item::Obj(Object::Bool(true)),
                    b"false" => Item::Obj(Object::Bool(false)),
                    b"null" => Item::Obj(Object::Null),
                    _ => Item::Keyword(start..self.pos),
                });
            }
        };
        Ok(Item::Obj(obj))
    }

    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.peek().filter(|&b| is_regular(b)) {
            self.pos += 1;
            if b == b'#' {
                let hi = self.buf.get(self.pos).copied().and_then(hex_value);
                let lo = self.buf.get(self.pos + 1).copied().and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    self.pos += 2;
                    continue;
                }
            }
            out.push(b);
        }
        out
    }

    /// A literal string after its `(`: escapes decoded, balanced parentheses kept, an
    /// end of line as written read as `\n` (ISO 32000-1 §7.3.4.2).
    fn literal(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut open = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    out.push(b);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => self.escape(&mut out),
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                _ => out.push(b),
            }
        }
        out
    }

    fn escape(&mut self, out: &mut Vec<u8>) {
        let Some(b) = self.peek() else { return };
        self.pos += 1;
        match b {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'0'..=b'7' => {
                let mut v = u32::from(b - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                // High-order overflow is ignored (§7.3.4.2).
                out.push((v & 0xff) as u8);
            }
            // A backslash at the end of a line continues the string on the next.
            b'\r' => {
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            b'\n' => {}
            // `\(`, `\)`, `\\`, and a backslash before any other byte: the byte.
            _ => out.push(b),
        }
    }

    /// A hexadecimal string after its `<`.
    fn hex(&mut self) -> Vec<u8> {
        let (out, used) = hex_until_end(&self.buf[self.pos..]);
        self.pos += used;
        out
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Object>, String> {
        let mut out = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => return Ok(out),
                Some(b']') => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => {}
            }
            match self.item_at(depth + 1)? {
                Item::Obj(o) => out.push(o),
                Item::End => return Ok(out),
                // A keyword inside an array (`R` after a damaged reference, `endobj` of
                // an unclosed array): the array ends before `endobj`, else it is skipped.
                Item::Keyword(r) => {
                    self.mended += 1;
                    if &self.buf[r.clone()] == b"endobj" || &self.buf[r.clone()] == b"stream" {
                        self.pos = r.start;
                        return Ok(out);
                    }
                }
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Dict, String> {
        let mut out = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => return Ok(Dict(out)),
                Some(b'>') => {
                    self.pos += 1;
                    if self.peek() == Some(b'>') {
                        self.pos += 1;
                    }
                    return Ok(Dict(out));
                }
                _ => {}
            }
            let key = match self.item_at(depth + 1)? {
                Item::Obj(Object::Name(k)) => k,
                Item::End => return Ok(Dict(out)),
                Item::Keyword(r) => {
                    self.mended += 1;
                    if &self.buf[r.clone()] == b"endobj" || &self.buf[r.clone()] == b"stream" {
                        self.pos = r.start;
                        return Ok(Dict(out));
                    }
                    continue;
                }
                // A value without a key is skipped.
                Item::Obj(_) => {
                    self.mended += 1;
                    continue;
                }
            };
            self.skip_space();
            if self.peek() == Some(b'>') {
                // A key without a value before the end: null.
                self.mended += 1;
                out.push((key, Object::Null));
                continue;
            }
            match self.item_at(depth + 1)? {
                Item::Obj(v) => out.push((key, v)),
                Item::End => {
                    out.push((key, Object::Null));
                    return Ok(Dict(out));
                }
                Item::Keyword(r) => {
                    self.mended += 1;
                    out.push((key, Object::Null));
                    if &self.buf[r.clone()] == b"endobj" || &self.buf[r.clone()] == b"stream" {
                        self.pos = r.start;
                        return Ok(Dict(out));
                    }
                }
            }
        }
    }

    /// A number, and in a file the reference it may begin (`12 0 R`).
    fn number(&mut self) -> Object {
        let start = self.pos;
        let n = self.plain_number();
        if let (true, Object::Int(num)) = (self.refs, &n) {
            let save = self.pos;
            if let Some(r) = self.reference(*num) {
                return r;
            }
            self.pos = save;
        }
        if self.pos == start {
            self.pos += 1;
        }
        n
    }

    fn reference(&mut self, num: i64) -> Option<Object> {
        let num = u32::try_from(num).ok()?;
        self.skip_space();
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let generation: u16 = std::str::from_utf8(&self.buf[start..self.pos])
            .ok()?
            .parse()
            .ok()?;
        self.skip_space();
        if self.peek() == Some(b'R') && !self.buf.get(self.pos + 1).is_some_and(|&b| is_regular(b))
        {
            self.pos += 1;
            return Some(Object::Ref(num, generation));
        }
        None
    }

    /// An integer or a real; signs repeated and digits missing are read as readers do
    /// (`--5` is -5, `-` and `.` are 0).
    fn plain_number(&mut self) -> Object {
        let mut negative = false;
        while let Some(b @ (b'+' | b'-')) = self.peek() {
            negative ^= b == b'-';
            self.pos += 1;
        }
        let start = self.pos;
        let mut dot = false;
        while let Some(b) = self.peek() {
            if b.is_ascii_digit() || (b == b'.' && !dot) {
                dot |= b == b'.';
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = std::str::from_utf8(&self.buf[start..self.pos]).unwrap_or("0");
        let sign = if negative { -1.0 } else { 1.0 };
        if !dot && let Ok(i) = text.parse::<i64>() {
            return Object::Int(if negative { -i } else { i });
        }
        let r: f64 = match text {
            "" | "." => 0.0,
            t => t.parse().unwrap_or(0.0),
        };
        Object::Real(sign * r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Object {
        Parser::new(s.as_bytes(), 0).object().unwrap()
    }

    #[test]
    fn scalars() {
        assert_eq!(one("42"), Object::Int(42));
        assert_eq!(one("-3.5"), Object::Real(-3.5));
        assert_eq!(one(".5"), Object::Real(0.5));
        assert_eq!(one("--5"), Object::Int(5));
        assert_eq!(one("4."), Object::Real(4.0));
        assert_eq!(one("true"), Object::Bool(true));
        assert_eq!(one("null"), Object::Null);
        assert_eq!(one("/A#42C"), Object::Name(b"ABC".to_vec()));
        assert_eq!(one("/#E5#AF#86"), Object::Name("密".as_bytes().to_vec()));
        assert_eq!(one("12 0 R"), Object::Ref(12, 0));
        assert_eq!(one("12 0 Rx"), Object::Int(12));
    }

    #[test]
    fn strings() {
        assert_eq!(one(r"(a\(b\)c)"), Object::Str(b"a(b)c".to_vec()));
        assert_eq!(one("(a(b)c)"), Object::Str(b"a(b)c".to_vec()));
        assert_eq!(one(r"(\101\1\0053)"), Object::Str(vec![b'A', 1, 5, b'3']));
        assert_eq!(one("(a\\\r\nb\r\nc)"), Object::Str(b"ab\nc".to_vec()));
        assert_eq!(one("<4E6F 7>"), Object::Str(vec![0x4e, 0x6f, 0x70]));
        assert_eq!(one("(open"), Object::Str(b"open".to_vec()));
    }

    #[test]
    fn containers() {
        let o = one("<< /Type /Page /Kids [1 0 R 2 0 R] /N 3 /Empty>>");
        let d = o.as_dict().unwrap();
        assert_eq!(d.name(b"Type"), Some(&b"Page"[..]));
        assert_eq!(
            d.get(b"Kids").unwrap().as_array().unwrap(),
            &[Object::Ref(1, 0), Object::Ref(2, 0)]
        );
        assert_eq!(d.int(b"N"), Some(3));
        assert_eq!(d.get(b"Empty"), Some(&Object::Null));
        // Mended syntax is counted: a key without a value, a stray keyword, a lone value.
        for (text, mended) in [
            ("<< /A 1 /B 2 >>", 0),
            ("<< /A >>", 1),
            ("<< /A 1 junk /B 2 >>", 1),
            ("<< /A 1 2 /B 3 >>", 1),
            ("[1 2 junk 3]", 1),
        ] {
            let mut p = Parser::new(text.as_bytes(), 0);
            p.object().unwrap();
            assert_eq!(p.mended, mended, "{text}");
        }
    }

    #[test]
    fn content_operands_are_not_references() {
        let mut p = Parser::content(b"1 0 0 1 72 700 cm");
        let mut n = 0;
        while let Item::Obj(_) = p.item().unwrap() {
            n += 1;
        }
        assert_eq!(n, 6);
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow() {
        let deep = "[".repeat(2_000_000);
        assert!(Parser::new(deep.as_bytes(), 0).object().is_err());
        let deep = "<<".repeat(1_000_000);
        assert!(Parser::new(deep.as_bytes(), 0).object().is_err());
        let fine = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(Parser::new(fine.as_bytes(), 0).object().is_ok());
    }

    #[test]
    fn any_bytes_end_without_panic() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = b"()<>[]{}/%\\ \n\r0123456789.+-RabcdefTj#";
        for _ in 0..3_000 {
            let len = (x % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    super::super::next_random(&mut x);
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            let mut p = Parser::new(&bytes, 0);
            for _ in 0..200 {
                match p.item() {
                    Ok(Item::End) | Err(_) => break,
                    _ => {}
                }
            }
        }
    }
}
