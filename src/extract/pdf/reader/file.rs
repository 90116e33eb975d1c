//! A PDF file's objects (ISO 32000-1 §7.5): the cross-reference sections (tables and
//! streams, followed through `/Prev`), object streams, decryption by the standard
//! security handler, and — when the cross-reference data is damaged — a rebuilt table
//! from the objects found by scanning the file, as every reader does. `repaired` says
//! a rebuild happened; the caller reports it. Loads are cached and bounded in depth.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::rc::Rc;

use super::crypt::{CryptError, Decryptor, Encrypt, Method};
use super::filter;
use super::object::{Dict, Object, Stream};
use super::syntax::Parser;

/// References followed within one load before it is called a cycle.
const MAX_LOAD_DEPTH: usize = 32;
/// Cross-reference sections followed through `/Prev`.
const MAX_SECTIONS: usize = 256;

#[derive(Debug, Clone, Copy)]
enum Entry {
    Free,
    /// Byte offset.
    At(usize),
    /// The object stream's number and the index within it.
    InStream(u32, usize),
}

/// An object stream, decoded: its data and each object's number and offset in it.
struct ObjectStream {
    data: Vec<u8>,
    objects: Vec<(u32, usize)>,
}

/// Why a file cannot be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The empty user password does not open it.
    Encrypted,
    Corrupt(String),
}

pub struct Pdf<'a> {
    buf: &'a [u8],
    xref: HashMap<u32, Entry>,
    pub trailer: Dict,
    crypt: Option<Decryptor>,
    /// The number of the `/Encrypt` dictionary: its strings are not encrypted.
    encrypt_dict: Option<u32>,
    cache: RefCell<HashMap<u32, Rc<Object>>>,
    /// Decoded object streams.
    streams: RefCell<HashMap<u32, Rc<ObjectStream>>>,
    depth: RefCell<usize>,
    /// Where `%PDF-` is: offsets count from there (bytes before it are junk readers skip).
    base: usize,
    /// The cross-reference data was damaged and the table was rebuilt by scanning.
    rebuilt: bool,
    /// Objects found by scanning, for an entry whose offset holds no such object.
    scanned: OnceCell<HashMap<u32, usize>>,
    /// An object was found by scanning, not where its entry said, its syntax had to be
    /// mended, or a reference named no object.
    rescued: Cell<bool>,
}

/// A resolved object: borrowed when it was direct, shared from the cache when it was
/// a reference.
pub enum Res<'b> {
    Direct(&'b Object),
    Shared(Rc<Object>),
}

impl Deref for Res<'_> {
    type Target = Object;
    fn deref(&self) -> &Object {
        match self {
            Res::Direct(o) => o,
            Res::Shared(o) => o,
        }
    }
}

/// What `get_in` gives for a key that is absent (a fresh null: an `Rc` cannot be static).
const NULL: &Object = &Object::Null;

