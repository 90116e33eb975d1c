//! OFD (GB/T 33190-2016), the fixed-layout format of Chinese e-government: `OFD.xml` →
//! `DocRoot` → `Document.xml` → pages, template pages (where the 版头 with 份号 and 密级
//! often lives), annotations and attachments. Names are matched without namespace, so
//! both `http://www.ofdspec.org/2016` and the older `http://www.ofdspec.org` read.
//!
//! XML order is drawing order, not reading order (producers often draw one character
//! per text object): text is rebuilt into lines from the coordinates of each
//! `TextCode`. Runs whose baselines lie within half the character size of each other
//! make one line, read left to right.

use std::collections::HashSet;
use std::path::Path;

use jiff::civil::Date;

use super::xml::{self, Ev};
use super::zipped::{Package, gap};
use super::{
    Bound, Budget, Document, Embedded, ExtractError, Flavour, Gap, Part, Property, Role,
    extract_nested, map_symbols, parse_iso_date,
};

/// A piece of text placed on a page, in millimetres from the top-left corner.
#[derive(Debug, Clone)]
struct Run {
    x: f64,
    /// Baseline.
    y: f64,
    size: f64,
    /// Advance of the whole run.
    width: f64,
    text: String,
}

/// What a page or template file holds.
#[derive(Default)]
struct PageContent {
    runs: Vec<Run>,
    templates: Vec<String>,
    /// Image objects drawn: a page of images without text is a scan.
    images: usize,
    /// The largest image drawn: its `ResourceID` and its width on the page (mm).
    largest_image: Option<(String, f64)>,
    largest_area: f64,
}

/// Every document the file holds, from `OFD.xml` down, as one document.
pub fn extract(pkg: &mut Package, depth: usize) -> Result<Document, ExtractError> {
    let entry = read_entry(pkg)?;
    if entry.doc_roots.is_empty() {
        return Err(ExtractError::Corrupt("OFD.xml names no DocRoot".into()));
    }
    let mut reader = Reader {
        parts: Vec::new(),
        gaps: Vec::new(),
        seen: HashSet::new(),
        text_chars: 0,
        pages: 0,
        embedded: Vec::new(),
        stopped: false,
    };
    for doc_root in &entry.doc_roots {
        if reader.stopped {
            break;
        }
        read_doc_root(pkg, doc_root, depth, &mut reader);
    }
    reader.into_document(entry)
}

/// What `OFD.xml` says: where each document starts, and the file's own properties.
struct EntryXml {
    doc_roots: Vec<String>,
    props: Vec<Property>,
    created: Option<Date>,
}

/// `OFD.xml`: the `DocRoot` of each document, the creation date and the custom data.
fn read_entry(pkg: &mut Package) -> Result<EntryXml, ExtractError> {
    let root = pkg.require("OFD.xml")?;
    let mut out = EntryXml {
        doc_roots: Vec::new(),
        props: Vec::new(),
        created: None,
    };
    let mut field: Option<String> = None;
    let mut custom_name: Option<String> = None;
    let mut value = String::new();
    walk_rooted(
        &root,
        "OFD.xml",
        pkg.limits().max_depth,
        &["OFD"],
        |ev| match ev {
            Ev::Open(e) => {
                if matches!(e.name, "DocRoot" | "CreationDate" | "CustomData") {
                    field = Some(e.name.to_string());
                    custom_name = e.attr("Name");
                    value.clear();
                }
            }
            Ev::Text(t) => {
                if field.is_some() {
                    value.push_str(t);
                }
            }
            Ev::Close(n) => {
                if field.as_deref() == Some(n) {
                    let v = value.trim().to_string();
                    match n {
                        "DocRoot" => out.doc_roots.push(v),
                        "CreationDate" => out.created = parse_iso_date(&v),
                        _ => {
                            if let Some(k) = custom_name.take() {
                                out.props.push(Property {
                                    key: k,
                                    value: v,
                                    part: "OFD.xml".to_string(),
                                });
                            }
                        }
                    }
                    field = None;
                }
            }
        },
    )?;
    Ok(out)
}

