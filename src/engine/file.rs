//! One file through the pipeline: read (from disk, stdin or the index), extract, scan,
//! check, and the same for every document it carries.

use std::path::Path;

use super::Preloaded;
use crate::cache::{Cache, DocFacts, FileFacts, Stamp, content_hash};
use crate::config::resolve::Settings;
use crate::diagnostic::{Diagnostic, DocPath};
use crate::extract::{self, Document, Extracted, Flavour};
use crate::rules::check::{
    CheckContext, Holds, Standing, TopCopy, container_below_contents, lint_scanned, own_level,
    top_copy, unmarked_change, unreadable, unreadable_base,
};
use crate::{budget, fix, git, inventory, report, rules, suppress};

/// The result of checking one file.
pub(super) struct FileResult {
    pub(super) path: String,
    /// A text file (`--fix` may rewrite it).
    pub(super) text_file: bool,
    /// The file as it was read (with `--fix`/`--diff`; `None` if it changed meanwhile).
    pub(super) stamp: Option<fix::Stamp>,
    /// Its inline suppressions, if it has any.
    pub(super) directives: Option<suppress::Directives>,
    pub(super) found: Found,
    pub(super) marked: bool,
    pub(super) document: bool,
    /// An image file left unread because the run has no OCR (counted, said once).
    /// Image files not read because no OCR reads scans here: this file, or the images
    /// it carries.
    pub(super) unread_images: usize,
    /// What the document says of its own mark, when it is to be compared with its
    /// version at the base revision (ML108).
    pub(super) standing: Option<Standing>,
}

/// What checking a document (and the documents it carries) gives.
#[derive(Default)]
pub(super) struct Found {
    pub(super) diags: Vec<Diagnostic>,
    /// Facts for ML302, decided across the tree after the parallel part.
    pub(super) top_secret: Vec<TopCopy>,
    /// Ledger rows (`inventory` only).
    pub(super) rows: Vec<inventory::Row>,
    /// With a cache: the facts of each document checked, the last one's on top (a
    /// carrier takes those of the documents it carries as it goes).
    facts: Option<Vec<DocFacts>>,
    /// The salt of the digests in those facts (the entry's key).
    salt: [u8; 32],
}

impl Found {
    fn shrink_to_fit(&mut self) {
        self.diags.shrink_to_fit();
        self.top_secret.shrink_to_fit();
        self.rows.shrink_to_fit();
    }
}

pub(super) fn check_file(
    s: &Settings,
    path: &Path,
    preloaded: &Preloaded,
    budget: &budget::Budget,
    cache: Option<&Cache>,
) -> FileResult {
    let shown = display_path(path);
    // Taken before and after the read: `--fix` rewrites only a file that was the same
    // throughout, and is still that file when it is rewritten.
    let stamp_now = || {
        (s.fixing && !preloaded.contains_key(path))
            .then(|| fix::Stamp::of_path(path).ok())
            .flatten()
    };
    let before = stamp_now();
    // Only where ML108 runs (not under `system: unclassified`, nor deselected): a base
    // no rule compares is not read, and cannot be an ML900.
    let compares = s
        .rules
        .iter()
        .any(|r| r.kind == rules::Kind::UnmarkedChange);
    let base = preloaded
        .history
        .as_ref()
        .filter(|_| compares)
        .and_then(|h| Some((h, h.base(path)?)));
    // Held until the document is dropped (`check_extracted` takes it).
    let _permit;
    let extracted = match preloaded.read(path, &s.limits, budget) {
        Some((permit, bytes)) => {
            _permit = permit;
            bytes.and_then(|b| extract::extract_read(path, b, &s.limits))
        }
        // Not with `--fix` (the engine opens no cache then): no stamp to take. Nor where
        // ML108 compares the file with its base: that needs the document's own mark as
        // read, not facts.
        None => match on_disk(s, path, &shown, budget, cache.filter(|_| base.is_none())) {
            OnDisk::Checked(result) => return *result,
            OnDisk::Read(permit, extracted) => {
                _permit = permit;
                extracted
            }
        },
    };
    let stamp = before.filter(|b| stamp_now() == Some(*b));
    let mut result = check_extracted(s, path, shown, extracted, base.is_some());
    result.stamp = stamp;
    drop(_permit);
    if let (Some((history, file)), Some(now)) = (base, result.standing.take()) {
        let found = changed_since(s, path, &result.path, history, file, &now, budget);
        result.found.diags.extend(found);
    }
    result
}