impl<'a> Pdf<'a> {
    pub fn open(buf: &'a [u8]) -> Result<Pdf<'a>, OpenError> {
        let mut pdf = Pdf {
            buf,
            xref: HashMap::new(),
            trailer: Dict::default(),
            crypt: None,
            encrypt_dict: None,
            cache: RefCell::new(HashMap::new()),
            streams: RefCell::new(HashMap::new()),
            depth: RefCell::new(0),
            base: memchr::memmem::find(&buf[..buf.len().min(1024)], b"%PDF-").unwrap_or(0),
            rebuilt: false,
            scanned: OnceCell::new(),
            rescued: Cell::new(false),
        };
        let read = pdf.read_sections();
        if read.is_err() || pdf.trailer.get(b"Root").is_none() || !pdf.root_is_catalog() {
            pdf.rebuild();
        }
        if pdf.trailer.get(b"Root").is_none() {
            return Err(OpenError::Corrupt(match read {
                Err(e) => format!("no document catalog ({e})"),
                Ok(()) => "no document catalog".into(),
            }));
        }
        pdf.decryption()?;
        Ok(pdf)
    }

    /// Whether the file was damaged: the table was rebuilt, an object was found elsewhere
    /// than its entry said, an object's syntax had to be mended, or a reference named no
    /// object.
    pub fn repaired(&self) -> bool {
        self.rebuilt || self.rescued.get()
    }

    fn root_is_catalog(&self) -> bool {
        let root = self.trailer.get(b"Root").cloned().unwrap_or(Object::Null);
        let ok = self
            .resolve(&root)
            .ok()
            .is_some_and(|r| r.as_dict().is_some_and(|d| d.get(b"Pages").is_some()));
        self.cache.borrow_mut().clear();
        ok
    }

    // ----- cross-reference sections -----

    fn read_sections(&mut self) -> Result<(), String> {
        let tail_start = self.buf.len().saturating_sub(4096);
        let at = memchr::memmem::rfind(&self.buf[tail_start..], b"startxref")
            .ok_or("no startxref")?
            + tail_start;
        let mut p = Parser::new(self.buf, at + 9);
        let mut offset = match p.object() {
            Ok(Object::Int(o)) if o >= 0 => self.base + o as usize,
            _ => return Err("startxref without an offset".into()),
        };
        let mut seen = HashSet::new();
        for _ in 0..MAX_SECTIONS {
            if !seen.insert(offset) {
                break;
            }
            let trailer = self.section(offset)?;
            if let Some(stm) = trailer.int(b"XRefStm").filter(|&o| o >= 0) {
                // A hybrid file's cross-reference stream: its entries come after the
                // table's (the table wins).
                let stm = self.base + stm as usize;
                if seen.insert(stm) {
                    let _ = self.section(stm);
                }
            }
            for (k, v) in &trailer.0 {
                if self.trailer.get(k).is_none() {
                    self.trailer.0.push((k.clone(), v.clone()));
                }
            }
            match trailer.int(b"Prev") {
                Some(prev) if prev >= 0 => offset = self.base + prev as usize,
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Read one section at `offset` (a table and its trailer, or a stream); entries
    /// already known (from a newer section) are kept.
    fn section(&mut self, offset: usize) -> Result<Dict, String> {
        if offset >= self.buf.len() {
            return Err(format!("cross-reference offset {offset} past the end"));
        }
        let mut p = Parser::new(self.buf, offset);
        p.skip_space();
        if self.buf[p.pos..].starts_with(b"xref") {
            p.pos += 4;
            return self.table(&mut p);
        }
        let (_, _, obj) = self.object_at(offset)?;
        let Object::Stream(s) = obj else {
            return Err(format!("no cross-reference section at {offset}"));
        };
        self.xref_stream(&s)?;
        Ok(s.dict.clone())
    }

    fn table(&mut self, p: &mut Parser<'a>) -> Result<Dict, String> {
        loop {
            p.skip_space();
            if self.buf[p.pos..].starts_with(b"trailer") {
                p.pos += 7;
                return match p.object()? {
                    Object::Dict(d) => Ok(d),
                    _ => Err("a trailer that is not a dictionary".into()),
                };
            }
            let (Ok(Object::Int(start)), Ok(Object::Int(count))) = (p.object(), p.object()) else {
                return Err(format!("a damaged cross-reference table at {}", p.pos));
            };
            if start < 0 || !(0..=10_000_000).contains(&count) {
                return Err(format!("a cross-reference subsection {start} {count}"));
            }
            for i in 0..count {
                let (Ok(Object::Int(off)), Ok(Object::Int(_)), Some(kind)) =
                    (p.object(), p.object(), p.keyword())
                else {
                    return Err(format!("a damaged cross-reference entry at {}", p.pos));
                };
                let num = u32::try_from(start + i).map_err(|e| e.to_string())?;
                let entry = match kind {
                    b"n" if off > 0 => Entry::At(self.base + off as usize),
                    b"n" | b"f" => Entry::Free,
                    // Neither in use nor free: the table is damaged.
                    _ => return Err(format!("a damaged cross-reference entry at {}", p.pos)),
                };
                self.xref.entry(num).or_insert(entry);
            }
        }
    }

    fn xref_stream(&mut self, s: &Stream) -> Result<(), String> {
        let w: Vec<usize> = s
            .dict
            .get(b"W")
            .and_then(Object::as_array)
            .ok_or("a cross-reference stream without /W")?
            .iter()
            .map(|o| o.as_int().unwrap_or(0).clamp(0, 8) as usize)
            .collect();
        if w.len() < 3 {
            return Err("a cross-reference stream whose /W is short".into());
        }
        let data = filter::decode(&s.dict, &s.data)?.data;
        let size = s.dict.int(b"Size").unwrap_or(0).max(0);
        let index: Vec<i64> = match s.dict.get(b"Index").and_then(Object::as_array) {
            Some(a) => a.iter().filter_map(Object::as_int).collect(),
            None => vec![0, size],
        };
        let row = w[0] + w[1] + w[2];
        if row == 0 {
            return Err("a cross-reference stream with empty rows".into());
        }
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
        let mut rows = data.chunks_exact(row);
        for pair in index.chunks_exact(2) {
            let (start, count) = (pair[0].max(0), pair[1].clamp(0, 10_000_000));
            for i in 0..count {
                let Some(r) = rows.next() else { return Ok(()) };
                let kind = if w[0] == 0 { 1 } else { field(&r[..w[0]]) };
                let f2 = field(&r[w[0]..w[0] + w[1]]);
                let f3 = field(&r[w[0] + w[1]..]);
                let Ok(num) = u32::try_from(start + i) else {
                    return Ok(());
                };
                let entry = match kind {
                    1 => Entry::At(self.base.saturating_add(f2 as usize)),
                    2 => Entry::InStream(f2.min(u64::from(u32::MAX)) as u32, f3 as usize),
                    _ => Entry::Free,
                };
                self.xref.entry(num).or_insert(entry);
            }
        }
        Ok(())
    }

    /// Rebuild the table from the objects found by scanning (`N G obj` at the start of
    /// a line), the last of a number winning, and the trailer from the trailers and
    /// cross-reference streams found, else the catalog found.
    fn rebuild(&mut self) {
        self.rebuilt = true;
        self.xref.clear();
        self.cache.borrow_mut().clear();
        let mut trailer = Dict::default();
        let mut found: Vec<(u32, usize)> = self.scanned().iter().map(|(&n, &at)| (n, at)).collect();
        found.sort_unstable();
        let stream_numbers: Vec<u32> = found.iter().map(|&(n, _)| n).collect();
        for (num, at) in found {
            self.xref.insert(num, Entry::At(at));
        }
        for at in memchr::memmem::find_iter(self.buf, b"trailer") {
            if let Ok(Object::Dict(d)) = Parser::new(self.buf, at + 7).object() {
                merge_newer(&mut trailer, d);
            }
        }
        let mut catalog = None;
        for num in stream_numbers {
            let Ok(obj) = self.get(num) else { continue };
            let Some(d) = obj.as_dict() else { continue };
            match d.name(b"Type") {
                Some(b"XRef") => merge_newer(&mut trailer, d.clone()),
                Some(b"ObjStm") => self.register_object_stream(num),
                Some(b"Catalog") if d.get(b"Pages").is_some() => catalog = Some(num),
                _ => {}
            }
        }
        for key in [
            &b"W"[..],
            b"Index",
            b"Filter",
            b"DecodeParms",
            b"Length",
            b"Type",
            b"Prev",
            b"XRefStm",
        ] {
            trailer.0.retain(|(k, _)| k != key);
        }
        let root_ok = trailer
            .get(b"Root")
            .and_then(|r| self.resolve(r).ok())
            .is_some_and(|r| r.as_dict().is_some_and(|d| d.get(b"Pages").is_some()));
        if !root_ok && let Some(num) = catalog {
            trailer.0.retain(|(k, _)| k != b"Root");
            trailer.0.push((b"Root".to_vec(), Object::Ref(num, 0)));
        }
        self.trailer = trailer;
        self.cache.borrow_mut().clear();
    }

    /// Every object header found by scanning the file, the last of a number winning.
    fn scanned(&self) -> &HashMap<u32, usize> {
        self.scanned.get_or_init(|| {
            let mut found = HashMap::new();
            for at in memchr::memmem::find_iter(self.buf, b"obj") {
                if let Some((num, start)) = object_header_before(self.buf, at) {
                    found.insert(num, start);
                }
            }
            found
        })
    }

    /// Enter the objects of object stream `num` that no object found directly has.
    fn register_object_stream(&mut self, num: u32) {
        let Ok(stream) = self.object_stream(num) else {
            return;
        };
        for (index, &(n, _)) in stream.objects.iter().enumerate() {
            self.xref.entry(n).or_insert(Entry::InStream(num, index));
        }
    }

    // ----- decryption -----

    fn decryption(&mut self) -> Result<(), OpenError> {
        let Some(enc) = self.trailer.get(b"Encrypt").cloned() else {
            return Ok(());
        };
        if let Object::Ref(n, _) = enc {
            self.encrypt_dict = Some(n);
        }
        let enc = self
            .resolve(&enc)
            .map_err(|e| OpenError::Corrupt(format!("the /Encrypt dictionary: {e}")))?;
        let Some(d) = enc.as_dict() else {
            return Err(OpenError::Corrupt(
                "the /Encrypt entry is not a dictionary".into(),
            ));
        };
        let id0 = match self.trailer.get(b"ID") {
            Some(Object::Array(a)) => a
                .first()
                .and_then(Object::as_str)
                .unwrap_or_default()
                .to_vec(),
            _ => Vec::new(),
        };
        let bytes = |k: &[u8]| d.get(k).and_then(Object::as_str).unwrap_or_default();
        let v = d.int(b"V").unwrap_or(0);
        // A crypt filter named but not defined, or of a method not known, is not the
        // identity: its data would be read as it is stored.
        let method = |key: &[u8]| -> Result<Method, OpenError> {
            if v < 4 {
                return Ok(Method::Rc4);
            }
            let Some(name) = d.name(key) else {
                return Ok(Method::Identity);
            };
            if name == b"Identity" {
                return Ok(Method::Identity);
            }
            let cfm = d
                .get(b"CF")
                .and_then(Object::as_dict)
                .and_then(|cf| cf.get(name))
                .and_then(Object::as_dict)
                .and_then(|f| f.name(b"CFM"));
            match cfm {
                Some(b"V2") => Ok(Method::Rc4),
                Some(b"AESV2") => Ok(Method::Aes128),
                Some(b"AESV3") => Ok(Method::Aes256),
                Some(b"None") => Ok(Method::Identity),
                other => Err(OpenError::Corrupt(format!(
                    "encryption not supported: crypt filter /{} of method {}",
                    String::from_utf8_lossy(name),
                    other.map_or("none".into(), |m| format!(
                        "/{}",
                        String::from_utf8_lossy(m)
                    ))
                ))),
            }
        };
        let e = Encrypt {
            filter: d.name(b"Filter").unwrap_or_default(),
            v,
            r: d.int(b"R").unwrap_or(0),
            length_bits: d.int(b"Length"),
            o: bytes(b"O"),
            u: bytes(b"U"),
            oe: d.get(b"OE").and_then(Object::as_str),
            ue: d.get(b"UE").and_then(Object::as_str),
            p: d.int(b"P").unwrap_or(0),
            encrypt_metadata: !matches!(d.get(b"EncryptMetadata"), Some(Object::Bool(false))),
            streams: method(b"StmF")?,
            strings: method(b"StrF")?,
        };
        let crypt = match Decryptor::new(&e, &id0) {
            Ok(c) => c,
            Err(CryptError::Password) => return Err(OpenError::Encrypted),
            Err(CryptError::Unsupported(why)) => {
                return Err(OpenError::Corrupt(format!(
                    "encryption not supported: {why}"
                )));
            }
            Err(CryptError::Corrupt(why)) => {
                return Err(OpenError::Corrupt(format!(
                    "the encryption dictionary: {why}"
                )));
            }
        };
        drop(enc);
        self.crypt = Some(crypt);
        // Objects read before the key was known were read undecrypted.
        self.cache.borrow_mut().clear();
        self.streams.borrow_mut().clear();
        Ok(())
    }

    fn decrypt(&self, num: u32, generation: u16, obj: &mut Object) -> Result<(), String> {
        let Some(crypt) = &self.crypt else {
            return Ok(());
        };
        if self.encrypt_dict == Some(num) {
            return Ok(());
        }
        let failed = decrypt_strings(crypt, num, generation, obj, 0)?;
        if failed > 0 {
            // Those strings are emptied; the rest of the object stands (reported).
            self.rescued.set(true);
        }
        Ok(())
    }

    // ----- objects -----

    /// Object `num`: null when it is free or missing (ISO 32000-1 §7.3.10).
    pub fn get(&self, num: u32) -> Result<Rc<Object>, String> {
        if let Some(o) = self.cache.borrow().get(&num) {
            return Ok(Rc::clone(o));
        }
        let depth = *self.depth.borrow();
        if depth >= MAX_LOAD_DEPTH {
            return Err(format!(
                "references nested deeper than {MAX_LOAD_DEPTH} at object {num}"
            ));
        }
        *self.depth.borrow_mut() = depth + 1;
        let loaded = self.load(num);
        *self.depth.borrow_mut() = depth;
        let obj = Rc::new(loaded?);
        self.cache.borrow_mut().insert(num, Rc::clone(&obj));
        Ok(obj)
    }

    fn load(&self, num: u32) -> Result<Object, String> {
        match self.xref.get(&num).copied() {
            None | Some(Entry::Free) => {
                // A reference to no object is null (ISO 32000-1 §7.3.10), but what it
                // named — a page's content, a font — is gone: reported as damage.
                self.rescued.set(true);
                Ok(Object::Null)
            }
            Some(Entry::At(offset)) => {
                let (_, generation, mut obj) = match self.object_at(offset) {
                    Ok(found) if found.0 == num => found,
                    // Not where its entry says: where scanning finds it, as readers do;
                    // the file is then reported as repaired.
                    _ => {
                        let at = self.scanned().get(&num).copied();
                        let found = at.and_then(|at| self.object_at(at).ok());
                        match found {
                            Some(found) if found.0 == num => {
                                self.rescued.set(true);
                                found
                            }
                            _ => return Err(format!("object {num} is not at byte {offset}")),
                        }
                    }
                };
                self.decrypt(num, generation, &mut obj)?;
                Ok(obj)
            }
            Some(Entry::InStream(stream, index)) => {
                let s = self.object_stream(stream)?;
                // The entry's index, if the number there is this one's; else by number.
                let at = match s.objects.get(index) {
                    Some(&(n, at)) if n == num => Some(at),
                    _ => s
                        .objects
                        .iter()
                        .find(|&&(n, _)| n == num)
                        .map(|&(_, at)| at),
                };
                let at =
                    at.ok_or_else(|| format!("object {num} is not in object stream {stream}"))?;
                Parser::new(&s.data, at)
                    .object()
                    .map_err(|e| format!("object {num} in object stream {stream}: {e}"))
            }
        }
    }

    /// The object at `offset`: `N G obj`, the object, and a stream's data.
    fn object_at(&self, offset: usize) -> Result<(u32, u16, Object), String> {
        let mut p = Parser::new(self.buf, offset);
        let (Ok(Object::Int(num)), Ok(Object::Int(generation)), Some(b"obj")) =
            (p.object(), p.object(), p.keyword())
        else {
            return Err(format!("no object at byte {offset}"));
        };
        let num = u32::try_from(num).map_err(|_| format!("object number {num}"))?;
        let generation = generation.clamp(0, 65535) as u16;
        let obj = p.object().map_err(|e| format!("object {num}: {e}"))?;
        if p.mended > 0 {
            // Its syntax had to be mended: a value may be lost (reported as damage).
            self.rescued.set(true);
        }
        let Object::Dict(dict) = obj else {
            return Ok((num, generation, obj));
        };
        if p.keyword() != Some(b"stream") {
            return Ok((num, generation, Object::Dict(dict)));
        }
        // The data begins after the end of line that follows `stream`.
        let mut start = p.pos;
        if self.buf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if self.buf.get(start) == Some(&b'\n') {
            start += 1;
        }
        let data = self.stream_data(num, &dict, start);
        Ok((
            num,
            generation,
            Object::Stream(Rc::new(Stream { dict, data })),
        ))
    }

    /// A stream's data: `/Length` bytes when `endstream` follows them, else up to the
    /// next `endstream` (a wrong length is common).
    fn stream_data(&self, num: u32, dict: &Dict, start: usize) -> Vec<u8> {
        let declared = match dict.get(b"Length") {
            Some(Object::Ref(n, _)) if *n != num => self.get(*n).ok().and_then(|o| o.as_int()),
            Some(o) => o.as_int(),
            None => None,
        };
        if let Some(len) = declared.and_then(|l| usize::try_from(l).ok()) {
            let end = start.saturating_add(len);
            if end <= self.buf.len() {
                let mut p = Parser::new(self.buf, end);
                p.skip_space();
                if self.buf[p.pos..].starts_with(b"endstream") {
                    return self.buf[start..end].to_vec();
                }
            }
        }
        let rest = &self.buf[start.min(self.buf.len())..];
        let mut end = memchr::memmem::find(rest, b"endstream").unwrap_or(rest.len());
        if end > 0 && rest[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && rest[end - 1] == b'\r' {
            end -= 1;
        }
        rest[..end].to_vec()
    }

    /// Object stream `num`, decoded, with the offset of each object in it.
    fn object_stream(&self, num: u32) -> Result<Rc<ObjectStream>, String> {
        if let Some(s) = self.streams.borrow().get(&num) {
            return Ok(Rc::clone(s));
        }
        let obj = self.get(num)?;
        let s = obj
            .as_stream()
            .ok_or_else(|| format!("object stream {num} is not a stream"))?;
        let data = self
            .decode_whole(s)
            .map_err(|e| format!("object stream {num}: {e}"))?;
        let n = s.dict.int(b"N").unwrap_or(0).clamp(0, 1_000_000) as usize;
        let first = s.dict.int(b"First").unwrap_or(0).max(0) as usize;
        let mut p = Parser::new(&data, 0);
        let mut objects = Vec::with_capacity(n);
        for _ in 0..n {
            let (Ok(Object::Int(obj)), Ok(Object::Int(off))) = (p.object(), p.object()) else {
                break;
            };
            let Ok(obj) = u32::try_from(obj) else { break };
            objects.push((obj, first.saturating_add(off.max(0) as usize)));
        }
        let s = Rc::new(ObjectStream { data, objects });
        self.streams.borrow_mut().insert(num, Rc::clone(&s));
        Ok(s)
    }

    /// Follow a reference (and a reference to a reference).
    pub fn resolve<'b>(&'b self, obj: &'b Object) -> Result<Res<'b>, String> {
        let mut cur = match obj {
            Object::Ref(n, _) => self.get(*n)?,
            o => return Ok(Res::Direct(o)),
        };
        for _ in 0..MAX_LOAD_DEPTH {
            let Object::Ref(n, _) = *cur else {
                return Ok(Res::Shared(cur));
            };
            cur = self.get(n)?;
        }
        Err("a chain of references that does not end".into())
    }

    /// The value of `key` in `dict`, resolved; null when absent.
    pub fn get_in<'b>(&'b self, dict: &'b Dict, key: &[u8]) -> Result<Res<'b>, String> {
        match dict.get(key) {
            Some(o) => self.resolve(o),
            None => Ok(Res::Direct(NULL)),
        }
    }

    /// A stream's data with its filters undone.
    pub fn decode(&self, s: &Stream) -> Result<filter::Decoded, String> {
        self.decode_data(&s.dict, &s.data)
    }

    /// Data with the filters of `dict` undone (`/Filter` and `/DecodeParms` may be
    /// references).
    pub fn decode_data(&self, dict: &Dict, data: &[u8]) -> Result<filter::Decoded, String> {
        let indirect = |k: &[u8]| matches!(dict.get(k), Some(Object::Ref(..)));
        if !indirect(b"Filter") && !indirect(b"DecodeParms") {
            return filter::decode(dict, data);
        }
        let mut dict = dict.clone();
        for (k, v) in &mut dict.0 {
            if k == b"Filter" || k == b"DecodeParms" {
                *v = (*self.resolve(v)?).clone();
            }
        }
        filter::decode(&dict, data)
    }

    /// A stream's data whole, where part of it is no use (a font, a CMap, metadata, an
    /// object stream): data cut short or failing its checksum is an error.
    pub fn decode_whole(&self, s: &Stream) -> Result<Vec<u8>, String> {
        let d = self.decode(s)?;
        if d.damaged {
            return Err("its compressed data is cut short or fails its checksum".into());
        }
        Ok(d.data)
    }

    /// The document catalog.
    pub fn catalog(&self) -> Result<Res<'_>, String> {
        self.get_in(&self.trailer, b"Root")
    }
}

/// The object header `N G obj` ending at `at` (where `obj` begins), at the start of a
/// line or after white space: the number and where `N` begins.
fn object_header_before(buf: &[u8], at: usize) -> Option<(u32, usize)> {
    if buf.get(at + 3).is_some_and(|&b| b.is_ascii_alphanumeric()) {
        return None; // `objx`, `object`…
    }
    let mut i = at;
    let digits_back = |i: &mut usize| -> Option<std::ops::Range<usize>> {
        let end = *i;
        while *i > 0 && buf[*i - 1].is_ascii_digit() && end - *i < 10 {
            *i -= 1;
        }
        (*i < end).then_some(*i..end)
    };
    let spaces_back = |i: &mut usize| -> bool {
        let end = *i;
        while *i > 0 && super::syntax::is_space(buf[*i - 1]) && end - *i < 16 {
            *i -= 1;
        }
        *i < end
    };
    // `obj` may follow the generation directly (`1 0obj` is seen).
    spaces_back(&mut i);
    let generation = digits_back(&mut i)?;
    if !spaces_back(&mut i) {
        return None;
    }
    let num = digits_back(&mut i)?;
    if i > 0 && !super::syntax::is_space(buf[i - 1]) {
        return None;
    }
    let num: u32 = std::str::from_utf8(&buf[num]).ok()?.parse().ok()?;
    let _: u16 = std::str::from_utf8(&buf[generation]).ok()?.parse().ok()?;
    Some((num, i))
}

/// Entries of a newer trailer replace an older one's.
fn merge_newer(into: &mut Dict, newer: Dict) {
    for (k, v) in newer.0 {
        into.0.retain(|(key, _)| *key != k);
        into.0.push((k, v));
    }
}

/// Decrypt every string of an object (and its stream's data); the number of strings
/// that did not decrypt (emptied). A stream whose data does not decrypt is an error.
fn decrypt_strings(
    crypt: &Decryptor,
    num: u32,
    generation: u16,
    obj: &mut Object,
    depth: usize,
) -> Result<usize, String> {
    if depth > super::syntax::MAX_DEPTH {
        return Ok(0);
    }
    let mut failed = 0;
    match obj {
        Object::Str(s) => match crypt.string(num, generation, s) {
            Ok(plain) => *s = plain,
            Err(_) => {
                s.clear();
                failed += 1;
            }
        },
        Object::Array(a) => {
            for o in a {
                failed += decrypt_strings(crypt, num, generation, o, depth + 1)?;
            }
        }
        Object::Dict(d) => {
            for (_, o) in &mut d.0 {
                failed += decrypt_strings(crypt, num, generation, o, depth + 1)?;
            }
        }
        Object::Stream(s) => {
            let Some(s) = Rc::get_mut(s) else {
                return Ok(0);
            };
            for (_, o) in &mut s.dict.0 {
                failed += decrypt_strings(crypt, num, generation, o, depth + 1)?;
            }
            let kind = s.dict.name(b"Type");
            let plain = kind == Some(b"XRef")
                || (kind == Some(b"Metadata") && !crypt.encrypts_metadata())
                || identity_crypt_filter(&s.dict);
            if !plain {
                s.data = crypt
                    .stream(num, generation, &s.data)
                    .map_err(|e| format!("object {num}: {e:?}"))?;
            }
        }
        _ => {}
    }
    Ok(failed)
}

/// A stream whose first filter is `/Crypt` with the identity filter (or none named).
fn identity_crypt_filter(d: &Dict) -> bool {
    let first = match d.get(b"Filter") {
        Some(Object::Name(n)) => Some(n.as_slice()),
        Some(Object::Array(a)) => a.first().and_then(Object::as_name),
        _ => None,
    };
    if first != Some(b"Crypt") {
        return false;
    }
    let name = match d.get(b"DecodeParms") {
        Some(Object::Dict(p)) => p.name(b"Name"),
        Some(Object::Array(a)) => a
            .first()
            .and_then(Object::as_dict)
            .and_then(|p| p.name(b"Name")),
        _ => None,
    };
    matches!(name, None | Some(b"Identity"))
}
