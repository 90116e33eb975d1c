//! PDF: the text of each page in reading order, one part per page (`page 3`), the
//! Info dictionary's creation date and text entries, and the properties of the XMP
//! metadata packet (`pdf:`, `dc:`, `pdfx:` and any other namespace) as document
//! properties: those named like the SPEC §2.2 keys declare a level, `MSIP_Label_*`
//! are sensitivity labels. No pure-Rust PDF reader is crash-proof (deep
//! nesting overflows the stack, which no `catch_unwind` can catch), so the reading runs
//! in a child process — `mark-lint __pdf-worker`, the same binary — with a time and a
//! memory bound; a crash, a timeout or an exhausted bound is ML900, and the run goes on.

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Document, ExtractError, Flavour, Part, Role, child, map_symbols, parse_iso_date};

/// What the worker sends back.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Reply {
    pub pages: Vec<Page>,
    /// Info `CreationDate` as written (`D:20260305…`).
    pub created: Option<String>,
    /// The Info dictionary's text entries (`Title`, `Keywords`, custom keys), decoded.
    #[serde(default)]
    pub info: Vec<(String, String)>,
    /// The catalog's XMP metadata stream, decoded, as hex; or why it could not be.
    #[serde(default)]
    pub xmp: Option<Result<String, String>>,
    /// What of a page could not be read, each a gap: the page (1-based; 0 for the
    /// document), `undecodable` (text without Unicode) or `corrupt`, and the detail.
    #[serde(default)]
    pub gaps: Vec<(usize, String, String)>,
    /// The cross-reference data was damaged and the objects were found by scanning.
    #[serde(default)]
    pub repaired: bool,
    /// `encrypted`, `corrupt`: why nothing could be read.
    pub error: Option<(String, String)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Page {
    pub text: String,
    /// Images drawn on a page without text: such a page is a scan.
    pub images: usize,
    /// A scan to read by OCR: its band, prepared (`ocr::prepare`), as a hex PNG.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanBand>,
    /// A scanned page after the first, with `--ocr-pages first`: its top-left strip
    /// (`ocr::strip`), read with page 1's band; what it shows decides what of the page
    /// is read (`ocr::look`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ScanBand>,
}

/// The band of a scanned page the worker cut out for OCR, or why it could not.
#[derive(Debug, Serialize, Deserialize)]
pub enum ScanBand {
    /// Hex of a PNG, the dpi it is at, the dpi the page was scanned at, and the rows of
    /// faint ink its binarisation removed (`ocr::prepare::Prepared::faint`).
    Png(String, u32, u32, Vec<(u32, u32)>),
    /// An image the worker cannot decode (JBIG2, JPEG 2000…): why, the page's width and
    /// height in points, and the dpi it was scanned at; `pdftoppm` may render its band.
    Render(String, f32, f32, u32),
    Failed(String),
}

/// How long one PDF may take, and how much memory the worker may use.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
pub const MEMORY_LIMIT: u64 = 2 << 30;

/// Run-wide bounds on the PDF workers, whatever `--jobs`: their address-space limits
/// together stay within one memory budget (so at most `memory / worker_memory` run at
/// once), and their time together within one time budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfBudget {
    /// Address space of one worker.
    pub worker_memory: u64,
    /// Address space of all workers running at once.
    pub memory: u64,
    /// Time of one PDF.
    pub per_pdf: Duration,
    /// Time of all the PDF workers of a run together.
    pub total: Duration,
}

/// `MARK_LINT_PDF_MEMORY_BUDGET` (MiB) and `MARK_LINT_PDF_TIME_BUDGET` (seconds) set
/// the run-wide budgets (tests make them small).
pub const MEMORY_BUDGET_ENV: &str = "MARK_LINT_PDF_MEMORY_BUDGET";
pub const TIME_BUDGET_ENV: &str = "MARK_LINT_PDF_TIME_BUDGET";
/// The address-space limit the parent gives one worker (bytes).
const WORKER_MEMORY_ENV: &str = "MARK_LINT_PDF_WORKER_MEMORY";
/// Which scanned pages the worker cuts a band from for OCR: `first`, `all`,
/// `bands:3,5`, or unset (none: the run has no OCR).
const SCANS_ENV: &str = "MARK_LINT_PDF_SCANS";

