//! Rule examples: each rule file's `valid` and `invalid` documents, linted as the
//! command line would lint them (today fixed), for `test-rules` and the test suite.

use std::path::Path;

use jiff::civil::Date;

use super::check::{
    CheckContext, Held, Holds, Standing, TopCopy, bad_suppressions, container_below_contents,
    lint_scanned, own_level, suppress_in, top_copy, top_secret_copies, unmarked_change, unreadable,
    unreadable_base,
};
use super::{Kind, Registry, Rule};
use crate::config::SystemKind;
use crate::config::resolve::{compile_keywords, for_system};
use crate::diagnostic::{Diagnostic, DocPath, Lang};
use crate::extract::{self, Document, Extracted, Flavour};
use crate::regime::Regime;
use crate::suppress;

/// The date rule examples are checked against, so they never depend on today.
pub const EXAMPLE_TODAY: Date = Date::constant(2026, 11, 27);

/// A rule example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub code: String,
    pub origin: String,
    pub valid: bool,
    pub index: usize,
    /// The line an invalid example expects its finding at.
    pub line: u32,
    pub found: Vec<String>,
}

/// Lint a rule example with every default rule plus `rule` (which may be off by
/// default), today fixed.
pub fn lint_example(
    registry: &Registry,
    rule: Option<&str>,
    ex: &super::schema::ExampleDoc,
) -> Vec<Diagnostic> {
    lint_example_in(registry, rule, ex, Lang::En)
}

/// `lint_example` with messages in `lang` (the tests read every message in both).
pub fn lint_example_in(
    registry: &Registry,
    rule: Option<&str>,
    ex: &super::schema::ExampleDoc,
    lang: Lang,
) -> Vec<Diagnostic> {
    let name = ex.name.as_deref().unwrap_or("example.md");
    let path = DocPath::file(name);
    let text = ex.text.as_str();
    let system = ex.system.unwrap_or(SystemKind::Classified);
    let regime = Regime::builtin();
    // A bad example keyword drops them all: its invalid example then fails loudly.
    let keywords = compile_keywords(&regime, &ex.keywords).unwrap_or_default();
    let authority = ex
        .authority
        .as_deref()
        .and_then(|a| regime.authority(a))
        .cloned();
    // A level the regime does not know maps nothing: its invalid example then fails.
    let label_map: Vec<(String, usize)> = ex
        .label_map
        .iter()
        .filter_map(|(label, level)| Some((label.clone(), regime.level_named(level)?)))
        .collect();
    let ctx = CheckContext {
        authority: authority.as_ref(),
        term_start_printed: false,
        keywords: &keywords,
        publish_path: ex.publish,
        regime: &regime,
        today: EXAMPLE_TODAY,
        expiring_within_days: 90,
        lang,
        public_path: ex.public,
        classified_path: ex.classified,
        snippets: true,
        label_map: &label_map,
    };
    // A name without an extension is Markdown, like the default name.
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("md");
    // The body XML of a Word document is built into a real .docx; any other name takes
    // the text as the file's bytes (what an office name holds when it is not what the
    // name says). Every example goes through the extractors the command line uses, so
    // its encoding, its HTML source and its suppressions are read the same way.
    let doc = match example_document(text, ext, &ex.properties) {
        Ok(Extracted::Doc(d)) => d,
        Ok(Extracted::Skip) => return Vec::new(),
        // A broken example shows as ML900, so its test fails loudly.
        Err(e) => {
            return registry
                .rules
                .iter()
                .filter(|r| r.kind == Kind::UnreadableFile)
                .map(|r| unreadable(r, &ctx, &path, &e))
                .collect();
        }
    };
    let rules: Vec<Rule> = registry
        .rules
        .iter()
        .filter(|r| r.enabled || Some(r.code.as_str()) == rule)
        .filter_map(|r| for_system(r, system))
        .collect();
    let (mut diags, scan) = lint_scanned(&rules, &ctx, &path, name, &doc);
    if let Some(base) = &ex.base {
        diags.extend(changed_since(&rules, &ctx, &path, name, base, &doc));
    }
    let own = own_level(&path, &doc, &scan);
    carried(&rules, &ctx, &path, own, &doc, &mut diags);
    for rule in rules.iter().filter(|r| r.kind == Kind::UnreadableFile) {
        diags.extend(
            doc.gaps
                .iter()
                .map(|g| super::check::unread_gap(rule, &ctx, &path, g)),
        );
    }
    if let Some(source) = doc.text_source() {
        let dirs = suppress::parse(source, doc.flavour);
        if !dirs.is_empty() {
            let applied = suppress_in(registry, &rules, &dirs, diags);
            diags = applied.shown;
            diags.extend(bad_suppressions(&rules, &ctx, &path, &applied.bad));
        }
    }
    if ex.also.is_empty() {
        return diags;
    }
    // Other files of the same folder (Markdown), for rules decided across files.
    let mut copies: Vec<TopCopy> = top_copy(&rules, &ctx, &path, &doc, &scan)
        .into_iter()
        .collect();
    for (i, text) in ex.also.iter().enumerate() {
        let other = format!("also-{}.md", i + 1);
        let at = DocPath::file(&other);
        let doc = Document::plain(Flavour::Markdown, text.clone());
        let (found, scan) = lint_scanned(&rules, &ctx, &at, &other, &doc);
        diags.extend(found);
        copies.extend(top_copy(&rules, &ctx, &at, &doc, &scan));
    }
    top_secret_copies(&rules, &ctx, &copies, &mut diags);
    diags
}