/// One document of the file: its pages, the templates they use, its annotations and
/// its attachments, in that order.
fn read_doc_root(pkg: &mut Package, doc_root: &str, depth: usize, reader: &mut Reader) {
    let budget = pkg.budget();
    let Some(doc_path) = reader.locate(pkg, "", doc_root, "part") else {
        return;
    };
    // A document listed twice is read once.
    if !reader.seen.insert(doc_path.clone()) {
        return;
    }
    let document = match read_document(pkg, &doc_path) {
        Ok(d) => d,
        Err(e) => {
            reader.fail(budget, &doc_path, e);
            return;
        }
    };
    if document.pages.is_empty() {
        reader.fail(
            budget,
            &doc_path,
            ExtractError::Corrupt(format!("{doc_path}: no pages")),
        );
    }
    let base = parent(&doc_path);
    let media = if pkg.limits().ocr.usable() {
        media_files(pkg, &base, &document.resources)
    } else {
        std::collections::HashMap::new()
    };
    let used_templates = read_pages(pkg, &base, &document.pages, &media, reader);
    if document.pages_beyond {
        reader.fail(
            budget,
            &doc_path,
            Bound::Parts.exceeded(pkg.limits(), &doc_path),
        );
    }
    read_templates(pkg, &base, &document.templates, &used_templates, reader);
    if let Some(loc) = &document.annotations
        && !reader.stopped
    {
        read_annotations(pkg, &base, loc, reader);
    }
    if let Some(loc) = &document.attachments
        && !reader.stopped
        && let Some(path) = reader.locate(pkg, &base, loc, "part")
    {
        match attachments(pkg, &path, depth, reader) {
            Ok(found) => reader.embedded.extend(found),
            Err(e) => reader.fail(budget, &path, e),
        }
    }
}

/// Each page at `locs` (relative to `base`) once, as a body part numbered across the
/// file; the ids of the templates the pages use, in the order first met.
fn read_pages(
    pkg: &mut Package,
    base: &str,
    locs: &[String],
    media: &Media,
    reader: &mut Reader,
) -> Vec<String> {
    let budget = pkg.budget();
    let mut used_templates: Vec<String> = Vec::new();
    let mut scans = Vec::new();
    for loc in locs {
        if reader.stopped {
            break;
        }
        let Some(path) = reader.locate(pkg, base, loc, "page") else {
            continue;
        };
        // A page referenced again is the same page: read once.
        if !reader.seen.insert(path.clone()) {
            continue;
        }
        reader.pages += 1;
        let name = format!("page {}", reader.pages);
        let content = match read_content(pkg, &path) {
            Ok(c) => c,
            Err(e) => {
                reader.fail(budget, &name, e);
                continue;
            }
        };
        let mut waiting = false;
        if content.runs.is_empty() && content.images > 0 {
            let ocr = pkg.limits().ocr;
            if !ocr.usable() {
                // A scanned page: whatever mark it carries cannot be seen.
                reader.gaps.push(gap(&name, ExtractError::NoText));
            } else {
                // Read after the last page, in one OCR run (`read_scans`): its part
                // stands here, empty until then.
                let whole = reader.pages == 1 || ocr.pages == crate::ocr::Pages::All;
                scans.push(ScanPage {
                    at: reader.parts.len(),
                    page: reader.pages,
                    whole,
                    image: scan_image(pkg, &content, media),
                });
                reader.parts.push(Part::new(Some(name.clone()), Role::Body));
                if whole {
                    continue;
                }
                waiting = true;
            }
        }
        for id in &content.templates {
            if !used_templates.contains(id) {
                used_templates.push(id.clone());
            }
        }
        if !waiting {
            reader.add(budget, lines_part(name, Role::Body, content.runs));
        }
    }
    read_scans(pkg, scans, reader);
    used_templates
}

/// Image resources by ID: the folder of the resource file (with its `BaseLoc`) and the
/// file each `MultiMedia` names in it (`Res`, `image_4.png`).
type Media = std::collections::HashMap<String, (String, String)>;

/// The image resources the `PublicRes`/`DocumentRes` files at `locs` declare.
fn media_files(pkg: &mut Package, base: &str, locs: &[String]) -> Media {
    let mut media = Media::new();
    for loc in locs {
        let Some(path) = resolve(pkg, base, loc) else {
            continue;
        };
        let Ok(bytes) = pkg.require(&path) else {
            continue;
        };
        let mut res_base = parent(&path);
        let (mut id, mut file, mut in_file) = (None, String::new(), false);
        let _ = walk_rooted(
            &bytes,
            &path,
            pkg.limits().max_depth,
            &["Res"],
            |ev| match ev {
                Ev::Open(e) if e.name == "Res" => {
                    if let Some(b) = e.attr("BaseLoc") {
                        res_base = format!("{res_base}/{b}")
                            .trim_start_matches('/')
                            .to_string();
                    }
                }
                Ev::Open(e) if e.name == "MultiMedia" => id = e.attr("ID"),
                Ev::Open(e) if e.name == "MediaFile" => {
                    in_file = true;
                    file.clear();
                }
                Ev::Text(t) if in_file => file.push_str(t),
                Ev::Close("MediaFile") => {
                    in_file = false;
                    if let Some(id) = id.take() {
                        media.insert(id, (res_base.clone(), file.trim().to_string()));
                    }
                }
                _ => {}
            },
        );
    }
    media
}