/// What of its scanned pages the worker prepares for OCR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scans {
    /// `--ocr-pages first`: the band of page 1 (of every scanned page when the text
    /// layer mentions `附件`), the top-left strip of every other scanned page.
    First,
    /// `--ocr-pages all`: every scanned page whole.
    All,
    /// The band of these pages (1-based): those whose strip showed a mark cut at its edge.
    Bands(Vec<usize>),
}

impl Scans {
    fn to_env(&self) -> String {
        match self {
            Scans::First => "first".into(),
            Scans::All => "all".into(),
            Scans::Bands(pages) => format!(
                "bands:{}",
                pages
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    fn from_env(v: &str) -> Option<Scans> {
        match v {
            "first" => Some(Scans::First),
            "all" => Some(Scans::All),
            _ => {
                let list = v.strip_prefix("bands:")?;
                let pages = list
                    .split(',')
                    .map(|n| n.parse().ok().filter(|n| *n > 0))
                    .collect::<Option<Vec<usize>>>()?;
                Some(Scans::Bands(pages))
            }
        }
    }
}

impl Default for PdfBudget {
    fn default() -> Self {
        PdfBudget {
            worker_memory: MEMORY_LIMIT,
            memory: 2 * MEMORY_LIMIT,
            per_pdf: TIME_LIMIT,
            total: Duration::from_secs(1800),
        }
    }
}

impl PdfBudget {
    /// The defaults, with what the environment sets.
    pub fn from_env() -> PdfBudget {
        let num = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let mut b = PdfBudget::default();
        if let Some(mib) = num(MEMORY_BUDGET_ENV) {
            b.memory = mib.saturating_mul(1 << 20);
        }
        if let Some(secs) = num(TIME_BUDGET_ENV) {
            b.total = Duration::from_secs(secs);
        }
        b
    }

    /// Workers that may run at once, and the address space each gets: a budget below
    /// one worker's limit runs one worker within the budget.
    pub fn slots(&self) -> (usize, u64) {
        let per = self.worker_memory.min(self.memory).max(64 << 20);
        ((self.memory / per).max(1) as usize, per)
    }
}

/// The shared state of the PDF workers of a run: free slots and time spent.
pub struct Pool {
    budget: PdfBudget,
    /// What the workers do, in the ML900 of a spent budget (`PDF`, `OCR`), and in that
    /// of one worker out of time (`PDF reading`).
    labels: (&'static str, &'static str),
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
    spent: std::sync::Mutex<Duration>,
}

/// A slot held while a worker runs.
pub struct Slot<'a>(&'a Pool);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += 1;
        self.0.freed.notify_one();
    }
}

impl Pool {
    pub fn new(budget: PdfBudget) -> Pool {
        Pool::labelled(budget, ("PDF", "PDF reading"))
    }

    /// A pool whose ML900 name its work: (`OCR`, `OCR`) for the OCR engine.
    pub fn labelled(budget: PdfBudget, labels: (&'static str, &'static str)) -> Pool {
        Pool {
            budget,
            labels,
            free: std::sync::Mutex::new(budget.slots().0),
            freed: std::sync::Condvar::new(),
            spent: std::sync::Mutex::new(Duration::ZERO),
        }
    }

    /// Wait for a free slot.
    pub fn acquire(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Slot(self)
    }

    /// Time the run's workers may still take.
    pub fn time_left(&self) -> Duration {
        let spent = *self.spent.lock().unwrap_or_else(|e| e.into_inner());
        self.budget.total.saturating_sub(spent)
    }

    pub fn charge(&self, took: Duration) {
        *self.spent.lock().unwrap_or_else(|e| e.into_inner()) += took;
    }

    /// The ML900 of a PDF not read because the run's time budget ran out.
    pub fn time_budget_spent(&self) -> ExtractError {
        ExtractError::Limit(format!(
            "{} time budget of the run {} s",
            self.labels.0,
            self.budget.total.as_secs()
        ))
    }

