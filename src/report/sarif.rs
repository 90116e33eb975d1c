//! SARIF 2.1.0 output for code-scanning dashboards: one run, a reporting descriptor per
//! rule that ran, and every finding as a result, suppressed ones included (marked as
//! such). Serialize-only wire structs, separate from the internal model. It must never
//! carry document text beyond the marking line, and that only when snippets are on.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use super::{Batch, ReportOptions, SuppressedBy};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Rule;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const FINGERPRINT_KEY: &str = "markLint/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Message<'a>,
    full_description: Message<'static>,
    help: Message<'static>,
    default_configuration: Configuration,
    properties: DescriptorProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
    #[serde(skip_serializing_if = "is_true")]
    enabled: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Serialize)]
struct DescriptorProperties<'a> {
    /// Left out for a rule about the tool itself, which cites no article.
    #[serde(skip_serializing_if = "Option::is_none")]
    law: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<&'a str>,
    tags: [&'a str; 2],
}

#[derive(Serialize)]
struct Message<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Message<'a> {
    fn borrowed(text: &'a str) -> Self {
        Message { text: text.into() }
    }
    fn owned(text: String) -> Message<'static> {
        Message { text: text.into() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    /// `source: "ocr"` and `confidence` for a finding read by OCR from a scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
struct ResultProperties {
    source: &'static str,
    confidence: u8,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    region: Region<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: u32,
    start_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: std::borrow::Cow<'a, str>,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
}

pub fn emit(w: &mut dyn Write, batch: &Batch, opts: &ReportOptions) -> std::io::Result<()> {
    let index: BTreeMap<&str, usize> = batch
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str(), i))
        .collect();
    // Shown and suppressed findings, in one (path, position, code) order.
    let mut all: Vec<(&Diagnostic, Option<Suppression>)> = batch
        .diags
        .iter()
        .map(|d| (d, None))
        .chain(batch.suppressed.iter().map(|s| {
            // The reason is document text: left out with `--no-snippets`.
            let reason = s.justification.as_deref().filter(|_| opts.snippets);
            let (kind, justification) = match s.by {
                SuppressedBy::Inline => ("inSource", reason),
                SuppressedBy::Baseline => ("external", reason.or(Some("baseline"))),
            };
            let suppression = Suppression {
                kind,
                status: "accepted",
                justification,
            };
            (&s.diag, Some(suppression))
        }))
        .collect();
    all.sort_by(|a, b| a.0.sort_key_cmp(b.0));
    let results = all
        .into_iter()
        .map(|(d, suppression)| SarifResult {
            rule_id: &d.code,
            rule_index: index.get(&*d.code).copied(),
            level: level(d.severity),
            message: Message::borrowed(&d.message),
            locations: [location(d, opts.snippets)],
            partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, d.fingerprint())]),
            suppressions: suppression.into_iter().collect(),
            properties: d.ocr.map(|confidence| ResultProperties {
                source: "ocr",
                confidence,
            }),
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "mark-lint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: batch.rules.iter().map(|r| descriptor(r, opts)).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor<'a>(r: &'a Rule, opts: &ReportOptions) -> Descriptor<'a> {
    let a = r.article.as_ref();
    let article = match a {
        Some(a) => format!("{}：{}", a.cite(), a.text),
        None => crate::lang::NO_ARTICLE.pick(opts.lang).to_string(),
    };
    let help = match (&r.help, a) {
        (Some(h), Some(_)) => format!("{}\n\n{article}", h.pick(opts.lang)),
        (Some(h), None) => h.pick(opts.lang).to_string(),
        (None, _) => article.clone(),
    };
    Descriptor {
        id: &r.code,
        name: &r.name,
        short_description: Message::borrowed(r.summary.pick(opts.lang)),
        full_description: Message::owned(article),
        help: Message::owned(help),
        default_configuration: Configuration {
            level: level(r.severity),
            enabled: r.enabled,
        },
        properties: DescriptorProperties {
            law: a.map(|a| a.law.as_str()),
            article: a.map(|a| a.number.as_str()),
            tags: ["state-secret-marking", r.kind.spec().name],
        },
    }
}