/// A scanned page of the document, its part waiting at `at` in the reader's parts.
struct ScanPage {
    at: usize,
    page: usize,
    /// Its band is read (page 1, or every page with `--ocr-pages all`); otherwise its
    /// top-left strip is looked at for an attachment (`ocr::look`).
    whole: bool,
    /// The image its largest `ImageObject` draws, and the dpi it is drawn at.
    image: Result<(Vec<u8>, Option<f32>), ExtractError>,
}

/// The image a scanned page's largest `ImageObject` draws, read from the package
/// (charged to the file's budget), and its dpi as drawn.
fn scan_image(
    pkg: &mut Package,
    content: &PageContent,
    media: &Media,
) -> Result<(Vec<u8>, Option<f32>), ExtractError> {
    let image = content
        .largest_image
        .as_ref()
        .and_then(|(id, width)| Some((media.get(id)?, *width)));
    let Some(((res_base, file), width_mm)) = image else {
        return Err(ExtractError::Ocr(
            "the page image is not in the package".into(),
        ));
    };
    let bytes = match resolve(pkg, res_base, file).map(|p| pkg.require(&p)) {
        Some(b) => b?,
        None => return Err(ExtractError::Corrupt(format!("missing image {file}"))),
    };
    let dpi = crate::ocr::prepare::width(&bytes)
        .filter(|_| width_mm > 1.0)
        .map(|px| px as f32 / (width_mm as f32 / 25.4));
    Ok((bytes, dpi))
}

/// The scanned pages by OCR, like a PDF's: the band of each page read whole and the
/// strip of every other in one run; a strip showing an attachment heading or a whole
/// mark is its page's reading, one showing a mark cut at its edge has the page's band
/// read in a second run. Each page read replaces its waiting part (`page N (OCR)`); a
/// page that cannot be read is a gap, and a later page whose strip shows nothing keeps
/// its empty part.
fn read_scans(pkg: &mut Package, scans: Vec<ScanPage>, reader: &mut Reader) {
    use crate::ocr::{self, Look};
    if scans.is_empty() {
        return;
    }
    let band = ocr::band_fraction(pkg.limits().ocr.pages);
    let prepare = |(bytes, dpi): &(Vec<u8>, Option<f32>), whole: bool| {
        if whole && let Some(e) = ocr::too_coarse(*dpi) {
            return Err(e);
        }
        if whole {
            ocr::prepare_image(bytes, band, *dpi)
        } else {
            ocr::prepare::decode(bytes).map(|img| ocr::strip(&img, *dpi))
        }
    };
    let prepared: Vec<_> = scans
        .iter()
        .map(|s| {
            s.image
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|i| prepare(i, s.whole))
        })
        .collect();
    let mut again = Vec::new();
    let first = ocr::read_each(&prepared.iter().collect::<Vec<_>>());
    for ((scan, image), reading) in scans.iter().zip(&prepared).zip(first) {
        let look = match (scan.whole, &reading, image) {
            (true, _, _) => Look::Strip,
            (false, Ok(r), Ok(p)) => ocr::look(r, p.image.width()),
            (false, _, _) => Look::Band,
        };
        let coarse = scan
            .image
            .as_ref()
            .ok()
            .and_then(|(_, dpi)| ocr::too_coarse(*dpi));
        match (look, coarse) {
            (Look::Nothing, _) => {}
            // A page too coarse to read that may start an attachment: said, not read.
            (_, Some(e)) => put_scan(pkg, reader, scan, Err(e)),
            (Look::Strip, None) => put_scan(pkg, reader, scan, reading),
            (Look::Band, None) => again.push(scan),
        }
    }
    let bands: Vec<_> = again
        .iter()
        .map(|s| {
            s.image
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|i| prepare(i, true))
        })
        .collect();
    for (scan, reading) in again
        .iter()
        .zip(ocr::read_each(&bands.iter().collect::<Vec<_>>()))
    {
        put_scan(pkg, reader, scan, reading);
    }
}

/// A scanned page's reading into its waiting part (`page N (OCR)`), its doubt as a gap.
fn put_scan(
    pkg: &Package,
    reader: &mut Reader,
    scan: &ScanPage,
    reading: Result<crate::ocr::Reading, ExtractError>,
) {
    let budget = pkg.budget();
    let name = crate::ocr::part_name(scan.page);
    let reading = match reading {
        Ok(r) => r,
        Err(e) => return reader.fail(budget, &name, e),
    };
    let (part, unsure) = crate::ocr::read_part(scan.page, &reading, true);
    if let Some(e) = unsure {
        reader.gaps.push(gap(&name, e));
    }
    match budget.charge_text(part.text.len(), &name) {
        Ok(()) => {
            reader.text_chars += part.text.chars().filter(|c| !c.is_whitespace()).count();
            reader.parts[scan.at] = part;
        }
        Err(e) => reader.fail(budget, &name, e),
    }
}