    /// Run `work` (a worker) in a slot, within the time left: `work` gets the time it
    /// may take and the address space it may use, and says whether it ran out of time.
    pub fn run<T>(
        &self,
        work: impl FnOnce(Duration, u64) -> Result<T, ExtractError>,
    ) -> Result<T, ExtractError> {
        let _slot = self.acquire();
        let left = self.time_left();
        if left.is_zero() {
            return Err(self.time_budget_spent());
        }
        let allowed = self.budget.per_pdf.min(left);
        let start = Instant::now();
        let r = work(allowed, self.budget.slots().1);
        self.charge(start.elapsed());
        match r {
            Err(ExtractError::Limit(m)) if m == TIMED_OUT && allowed < self.budget.per_pdf => {
                Err(self.time_budget_spent())
            }
            Err(ExtractError::Limit(m)) if m == TIMED_OUT => Err(ExtractError::Limit(format!(
                "{} time {} s",
                self.labels.1,
                self.budget.per_pdf.as_secs()
            ))),
            r => r,
        }
    }
}

/// What `run_worker` says when the worker ran out of the time it was given.
pub const TIMED_OUT: &str = "timed out";

static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();

/// The run's pool of PDF workers (budgets from the environment).
pub fn pool() -> &'static Pool {
    POOL.get_or_init(|| Pool::new(PdfBudget::from_env()))
}

/// The environment variable naming the worker binary (tests point it at the built
/// `mark-lint`; by default it is the running executable).
pub const WORKER_ENV: &str = "MARK_LINT_PDF_WORKER";

/// The hidden subcommand that runs the worker.
pub const WORKER_COMMAND: &str = "__pdf-worker";

static WORKER: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Use `exe` as the worker binary (for programs other than `mark-lint` itself, such as
/// tests); the first call wins. Without it: `MARK_LINT_PDF_WORKER`, then this program.
pub fn set_worker(exe: std::path::PathBuf) {
    let _ = WORKER.set(exe);
}

/// Read a PDF (its bytes go to the worker without a copy); scans are not read.
pub fn extract(bytes: Vec<u8>) -> Result<Document, ExtractError> {
    extract_with(bytes, crate::ocr::Options::OFF)
}

/// Read a PDF; its scanned pages by OCR as `ocr` says (when the run can).
pub fn extract_with(bytes: Vec<u8>, ocr: crate::ocr::Options) -> Result<Document, ExtractError> {
    if !bytes.starts_with(b"%PDF-") {
        let head = &bytes[..bytes.len().min(1024)];
        if memchr::memmem::find(head, b"%PDF-").is_none() {
            return Err(ExtractError::Corrupt("no %PDF header".into()));
        }
    }
    if !cfg!(feature = "pdf") {
        return Err(ExtractError::Unsupported(
            ".pdf (this build has no PDF reader: cargo feature `pdf`)".into(),
        ));
    }
    let scans = ocr.usable().then_some(match ocr.pages {
        crate::ocr::Pages::First => Scans::First,
        crate::ocr::Pages::All => Scans::All,
    });
    let damage = damage(&bytes);
    // Shared, not copied: pdftoppm gets the same bytes for a page the worker cannot decode.
    let bytes = std::sync::Arc::new(bytes);
    let worker_input = std::sync::Arc::clone(&bytes);
    let mut reply =
        pool().run(|time, memory| run_worker(worker_input, time, memory, scans.as_ref()))?;
    let read = read_scans(&mut reply, &bytes, crate::ocr::band_fraction(ocr.pages));
    let repaired = reply.repaired;
    let mut doc = to_document(reply, read)?;
    // The reader rebuilt what it could: what it read is reported, and that pages
    // past the damage may be missing is a gap, not silence.
    let why = match damage {
        Some(why) => Some(why),
        None if repaired => Some("a damaged cross-reference table (objects found by scanning)"),
        None => None,
    };
    if let Some(why) = why {
        doc.gaps.push(super::Gap {
            part: None,
            line: 1,
            error: ExtractError::Corrupt(why.into()),
        });
    }
    Ok(doc)
}

/// Damage to the file's structure that a PDF reader repairs silently by scanning for
/// objects, losing whatever lay past it: no `%%EOF` near the end (the file was cut), or a
/// `startxref` that does not point at a cross-reference section (ISO 32000-1 §7.5.5).
fn damage(bytes: &[u8]) -> Option<&'static str> {
    use memchr::memmem;
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if memmem::rfind(tail, b"%%EOF").is_none() {
        return Some("truncated: no end-of-file marker; pages after the cut may be missing");
    }
    const BROKEN: &str = "the cross-reference offset points at no cross-reference section; the pages were found by scanning and some may be missing";
    let Some(at) = memmem::rfind(tail, b"startxref") else {
        return Some(BROKEN);
    };
    let digits: Vec<u8> = tail[at + 9..]
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take_while(u8::is_ascii_digit)
        .collect();
    let offset = std::str::from_utf8(&digits).ok()?.parse::<usize>().ok();
    // Offsets count from the header, which junk may precede.
    let header = memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").unwrap_or(0);
    let points_at_xref = |off: usize| {
        let rest = bytes.get(off..).unwrap_or_default();
        let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        rest.starts_with(b"xref") || is_object_header(rest)
    };
    match offset {
        Some(off) if points_at_xref(off) || points_at_xref(off + header) => None,
        _ => Some(BROKEN),
    }
}

