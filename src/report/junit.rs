//! JUnit XML for CI test dashboards: one test case per checked file, a `<failure>` per
//! shown finding in it (findings in an embedded document belong to its container).
//! Deterministic: no timestamps, host names or durations. Every value is escaped and
//! characters XML 1.0 forbids are dropped, so any message gives a well-formed file.

use std::collections::BTreeMap;
use std::io::Write;

use super::Batch;
use crate::diagnostic::Diagnostic;

pub fn emit(w: &mut dyn Write, batch: &Batch) -> std::io::Result<()> {
    let cases = group(batch);
    let tests = cases.len();
    let failures = cases.values().filter(|f| !f.is_empty()).count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="mark-lint" tests="{tests}" failures="{failures}">"#
    )?;
    writeln!(
        w,
        r#"  <testsuite name="mark-lint" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    for (file, found) in &cases {
        let name = escape(&shown(file), true);
        if found.is_empty() {
            writeln!(w, r#"    <testcase classname="mark-lint" name="{name}"/>"#)?;
            continue;
        }
        writeln!(w, r#"    <testcase classname="mark-lint" name="{name}">"#)?;
        for d in found {
            let message = format!("{} {}: {}", d.code, d.name, shown(&d.message));
            let mut text = format!(
                "{}:{}:{}: {}: {}",
                shown(&d.path.to_string()),
                d.line,
                d.column,
                d.severity.as_str(),
                shown(&d.message)
            );
            if let Some(part) = &d.part {
                text.push_str(&format!(" ({})", shown(part)));
            }
            // A rule about the tool itself cites no article.
            if !d.article.is_empty() {
                let cited = crate::rules::compile::cite(&d.law, &d.article);
                text.push_str(&format!("\n{cited}"));
                if !d.article_text.is_empty() {
                    text.push_str(&format!("：{}", d.article_text));
                }
            }
            writeln!(
                w,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                escape(&d.code, true),
                escape(&message, true),
                escape(&text, false)
            )?;
        }
        writeln!(w, "    </testcase>")?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

/// A name or message as dashboards show it: controls escaped, as in every
/// human-facing format (XML would drop them or carry them as they are).
fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    super::escape(s)
}

/// Test case name → its findings: every checked file (passing when it has none), and
/// any file a finding names that the walk did not count (an unreadable one), so no
/// finding is lost.
fn group<'a>(batch: &Batch<'a>) -> BTreeMap<&'a str, Vec<&'a Diagnostic>> {
    let mut cases: BTreeMap<&str, Vec<&Diagnostic>> = batch
        .files
        .iter()
        .map(|f| (f.as_str(), Vec::new()))
        .collect();
    for d in batch.diags {
        cases.entry(d.path.file.as_str()).or_default().push(d);
    }
    cases
}

/// Escape for XML 1.0 text (`attr` false) or a double-quoted attribute (`attr` true,
/// where tabs and line breaks are kept as references, since parsers fold them to
/// spaces). Characters XML 1.0 cannot carry at all are left out.
fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if allowed_in_xml(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// XML 1.0 `Char`: tab, LF, CR, and U+0020 up, less U+FFFE and U+FFFF (Rust `char`s
/// are never surrogates).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#, true),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape(r#"]]> "q" 'a'"#, false), r#"]]&gt; "q" 'a'"#);
        assert_eq!(escape("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
        assert_eq!(escape("a\tb\nc\rd", false), "a\tb\nc&#13;d");
        // Controls, U+FFFE and U+FFFF cannot appear in XML 1.0 even as references.
        assert_eq!(escape("a\u{0}\u{8}\u{1b}b\u{fffe}\u{ffff}c", false), "abc");
        assert_eq!(
            escape("秘密★\u{10348}\u{fffd}", true),
            "秘密★\u{10348}\u{fffd}"
        );
    }

    fn diag(path: &str, code: &str) -> Diagnostic {
        let mut d = test_support::diag(path);
        d.code = code.into();
        d.message = "mark `秘密★1年` <expired> & \"gone\"".into();
        d
    }

    #[test]
    fn findings_group_under_their_file_and_container() {
        let files = vec!["a.md".to_string(), "b.md".to_string(), "x.ofd".to_string()];
        let diags = [
            diag("a.md", "ML101"),
            diag("a.md", "ML104"),
            diag("unreadable.docx", "ML900"),
            {
                let mut d = diag("x.ofd", "ML104");
                d.path = d.path.child("Doc_0/Attachs/y.ofd");
                d
            },
        ];
        let batch = test_support::batch(&diags, &[], &files, &[]);
        let cases = group(&batch);
        let codes = |f: &str| cases[f].iter().map(|d| &*d.code).collect::<Vec<_>>();
        assert_eq!(
            cases.keys().copied().collect::<Vec<_>>(),
            ["a.md", "b.md", "unreadable.docx", "x.ofd"]
        );
        assert_eq!(codes("a.md"), ["ML101", "ML104"]);
        assert!(codes("b.md").is_empty());
        assert_eq!(codes("x.ofd"), ["ML104"]);

        let mut out = Vec::new();
        emit(&mut out, &batch).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(xml.contains(r#"<testsuites name="mark-lint" tests="4" failures="3">"#));
        assert!(xml.contains(r#"<testcase classname="mark-lint" name="b.md"/>"#));
        assert!(xml.contains(
            r#"<failure type="ML104" message="ML104 term-expired: mark `秘密★1年` &lt;expired&gt; &amp; &quot;gone&quot;">"#
        ));
        assert!(xml.contains(
            "x.ofd!/Doc_0/Attachs/y.ofd:2:1: error: mark `秘密★1年` &lt;expired&gt; &amp; \"gone\"\n保密法第二十四条</failure>"
        ));
    }

    #[test]
    fn a_rule_about_the_tool_cites_nothing() {
        let files = vec!["a.md".to_string()];
        let mut d = diag("a.md", "ML901");
        (d.law, d.article, d.article_text) = Default::default();
        let diags = [d];
        let mut out = Vec::new();
        emit(&mut out, &test_support::batch(&diags, &[], &files, &[])).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(
            xml.contains(
                "a.md:2:1: error: mark `秘密★1年` &lt;expired&gt; &amp; \"gone\"</failure>"
            ),
            "{xml}"
        );
    }
}
