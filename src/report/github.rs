//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per shown
//! finding, so the pull request shows it as an annotation. Nothing else is written (a
//! stray line could be read as a command); values are escaped as GitHub decodes them.

use std::io::Write;

use super::{Batch, ReportOptions, escape_keeping};
use crate::diagnostic::Severity;
use crate::lang;

pub fn emit(w: &mut dyn Write, batch: &Batch, opts: &ReportOptions) -> std::io::Result<()> {
    for d in batch.diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (file, inner) = (&d.path.file, d.path.inner_text());
        // The annotation sits on the file in the repository; where inside it is said
        // in words (an embedded document, a zip part or a page).
        let place: Vec<String> = inner
            .as_deref()
            .into_iter()
            .chain(d.part.as_deref())
            .map(|p| lang::part(p, opts.lang))
            .collect();
        let m = &d.message;
        // A rule about the tool itself cites no article.
        let cited = (!d.article.is_empty())
            .then(|| crate::rules::compile::cite(&d.law, &d.article))
            .map(|c| lang::cited(&c, opts.lang))
            .unwrap_or_default();
        let place = match place.is_empty() {
            true => String::new(),
            false => lang::aside(&place.join(lang::LIST_SEPARATOR.pick(opts.lang)), opts.lang),
        };
        let message = format!("{m}{place}{cited}");
        // Line breaks are encoded by `data`; other controls are escaped, as in every
        // human-facing format.
        writeln!(
            w,
            "::{command} file={},line={},col={},title={}::{}",
            property(&escape_keeping(file, &['\r', '\n'])),
            d.line,
            d.column,
            property(&format!("{} {}", d.code, d.name)),
            data(&escape_keeping(&message, &['\r', '\n']))
        )?;
    }
    Ok(())
}

/// The message after `::`: `%`, CR and LF are escaped.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A `key=value` property: as data, and `:` and `,` too (they end the value).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Lang;
    use crate::report::Format;
    use crate::report::test_support::{batch, diag, opts};

    #[test]
    fn escaping() {
        assert_eq!(data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        // `%` first, so escapes are not escaped twice.
        assert_eq!(property("%3A"), "%253A");
    }

    #[test]
    fn one_command_per_finding() {
        let files = vec!["a, b:c.md".to_string(), "x.ofd".to_string()];
        let mut info = diag("a, b:c.md");
        info.severity = Severity::Info;
        info.message = "two\nlines, 100%".into();
        let mut embedded = crate::report::test_support::diag_inside("x.ofd", "Doc_0/Attachs/y.ofd");
        embedded.severity = Severity::Warning;
        embedded.part = Some("page 1".into());
        let diags = [info, embedded];
        let batch = batch(&diags, &[], &files, &[]);
        let render = |lang| {
            let mut out = Vec::new();
            emit(&mut out, &batch, &opts(Format::Github, lang, true)).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            render(Lang::En),
            "::notice file=a%2C b%3Ac.md,line=2,col=1,title=ML104 term-expired::\
             two%0Alines, 100%25 [保密法第二十四条]\n\
             ::warning file=x.ofd,line=2,col=1,title=ML104 term-expired::\
             mark `秘密★1年`: expired (Doc_0/Attachs/y.ofd, page 1) [保密法第二十四条]\n"
        );
        let zh = render(Lang::Zh);
        assert!(
            zh.ends_with("expired（Doc_0/Attachs/y.ofd、第1页）【保密法第二十四条】\n"),
            "{zh}"
        );
    }

    #[test]
    fn a_rule_about_the_tool_cites_nothing() {
        let files = vec!["a.md".to_string()];
        let mut d = diag("a.md");
        (d.law, d.article, d.article_text) = Default::default();
        let diags = [d];
        let batch = batch(&diags, &[], &files, &[]);
        for lang in [Lang::En, Lang::Zh] {
            let mut out = Vec::new();
            emit(&mut out, &batch, &opts(Format::Github, lang, true)).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert!(out.ends_with("::mark `秘密★1年`: expired\n"), "{out}");
        }
    }
}