/// `12 0 obj` at the start of `s` (a cross-reference stream is an object).
fn is_object_header(s: &[u8]) -> bool {
    let s = &s[..s.len().min(32)];
    let mut fields = s.split(u8::is_ascii_whitespace).filter(|f| !f.is_empty());
    let num =
        |f: Option<&[u8]>| f.is_some_and(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit));
    num(fields.next()) && num(fields.next()) && fields.next().is_some_and(|f| f.starts_with(b"obj"))
}

/// What OCR read of a scanned page, or why it could not (`None`: not a scan to read).
type ScanRead = Option<Result<crate::ocr::Reading, ExtractError>>;

/// OCR of the scanned pages, page by page. The bands the worker cut out (or pdftoppm
/// rendered) and the strips of later pages are read in one OCR run; a strip that shows
/// an attachment heading or a whole mark is its page's reading (`ocr::look`), and the
/// pages whose strip shows a mark cut at its edge have their band cut by a second
/// worker run and read in a second OCR run.
fn read_scans(reply: &mut Reply, pdf: &std::sync::Arc<Vec<u8>>, band: f32) -> Vec<ScanRead> {
    let mut read: Vec<ScanRead> = reply.pages.iter().map(|_| None).collect();
    let mut bands = Vec::new();
    let mut strips = Vec::new();
    for (i, page) in reply.pages.iter_mut().enumerate() {
        if let Some(scan) = page.scan.take() {
            bands.push((i, prepared(scan, pdf, i + 1, band, true)));
        } else if let Some(strip) = page.probe.take() {
            let scanned = match strip {
                ScanBand::Png(_, _, scanned, _) => crate::ocr::too_coarse(Some(scanned as f32)),
                _ => None,
            };
            strips.push((i, strip_of(strip), scanned));
        }
    }
    let all: Vec<&Prepared> = bands
        .iter()
        .map(|(_, p)| p)
        .chain(strips.iter().map(|(_, p, _)| p))
        .collect();
    let mut readings = crate::ocr::read_each(&all).into_iter();
    for ((i, _), reading) in bands.iter().zip(readings.by_ref()) {
        read[*i] = Some(reading);
    }
    let mut again = Vec::new();
    for ((i, strip, coarse), reading) in strips.into_iter().zip(readings) {
        let look = match (&reading, &strip) {
            (Ok(r), Ok(p)) => crate::ocr::look(r, p.image.width()),
            // A strip that could not be read leaves its page's band to be read.
            _ => crate::ocr::Look::Band,
        };
        match (look, coarse) {
            (crate::ocr::Look::Nothing, _) => {}
            (_, Some(e)) => read[i] = Some(Err(e)),
            (crate::ocr::Look::Strip, None) => read[i] = Some(reading),
            (crate::ocr::Look::Band, None) => again.push(i + 1),
        }
    }
    for (page, reading) in read_bands(pdf, band, &again) {
        read[page - 1] = Some(reading);
    }
    read
}

/// A band or strip from the worker, decoded, or why its page cannot be read.
type Prepared = Result<crate::ocr::prepare::Prepared, ExtractError>;

