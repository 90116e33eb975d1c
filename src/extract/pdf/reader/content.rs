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

/// The fonts of a document, loaded once each (by object number, or by the resource
/// name within one resource dictionary when written directly).
#[derive(Default)]
pub struct Fonts {
    by_ref: HashMap<u32, Result<Rc<Font>, String>>,
}

pub struct Interpreter<'p, 'a> {
    pdf: &'p Pdf<'a>,
    fonts: &'p mut Fonts,
    out: PageContent,
    forms: Vec<u32>,
    glyphs: Vec<Glyph>,
}

impl<'p, 'a> Interpreter<'p, 'a> {
    pub fn new(pdf: &'p Pdf<'a>, fonts: &'p mut Fonts) -> Self {
        Interpreter {
            pdf,
            fonts,
            out: PageContent::default(),
            forms: Vec::new(),
            glyphs: Vec::new(),
        }
    }

    /// Run a page's content (its streams joined) with its resources; `base` maps the
    /// page's user space onto an upright page.
    pub fn run_page(mut self, content: &[u8], resources: &Dict, base: Matrix) -> PageContent {
        let state = State {
            ctm: base,
            font: None,
            font_name: Vec::new(),
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        self.run(content, resources, state);
        self.out
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
                    if ops.len() >= MAX_OPERANDS {
                        ops.remove(0);
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
    fn font(&mut self, resources: &Dict, name: &[u8]) -> Option<Rc<Font>> {
        let fonts = self.pdf.get_in(resources, b"Font").ok()?;
        let reference = fonts.as_dict()?.get(name)?.clone();
        let key = match reference {
            Object::Ref(n, _) => Some(n),
            _ => None,
        };
        if let Some(Some(found)) = key.map(|k| self.fonts.by_ref.get(&k)) {
            return match found {
                Ok(f) => Some(Rc::clone(f)),
                Err(_) => None,
            };
        }
        let loaded = self
            .pdf
            .resolve(&reference)
            .and_then(|d| match d.as_dict() {
                Some(d) => Font::load(self.pdf, d),
                None => Err("not a dictionary".into()),
            })
            .map(Rc::new);
        if let Err(e) = &loaded {
            self.problem(format!("font /{}: {e}", String::from_utf8_lossy(name)));
        }
        let font = loaded.as_ref().ok().map(Rc::clone);
        if let Some(k) = key {
            self.fonts.by_ref.insert(k, loaded);
        }
        font
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

    /// `Do`: run a form, note an image.
    fn draw(&mut self, resources: &Dict, name: &[u8], gs: &State) {
        let Ok(xobjects) = self.pdf.get_in(resources, b"XObject") else {
            return;
        };
        let Some(reference) = xobjects.as_dict().and_then(|d| d.get(name)).cloned() else {
            return;
        };
        let num = match reference {
            Object::Ref(n, _) => Some(n),
            _ => None,
        };
        let resolved = match self.pdf.resolve(&reference) {
            Ok(r) => r,
            Err(e) => {
                self.problem(format!("XObject /{}: {e}", String::from_utf8_lossy(name)));
                return;
            }
        };
        let Some(stream) = resolved.as_stream().cloned() else {
            return;
        };
        drop(resolved);
        match stream.dict.name(b"Subtype") {
            Some(b"Image") => self.image(stream, gs),
            Some(b"Form") => {
                if self.forms.len() >= MAX_FORMS || num.is_some_and(|n| self.forms.contains(&n)) {
                    self.problem(format!(
                        "form /{} nested too deep or within itself",
                        String::from_utf8_lossy(name)
                    ));
                    return;
                }
                let data = match self.pdf.decode(&stream) {
                    Ok(d) => d,
                    Err(e) => {
                        self.problem(format!("form /{}: {e}", String::from_utf8_lossy(name)));
                        return;
                    }
                };
                if data.damaged {
                    self.problem(format!(
                        "form /{}: its compressed data is cut short or fails its checksum",
                        String::from_utf8_lossy(name)
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
                    Some(r) => self.pdf.resolve(r).ok().and_then(|r| r.as_dict().cloned()),
                    None => None,
                };
                self.forms.push(num.unwrap_or(u32::MAX));
                self.run(&data.data, own.as_ref().unwrap_or(resources), inner);
                self.forms.pop();
            }
            _ => {}
        }
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

    /// `BI … ID data EI`: the dictionary, then the data up to an `EI` standing alone.
    fn inline_image(&mut self, p: &mut Parser<'_>, gs: &State) {
        let mut dict = Dict::default();
        loop {
            match p.item() {
                Ok(Item::Obj(Object::Name(k))) => match p.item() {
                    Ok(Item::Obj(v)) => dict.0.push((k, v)),
                    _ => return,
                },
                Ok(Item::Keyword(r)) if &p.buf[r.clone()] == b"ID" => break,
                Ok(Item::Obj(_)) => {}
                _ => return,
            }
        }
        let start = p.pos + 1;
        let rest = p.buf.get(start..).unwrap_or_default();
        let end = memchr::memmem::find_iter(rest, b"EI")
            .find(|&i| {
                (i == 0 || super::syntax::is_space(rest[i - 1]))
                    && rest.get(i + 2).is_none_or(|&b| super::syntax::is_space(b))
            })
            .unwrap_or(rest.len());
        let data = rest[..end].to_vec();
        p.pos = (start + end + 2).min(p.buf.len());
        self.image(Rc::new(Stream { dict, data }), gs);
    }
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
