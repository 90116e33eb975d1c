//! A page's content streams run as far as text and images go (ISO 32000-1 §8–9): the
//! graphics state's matrix, the text state and operators, form XObjects (nested at most
//! `MAX_FORMS` deep, never into themselves), images drawn and inline images. Out come
//! the glyphs where they stand on the page and the images with their size; paths,
//! colours and clipping are not run.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::file::Pdf;
use super::font::{Font, Glyph};
use super::object::{Dict, Object, Stream};
use super::syntax::{Item, Parser};

/// Form XObjects nested within one another.
const MAX_FORMS: usize = 12;
/// `q` nested without `Q`: deeper saves are ignored (their `Q` restores the deepest).
const MAX_SAVES: usize = 256;
/// Operands kept before an operator (a content stream of numbers only stays bounded).
const MAX_OPERANDS: usize = 4096;
/// Forms drawn on one page, nested or not (a crafted file draws each of ten nested
/// forms ten times: ten billion); past it the page is reported, not finished.
const MAX_FORMS_RUN: usize = 10_000;

/// An affine matrix `[a b c d e f]` (§8.3.4): a point (x, y) goes to
/// (a·x + c·y + e, b·x + d·y + f).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix(pub [f64; 6]);

impl Matrix {
    pub const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self` then `then` (self × then).
    pub fn then(&self, then: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = then.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn translate(x: f64, y: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    fn from_operands(ops: &[Object]) -> Option<Matrix> {
        let v: Vec<f64> = ops.iter().filter_map(Object::as_f64).collect();
        let m: [f64; 6] = v.get(v.len().checked_sub(6)?..)?.try_into().ok()?;
        m.iter().all(|x| x.is_finite()).then_some(Matrix(m))
    }
}

/// A glyph where it stands on the page (device space, y up).
#[derive(Debug, Clone)]
pub struct Placed {
    /// Its text; U+FFFD when the font does not say.
    pub text: String,
    pub x: f64,
    pub y: f64,
    /// Where the next glyph would start.
    pub end_x: f64,
    pub end_y: f64,
    /// The font size on the page (the height of the text space's unit vertical).
    pub size: f64,
    pub vertical: bool,
}

/// An annotation to draw: its normal appearance, the object it is, its rectangle
/// (normalised) and its `/Subtype` for messages.
pub struct Annotation {
    pub appearance: Rc<Stream>,
    pub num: Option<u32>,
    pub rect: [f64; 4],
    pub kind: String,
}

/// An image drawn on the page: its data, and its width on the page in points.
pub struct ImageUse {
    pub image: Rc<Stream>,
    pub width: f64,
    /// The image's own pixel width and height (its `/Width`, `/Height`).
    pub pixels: (u32, u32),
}

#[derive(Default)]
pub struct PageContent {
    pub glyphs: Vec<Placed>,
    pub images: Vec<ImageUse>,
    /// Codes without Unicode, counted by font name.
    pub unmapped: BTreeMap<String, usize>,
    /// What could not be read (a content stream, a font, a form), said once each.
    pub problems: Vec<String>,
}

#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    font_name: Vec<u8>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
    rise: f64,
}

/// What a document's pages share, read once each: fonts (or why they did not load)
/// and forms' decoded content, by object number; a font written directly in a
/// resource dictionary by what it says.
#[derive(Default)]
pub struct Shared {
    fonts: HashMap<FontKey, Result<Rc<Font>, String>>,
    /// A form's content, and whether it was cut short or failed its checksum.
    forms: HashMap<u32, Rc<(Vec<u8>, bool)>>,
}

#[derive(PartialEq, Eq, Hash)]
enum FontKey {
    Object(u32),
    /// A font dictionary written directly, by its `Debug` text.
    Direct(String),
}

pub struct Interpreter<'p, 'a> {
    pdf: &'p Pdf<'a>,
    shared: &'p mut Shared,
    out: PageContent,
    forms: Vec<u32>,
    /// Forms drawn so far on the page.
    forms_run: usize,
    glyphs: Vec<Glyph>,
}

impl<'p, 'a> Interpreter<'p, 'a> {
    pub fn new(pdf: &'p Pdf<'a>, shared: &'p mut Shared) -> Self {
        Interpreter {
            pdf,
            shared,
            out: PageContent::default(),
            forms: Vec::new(),
            forms_run: 0,
            glyphs: Vec::new(),
        }
    }

    /// Run a page's content (its streams joined) with its resources, then its
    /// annotations' appearances; `base` maps the page's user space onto an upright page.
    pub fn run_page(
        mut self,
        content: &[u8],
        resources: &Dict,
        base: Matrix,
        annotations: &[Annotation],
    ) -> PageContent {
        self.run(content, resources, Self::state(base));
        for a in annotations {
            self.annotation(a, base);
        }
        self.out
    }

    fn state(ctm: Matrix) -> State {
        State {
            ctm,
            font: None,
            font_name: Vec::new(),
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }

    /// An annotation's appearance, drawn as a form whose box is fitted to the
    /// annotation's rectangle (ISO 32000-1 §12.5.5).
    fn annotation(&mut self, a: &Annotation, base: Matrix) {
        let matrix = a
            .appearance
            .dict
            .get(b"Matrix")
            .and_then(Object::as_array)
            .and_then(Matrix::from_operands)
            .unwrap_or(Matrix::IDENTITY);
        let bbox: Vec<f64> = a
            .appearance
            .dict
            .get(b"BBox")
            .and_then(Object::as_array)
            .map(|b| b.iter().filter_map(Object::as_f64).collect())
            .unwrap_or_default();
        let [x0, y0, x1, y1] = a.rect;
        let fit = match bbox[..] {
            [bx0, by0, bx1, by1] => {
                let corners = [(bx0, by0), (bx1, by0), (bx0, by1), (bx1, by1)]
                    .map(|(x, y)| matrix.apply(x, y));
                let (mut lx, mut ly, mut hx, mut hy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
                for (x, y) in corners {
                    (lx, ly, hx, hy) = (lx.min(x), ly.min(y), hx.max(x), hy.max(y));
                }
                let sx = if hx - lx > 1e-9 {
                    (x1 - x0) / (hx - lx)
                } else {
                    1.0
                };
                let sy = if hy - ly > 1e-9 {
                    (y1 - y0) / (hy - ly)
                } else {
                    1.0
                };
                Matrix([sx, 0.0, 0.0, sy, x0 - lx * sx, y0 - ly * sy])
            }
            _ => Matrix::translate(x0, y0),
        };
        // The form's own matrix is applied by `form`, then the fit, then the page's.
        let gs = Self::state(fit.then(&base));
        let label = format!("an annotation's appearance ({})", a.kind);
        self.form(&label, a.num, &a.appearance, &Dict::default(), &gs);
    }

    fn problem(&mut self, what: String) {
        if !self.out.problems.contains(&what) && self.out.problems.len() < 32 {
            self.out.problems.push(what);
        }
    }

    fn run(&mut self, content: &[u8], resources: &Dict, state: State) {
        let mut gs = state;
        let mut saved: Vec<State> = Vec::new();
        let mut tm = Matrix::IDENTITY;
        let mut tlm = Matrix::IDENTITY;
        let mut ops: Vec<Object> = Vec::new();
        let mut p = Parser::content(content);
        loop {
            let item = match p.item() {
                Ok(i) => i,
                Err(e) => {
                    self.problem(format!("a content stream: {e}"));
                    return;
                }
            };
            let range = match item {
                Item::End => return,
                Item::Obj(o) => {
                    // No operator takes this many operands: the run of numbers is noise.
                    if ops.len() >= MAX_OPERANDS {
                        ops.clear();
                    }
                    ops.push(o);
                    continue;
                }
                Item::Keyword(r) => r,
            };
            let op = &content[range];
            let num = |i: usize| -> f64 {
                ops.len()
                    .checked_sub(i)
                    .and_then(|k| ops.get(k))
                    .and_then(Object::as_f64)
                    .unwrap_or(0.0)
            };
            match op {
                b"q" if saved.len() < MAX_SAVES => saved.push(gs.clone()),
                b"Q" => {
                    if let Some(s) = saved.pop() {
                        gs = s;
                    }
                }
                b"cm" => {
                    if let Some(m) = Matrix::from_operands(&ops) {
                        gs.ctm = m.then(&gs.ctm);
                    }
                }
                b"BT" => {
                    tm = Matrix::IDENTITY;
                    tlm = Matrix::IDENTITY;
                }
                b"Tf" => {
                    gs.size = num(1);
                    if let Some(Object::Name(n)) = ops.len().checked_sub(2).and_then(|i| ops.get(i))
                    {
                        gs.font_name = n.clone();
                        gs.font = self.font(resources, n);
                    }
                }
                b"Tc" => gs.char_spacing = num(1),
                b"Tw" => gs.word_spacing = num(1),
                b"Tz" => gs.scale = num(1) / 100.0,
                b"TL" => gs.leading = num(1),
                b"Ts" => gs.rise = num(1),
                b"Td" | b"TD" => {
                    if op == b"TD" {
                        gs.leading = -num(1);
                    }
                    tlm = Matrix::translate(num(2), num(1)).then(&tlm);
                    tm = tlm;
                }
                b"Tm" => {
                    if let Some(m) = Matrix::from_operands(&ops) {
                        tlm = m;
                        tm = m;
                    }
                }
                b"T*" => {
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    if op == b"\"" {
                        gs.word_spacing = num(3);
                        gs.char_spacing = num(2);
                    }
                    if op == b"'" || op == b"\"" {
                        tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                        tm = tlm;
                    }
                    match ops.last() {
                        Some(Object::Str(s)) => self.show(s, &gs, &mut tm),
                        Some(Object::Array(a)) if op == b"TJ" => self.show_array(a, &gs, &mut tm),
                        _ => {}
                    }
                }
                b"Do" => {
                    if let Some(Object::Name(n)) = ops.last() {
                        let n = n.clone();
                        self.draw(resources, &n, &gs);
                    }
                }
                b"BI" => self.inline_image(&mut p, &gs),
                _ => {}
            }
            ops.clear();
        }
    }

    /// The font named `name` in `resources`.
    /// The font named `name` in `resources`, loaded once a document; one that does not
    /// load is a problem of every page that uses it.
    fn font(&mut self, resources: &Dict, name: &[u8]) -> Option<Rc<Font>> {
        let fonts = self.pdf.get_in(resources, b"Font").ok()?;
        let reference = fonts.as_dict()?.get(name)?.clone();
        let key = match &reference {
            Object::Ref(n, _) => FontKey::Object(*n),
            direct => FontKey::Direct(format!("{direct:?}")),
        };
        let loaded = match self.shared.fonts.get(&key) {
            Some(found) => found.clone(),
            None => {
                let loaded = self
                    .pdf
                    .resolve(&reference)
                    .and_then(|d| match d.as_dict() {
                        Some(d) => Font::load(self.pdf, d),
                        None => Err("not a dictionary".into()),
                    })
                    .map(Rc::new);
                self.shared.fonts.insert(key, loaded.clone());
                loaded
            }
        };
        match loaded {
            Ok(font) => Some(font),
            Err(e) => {
                self.problem(format!("font /{}: {e}", String::from_utf8_lossy(name)));
                None
            }
        }
    }

    /// `TJ`: strings shown, numbers moving the next glyph back by thousandths of the
    /// font size (a large one is a word gap).
    fn show_array(&mut self, items: &[Object], gs: &State, tm: &mut Matrix) {
        let vertical = gs.font.as_ref().is_some_and(|f| f.vertical);
        for item in items {
            match item {
                Object::Str(s) => self.show(s, gs, tm),
                o => {
                    let adj = o.as_f64().unwrap_or(0.0) / 1000.0 * gs.size;
                    *tm = if vertical {
                        Matrix::translate(0.0, -adj).then(tm)
                    } else {
                        Matrix::translate(-adj * gs.scale, 0.0).then(tm)
                    };
                }
            }
        }
    }

    fn show(&mut self, bytes: &[u8], gs: &State, tm: &mut Matrix) {
        let Some(font) = gs.font.clone() else {
            if !bytes.is_empty() {
                let name = String::from_utf8_lossy(&gs.font_name).into_owned();
                *self
                    .out
                    .unmapped
                    .entry(format!("/{name} (not loaded)"))
                    .or_default() += bytes.len();
            }
            return;
        };
        self.glyphs.clear();
        font.glyphs(bytes, &mut self.glyphs);
        let params = Matrix([gs.size * gs.scale, 0.0, 0.0, gs.size, 0.0, gs.rise]);
        for g in std::mem::take(&mut self.glyphs) {
            let trm = params.then(tm).then(&gs.ctm);
            let (x, y) = trm.apply(0.0, 0.0);
            let spacing = gs.char_spacing + if g.space { gs.word_spacing } else { 0.0 };
            *tm = if font.vertical {
                Matrix::translate(0.0, -(g.width * gs.size + spacing)).then(tm)
            } else {
                Matrix::translate((g.width * gs.size + spacing) * gs.scale, 0.0).then(tm)
            };
            let (end_x, end_y) = params.then(tm).then(&gs.ctm).apply(0.0, 0.0);
            let [_, _, c, d, _, _] = trm.0;
            let text = match g.text {
                Some(t) => t,
                None => {
                    *self.out.unmapped.entry(font.name.clone()).or_default() += 1;
                    "\u{FFFD}".to_string()
                }
            };
            self.out.glyphs.push(Placed {
                text,
                x,
                y,
                end_x,
                end_y,
                size: (c * c + d * d).sqrt(),
                vertical: font.vertical,
            });
        }
    }

    /// `Do`: run a form, note an image. An XObject that cannot be found or read is a
    /// problem: it may have held text.
    fn draw(&mut self, resources: &Dict, name: &[u8], gs: &State) {
        let label = format!("XObject /{}", String::from_utf8_lossy(name));
        let reference = match self.pdf.get_in(resources, b"XObject") {
            Ok(x) => x.as_dict().and_then(|d| d.get(name)).cloned(),
            Err(e) => {
                self.problem(format!("{label}: {e}"));
                return;
            }
        };
        let Some(reference) = reference else {
            self.problem(format!("{label} is not in the page's resources"));
            return;
        };
        let num = match reference {
            Object::Ref(n, _) => Some(n),
            _ => None,
        };
        let stream = match self.pdf.resolve(&reference) {
            Ok(r) => r.as_stream().cloned(),
            Err(e) => {
                self.problem(format!("{label}: {e}"));
                return;
            }
        };
        let Some(stream) = stream else {
            self.problem(format!("{label} is not a stream"));
            return;
        };
        match stream.dict.name(b"Subtype") {
            Some(b"Image") => self.image(stream, gs),
            Some(b"Form") => self.form(&label, num, &stream, resources, gs),
            // PostScript XObjects draw nothing in PDF (ISO 32000-1 §8.8.2).
            Some(b"PS") => {}
            _ => self.problem(format!("{label} has no known /Subtype")),
        }
    }

    /// A form XObject: its content run with its matrix and its own resources (else the
    /// caller's), within the page's budget of forms.
    fn form(
        &mut self,
        label: &str,
        num: Option<u32>,
        stream: &Stream,
        resources: &Dict,
        gs: &State,
    ) {
        if self.forms.len() >= MAX_FORMS || num.is_some_and(|n| self.forms.contains(&n)) {
            self.problem(format!(
                "{label}: forms nested too deep or within themselves"
            ));
            return;
        }
        self.forms_run += 1;
        if self.forms_run > MAX_FORMS_RUN {
            self.problem(format!("more than {MAX_FORMS_RUN} forms drawn on one page"));
            return;
        }
        let data = match num.and_then(|n| self.shared.forms.get(&n).cloned()) {
            Some(d) => d,
            None => match self.pdf.decode(stream) {
                Ok(d) => {
                    let d = Rc::new((d.data, d.damaged));
                    if let Some(n) = num {
                        self.shared.forms.insert(n, Rc::clone(&d));
                    }
                    d
                }
                Err(e) => {
                    self.problem(format!("{label}: {e}"));
                    return;
                }
            },
        };
        // Said on every page that draws it.
        if data.1 {
            self.problem(format!(
                "{label}: its compressed data is cut short or fails its checksum"
            ));
        }
        let mut inner = gs.clone();
        if let Some(m) = stream
            .dict
            .get(b"Matrix")
            .and_then(Object::as_array)
            .and_then(Matrix::from_operands)
        {
            inner.ctm = m.then(&gs.ctm);
        }
        let own = match stream.dict.get(b"Resources") {
            None => None,
            Some(r) => match self.pdf.resolve(r) {
                Ok(r) => Some(r.as_dict().cloned().unwrap_or_default()),
                Err(e) => {
                    // Not the caller's: its fonts would read its text wrongly.
                    self.problem(format!("{label}: its resources: {e}"));
                    Some(Dict::default())
                }
            },
        };
        self.forms.push(num.unwrap_or(u32::MAX));
        self.run(&data.0, own.as_ref().unwrap_or(resources), inner);
        self.forms.pop();
    }

    fn image(&mut self, image: Rc<Stream>, gs: &State) {
        let [a, b, _, _, _, _] = gs.ctm.0;
        let dim = |k: &[u8], short: &[u8]| {
            image
                .dict
                .get(k)
                .or_else(|| image.dict.get(short))
                .and_then(Object::as_int)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        let pixels = (dim(b"Width", b"W"), dim(b"Height", b"H"));
        self.out.images.push(ImageUse {
            pixels,
            image,
            width: (a * a + b * b).sqrt(),
        });
    }

    /// `BI … ID data EI`: the dictionary, then the data — as long as `/L` says, or as
    /// its size says when it is not filtered, else up to an `EI` standing alone and
    /// followed by text (binary data may hold ` EI `). No end found is a problem: the
    /// rest of the stream cannot be told from the image.
    fn inline_image(&mut self, p: &mut Parser<'_>, gs: &State) {
        let mut dict = Dict::default();
        loop {
            match p.item() {
                Ok(Item::Obj(Object::Name(k))) => match p.item() {
                    Ok(Item::Obj(v)) => dict.0.push((k, v)),
                    _ => break,
                },
                Ok(Item::Keyword(r)) if &p.buf[r.clone()] == b"ID" => {
                    let start = (p.pos + 1).min(p.buf.len());
                    let rest = &p.buf[start..];
                    match inline_length(&dict)
                        .filter(|&n| n <= rest.len())
                        .or_else(|| inline_end(rest))
                    {
                        Some(end) => {
                            let data = rest[..end].to_vec();
                            // Past the data, its `EI`.
                            p.pos = start + end;
                            let mut after = Parser::content(&p.buf[p.pos..]);
                            if after.keyword() == Some(b"EI") {
                                p.pos += after.pos;
                            }
                            self.image(Rc::new(Stream { dict, data }), gs);
                            return;
                        }
                        None => break,
                    }
                }
                Ok(Item::Obj(_)) => {}
                _ => break,
            }
        }
        self.problem(
            "an inline image without its end: the rest of the content was not read".into(),
        );
        p.pos = p.buf.len();
    }
}

/// An inline image's data length from `/L` (or `/Length`), or from its size when it is
/// not filtered.
fn inline_length(dict: &Dict) -> Option<usize> {
    let int = |k: &[u8], short: &[u8]| {
        dict.get(k)
            .or_else(|| dict.get(short))
            .and_then(Object::as_int)
            .and_then(|v| usize::try_from(v).ok())
    };
    if let Some(n) = int(b"Length", b"L") {
        return Some(n);
    }
    if dict.get(b"Filter").or_else(|| dict.get(b"F")).is_some() {
        return None;
    }
    let mask = matches!(
        dict.get(b"ImageMask").or_else(|| dict.get(b"IM")),
        Some(Object::Bool(true))
    );
    let bpc = if mask {
        1
    } else {
        int(b"BitsPerComponent", b"BPC")?
    };
    let comps = if mask {
        1
    } else {
        match dict.get(b"ColorSpace").or_else(|| dict.get(b"CS")) {
            Some(Object::Name(n)) => match n.as_slice() {
                b"DeviceRGB" | b"RGB" | b"CalRGB" => 3,
                b"DeviceCMYK" | b"CMYK" => 4,
                b"DeviceGray" | b"G" | b"CalGray" => 1,
                _ => return None,
            },
            Some(Object::Array(a))
                if matches!(a.first().and_then(Object::as_name), Some(b"Indexed" | b"I")) =>
            {
                1
            }
            _ => return None,
        }
    };
    let row = (int(b"Width", b"W")?.checked_mul(comps)?.checked_mul(bpc)?).div_ceil(8);
    row.checked_mul(int(b"Height", b"H")?)
}

/// Where an inline image's data ends: before an `EI` with white space before it and
/// after it (or the end), the bytes after which read as text.
fn inline_end(rest: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(rest, b"EI").find_map(|i| {
        let before = i == 0 || super::syntax::is_space(rest[i - 1]);
        let tail = &rest[i + 2..];
        let after = tail.first().is_none_or(|&b| super::syntax::is_space(b));
        let text = tail
            .iter()
            .take(32)
            .all(|&b| b.is_ascii_graphic() || super::syntax::is_space(b) && b != 0);
        (before && after && text).then(|| i.saturating_sub(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_in_pdf_order() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let shift = Matrix::translate(10.0, 20.0);
        // Scale first, then shift.
        assert_eq!(scale.then(&shift).apply(1.0, 1.0), (12.0, 22.0));
        assert_eq!(shift.then(&scale).apply(1.0, 1.0), (22.0, 42.0));
    }
}