/// What reading a file on disk gave: its result (found through the cache), or its
/// extraction and the share of the budget it holds until checked.
enum OnDisk<'b> {
    Checked(Box<FileResult>),
    Read(
        Option<budget::Permit<'b>>,
        Result<Extracted, extract::ExtractError>,
    ),
}

/// Read a file on disk, through the cache if there is one.
fn on_disk<'b>(
    s: &Settings,
    path: &Path,
    shown: &str,
    budget: &'b budget::Budget,
    cache: Option<&Cache>,
) -> OnDisk<'b> {
    let known = match cache.map(|c| by_stamp(s, path, shown, c)) {
        Some(Ok(result)) => return OnDisk::Checked(Box::new(result)),
        Some(Err(known)) => known,
        None => None,
    };
    let opened = match extract::open(path, &s.limits) {
        Ok(opened) => opened,
        Err(e) => return OnDisk::Read(None, Err(e)),
    };
    let per_byte = if opened.is_container() {
        budget::CONTAINER_COST
    } else {
        budget::TEXT_COST
    };
    let permit = budget.take(opened.len().saturating_mul(per_byte));
    match cache {
        Some(cache) => {
            let result = with_cache(s, path, shown.to_string(), opened, cache, known);
            drop(permit);
            OnDisk::Checked(Box::new(result))
        }
        None => OnDisk::Read(Some(permit), opened.extract(&s.limits)),
    }
}

/// A file on disk looked up by its stamp (its path's metadata): `Err` with the stamp
/// its entry was found under (or `None`) when the file is to be opened after all.
fn by_stamp(
    s: &Settings,
    path: &Path,
    shown: &str,
    cache: &Cache,
) -> Result<FileResult, Option<Stamp>> {
    let stamp = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .and_then(|m| Stamp::of(&m))
        .ok_or(None)?;
    let key = cache.stamp_key(&readable_name(crate::walk::file_name(path)), &stamp);
    let facts = cache.get(&key).filter(|f| current(s, f)).ok_or(None)?;
    check_facts(s, path, shown, &facts).ok_or(Some(stamp))
}

/// A file on disk checked through the cache: its facts, if the cache holds them and
/// they give nothing to show (no finding, no 绝密 copy, no inline suppression), else
/// the file read and checked in full, its facts stored. A file that had settled when
/// opened has its facts stored under its stamp too, unless they are there already
/// (`known`: the stamp `by_stamp` found an entry for).
fn with_cache(
    s: &Settings,
    path: &Path,
    shown: String,
    opened: extract::Opened,
    cache: &Cache,
    known: Option<Stamp>,
) -> FileResult {
    let name = readable_name(crate::walk::file_name(path));
    let stamp = Stamp::of(opened.meta()).filter(|st| known != Some(*st));
    let opened_at = opened.opened_at();
    let read = match opened.read(&s.limits) {
        Ok(read) => read,
        Err(e) => return check_extracted(s, path, shown, Err(e), false),
    };
    let key = cache.key_of(&name, &content_hash(read.bytes()));
    let stamp_key = stamp
        .filter(|st| st.recordable(opened_at, read.bytes().len()))
        .map(|st| cache.stamp_key(&name, &st));
    let stored = cache.get(&key).filter(|f| current(s, f));
    if let Some(facts) = &stored {
        if let Some(k) = &stamp_key {
            cache.put(k, facts);
        }
        if let Some(result) = check_facts(s, path, &shown, facts) {
            return result;
        }
    }
    let ((result, facts), asked) = crate::ocr::asking(|| {
        let extracted = read.extract(&s.limits);
        check_extracted_with(s, path, shown, extracted, false, Some(key.salt()))
    });
    let facts = facts.map(|f| FileFacts {
        ocr: asked.then(|| s.limits.ocr.usable()),
        ..f
    });
    if let (None, Some(facts)) = (stored, facts) {
        cache.put(&key, &facts);
        if let Some(k) = &stamp_key {
            cache.put(k, &facts);
        }
    }
    result
}