/// The template pages the pages use (every template, when no page says), each once,
/// as margin parts; they are added after all of them are read.
fn read_templates(
    pkg: &mut Package,
    base: &str,
    templates: &[(String, String)],
    used: &[String],
    reader: &mut Reader,
) {
    let budget = pkg.budget();
    let mut parts = Vec::new();
    for (id, loc) in templates {
        if reader.stopped {
            break;
        }
        if !used.is_empty() && !used.contains(id) {
            continue;
        }
        let Some(path) = reader.locate(pkg, base, loc, "template page") else {
            continue;
        };
        if !reader.seen.insert(path.clone()) {
            continue;
        }
        let name = path
            .strip_suffix("/Content.xml")
            .unwrap_or(&path)
            .to_string();
        match read_content(pkg, &path) {
            Ok(content) => parts.push(lines_part(name, Role::Margin, content.runs)),
            Err(e) => reader.fail(budget, &name, e),
        }
    }
    for part in parts {
        reader.add(budget, part);
    }
}

/// The annotation files `Annotations.xml` at `loc` lists, each once, as margin parts.
fn read_annotations(pkg: &mut Package, base: &str, loc: &str, reader: &mut Reader) {
    let budget = pkg.budget();
    let Some(path) = reader.locate(pkg, base, loc, "part") else {
        return;
    };
    let (files, missing) = match annotation_files(pkg, &path) {
        Ok(listed) => listed,
        Err(e) => {
            reader.fail(budget, &path, e);
            return;
        }
    };
    for m in missing {
        reader.fail(
            budget,
            &m,
            ExtractError::Corrupt(format!("missing part {m}")),
        );
    }
    for file in files {
        if reader.stopped || !reader.seen.insert(file.clone()) {
            continue;
        }
        match read_content(pkg, &file) {
            Ok(content) => reader.add(budget, lines_part(file, Role::Margin, content.runs)),
            Err(e) => reader.fail(budget, &file, e),
        }
    }
}

/// What has been read of one OFD so far.
struct Reader {
    parts: Vec<Part>,
    gaps: Vec<Gap>,
    /// Parts read (documents, pages, templates, annotations): each once.
    seen: HashSet<String>,
    text_chars: usize,
    /// Pages read, over all documents of the file: pages are numbered in one sequence.
    pages: usize,
    /// The attached files, read as documents of their own.
    embedded: Vec<Embedded>,
    /// A bound on the whole file was reached: nothing more is read.
    stopped: bool,
}

impl Reader {
    /// `loc` resolved against `base`; a gap naming the `what` when the package lacks it.
    fn locate(&mut self, pkg: &Package, base: &str, loc: &str, what: &str) -> Option<String> {
        let found = resolve(pkg, base, loc);
        if found.is_none() {
            self.fail(
                pkg.budget(),
                loc,
                ExtractError::Corrupt(format!("missing {what} {loc}")),
            );
        }
        found
    }

    fn fail(&mut self, budget: &Budget, part: &str, e: ExtractError) {
        self.gaps.push(gap(part, e));
        if budget.spent().is_some() {
            self.stopped = true;
        }
    }

    fn add(&mut self, budget: &Budget, part: Part) {
        let place = part.name.clone().unwrap_or_default();
        match budget.charge_text(part.text.len(), &place) {
            Ok(()) => {
                self.text_chars += part.text.chars().filter(|c| !c.is_whitespace()).count();
                self.parts.push(part);
            }
            Err(e) => self.fail(budget, &place, e),
        }
    }

    /// The document read. When pages were read and none held text, the whole file is
    /// a scan: unreadable if nothing else was wrong and nothing is attached, otherwise
    /// one gap for the file says so beside the others.
    fn into_document(self, entry: EntryXml) -> Result<Document, ExtractError> {
        let Reader {
            parts,
            mut gaps,
            text_chars,
            pages,
            embedded,
            ..
        } = self;
        // A scan OCR read is judged by what it read (its gaps say any doubt).
        let ocr = parts.iter().any(|p| p.ocr.is_some())
            || gaps.iter().any(|g| matches!(g.error, ExtractError::Ocr(_)));
        if pages > 0 && text_chars == 0 && !ocr {
            if gaps.iter().all(|g| g.error == ExtractError::NoText) && embedded.is_empty() {
                return Err(ExtractError::NoText);
            }
            gaps.retain(|g| g.error != ExtractError::NoText);
            gaps.push(Gap {
                part: None,
                line: 1,
                error: ExtractError::NoText,
            });
        }
        let mut doc = Document::with_parts(Flavour::Plain, parts);
        doc.embedded = embedded;
        doc.gaps = gaps;
        doc.props = entry.props;
        doc.created = entry.created;
        doc.extracted = true;
        doc.paged = true;
        Ok(doc)
    }
}

