//! OFD (GB/T 33190-2016), the fixed-layout format of Chinese e-government: `OFD.xml` →
//! `DocRoot` → `Document.xml` → pages, template pages (where the 版头 with 份号 and 密级
//! often lives), annotations and attachments. Names are matched without namespace, so
//! both `http://www.ofdspec.org/2016` and the older `http://www.ofdspec.org` read.
//!
//! XML order is drawing order, not reading order: text is rebuilt into lines from the
//! coordinates of each `TextCode` (`../shared/LAW-NOTES.md` §7).

use std::path::Path;

use super::xml::{self, Ev};
use super::zipped::Package;
use super::{
    Document, Embedded, ExtractError, Extracted, Flavour, Part, Property, Role, extract_bytes,
    map_symbols, parse_iso_date,
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
}

pub fn extract(pkg: &mut Package, depth: usize) -> Result<Document, ExtractError> {
    let max_depth = pkg.limits().max_depth;
    let root = pkg.require("OFD.xml")?;
    let mut doc_roots = Vec::new();
    let mut props = Vec::new();
    let mut created = None;
    {
        let mut field: Option<String> = None;
        let mut custom_name: Option<String> = None;
        let mut value = String::new();
        xml::walk(&root, "OFD.xml", max_depth, |ev| match ev {
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
                        "DocRoot" => doc_roots.push(v),
                        "CreationDate" => created = parse_iso_date(&v),
                        _ => {
                            if let Some(k) = custom_name.take() {
                                props.push(Property {
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
        })?;
    }
    if doc_roots.is_empty() {
        return Err(ExtractError::Corrupt("OFD.xml names no DocRoot".into()));
    }
    let mut parts = Vec::new();
    let mut embedded = Vec::new();
    let mut page_no = 0usize;
    let mut text_chars = 0usize;
    for doc_root in &doc_roots {
        let doc_path = resolve(pkg, "", doc_root)
            .ok_or_else(|| ExtractError::Corrupt(format!("missing part {doc_root}")))?;
        let document = read_document(pkg, &doc_path)?;
        let base = parent(&doc_path);
        let mut template_parts = Vec::new();
        let mut seen_templates = Vec::new();
        for loc in &document.pages {
            let Some(path) = resolve(pkg, &base, loc) else {
                return Err(ExtractError::Corrupt(format!("missing page {loc}")));
            };
            let content = read_content(pkg, &path)?;
            page_no += 1;
            text_chars += content.chars();
            parts.push(lines_part(
                format!("page {page_no}"),
                Role::Body,
                content.runs,
            ));
            // Templates the page uses (or every template, when pages do not say).
            for id in content.templates {
                if !seen_templates.contains(&id) {
                    seen_templates.push(id);
                }
            }
        }
        for (id, loc) in &document.templates {
            if !seen_templates.is_empty() && !seen_templates.contains(id) {
                continue;
            }
            let Some(path) = resolve(pkg, &base, loc) else {
                continue;
            };
            let content = read_content(pkg, &path)?;
            text_chars += content.chars();
            let name = path
                .strip_suffix("/Content.xml")
                .unwrap_or(&path)
                .to_string();
            template_parts.push(lines_part(name, Role::Margin, content.runs));
        }
        parts.extend(template_parts);
        if let Some(loc) = &document.annotations
            && let Some(path) = resolve(pkg, &base, loc)
        {
            for file in annotation_files(pkg, &path)? {
                let content = read_content(pkg, &file)?;
                text_chars += content.chars();
                parts.push(lines_part(file, Role::Margin, content.runs));
            }
        }
        if let Some(loc) = &document.attachments
            && let Some(path) = resolve(pkg, &base, loc)
        {
            embedded.extend(attachments(pkg, &path, depth)?);
        }
    }
    if page_no > 0 && text_chars == 0 {
        // Scanned pages (images only): whatever mark they carry cannot be seen.
        return Err(ExtractError::NoText);
    }
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    doc.props = props;
    doc.created = created;
    doc.extracted = true;
    doc.paged = true;
    doc.embedded = embedded;
    Ok(doc)
}

impl PageContent {
    /// Characters of text on the page.
    fn chars(&self) -> usize {
        self.runs.iter().map(|r| r.text.chars().count()).sum()
    }
}

/// What `Document.xml` points at.
#[derive(Default)]
struct DocumentXml {
    pages: Vec<String>,
    templates: Vec<(String, String)>,
    annotations: Option<String>,
    attachments: Option<String>,
}

fn read_document(pkg: &mut Package, path: &str) -> Result<DocumentXml, ExtractError> {
    let bytes = pkg.require(path)?;
    let mut out = DocumentXml::default();
    let mut text_of: Option<&'static str> = None;
    let mut value = String::new();
    xml::walk(&bytes, path, pkg.limits().max_depth, |ev| match ev {
        Ev::Open(e) => match e.name {
            "Page" => {
                if let Some(loc) = e.attr("BaseLoc") {
                    out.pages.push(loc);
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
                    _ => out.attachments = v,
                }
                text_of = None;
            }
        }
    })?;
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
    xml::walk(&bytes, path, pkg.limits().max_depth, |ev| match ev {
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
                if let Some(id) = e.attr("TemplateID") {
                    out.templates.push(id);
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
    })?;
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

/// `Annotations.xml` → the per-page annotation files.
fn annotation_files(pkg: &mut Package, path: &str) -> Result<Vec<String>, ExtractError> {
    let bytes = pkg.require(path)?;
    let mut locs = Vec::new();
    let mut in_loc = false;
    let mut value = String::new();
    xml::walk(&bytes, path, pkg.limits().max_depth, |ev| match ev {
        Ev::Open(e) if e.name == "FileLoc" => {
            in_loc = true;
            value.clear();
        }
        Ev::Text(t) if in_loc => value.push_str(t),
        Ev::Close("FileLoc") => {
            in_loc = false;
            locs.push(value.trim().to_string());
        }
        _ => {}
    })?;
    let base = parent(path);
    Ok(locs.iter().filter_map(|l| resolve(pkg, &base, l)).collect())
}

/// `Attachments.xml` → each attached file, extracted as a document of its own.
fn attachments(pkg: &mut Package, path: &str, depth: usize) -> Result<Vec<Embedded>, ExtractError> {
    let bytes = pkg.require(path)?;
    let mut found: Vec<(Option<String>, String)> = Vec::new();
    let mut name: Option<String> = None;
    let mut in_loc = false;
    let mut value = String::new();
    xml::walk(&bytes, path, pkg.limits().max_depth, |ev| match ev {
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
                found.push((name.clone(), value.trim().to_string()));
            }
        }
    })?;
    let base = parent(path);
    let limits = *pkg.limits();
    let mut out = Vec::new();
    for (name, loc) in found {
        let Some(entry) = resolve(pkg, &base, &loc) else {
            continue;
        };
        let shown = entry.clone();
        let doc = if depth + 1 > limits.max_embedding {
            Err(ExtractError::Corrupt("attachments nested too deep".into()))
        } else {
            let bytes = pkg.require(&entry)?;
            let file_name = name.unwrap_or_else(|| loc.clone());
            let ext = Path::new(&entry)
                .extension()
                .or_else(|| Path::new(&file_name).extension())
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_string();
            match extract_bytes(bytes, &ext, &limits, depth + 1) {
                Ok(Extracted::Doc(d)) => Ok(d),
                Ok(Extracted::Skip) => continue,
                Err(e) => Err(e),
            }
        };
        out.push(Embedded { name: shown, doc });
    }
    Ok(out)
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
    use super::*;

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