/// ML108: the version of the file at the base revision, read from git objects, against
/// `now`; a base that cannot be read is ML900 (whether the mark was lowered is not
/// known). Read after the new version is dropped: one version in memory at a time.
fn changed_since(
    s: &Settings,
    path: &Path,
    shown: &str,
    history: &git::History,
    file: &git::BaseFile,
    now: &Standing,
    budget: &budget::Budget,
) -> Vec<Diagnostic> {
    let ctx = s.context(Some(path));
    let at = DocPath::file(shown);
    let base_name = history.shown(file);
    let cost = file.size.unwrap_or(0).min(s.limits.max_bytes) * budget::CONTAINER_COST;
    let _permit = budget.take(cost);
    // Read as a file of its old name is read: the reader is chosen by that name and
    // by the content, as for any file.
    let extracted = history
        .read(file, s.limits.max_bytes)
        .and_then(|bytes| extract::extract_read(&file.name, bytes, &s.limits));
    match extracted {
        Ok(Extracted::Doc(old)) => {
            let name = readable_name(file.name.file_name());
            let was = Standing::scan(&ctx, &old, &name);
            // No mark seen in a version read only in part: the mark may be in what
            // was not read, so whether it was removed is not known.
            if let (None, Some(gap)) = (&was.mark, old.gaps.first()) {
                return s
                    .unreadable
                    .iter()
                    .map(|r| unreadable_base(r, &ctx, &at, &base_name, &gap.error))
                    .collect();
            }
            unmarked_change(&s.rules, &ctx, &at, &base_name, &was, now)
                .into_iter()
                .collect()
        }
        Ok(Extracted::Skip) => Vec::new(),
        Err(e) => s
            .unreadable
            .iter()
            .map(|r| unreadable_base(r, &ctx, &at, &base_name, &e))
            .collect(),
    }
}

/// What a file's extraction gives, checked: its findings (before inline suppressions),
/// its directives and whether it is a marked document. The stamp is left unset.
/// With `standing`, the document's own mark is taken too, for ML108.
pub(super) fn check_extracted(
    s: &Settings,
    path: &Path,
    shown: String,
    extracted: Result<Extracted, extract::ExtractError>,
    standing: bool,
) -> FileResult {
    check_extracted_with(s, path, shown, extracted, standing, None).0
}