fn location<'a>(d: &'a Diagnostic, snippets: bool) -> Location<'a> {
    let logical_locations = d
        .path
        .inner_text()
        .into_iter()
        .map(std::borrow::Cow::Owned)
        .chain(d.part.as_deref().map(std::borrow::Cow::Borrowed))
        .map(|name| LogicalLocation {
            name,
            kind: "resource",
        })
        .collect();
    Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact(&d.path.file),
            region: Region {
                start_line: d.line,
                start_column: d.column,
                snippet: d
                    .snippet
                    .as_ref()
                    .filter(|_| snippets)
                    .map(|s| Message::borrowed(&s.text)),
            },
        },
        logical_locations,
    }
}

/// A relative path becomes a URI reference against `%SRCROOT%`; an absolute one (the
/// user named it so) a `file:` URI.
fn artifact(path: &str) -> ArtifactLocation {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    // `C:/x` (Windows): the drive letter and its colon stay as they are in a file URI.
    let drive = match path.as_bytes() {
        [letter, b':', b'/', ..] if cfg!(windows) && letter.is_ascii_alphabetic() => {
            Some(&path[..2])
        }
        _ => None,
    };
    match drive {
        Some(drive) => ArtifactLocation {
            uri: format!("file:///{drive}{}", encode_path(&path[2..])),
            uri_base_id: None,
        },
        None if path.starts_with('/') => ArtifactLocation {
            uri: format!("file://{}", encode_path(&path)),
            uri_base_id: None,
        },
        None => ArtifactLocation {
            uri: encode_path(&path),
            uri_base_id: Some(SRCROOT),
        },
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters and `/`, byte by byte
/// over UTF-8: spaces, `%`, `#`, `?`, `:` (a first segment with `:` would read as a
/// scheme) and non-ASCII all come out encoded.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Lang, Snippet};
    use crate::report::Format;
    use crate::report::Suppressed;
    use crate::report::test_support::{batch, diag, opts};
    use serde_json::json;

    #[test]
    fn uri_encoding() {
        assert_eq!(encode_path("docs/a-b_c.~1.md"), "docs/a-b_c.~1.md");
        assert_eq!(
            encode_path("my docs/50%#1?.md"),
            "my%20docs/50%25%231%3F.md"
        );
        assert_eq!(encode_path("机密/a.md"), "%E6%9C%BA%E5%AF%86/a.md");
        assert_eq!(encode_path("c:d!e+f"), "c%3Ad%21e%2Bf");
    }

    #[test]
    fn relative_and_absolute_artifacts() {
        let rel = artifact("a b.md");
        assert_eq!(
            (rel.uri.as_str(), rel.uri_base_id),
            ("a%20b.md", Some(SRCROOT))
        );
        let abs = if cfg!(windows) {
            artifact(r"C:\tmp\秘.md")
        } else {
            artifact("/tmp/秘.md")
        };
        let uri = if cfg!(windows) {
            "file:///C:/tmp/%E7%A7%98.md"
        } else {
            "file:///tmp/%E7%A7%98.md"
        };
        assert_eq!((abs.uri.as_str(), abs.uri_base_id), (uri, None));
    }

    fn render(batch: &Batch, snippets: bool) -> serde_json::Value {
        let mut out = Vec::new();
        emit(&mut out, batch, &opts(Format::Sarif, Lang::En, snippets)).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn embedded_document_is_the_container_artifact_with_logical_locations() {
        let files = vec!["my dir/x.ofd".to_string()];
        let mut d = crate::report::test_support::diag_inside("my dir/x.ofd", "Doc_0/Attachs/a.ofd");
        d.part = Some("page 1".into());
        d.snippet = Some(Snippet {
            text: "  秘密★1年".into(),
            col: 2,
            width: 5,
        });
        let diags = [d];
        let batch = batch(&diags, &[], &files, &[]);
        let v = render(&batch, false);
        let r = &v["runs"][0]["results"][0];
        let loc = &r["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "my%20dir/x.ofd"
        );
        assert_eq!(loc["logicalLocations"][0]["name"], "Doc_0/Attachs/a.ofd");
        assert_eq!(loc["logicalLocations"][1]["name"], "page 1");
        // No rule ran under that code: no index rather than a wrong one.
        assert!(r.get("ruleIndex").is_none());
        assert_eq!(
            r["partialFingerprints"][FINGERPRINT_KEY],
            diags[0].fingerprint()
        );
        // Snippets off: the region carries no document text.
        assert!(loc["physicalLocation"]["region"].get("snippet").is_none());
        let on = render(&batch, true);
        let region = &on["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["snippet"]["text"], "  秘密★1年");
    }

    #[test]
    fn rules_become_descriptors_and_results_point_at_them() {
        let rules: Vec<Rule> = ["term-exceeds-limit", "term-expired"]
            .iter()
            .map(|name| {
                let (_, src) = crate::rules::BUILTIN
                    .iter()
                    .find(|(n, _)| n == name)
                    .unwrap();
                crate::rules::compile::compile(src, name, Some(name)).unwrap()
            })
            .collect();
        let files = vec!["a.md".to_string()];
        let diags = [diag("a.md")];
        let v = render(&batch(&diags, &[], &files, &rules), true);
        let run = &v["runs"][0];
        let d = &run["tool"]["driver"]["rules"][1];
        assert_eq!(
            (d["id"].as_str(), d["name"].as_str()),
            (Some("ML104"), Some("term-expired"))
        );
        assert_eq!(d["defaultConfiguration"]["level"], "error");
        assert_eq!(d["properties"]["article"], "第二十四条第二款");
        assert_eq!(d["properties"]["law"], "中华人民共和国保守国家秘密法");
        let full = d["fullDescription"]["text"].as_str().unwrap();
        assert!(full.starts_with("保密法第二十四条第二款："), "{full}");
        assert!(d["help"]["text"].as_str().unwrap().ends_with(full));
        assert_eq!(run["results"][0]["ruleIndex"], 1);
        assert_eq!(run["columnKind"], "unicodeCodePoints");
    }

    #[test]
    fn a_rule_about_the_tool_has_no_article_properties() {
        let (_, src) = crate::rules::BUILTIN
            .iter()
            .find(|(n, _)| *n == "bad-suppression")
            .unwrap();
        let rules =
            vec![crate::rules::compile::compile(src, "b", Some("bad-suppression")).unwrap()];
        let v = render(&batch(&[], &[], &[], &rules), true);
        let d = &v["runs"][0]["tool"]["driver"]["rules"][0];
        assert_eq!(d["id"], "ML901");
        assert!(d["properties"].get("article").is_none(), "{d}");
        assert!(d["properties"].get("law").is_none(), "{d}");
        assert_eq!(d["fullDescription"]["text"], crate::lang::NO_ARTICLE.en);
    }

    #[test]
    fn suppressed_findings_are_results_with_suppressions() {
        let files = vec!["a.md".to_string(), "b.md".to_string()];
        let shown = [diag("b.md")];
        let hidden = |path: &str, by, justification: Option<&str>| Suppressed {
            diag: diag(path),
            by,
            justification: justification.map(str::to_string),
        };
        let suppressed = [
            hidden("a.md", SuppressedBy::Inline, Some("approved by 保密办")),
            hidden("b.md", SuppressedBy::Inline, None),
            hidden("c.md", SuppressedBy::Baseline, None),
        ];
        let v = render(&batch(&shown, &suppressed, &files, &[]), true);
        let results = v["runs"][0]["results"].as_array().unwrap();
        let uris: Vec<_> = results
            .iter()
            .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone())
            .collect();
        assert_eq!(uris, ["a.md", "b.md", "b.md", "c.md"]);
        let suppressions: Vec<_> = results.iter().map(|r| r.get("suppressions")).collect();
        assert_eq!(
            suppressions,
            [
                Some(
                    &json!([{"kind": "inSource", "status": "accepted", "justification": "approved by 保密办"}])
                ),
                // The shown finding sorts before the suppressed one at the same place.
                None,
                Some(&json!([{"kind": "inSource", "status": "accepted"}])),
                Some(
                    &json!([{"kind": "external", "status": "accepted", "justification": "baseline"}])
                ),
            ]
        );
    }
}