/// The worker's band of page `page` (or pdftoppm's rendering of it) ready for OCR;
/// with `check_dpi`, a page scanned below `ocr::MIN_DPI` is not read.
fn prepared(
    scan: ScanBand,
    pdf: &std::sync::Arc<Vec<u8>>,
    page: usize,
    band: f32,
    check_dpi: bool,
) -> Prepared {
    if check_dpi
        && let ScanBand::Png(_, _, scanned, _) | ScanBand::Render(_, _, _, scanned) = scan
        && let Some(e) = crate::ocr::too_coarse(Some(scanned as f32))
    {
        return Err(e);
    }
    match scan {
        ScanBand::Failed(why) => Err(ExtractError::Ocr(format!(
            "the page image could not be decoded: {why}"
        ))),
        ScanBand::Png(hex, dpi, _, faint) => {
            let img = unhex(&hex)
                .and_then(|png| image::load_from_memory(&png).ok())
                .ok_or_else(|| ExtractError::Crashed("the PDF reader gave no image".into()))?;
            Ok(crate::ocr::prepare::Prepared {
                image: img.into_luma8(),
                dpi,
                faint,
            })
        }
        ScanBand::Render(why, width_pt, height_pt, _) => {
            let band = crate::ocr::render::Band {
                page,
                width_pt,
                height_pt,
                fraction: band,
            };
            crate::ocr::prepare_rendered(std::sync::Arc::clone(pdf), band, &why)
        }
    }
}

/// A strip from the worker (always a PNG: a page it cannot decode gets no strip).
fn strip_of(strip: ScanBand) -> Prepared {
    let empty = std::sync::Arc::new(Vec::new());
    prepared(strip, &empty, 0, 1.0, false)
}

/// The bands of `pages` (1-based), cut by a second worker run and read in one OCR
/// run; a page whose band cannot be had is an error for that page.
fn read_bands(
    pdf: &std::sync::Arc<Vec<u8>>,
    band: f32,
    pages: &[usize],
) -> Vec<(usize, Result<crate::ocr::Reading, ExtractError>)> {
    if pages.is_empty() {
        return Vec::new();
    }
    let scans = Scans::Bands(pages.to_vec());
    let input = std::sync::Arc::clone(pdf);
    let reply = pool().run(|time, memory| run_worker(input, time, memory, Some(&scans)));
    let mut reply = match reply {
        Ok(r) => r,
        Err(e) => return pages.iter().map(|&n| (n, Err(e.clone()))).collect(),
    };
    let bands: Vec<Prepared> = pages
        .iter()
        .map(
            |&n| match reply.pages.get_mut(n - 1).and_then(|p| p.scan.take()) {
                Some(scan) => prepared(scan, pdf, n, band, true),
                None => Err(ExtractError::Crashed(
                    "the PDF reader gave no band for this page".into(),
                )),
            },
        )
        .collect();
    let refs: Vec<&Prepared> = bands.iter().collect();
    pages
        .iter()
        .copied()
        .zip(crate::ocr::read_each(&refs))
        .collect()
}

/// The worker sends page images as hex in its JSON reply (only the worker, built with
/// the `pdf` feature, writes them).
#[cfg(any(feature = "pdf", test))]
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// Turn the worker's reply, and what OCR read of its scanned pages, into a document,
/// or the reason it cannot be inspected.
pub fn to_document(
    reply: Reply,
    read: Vec<Option<Result<crate::ocr::Reading, ExtractError>>>,
) -> Result<Document, ExtractError> {
    if let Some((kind, detail)) = reply.error {
        return Err(match kind.as_str() {
            "encrypted" => ExtractError::Encrypted,
            _ => ExtractError::Corrupt(detail),
        });
    }
    if reply.pages.is_empty() {
        return Err(ExtractError::Corrupt("no pages".into()));
    }
    let scanned = |p: &Page| p.text.trim().is_empty() && p.images > 0;
    let ocr = read.iter().any(Option::is_some);
    // The first page carries the mark; any scanned page could carry one unseen. With
    // OCR, the scanned pages it was asked to read are read, the others are not.
    if !ocr
        && (reply.pages.iter().all(|p| p.text.trim().is_empty()) || reply.pages.iter().any(scanned))
    {
        return Err(ExtractError::NoText);
    }
    let mut gaps = Vec::new();
    let mut read = read.into_iter();
    let parts = reply
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| match read.next().flatten() {
            Some(r) => scanned_part(i + 1, r, &mut gaps),
            None => {
                let mut part = Part::new(Some(format!("page {}", i + 1)), Role::Body);
                for (n, line) in page.text.lines().enumerate() {
                    part.push_line(&map_symbols(line), n as u32 + 1);
                }
                part
            }
        })
        .collect();
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    for (page, kind, detail) in &reply.gaps {
        gaps.push(super::Gap {
            part: (*page > 0).then(|| format!("page {page}")),
            line: 1,
            error: match kind.as_str() {
                "undecodable" => ExtractError::Undecodable(detail.clone()),
                _ => ExtractError::Corrupt(detail.clone()),
            },
        });
    }
    doc.gaps = gaps;
    doc.created = reply.created.as_deref().and_then(parse_iso_date);
    metadata_props(&reply, &mut doc);
    doc.extracted = true;
    doc.paged = true;
    Ok(doc)
}