/// `check_extracted`, also giving the file's facts for the cache when `salt` (their
/// digests' salt) is given; none for a file that could not be read: it is read again
/// each run.
fn check_extracted_with(
    s: &Settings,
    path: &Path,
    shown: String,
    extracted: Result<Extracted, extract::ExtractError>,
    standing: bool,
    salt: Option<&[u8; 32]>,
) -> (FileResult, Option<FileFacts>) {
    let facts = salt.is_some();
    let ctx = s.context(Some(path));
    match extracted {
        Ok(Extracted::Doc(doc)) => {
            let name = readable_name(crate::walk::file_name(path));
            let mut found = Found {
                facts: facts.then(Vec::new),
                salt: salt.copied().unwrap_or_default(),
                ..Found::default()
            };
            let marked = lint_tree(s, &ctx, &DocPath::file(&shown), &name, &doc, &mut found);
            let standing = standing.then(|| Standing::scan(&ctx, &doc, &name));
            // Kept until the whole group is done: no spare capacity (a vector of one
            // finding would hold room for four, 1.1 KB wasted a file on a large tree).
            found.shrink_to_fit();
            let source = doc.text_source();
            // A text file's bytes were looked at once for `mark-lint` already.
            let directives = source
                .filter(|_| !doc.absent.directive)
                .map(|t| suppress::parse(t, doc.flavour))
                .filter(|d| !d.is_empty());
            // HTML is never rewritten: its marks may be entity-encoded or split by tags.
            let text_file = source.is_some() && doc.flavour != Flavour::Html;
            let facts = found
                .facts
                .take()
                .and_then(|mut f| f.pop())
                .map(|d| FileFacts {
                    text_file,
                    directives: directives.is_some(),
                    images_unread: doc.images_unread,
                    doc: Some(d),
                    ocr: None,
                });
            let result = FileResult {
                path: shown,
                text_file,
                stamp: None,
                directives,
                found,
                marked,
                document: true,
                unread_images: doc.images_unread,
                standing,
            };
            (result, facts)
        }
        Ok(Extracted::Skip) => {
            let facts = facts.then_some(FileFacts {
                text_file: false,
                directives: false,
                images_unread: 0,
                doc: None,
                ocr: None,
            });
            (skipped(s, path, shown), facts)
        }
        Err(e) => (unread_file(s, &ctx, shown, &e), None),
    }
}

/// A file that is not a document.
fn skipped(s: &Settings, path: &Path, shown: String) -> FileResult {
    FileResult {
        unread_images: usize::from(is_unread_image(s, path)),
        path: shown,
        text_file: false,
        stamp: None,
        directives: None,
        found: Found::default(),
        marked: false,
        document: false,
        standing: None,
    }
}

/// A file that could not be read: ML900.
fn unread_file(
    s: &Settings,
    ctx: &CheckContext,
    shown: String,
    e: &extract::ExtractError,
) -> FileResult {
    FileResult {
        path: shown.clone(),
        text_file: false,
        stamp: None,
        directives: None,
        found: Found {
            diags: s
                .unreadable
                .iter()
                .map(|r| unreadable(r, ctx, &DocPath::file(&shown), e))
                .collect(),
            ..Found::default()
        },
        marked: false,
        document: true,
        unread_images: 0,
        standing: None,
    }
}

/// A file checked from its facts alone: its result, if it has nothing to show that
/// needs its text (no finding, which would quote its line; no 绝密 copy for ML302; no
/// inline suppression); `None`: read it in full.
/// Whether stored facts hold for this run: read with the answer this run gives to
/// whether OCR reads scans, when that mattered to them.
fn current(s: &Settings, facts: &FileFacts) -> bool {
    facts
        .ocr
        .is_none_or(|usable| usable == s.limits.ocr.usable())
}

fn check_facts(s: &Settings, path: &Path, shown: &str, facts: &FileFacts) -> Option<FileResult> {
    let Some(doc) = &facts.doc else {
        return Some(skipped(s, path, shown.to_string()));
    };
    if facts.directives {
        return None;
    }
    let ctx = s.context(Some(path));
    let name = readable_name(crate::walk::file_name(path));
    let (marked, _) = carrier_facts(s, &ctx, &DocPath::file(shown), &name, doc)?;
    Some(FileResult {
        path: shown.to_string(),
        text_file: facts.text_file,
        stamp: None,
        directives: None,
        found: Found::default(),
        marked,
        document: true,
        unread_images: facts.images_unread,
        standing: None,
    })
}

