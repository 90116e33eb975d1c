//! The floor for reading Word documents (BENCHMARKS.md, "Office and PDF"): inflate the
//! XML parts mark-lint reads from each `.docx` under a folder — the package's content
//! types and relationships, the body, headers, footers, notes, comments and document
//! properties — with the same zip reader and the same number of threads, and nothing
//! more: no XML parsing, no checking.
//!
//! `cargo build --release --example inflate-floor`, then
//! `target/release/examples/inflate-floor FOLDER`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Whether mark-lint reads the part `name` of a Word document.
fn read_by_mark_lint(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(".xml"))
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(
        name,
        "[Content_Types].xml"
            | "_rels/.rels"
            | "word/_rels/document.xml.rels"
            | "word/document.xml"
            | "word/footnotes.xml"
            | "word/endnotes.xml"
            | "word/comments.xml"
    ) || numbered("word/header")
        || numbered("word/footer")
        || (name.starts_with("docProps/") && name.ends_with(".xml"))
}

/// The bytes of XML inflated from one document.
fn inflate(path: &Path) -> Result<u64, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
    let mut total = 0;
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| e.to_string())?;
        let wanted = read_by_mark_lint(&part.name().map_err(|e| e.to_string())?);
        if wanted {
            buf.clear();
            part.read_to_end(&mut buf).map_err(|e| e.to_string())?;
            total += buf.len() as u64;
        }
    }
    Ok(total)
}

fn main() {
    let Some(folder) = std::env::args_os().nth(1) else {
        eprintln!("usage: inflate-floor FOLDER");
        std::process::exit(2);
    };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(folder)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "docx"))
        .collect();
    files.sort();
    let results: Vec<_> = files.par_iter().map(|p| inflate(p)).collect();
    let mut total = 0;
    for (path, r) in files.iter().zip(results) {
        match r {
            Ok(n) => total += n,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                std::process::exit(1);
            }
        }
    }
    println!("{} files, {total} bytes of XML inflated", files.len());
}