/// What `Document.xml` points at.
#[derive(Default)]
struct DocumentXml {
    /// Page locations, each once, in order.
    pages: Vec<String>,
    /// More distinct pages are listed than a file may have parts.
    pages_beyond: bool,
    templates: Vec<(String, String)>,
    annotations: Option<String>,
    attachments: Option<String>,
    /// `PublicRes` and `DocumentRes` files (where image resources are declared).
    resources: Vec<String>,
}

fn read_document(pkg: &mut Package, path: &str) -> Result<DocumentXml, ExtractError> {
    let bytes = pkg.require(path)?;
    let max_pages = pkg.limits().max_parts;
    let mut out = DocumentXml::default();
    // A page listed a million times is kept once: what is kept stays bounded.
    let mut listed: HashSet<String> = HashSet::new();
    let mut text_of: Option<&'static str> = None;
    let mut value = String::new();
    walk_rooted(
        &bytes,
        path,
        pkg.limits().max_depth,
        &["Document"],
        |ev| match ev {
            Ev::Open(e) => match e.name {
                "Page" => {
                    if let Some(loc) = e.attr("BaseLoc")
                        && !listed.contains(&loc)
                    {
                        if listed.len() >= max_pages {
                            out.pages_beyond = true;
                        } else {
                            listed.insert(loc.clone());
                            out.pages.push(loc);
                        }
                    }
                }
                "TemplatePage" => {
                    if let Some(loc) = e.attr("BaseLoc") {
                        out.templates.push((e.attr("ID").unwrap_or_default(), loc));
                    }
                }
                "Annotations" => {
                    text_of = Some("Annotations");
                    value.clear();
                }
                "Attachments" => {
                    text_of = Some("Attachments");
                    value.clear();
                }
                "PublicRes" => {
                    text_of = Some("PublicRes");
                    value.clear();
                }
                "DocumentRes" => {
                    text_of = Some("DocumentRes");
                    value.clear();
                }
                _ => {}
            },
            Ev::Text(t) => {
                if text_of.is_some() {
                    value.push_str(t);
                }
            }
            Ev::Close(n) => {
                if text_of == Some(n) {
                    let v = Some(value.trim().to_string()).filter(|v| !v.is_empty());
                    match n {
                        "Annotations" => out.annotations = v,
                        "Attachments" => out.attachments = v,
                        _ => out.resources.extend(v),
                    }
                    text_of = None;
                }
            }
        },
    )?;
    Ok(out)
}

/// The text runs and template references of a page or template `Content.xml`.
fn read_content(pkg: &mut Package, path: &str) -> Result<PageContent, ExtractError> {
    let bytes = pkg.require(path)?;
    let mut out = PageContent::default();
    // The enclosing TextObject: origin and size.
    let mut object: Option<(f64, f64, f64)> = None;
    let mut code: Option<Run> = None;
    let mut deltas = 0.0f64;
    walk_rooted(
        &bytes,
        path,
        pkg.limits().max_depth,
        &["Page", "PageAnnot"],
        |ev| match ev {
            Ev::Open(e) => match e.name {
                "TextObject" => {
                    let b = numbers(&e.attr("Boundary").unwrap_or_default());
                    let size = e
                        .attr("Size")
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .filter(|s| s.is_finite() && *s > 0.0)
                        .unwrap_or(3.5);
                    object = Some((
                        b.first().copied().unwrap_or(0.0),
                        b.get(1).copied().unwrap_or(0.0),
                        size,
                    ));
                }
                "TextCode" => {
                    let (ox, oy, size) = object.unwrap_or((0.0, 0.0, 3.5));
                    let x = e
                        .attr("X")
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0.0);
                    let y = e
                        .attr("Y")
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(size);
                    deltas = delta_sum(&e.attr("DeltaX").unwrap_or_default());
                    code = Some(Run {
                        x: ox + x,
                        y: oy + y,
                        size,
                        width: 0.0,
                        text: String::new(),
                    });
                }
                "Template" => {
                    if let Some(id) = e.attr("TemplateID")
                        && !out.templates.contains(&id)
                    {
                        out.templates.push(id);
                    }
                }
                "ImageObject" => {
                    out.images += 1;
                    let b = numbers(&e.attr("Boundary").unwrap_or_default());
                    let (w, h) = (b.get(2).copied(), b.get(3).copied());
                    let area = w.unwrap_or(0.0) * h.unwrap_or(0.0);
                    if let Some(id) = e.attr("ResourceID")
                        && (out.largest_image.is_none() || area > out.largest_area)
                    {
                        out.largest_area = area;
                        out.largest_image = Some((id, w.unwrap_or(0.0)));
                    }
                }
                _ => {}
            },
            Ev::Text(t) => {
                if let Some(run) = code.as_mut() {
                    run.text.push_str(t);
                }
            }
            Ev::Close(n) => match n {
                "TextCode" => {
                    if let Some(mut run) = code.take() {
                        let text: String = map_symbols(run.text.trim_matches(['\n', '\r']))
                            .chars()
                            .filter(|c| *c != '\n' && *c != '\r')
                            .collect();
                        let n = text.chars().count() as f64;
                        run.width = if deltas > 0.0 {
                            deltas + run.size
                        } else {
                            n * run.size
                        };
                        run.text = text;
                        if !run.text.trim().is_empty() && run.x.is_finite() && run.y.is_finite() {
                            out.runs.push(run);
                        }
                    }
                }
                "TextObject" => object = None,
                _ => {}
            },
        },
    )?;
    Ok(out)
}