/// An example's text as the document a file of its extension holds: the body XML of a
/// Word document is built into a real .docx; any other name takes the text as the
/// file's bytes.
fn example_document(
    text: &str,
    ext: &str,
    properties: &std::collections::BTreeMap<String, String>,
) -> Result<Extracted, extract::ExtractError> {
    let bytes = match ext {
        "docx" => extract::ooxml::docx_with_properties(text, properties),
        _ => text.as_bytes().to_vec(),
    };
    let limits = extract::Limits::new(1 << 30);
    extract::extract_bytes(bytes, ext, &limits, 0)
}

/// ML108 for an example with a `base`: the base read as a file of the same name, as
/// `--staged` reads the version at HEAD. A base that cannot be read is ML900, as it is
/// on the command line.
fn changed_since(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    name: &str,
    base: &str,
    doc: &Document,
) -> Vec<Diagnostic> {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("md");
    let base_name = format!("HEAD:{name}");
    match example_document(base, ext, &Default::default()) {
        Ok(Extracted::Doc(old)) => {
            let (was, now) = (
                Standing::scan(ctx, &old, name),
                Standing::scan(ctx, doc, name),
            );
            unmarked_change(rules, ctx, path, &base_name, &was, &now)
                .into_iter()
                .collect()
        }
        Ok(Extracted::Skip) => Vec::new(),
        Err(e) => rules
            .iter()
            .filter(|r| r.kind == Kind::UnreadableFile)
            .map(|r| unreadable_base(r, ctx, path, &base_name, &e))
            .collect(),
    }
}

/// The documents `doc` carries (an email's attachments, an archive's members), linted
/// as the command line lints them, then ML206 over the container; what the tree holds
/// (its highest level and longest term), `own` included.
fn carried(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    own: Option<Held>,
    doc: &Document,
    diags: &mut Vec<Diagnostic>,
) -> Holds {
    let mut inside = Holds::default();
    for inner in &doc.embedded {
        let at = path.child(&inner.name);
        let name = inner.name.rsplit('/').next().unwrap_or(&inner.name);
        let d = match &inner.doc {
            Ok(d) => d,
            Err(e) => {
                diags.extend(
                    rules
                        .iter()
                        .filter(|r| r.kind == Kind::UnreadableFile)
                        .map(|r| unreadable(r, ctx, &at, e)),
                );
                continue;
            }
        };
        let (found, scan) = lint_scanned(rules, ctx, &at, name, d);
        diags.extend(found);
        let held = carried(rules, ctx, &at, own_level(&at, d, &scan), d, diags);
        inside.add(ctx.regime, held);
    }
    diags.extend(container_below_contents(
        rules,
        ctx,
        path,
        own.as_ref(),
        &inside,
    ));
    let mut all = Holds::of(own);
    all.add(ctx.regime, inside);
    all
}

/// Check every rule's examples: valid ones give no finding of that rule, invalid ones
/// give at least one.
pub fn test_rule_examples(
    registry: &Registry,
    only: Option<&[String]>,
) -> (usize, Vec<ExampleFailure>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for rule in &registry.rules {
        if only.is_some_and(|o| !o.contains(&rule.origin)) {
            continue;
        }
        for (valid, list) in [(true, &rule.valid), (false, &rule.invalid)] {
            for (i, ex) in list.iter().enumerate() {
                count += 1;
                let diags = lint_example(registry, Some(&rule.code), ex);
                let path = DocPath::file(ex.name.as_deref().unwrap_or("example.md"));
                let hits = diags.iter().filter(|d| *d.code == *rule.code).count();
                // An invalid example must be found where it says (line 1 unless given),
                // in its own file: a finding anywhere else does not count.
                let at = ex.line.unwrap_or(1);
                let placed = diags
                    .iter()
                    .any(|d| *d.code == *rule.code && d.path == path && d.line == at);
                if (valid && hits > 0) || (!valid && !placed) {
                    failures.push(ExampleFailure {
                        code: rule.code.clone(),
                        origin: rule.origin.clone(),
                        valid,
                        index: i + 1,
                        line: at,
                        found: diags
                            .iter()
                            .map(|d| format!("{}:{}:{} {}", d.path, d.line, d.code, d.message))
                            .collect(),
                    });
                }
            }
        }
    }
    (count, failures)
}