/// The part names of PDF metadata properties.
pub const INFO_PART: &str = "PDF Info";
pub const XMP_PART: &str = "XMP metadata";

/// The Info entries and the XMP properties as document properties; XMP that cannot
/// be read is a gap (it may hold a declaration).
fn metadata_props(reply: &Reply, doc: &mut Document) {
    let property = |(key, value): &(String, String), part: &str| super::Property {
        key: key.clone(),
        value: value.trim().to_string(),
        part: part.to_string(),
    };
    doc.props
        .extend(reply.info.iter().map(|kv| property(kv, INFO_PART)));
    let read = match &reply.xmp {
        None => return,
        Some(Err(why)) => Err(ExtractError::Corrupt(format!("{XMP_PART}: {why}"))),
        Some(Ok(hexed)) => unhex(hexed)
            .ok_or_else(|| ExtractError::Corrupt(format!("{XMP_PART}: bad reply")))
            .and_then(|bytes| super::xmp::properties(&bytes, XMP_PART)),
    };
    match read {
        Ok(found) => doc
            .props
            .extend(found.iter().map(|kv| property(kv, XMP_PART))),
        Err(error) => doc.gaps.push(super::Gap {
            part: Some(XMP_PART.to_string()),
            line: 1,
            error,
        }),
    }
}

/// A scanned page as OCR read it (`page 3 (OCR)`), its doubts as gaps.
fn scanned_part(
    page: usize,
    read: Result<crate::ocr::Reading, ExtractError>,
    gaps: &mut Vec<super::Gap>,
) -> Part {
    let name = crate::ocr::part_name(page);
    let mut gap = |error| {
        gaps.push(super::Gap {
            part: Some(name.clone()),
            line: 1,
            error,
        })
    };
    match read {
        Ok(reading) => {
            let (part, unsure) = crate::ocr::part(page, &reading);
            if let Some(e) = unsure.or_else(|| crate::ocr::unsure_page(&reading)) {
                gap(e);
            }
            part
        }
        Err(e) => {
            gap(e);
            Part::new(Some(name.clone()), Role::Body)
        }
    }
}

/// Run the worker on `bytes` (sent on its stdin) within `time` and `memory` bytes of
/// address space (the worker sets the bound on itself: see `worker_main`); `scans`
/// says which scanned pages it cuts a band from for OCR.
fn run_worker(
    input: std::sync::Arc<Vec<u8>>,
    time: Duration,
    memory: u64,
    scans: Option<&Scans>,
) -> Result<Reply, ExtractError> {
    let exe = match (WORKER.get(), std::env::var_os(WORKER_ENV)) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p.into(),
        (None, None) => std::env::current_exe()
            .map_err(|e| ExtractError::Crashed(format!("cannot start the PDF reader: {e}")))?,
    };
    let mut cmd = Command::new(exe);
    cmd.arg(WORKER_COMMAND)
        .env(WORKER_MEMORY_ENV, memory.to_string());
    match scans {
        Some(scans) => cmd.env(SCANS_ENV, scans.to_env()),
        None => cmd.env_remove(SCANS_ENV),
    };
    let out = match child::run(cmd, input, time) {
        Ok(out) => out,
        Err(child::Failure::TimedOut) => return Err(ExtractError::Limit(TIMED_OUT.into())),
        Err(child::Failure::Start(e)) => {
            return Err(ExtractError::Crashed(format!(
                "cannot start the PDF reader: {e}"
            )));
        }
        Err(child::Failure::Wait(e)) => return Err(ExtractError::Crashed(e)),
    };
    if !out.status.success() {
        // Rust reports an allocation refused by the address-space limit this way.
        if memchr::memmem::find(&out.stderr, b"memory allocation of").is_some() {
            return Err(ExtractError::Limit(format!(
                "PDF reader memory {} MiB",
                memory >> 20
            )));
        }
        return Err(ExtractError::Crashed(format!(
            "the PDF reader stopped ({})",
            out.status
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| ExtractError::Crashed(format!("the PDF reader gave no answer: {e}")))
}

/// The worker: read a PDF from stdin, write a `Reply` as JSON to stdout.
pub fn worker_main() -> i32 {
    let memory = std::env::var(WORKER_MEMORY_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MEMORY_LIMIT);
    limit_memory(memory);
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 3;
    }
    let scans = std::env::var(SCANS_ENV)
        .ok()
        .and_then(|v| Scans::from_env(&v));
    let reply = read(&bytes, scans.as_ref());
    let mut out = std::io::stdout().lock();
    if serde_json::to_writer(&mut out, &reply).is_err() || out.flush().is_err() {
        return 3;
    }
    0
}

#[cfg(unix)]
fn limit_memory(bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: setrlimit reads a valid, initialised struct; failure only leaves the
    // limit unset, and the parent's timeout still bounds the worker.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &limit);
    }
}