/// Whitespace-separated numbers (`Boundary="10 20 30 5"`).
fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .collect()
}

/// The sum of a `DeltaX` list, with the `g N d` repeat shorthand.
fn delta_sum(s: &str) -> f64 {
    let mut tokens = s.split_whitespace();
    let mut sum = 0.0;
    while let Some(t) = tokens.next() {
        if t == "g" {
            let n: f64 = tokens.next().and_then(|n| n.parse().ok()).unwrap_or(0.0);
            let d: f64 = tokens.next().and_then(|d| d.parse().ok()).unwrap_or(0.0);
            sum += n.min(100_000.0) * d;
        } else if let Ok(v) = t.parse::<f64>() {
            sum += v;
        }
    }
    if sum.is_finite() { sum } else { 0.0 }
}

/// Runs rebuilt into lines by baseline, then by x; a wide gap becomes one space.
fn lines_part(name: String, role: Role, mut runs: Vec<Run>) -> Part {
    let mut part = Part::new(Some(name), role);
    runs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        match lines.last_mut() {
            Some(line)
                if {
                    let first = &line[0];
                    (run.y - first.y).abs() <= 0.5 * first.size.max(run.size)
                } =>
            {
                line.push(run)
            }
            _ => lines.push(vec![run]),
        }
    }
    for (i, mut line) in lines.into_iter().enumerate() {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut text = String::new();
        let mut end: Option<f64> = None;
        for run in &line {
            if let Some(e) = end
                && run.x - e > 1.5 * run.size
            {
                text.push(' ');
            }
            text.push_str(&run.text);
            end = Some(run.x + run.width);
        }
        part.push_line(&text, i as u32 + 1);
    }
    part
}

/// `Annotations.xml` → the per-page annotation files (and the locations that name no
/// entry).
fn annotation_files(
    pkg: &mut Package,
    path: &str,
) -> Result<(Vec<String>, Vec<String>), ExtractError> {
    let bytes = pkg.require(path)?;
    let mut locs: Vec<String> = Vec::new();
    let mut in_loc = false;
    let mut value = String::new();
    walk_rooted(
        &bytes,
        path,
        pkg.limits().max_depth,
        &["Annotations"],
        |ev| match ev {
            Ev::Open(e) if e.name == "FileLoc" => {
                in_loc = true;
                value.clear();
            }
            Ev::Text(t) if in_loc => value.push_str(t),
            Ev::Close("FileLoc") => {
                in_loc = false;
                let v = value.trim().to_string();
                if !locs.contains(&v) && locs.len() < 100_000 {
                    locs.push(v);
                }
            }
            _ => {}
        },
    )?;
    let base = parent(path);
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for l in locs {
        match resolve(pkg, &base, &l) {
            Some(p) => found.push(p),
            None => missing.push(l),
        }
    }
    Ok((found, missing))
}

