//! mark-lint's own PDF reader, run inside the PDF worker: each page's text in reading
//! order, the images of pages without text (cut for OCR), the Info dictionary and the
//! XMP packet. What it cannot read it says — a font without Unicode, a content stream
//! that does not decode, a damaged cross-reference table — and never guesses text.
//! Bounded everywhere (nesting, references, forms, decoded sizes); the worker's time and
//! memory limits bound the rest.

mod cmap;
mod content;
mod crypt;
mod encoding;
mod file;
mod filter;
mod font;
mod glyphs;
mod image;
mod layout;
mod object;
mod syntax;
#[cfg(test)]
mod tests;
mod truetype;

use std::collections::HashSet;
use std::rc::Rc;

use super::{Page, Reply, ScanBand, Scans, hex};
use crate::ocr::{self, prepare};
use content::{Annotation, ImageUse, Interpreter, Matrix, Shared};
use file::{OpenError, Pdf};
use object::{Dict, Object};

/// Pages past this many are not read (the reply says so).
const MAX_PAGES: usize = 100_000;
/// Page-tree levels followed.
const MAX_TREE_DEPTH: usize = 64;

/// xorshift64 for the reader's tests: a fixed sequence, so a failure is reproducible.
#[cfg(test)]
fn next_random(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn fail(kind: &str, detail: String) -> Reply {
    Reply {
        error: Some((kind.to_string(), detail)),
        ..Reply::default()
    }
}

/// A page of the page tree with what it inherits (ISO 32000-1 §7.7.3.4).
struct PageNode {
    dict: Dict,
    resources: Dict,
    media_box: Option<[f64; 4]>,
    rotate: i64,
    /// Why the page could not be read at all.
    unread: Option<String>,
}

impl PageNode {
    fn unread(why: String) -> PageNode {
        PageNode {
            dict: Dict::default(),
            resources: Dict::default(),
            media_box: None,
            rotate: 0,
            unread: Some(why),
        }
    }
}

pub fn read(bytes: &[u8], scans: Option<&Scans>) -> Reply {
    let pdf = match Pdf::open(bytes) {
        Ok(p) => p,
        Err(OpenError::Encrypted) => return fail("encrypted", String::new()),
        Err(OpenError::Corrupt(e)) => return fail("corrupt", e),
    };
    let (nodes, tree_problem) = match pages(&pdf) {
        Ok(n) => n,
        Err(e) => return fail("corrupt", e),
    };
    let mut shared = Shared::default();
    let mut pages = Vec::with_capacity(nodes.len());
    let mut gaps = Vec::new();
    let mut images = Vec::with_capacity(nodes.len());
    if let Some(why) = tree_problem {
        gaps.push((0, "corrupt".into(), why));
    }
    for (i, node) in nodes.iter().enumerate() {
        let (content, mut problems) = page_content(&pdf, &node.dict);
        problems.extend(node.unread.clone());
        let annotations = annotations(&pdf, &node.dict, &mut problems);
        let page = Interpreter::new(&pdf, &mut shared).run_page(
            &content,
            &node.resources,
            upright(node.rotate),
            &annotations,
        );
        problems.extend(page.problems);
        gaps.extend(problems.into_iter().map(|p| (i + 1, "corrupt".into(), p)));
        for (font, n) in &page.unmapped {
            let why = format!("{n} characters in font {font} have no Unicode mapping");
            gaps.push((i + 1, "undecodable".into(), why));
        }
        let text = layout::text(&page.glyphs);
        let count = if text.trim().is_empty() {
            page.images.len()
        } else {
            0
        };
        pages.push(Page {
            text,
            images: count,
            scan: None,
            probe: None,
        });
        images.push(page.images);
    }
    cut_scans(&pdf, &nodes, &images, &mut pages, scans);
    let (info, info_problem) = info_entries(&pdf);
    gaps.extend(info_problem.map(|p| (0, "corrupt".to_string(), p)));
    Reply {
        pages,
        created: info
            .iter()
            .find(|(k, _)| k == "CreationDate")
            .map(|(_, v)| v.clone()),
        info,
        xmp: xmp_packet(&pdf),
        gaps,
        repaired: pdf.repaired(),
        error: None,
    }
}

/// The pages in order, and why the tree could not be followed to its end (if so).
fn pages(pdf: &Pdf<'_>) -> Result<(Vec<PageNode>, Option<String>), String> {
    let catalog = pdf.catalog()?;
    let catalog = catalog.as_dict().ok_or("the catalog is not a dictionary")?;
    let root = catalog
        .get(b"Pages")
        .ok_or("the catalog has no page tree")?
        .clone();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut problem = None;
    // Depth-first, in order: a stack of (node, inherited resources, box, rotation, depth).
    let mut stack = vec![(root, Dict::default(), None, 0i64, 0usize)];
    while let Some((node, resources, media_box, rotate, depth)) = stack.pop() {
        if let Object::Ref(n, _) = node
            && !seen.insert(n)
        {
            problem = Some(format!("the page tree refers to object {n} twice"));
            continue;
        }
        // A page that cannot be read keeps its place, with why: the pages after it keep
        // their numbers, and the gap names the page.
        let resolved = match pdf.resolve(&node) {
            Ok(r) => r,
            Err(e) => {
                out.push(PageNode::unread(format!("the page cannot be read: {e}")));
                continue;
            }
        };
        let Some(dict) = resolved.as_dict() else {
            out.push(PageNode::unread("the page is not a dictionary".into()));
            continue;
        };
        let resources = match pdf.get_in(dict, b"Resources")?.as_dict() {
            Some(r) => r.clone(),
            None => resources,
        };
        let media_box = rect(pdf, dict, b"MediaBox").or(media_box);
        let rotate = pdf.get_in(dict, b"Rotate")?.as_int().unwrap_or(rotate);
        let kids = pdf.get_in(dict, b"Kids")?;
        match kids.as_array() {
            Some(kids) if dict.name(b"Type") != Some(b"Page") => {
                if depth >= MAX_TREE_DEPTH {
                    problem = Some(format!("the page tree is deeper than {MAX_TREE_DEPTH}"));
                    continue;
                }
                for kid in kids.iter().rev() {
                    stack.push((kid.clone(), resources.clone(), media_box, rotate, depth + 1));
                }
            }
            // A tree node without kids holds no page.
            None if dict.name(b"Type") == Some(b"Pages") => {}
            _ => {
                if out.len() >= MAX_PAGES {
                    problem = Some(format!("pages past {MAX_PAGES} were not read"));
                    break;
                }
                out.push(PageNode {
                    dict: dict.clone(),
                    resources,
                    media_box,
                    rotate,
                    unread: None,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(problem.unwrap_or_else(|| "no pages".into()));
    }
    Ok((out, problem))
}

fn rect(pdf: &Pdf<'_>, dict: &Dict, key: &[u8]) -> Option<[f64; 4]> {
    let r = pdf.get_in(dict, key).ok()?;
    let v: Vec<f64> = r.as_array()?.iter().filter_map(Object::as_f64).collect();
    v.try_into().ok()
}

/// The matrix that turns a page by its `/Rotate` so that its text reads upright.
fn upright(rotate: i64) -> Matrix {
    match rotate.rem_euclid(360) {
        90 => Matrix([0.0, -1.0, 1.0, 0.0, 0.0, 0.0]),
        180 => Matrix([-1.0, 0.0, 0.0, -1.0, 0.0, 0.0]),
        270 => Matrix([0.0, 1.0, -1.0, 0.0, 0.0, 0.0]),
        _ => Matrix::IDENTITY,
    }
}

/// A page's annotations that have a normal appearance (stamps, watermarks, free text,
/// form fields…: what they show is on the page), the state `/AS` picks where there
/// are several; what cannot be read is a problem.
fn annotations(pdf: &Pdf<'_>, page: &Dict, problems: &mut Vec<String>) -> Vec<Annotation> {
    let mut out = Vec::new();
    let annots = match pdf.get_in(page, b"Annots") {
        Ok(a) => a,
        Err(e) => {
            problems.push(format!("its annotations: {e}"));
            return out;
        }
    };
    for a in annots.as_array().unwrap_or_default() {
        match annotation(pdf, a) {
            Ok(Some((appearance, num, rect, kind))) => out.push(Annotation {
                appearance,
                num,
                rect,
                kind,
            }),
            Ok(None) => {}
            Err(e) => problems.push(format!("an annotation: {e}")),
        }
    }
    out
}

type Appearance = (Rc<object::Stream>, Option<u32>, [f64; 4], String);

fn annotation(pdf: &Pdf<'_>, a: &Object) -> Result<Option<Appearance>, String> {
    let a = pdf.resolve(a)?;
    let Some(d) = a.as_dict() else {
        return Ok(None);
    };
    let kind = d.name(b"Subtype").map_or_else(
        || "annotation".to_string(),
        |n| String::from_utf8_lossy(n).into_owned(),
    );
    let ap = pdf.get_in(d, b"AP")?;
    let Some(ap) = ap.as_dict() else {
        return Ok(None);
    };
    let Some(normal) = ap.get(b"N") else {
        return Ok(None);
    };
    let reference = match &*pdf.resolve(normal)? {
        Object::Stream(_) => normal.clone(),
        // Appearance states: the one `/AS` names (none named: nothing is shown).
        Object::Dict(states) => match d.name(b"AS").and_then(|s| states.get(s)) {
            Some(o) => o.clone(),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let num = match reference {
        Object::Ref(n, _) => Some(n),
        _ => None,
    };
    let stream = match &*pdf.resolve(&reference)? {
        Object::Stream(s) => Rc::clone(s),
        _ => return Err(format!("the appearance of a {kind} is not a stream")),
    };
    let r = rect(pdf, d, b"Rect").ok_or_else(|| format!("a {kind} without a rectangle"))?;
    let rect = [
        r[0].min(r[2]),
        r[1].min(r[3]),
        r[0].max(r[2]),
        r[1].max(r[3]),
    ];
    Ok(Some((stream, num, rect, kind)))
}

/// A page's content streams, decoded and joined, and what could not be decoded.
fn page_content(pdf: &Pdf<'_>, page: &Dict) -> (Vec<u8>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let contents = match pdf.get_in(page, b"Contents") {
        Ok(c) => c,
        Err(e) => return (out, vec![format!("its content: {e}")]),
    };
    let parts: Vec<Object> = match &*contents {
        Object::Array(a) => a.clone(),
        Object::Stream(_) => vec![(*contents).clone()],
        // No content: a blank page.
        Object::Null => Vec::new(),
        _ => return (out, vec!["its /Contents is not a stream".into()]),
    };
    for part in parts {
        let stream = match pdf.resolve(&part) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("a content stream: {e}"));
                continue;
            }
        };
        let Some(s) = stream.as_stream() else {
            problems.push("a part of its /Contents is not a stream".into());
            continue;
        };
        match pdf.decode(s) {
            Ok(d) => {
                if d.damaged {
                    problems.push(
                        "a content stream's compressed data is cut short or fails its checksum"
                            .into(),
                    );
                }
                out.extend_from_slice(&d.data);
                out.push(b'\n');
            }
            Err(e) => problems.push(format!("a content stream: {e}")),
        }
    }
    (out, problems)
}

/// For OCR, what `scans` asks for of each scanned page: with `First`, the band of
/// page 1 — of every scanned page when the text layer mentions an attachment
/// (`附件`) — and the top-left strip of every other; with `All`, every page whole;
/// with `Bands`, the band of the pages listed. A page whose image cannot be decoded
/// here gets its band rendered by pdftoppm or its reason, never a strip.
fn cut_scans(
    pdf: &Pdf<'_>,
    nodes: &[PageNode],
    images: &[Vec<ImageUse>],
    pages: &mut [Page],
    scans: Option<&Scans>,
) {
    let Some(scans) = scans else { return };
    let attachments = pages.iter().any(|p| p.text.contains("附件"));
    for (i, page) in pages.iter_mut().enumerate() {
        if !page.text.trim().is_empty() || page.images == 0 {
            continue;
        }
        let cut = match scans {
            Scans::All => Cut::Band(1.0),
            Scans::First if i == 0 || attachments => Cut::Band(ocr::FIRST_PAGE_BAND),
            Scans::First => Cut::Strip,
            Scans::Bands(wanted) if wanted.contains(&(i + 1)) => Cut::Band(ocr::FIRST_PAGE_BAND),
            Scans::Bands(_) => continue,
        };
        match (scan_band(pdf, &nodes[i], &images[i], cut), cut) {
            (Ok(band @ ScanBand::Png(..)), Cut::Strip) => page.probe = Some(band),
            (Ok(band), _) => page.scan = Some(band),
            (Err(why), _) => page.scan = Some(ScanBand::Failed(why)),
        }
    }
}

/// What `scan_band` cuts from a page image: its top (a fraction of the height) or
/// its attachment strip.
#[derive(Debug, Clone, Copy)]
enum Cut {
    Band(f32),
    Strip,
}

/// The band (or strip) of a page's largest image, prepared for OCR, as a PNG and its
/// dpi; an image this reader cannot decode is left to pdftoppm (`Render`), with the
/// page's size and its band.
fn scan_band(
    pdf: &Pdf<'_>,
    node: &PageNode,
    images: &[ImageUse],
    cut: Cut,
) -> Result<ScanBand, String> {
    let largest = images
        .iter()
        .max_by_key(|h| u64::from(h.pixels.0) * u64::from(h.pixels.1))
        .ok_or("no image")?;
    let (w, h) = largest.pixels;
    if u64::from(w) * u64::from(h) > image::MAX_PIXELS {
        return Err(format!("{w}×{h} pixels"));
    }
    // Pixels per inch of the image as drawn (a PDF point is 1/72 inch).
    let dpi = (largest.width > 1.0).then(|| w as f32 / (largest.width as f32 / 72.0));
    let scanned = dpi.unwrap_or(prepare::TARGET_DPI).round() as u32;
    let img = match image::decode(pdf, &largest.image.dict, &largest.image.data) {
        Ok(img) => img,
        Err(e) => {
            // The page's size (A4 when the MediaBox cannot be read).
            let (pw, ph) = node
                .media_box
                .map_or((595.28, 841.89), |[x0, y0, x1, y1]| (x1 - x0, y1 - y0));
            return Ok(ScanBand::Render(
                e,
                pw.abs() as f32,
                ph.abs() as f32,
                scanned,
            ));
        }
    };
    let prepared = match cut {
        Cut::Strip => ocr::strip(&img, dpi),
        Cut::Band(band) => prepare::band_image(&img, band, dpi, prepare::Steps::from_env()),
    };
    Ok(ScanBand::Png(
        hex(&prepare::png(&prepared.image)?),
        prepared.dpi,
        scanned,
        prepared.faint,
    ))
}

/// Every text entry of the Info dictionary, its key as named, sorted by key; and what
/// of it could not be read (its entries may declare a level).
fn info_entries(pdf: &Pdf<'_>) -> (Vec<(String, String)>, Option<String>) {
    let info = match pdf.get_in(&pdf.trailer, b"Info") {
        Ok(i) => i,
        Err(e) => return (Vec::new(), Some(format!("the Info dictionary: {e}"))),
    };
    let Some(info) = info.as_dict() else {
        return match &*info {
            Object::Null => (Vec::new(), None),
            _ => (
                Vec::new(),
                Some("the Info entry is not a dictionary".into()),
            ),
        };
    };
    let mut problem = None;
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in &info.0 {
        match pdf.resolve(value) {
            Ok(v) => {
                if let Some(s) = v.as_str() {
                    out.push((name_text(key), encoding::text_string(s)));
                }
            }
            Err(e) => problem = Some(format!("the Info entry /{}: {e}", name_text(key))),
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    (out, problem)
}

/// A name as text: its bytes are UTF-8 when a writer put Chinese in a name
/// (`/#E5#AF#86#E7#BA#A7` is `密级`); other bytes read as Latin-1.
fn name_text(name: &[u8]) -> String {
    match std::str::from_utf8(name) {
        Ok(s) => s.to_string(),
        Err(_) => name.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The catalog's `/Metadata` stream, decoded, as hex; `None` without one; why, when
/// it is named but cannot be read.
fn xmp_packet(pdf: &Pdf<'_>) -> Option<Result<String, String>> {
    let catalog = pdf.catalog().ok()?;
    let metadata = match pdf.get_in(catalog.as_dict()?, b"Metadata") {
        Ok(m) => m,
        Err(e) => return Some(Err(e)),
    };
    let stream: Rc<object::Stream> = match &*metadata {
        Object::Null => return None,
        Object::Stream(s) => Rc::clone(s),
        _ => return Some(Err("/Metadata is not a stream".into())),
    };
    Some(pdf.decode_whole(&stream).map(|d| hex(&d)))
}