#[cfg(not(unix))]
fn limit_memory(_bytes: u64) {}

#[cfg(feature = "pdf")]
fn read(bytes: &[u8], scans: Option<&Scans>) -> Reply {
    reader::read(bytes, scans)
}

#[cfg(not(feature = "pdf"))]
fn read(_bytes: &[u8], _scans: Option<&Scans>) -> Reply {
    Reply {
        error: Some(("corrupt".into(), "no PDF reader in this build".into())),
        ..Reply::default()
    }
}

#[cfg(feature = "pdf")]
mod reader;

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/office/pdf");
        std::fs::read(dir.join(name)).unwrap()
    }

    #[test]
    fn whole_files_are_not_damaged_cut_or_misdirected_ones_are() {
        for name in ["page1.pdf", "two-pages.pdf", "owner-only-encrypted.pdf"] {
            let bytes = fixture(name);
            assert_eq!(damage(&bytes), None, "{name}");
            // Junk before the header shifts every offset; readers accept it.
            let mut junk = b"#".repeat(300);
            junk.extend_from_slice(&bytes);
            assert_eq!(damage(&junk), None, "{name} after junk");
            // Cut anywhere: the end-of-file marker is gone.
            for cut in [0.2, 0.5, 0.9, 0.965, 0.999] {
                let n = (bytes.len() as f64 * cut) as usize;
                assert!(damage(&bytes[..n]).is_some(), "{name} cut at {cut}");
            }
            // A startxref that points anywhere but a cross-reference section.
            let at = memchr::memmem::rfind(&bytes, b"startxref").unwrap();
            let mut moved = bytes[..at].to_vec();
            moved.extend_from_slice(b"startxref\n17\n%%EOF\n");
            assert!(damage(&moved).is_some(), "{name} misdirected");
            let mut gone = bytes[..at].to_vec();
            gone.extend_from_slice(b"%%EOF\n");
            assert!(damage(&gone).is_some(), "{name} without startxref");
        }
    }

    #[test]
    fn object_headers() {
        assert!(is_object_header(b"12 0 obj\n<<"));
        assert!(is_object_header(b"7 0 obj<</Type/XRef"));
        assert!(!is_object_header(b"12 0 R"));
        assert!(!is_object_header(b"trailer"));
        assert!(!is_object_header(b""));
    }

    #[test]
    fn scanned_and_empty_pages_are_no_text() {
        let page = |t: &str, images| Page {
            text: t.into(),
            images,
            scan: None,
            probe: None,
        };
        let reply = |pages| Reply {
            pages,
            ..Reply::default()
        };
        assert_eq!(
            to_document(reply(vec![page("", 1)]), Vec::new()).unwrap_err(),
            ExtractError::NoText
        );
        assert_eq!(
            to_document(reply(vec![page("正文", 0), page("", 2)]), Vec::new()).unwrap_err(),
            ExtractError::NoText
        );
        // A blank page without images is just blank.
        let doc = to_document(reply(vec![page("机密★1年\n", 0), page("", 0)]), Vec::new()).unwrap();
        assert_eq!(doc.parts[0].name.as_deref(), Some("page 1"));
        assert!(doc.paged && doc.extracted);
    }

    /// With OCR, page 1 of a scan is read (`page 1 (OCR)`); a later scanned page that
    /// OCR was not asked to read is an empty page, not an error; an OCR failure is a gap.
    #[test]
    fn scanned_pages_read_by_ocr() {
        use crate::ocr::{Line, Reading};
        let page = |t: &str, images| Page {
            text: t.into(),
            images,
            scan: None,
            probe: None,
        };
        let reading = Reading {
            lines: vec![Line::new("机密★10年", 93.0)],
            ..Reading::default()
        };
        let reply = Reply {
            pages: vec![page("", 1), page("", 1), page("", 1)],
            ..Reply::default()
        };
        let read = vec![
            Some(Ok(reading)),
            Some(Err(ExtractError::Ocr("no text in the top band".into()))),
            None,
        ];
        let doc = to_document(reply, read).unwrap();
        let names: Vec<_> = doc.parts.iter().map(|p| p.name.clone().unwrap()).collect();
        assert_eq!(names, ["page 1 (OCR)", "page 2 (OCR)", "page 3"]);
        assert!(doc.parts[0].text.contains("机密★10年"));
        assert_eq!(doc.parts[0].ocr, Some(93.0));
        assert_eq!(doc.gaps.len(), 1, "{:?}", doc.gaps);
        assert_eq!(doc.gaps[0].part.as_deref(), Some("page 2 (OCR)"));
    }

    #[test]
    fn hex_round_trip() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    use std::sync::atomic::{AtomicUsize, Ordering};

    /// However many threads ask, no more workers run at once than the memory budget
    /// allows.
    #[test]
    fn workers_at_once_stay_within_the_memory_budget() {
        for (memory, worker, most) in [
            (2 << 30, 2 << 30, 1),
            (4 << 30, 2 << 30, 2),
            (1 << 30, 2 << 30, 1),
        ] {
            let pool = Pool::new(PdfBudget {
                memory,
                worker_memory: worker,
                ..PdfBudget::default()
            });
            assert_eq!(pool.budget.slots().0, most);
            assert!(pool.budget.slots().1 * most as u64 <= memory);
            let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| {
                        pool.run(|_, _| {
                            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(n, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(5));
                            now.fetch_sub(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .unwrap();
                    });
                }
            });
            assert_eq!(peak.load(Ordering::SeqCst), most);
        }
    }

    /// The time budget is shared: once spent, a PDF is not read, and the ML900 names
    /// the budget; a worker given less than its own bound because of the budget,
    /// and timed out, names the budget too.
    #[test]
    fn time_budget_of_the_run() {
        let pool = Pool::new(PdfBudget {
            total: Duration::from_secs(40),
            ..PdfBudget::default()
        });
        let given = pool.run(|t, _| Ok(t)).unwrap();
        assert_eq!(given, TIME_LIMIT);
        pool.charge(Duration::from_secs(25));
        let given = pool.run(|t, _| Ok(t)).unwrap();
        assert!(given <= Duration::from_secs(15));
        let err = pool.run(|_, _| Err::<(), _>(ExtractError::Limit(TIMED_OUT.into())));
        assert_eq!(
            err.unwrap_err(),
            ExtractError::Limit("PDF time budget of the run 40 s".into())
        );
        pool.charge(Duration::from_secs(60));
        let mut ran = false;
        let err = pool.run(|_, _| {
            ran = true;
            Ok(())
        });
        assert!(!ran);
        assert_eq!(
            err.unwrap_err(),
            ExtractError::Limit("PDF time budget of the run 40 s".into())
        );
        // Its own bound, with budget to spare: the per-PDF bound is named.
        let pool = Pool::new(PdfBudget::default());
        let err = pool.run(|_, _| Err::<(), _>(ExtractError::Limit(TIMED_OUT.into())));
        assert_eq!(
            err.unwrap_err(),
            ExtractError::Limit("PDF reading time 30 s".into())
        );
    }

    #[test]
    fn worker_errors_map_to_reasons() {
        let r = Reply {
            error: Some(("encrypted".into(), String::new())),
            ..Reply::default()
        };
        assert_eq!(
            to_document(r, Vec::new()).unwrap_err(),
            ExtractError::Encrypted
        );
    }
}