/// `Attachments.xml` → each attached file, extracted as a document of its own against
/// the budget of the whole file; an attachment listed twice, or carried twice, is
/// read once.
fn attachments(
    pkg: &mut Package,
    path: &str,
    depth: usize,
    reader: &mut Reader,
) -> Result<Vec<Embedded>, ExtractError> {
    let bytes = pkg.require(path)?;
    let mut found: Vec<(Option<String>, String)> = Vec::new();
    let mut name: Option<String> = None;
    let mut in_loc = false;
    let mut value = String::new();
    walk_rooted(
        &bytes,
        path,
        pkg.limits().max_depth,
        &["Attachments"],
        |ev| match ev {
            Ev::Open(e) => match e.name {
                "Attachment" => name = e.attr("Name"),
                "FileLoc" => {
                    in_loc = true;
                    value.clear();
                }
                _ => {}
            },
            Ev::Text(t) if in_loc => value.push_str(t),
            Ev::Text(_) => {}
            Ev::Close(n) => {
                if n == "FileLoc" {
                    in_loc = false;
                    let loc = value.trim().to_string();
                    if !found.iter().any(|(_, l)| *l == loc) && found.len() < 100_000 {
                        found.push((name.clone(), loc));
                    }
                }
            }
        },
    )?;
    let base = parent(path);
    let budget = pkg.budget();
    let mut out = Vec::new();
    let mut too_deep: Vec<String> = Vec::new();
    for (name, loc) in found {
        if reader.stopped {
            break;
        }
        let Some(entry) = reader.locate(pkg, &base, &loc, "attachment") else {
            continue;
        };
        if !reader.seen.insert(entry.clone()) {
            continue;
        }
        // Too deep: not even inflated, and reported once for the whole list.
        if budget.check_depth(depth + 1, &entry).is_err() {
            too_deep.push(entry);
            continue;
        }
        let bytes = match pkg.read(&entry) {
            Ok(Some(b)) => b,
            Ok(None) => continue,
            Err(e) => {
                reader.fail(budget, &entry, e);
                continue;
            }
        };
        // The entry's own extension, or the attachment's name's, says what to try.
        let file_name = name.unwrap_or_else(|| loc.clone());
        let shown = if Path::new(&entry).extension().is_some() {
            entry.clone()
        } else {
            format!("{entry}/{file_name}")
        };
        if let Some(doc) = extract_nested(bytes, &shown, budget, depth + 1) {
            out.push(Embedded { name: entry, doc });
        }
        if budget.spent().is_some() {
            reader.stopped = true;
        }
    }
    if let Some(first) = too_deep.first() {
        let place = match too_deep.len() {
            1 => first.clone(),
            n => format!("{first} and {} more", n - 1),
        };
        out.push(Embedded {
            name: first.clone(),
            doc: Err(Bound::Embedding.exceeded(&budget.limits, &place)),
        });
    }
    Ok(out)
}

/// `xml::walk`, where the root element must be one of `roots`: a part swapped for
/// another (a resource list where the document should be) cannot pass for it.
fn walk_rooted(
    bytes: &[u8],
    path: &str,
    max_depth: usize,
    roots: &[&str],
    mut f: impl FnMut(Ev),
) -> Result<(), ExtractError> {
    let mut root: Option<String> = None;
    xml::walk(bytes, path, max_depth, |ev| {
        if root.is_none()
            && let Ev::Open(e) = &ev
        {
            root = Some(e.name.to_string());
        }
        if root.as_deref().is_some_and(|r| roots.contains(&r)) {
            f(ev);
        }
    })?;
    match root {
        Some(r) if roots.contains(&r.as_str()) => Ok(()),
        r => Err(ExtractError::Corrupt(format!(
            "{path}: root <{}>, not <{}>",
            r.unwrap_or_default(),
            roots.join("> or <")
        ))),
    }
}

fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => path[..i].to_string(),
        None => String::new(),
    }
}

/// ST_Loc: `/x` from the package root, otherwise relative to the referring folder;
/// producers disagree, so the root-relative reading is tried too.
fn resolve(pkg: &Package, base: &str, loc: &str) -> Option<String> {
    let loc = loc.trim().replace('\\', "/");
    let candidates = if let Some(abs) = loc.strip_prefix('/') {
        vec![abs.to_string()]
    } else if base.is_empty() {
        vec![loc.clone()]
    } else {
        vec![format!("{base}/{loc}"), loc.clone()]
    };
    candidates
        .into_iter()
        .map(|c| normalise_dots(&c))
        .find(|c| pkg.has(c))
}