/// `lint_carrier` over a document's facts: whether it (or one it carries) is marked,
/// and what it holds; `None` as soon as something is to be shown.
fn carrier_facts(
    s: &Settings,
    ctx: &CheckContext,
    shown: &DocPath,
    name: &str,
    facts: &DocFacts,
) -> Option<(bool, Holds)> {
    let unreadable = s.unreadable.is_some();
    if facts.text_hits || (unreadable && facts.gaps > 0) {
        return None;
    }
    // The document as the rules see it, without a line of text: its parts' names and
    // OCR confidences, and whether it is an archive. Rules read the scan.
    let parts = facts
        .parts
        .iter()
        .map(|(name, ocr)| extract::Part {
            ocr: *ocr,
            ..extract::Part::new(name.clone(), extract::Role::Body)
        })
        .collect();
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    doc.archive = facts.archive;
    let rules = if facts.archive {
        &s.name_rules
    } else {
        &s.rules
    };
    let scan = &facts.scan;
    if !rules::check::check_scanned(rules, ctx, shown, name, &doc, scan).is_empty()
        || (!facts.archive && top_copy(&s.rules, ctx, shown, &doc, scan).is_some())
    {
        return None;
    }
    let mut marked = if facts.archive {
        scan.file_name.is_some()
    } else {
        scan.is_marked()
    };
    let own = own_level(shown, &doc, scan);
    let mut inside = Holds::default();
    for (inner, child) in &facts.embedded {
        let child = match child {
            Some(c) => c,
            None if unreadable => return None,
            None => continue,
        };
        let inner_name = inner.rsplit('/').next().unwrap_or(inner);
        let (m, held) = carrier_facts(s, ctx, &shown.child(inner), inner_name, child)?;
        marked |= m;
        inside.add(ctx.regime, held);
    }
    if container_below_contents(&s.rules, ctx, shown, own.as_ref(), &inside).is_some() {
        return None;
    }
    let mut all = Holds::of(own);
    all.add(ctx.regime, inside);
    Some((marked, all))
}

/// An image file skipped because scans are not read in this run (no OCR engine, or
/// `--ocr never`): not a document then, but never passed over in silence.
fn is_unread_image(s: &Settings, path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    crate::ocr::is_image_extension(&ext) && !s.limits.ocr.usable()
}

/// Lint a document and the documents it carries (`file.ofd!/Doc_0/Attachs/a.ofd`,
/// `bundle.zip!/通知/附件1.docx`); whether any of them is marked. An archive has no
/// text of its own: only what it carries, and what of it could not be read, is
/// reported (an empty archive, or one of images, gives nothing).
fn lint_tree(
    s: &Settings,
    ctx: &CheckContext,
    shown: &DocPath,
    name: &str,
    doc: &Document,
    out: &mut Found,
) -> bool {
    lint_carrier(s, ctx, shown, name, doc, out).0
}

/// `lint_tree`, also giving what the tree holds (its highest level and longest term,
/// its own or carried), so that each container is compared with everything inside it
/// (ML206).
fn lint_carrier(
    s: &Settings,
    ctx: &CheckContext,
    shown: &DocPath,
    name: &str,
    doc: &Document,
    out: &mut Found,
) -> (bool, Holds) {
    let scan = if doc.archive {
        lint_archive_name(s, ctx, shown, name, doc, out)
    } else {
        lint_own(s, ctx, shown, name, doc, out)
    };
    let mut marked = if doc.archive {
        scan.file_name.is_some()
    } else {
        scan.is_marked()
    };
    let own = own_level(shown, doc, &scan);
    let mut node = out.facts.is_some().then(|| DocFacts {
        archive: doc.archive,
        parts: doc.parts.iter().map(|p| (p.name.clone(), p.ocr)).collect(),
        scan: scan.without_text(&out.salt),
        gaps: doc.gaps.len(),
        text_hits: !doc.archive && rules::check::text_hits(ctx.regime, doc, ctx.keywords, &s.rules),
        embedded: Vec::new(),
    });
    drop(scan);
    if let Some(rule) = &s.unreadable {
        let mut gaps: Vec<Diagnostic> = doc
            .gaps
            .iter()
            .map(|gap| rules::check::unread_gap(rule, ctx, shown, gap))
            .collect();
        rules::check::cap_per_rule(&mut gaps, std::slice::from_ref(rule), ctx.lang, shown);
        out.diags.extend(gaps);
    }
    let mut inside = Holds::default();
    for inner in &doc.embedded {
        let path = shown.child(&inner.name);
        let inner_name = inner.name.rsplit('/').next().unwrap_or(&inner.name);
        match &inner.doc {
            Ok(d) => {
                let (m, held) = lint_carrier(s, ctx, &path, inner_name, d, out);
                marked |= m;
                inside.add(ctx.regime, held);
                if let Some(node) = &mut node {
                    let child = out.facts.as_mut().and_then(Vec::pop);
                    node.embedded.push((inner.name.clone(), child));
                }
            }
            Err(e) => {
                out.diags
                    .extend(s.unreadable.iter().map(|r| unreadable(r, ctx, &path, e)));
                if let Some(node) = &mut node {
                    node.embedded.push((inner.name.clone(), None));
                }
            }
        }
    }
    if let (Some(node), Some(facts)) = (node, &mut out.facts) {
        facts.push(node);
    }
    out.diags.extend(container_below_contents(
        &s.rules,
        ctx,
        shown,
        own.as_ref(),
        &inside,
    ));
    let mut all = Holds::of(own);
    all.add(ctx.regime, inside);
    (marked, all)
}