fn normalise_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::super::zipped::testkit::{
        self, gaps, ofd, ofd_attachments, ofd_page, ofd_pages, role_of,
    };
    use super::super::{Extracted, Limits, extract_bytes};
    use super::*;
    use std::time::{Duration, Instant};

    fn page_entry(text: &str) -> (&'static str, Vec<u8>) {
        (
            "Doc_0/Pages/Page_0/Content.xml",
            ofd_page(text).into_bytes(),
        )
    }

    /// One page referenced a million times is one page, read once, quickly.
    #[test]
    fn a_page_referenced_a_million_times_is_read_once() {
        let mut pages = String::from("<ofd:Pages>");
        for i in 0..1_000_000 {
            pages.push_str(&format!(
                r#"<ofd:Page ID="{i}" BaseLoc="Pages/Page_0/Content.xml"/>"#
            ));
        }
        pages.push_str("</ofd:Pages>");
        let bytes = ofd(&pages, &[page_entry("机密★10年")]);
        let start = Instant::now();
        let doc = testkit::doc(bytes, "ofd");
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(doc.parts.len(), 1);
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Body));
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }

    /// More distinct pages than a file may have parts: a limit, and what was read is kept.
    #[test]
    fn too_many_pages_is_a_limit() {
        let locs: Vec<String> = (0..30).map(|i| format!("Pages/P{i}.xml")).collect();
        let refs: Vec<&str> = locs.iter().map(String::as_str).collect();
        let mut more: Vec<(&str, Vec<u8>)> = Vec::new();
        let names: Vec<String> = (0..30).map(|i| format!("Doc_0/Pages/P{i}.xml")).collect();
        for n in &names {
            more.push((n.as_str(), ofd_page("正文").into_bytes()));
        }
        let limits = Limits {
            max_parts: 12,
            ..Limits::new(1 << 30)
        };
        let Ok(Extracted::Doc(doc)) =
            extract_bytes(ofd(&ofd_pages(&refs), &more), "ofd", &limits, 0)
        else {
            panic!()
        };
        let g = gaps(&doc);
        assert!(
            g.iter().any(|g| g.contains("parts read from one file 12")),
            "{g:?}"
        );
        assert!(!doc.parts.is_empty());
    }

    /// A missing page is a gap; the other pages are read.
    #[test]
    fn missing_pages_are_gaps() {
        let bytes = ofd(
            &ofd_pages(&["Pages/Page_0/Content.xml", "Pages/Page_9/Content.xml"]),
            &[page_entry("机密★10年")],
        );
        let doc = testkit::doc(bytes, "ofd");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Body));
        let g = gaps(&doc);
        assert_eq!(g.len(), 1);
        assert!(
            g[0].contains("missing page Pages/Page_9/Content.xml"),
            "{g:?}"
        );
    }

    /// Attachments that carry each other: every copy is read once, each listing once,
    /// and a chain deeper than the bound is a limit naming it.
    #[test]
    fn attachments_that_carry_each_other_are_bounded() {
        let leaf = ofd(
            &ofd_pages(&["Pages/Page_0/Content.xml"]),
            &[page_entry("秘密★1年")],
        );
        // Each level lists its child under 40 names and 40 spellings: 1600 listings.
        let level = |child: &Vec<u8>| {
            let names: Vec<String> = (0..40).map(|i| format!("Doc_0/Attachs/c{i}.ofd")).collect();
            let mut locs: Vec<String> = (0..40).map(|i| format!("c{i}.ofd")).collect();
            locs.extend((0..40).map(|i| format!("./../Attachs/c{}.ofd", i % 3)));
            let loc_refs: Vec<&str> = locs.iter().map(String::as_str).collect();
            let mut more: Vec<(&str, Vec<u8>)> =
                vec![("Doc_0/Attachs/Attachments.xml", ofd_attachments(&loc_refs))];
            for n in &names {
                more.push((n.as_str(), child.clone()));
            }
            more.push(page_entry("正文"));
            ofd(
                &format!(
                    "{}<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>",
                    ofd_pages(&["Pages/Page_0/Content.xml"])
                ),
                &more,
            )
        };
        let mut file = leaf;
        for _ in 0..5 {
            file = level(&file);
        }
        let start = Instant::now();
        let doc = testkit::doc(file, "ofd");
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{:?}",
            start.elapsed()
        );
        // One carried document per level, down to the bound.
        let mut depth = 0;
        let mut d = &doc;
        while let Some(e) = d.embedded.first() {
            assert_eq!(d.embedded.len(), 1, "copies are read once");
            match &e.doc {
                Ok(inner) => d = inner,
                Err(err) => {
                    assert_eq!(
                        *err,
                        ExtractError::Limit(format!(
                            "documents nested in documents 3, at {} and 39 more",
                            e.name
                        ))
                    );
                    break;
                }
            }
            depth += 1;
        }
        assert_eq!(depth, 3);
    }

    fn run(x: f64, y: f64, text: &str) -> Run {
        Run {
            x,
            y,
            size: 4.0,
            width: 4.0 * text.chars().count() as f64,
            text: text.into(),
        }
    }

    #[test]
    fn lines_are_rebuilt_from_coordinates_not_drawing_order() {
        let runs = vec![
            run(33.0, 50.2, "0"),
            run(29.0, 50.0, "1"),
            run(25.0, 50.1, "★"),
            run(21.0, 49.9, "密"),
            run(17.0, 50.0, "机"),
            run(37.0, 50.0, "年"),
            run(17.0, 42.0, "000001"),
        ];
        let part = lines_part("page 1".into(), Role::Body, runs);
        assert_eq!(part.text, "000001\n机密★10年\n");
    }

    #[test]
    fn delta_shorthand() {
        assert_eq!(delta_sum("g 3 2.5 1"), 8.5);
        assert_eq!(delta_sum(""), 0.0);
    }

    #[test]
    fn dots_in_locations() {
        assert_eq!(
            normalise_dots("Doc_0/./Pages/../Tpls/Tpl_0/Content.xml"),
            "Doc_0/Tpls/Tpl_0/Content.xml"
        );
    }
}