/// An archive has no text of its own, but its name may declare a level
/// (`【机密】资料.zip`): the rules that read file names run on it — ML301 on an
/// unclassified system, file-name patterns — and no other, since every other rule would
/// judge an empty document. Its scan.
fn lint_archive_name(
    s: &Settings,
    ctx: &CheckContext,
    shown: &DocPath,
    name: &str,
    doc: &Document,
    out: &mut Found,
) -> crate::scan::Scan {
    let (diags, scan) = lint_scanned(&s.name_rules, ctx, shown, name, doc);
    out.diags.extend(diags);
    scan
}

/// Lint a document's own text (not what it carries): its findings, its facts for
/// ML302 and its ledger rows; its scan.
fn lint_own(
    s: &Settings,
    ctx: &CheckContext,
    shown: &DocPath,
    name: &str,
    doc: &Document,
    out: &mut Found,
) -> crate::scan::Scan {
    let (mut diags, scan) = lint_scanned(&s.rules, ctx, shown, name, doc);
    if doc.parts.iter().any(|p| p.ocr_head.is_some()) {
        let ml900 = s.unreadable.as_ref();
        rules::check::unsure_copy_number(&s.rules, ml900, ctx, shown, doc, &mut diags);
    }
    out.diags.extend(diags);
    out.top_secret
        .extend(top_copy(&s.rules, ctx, shown, doc, &scan));
    if s.inventory {
        let window = inventory::Window {
            today: ctx.today,
            expiring_within_days: ctx.expiring_within_days,
        };
        let mut rows = inventory::rows(ctx.regime, &scan, &shown.to_string(), window);
        for row in &mut rows {
            let part = doc.parts.iter().find(|p| p.name == row.part);
            row.ocr = part
                .and_then(|p| p.ocr)
                .map(|c| c.clamp(0.0, 100.0).round() as u8);
        }
        out.rows.extend(rows);
    }
    scan
}

/// The path of a finding: as named, losslessly (a byte that is not UTF-8 is `\xB9`).
pub(super) fn display_path(p: &Path) -> String {
    let s = report::name_text(p.as_os_str());
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A file name as a reader sees it, for the marks it carries (`【机密】报告.txt`): UTF-8,
/// else GB18030 (names written on Chinese Windows, unpacked from zip files or copied
/// from FAT volumes), else with replacement characters.
fn readable_name(name: Option<&std::ffi::OsStr>) -> String {
    let Some(name) = name else {
        return String::new();
    };
    if let Some(s) = name.to_str() {
        return s.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if let Some(s) = encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(name.as_bytes())
        {
            return s.into_owned();
        }
    }
    name.to_string_lossy().into_owned()
}
