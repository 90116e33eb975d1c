//! Hover and code actions on the findings of an open document. A fix is offered only
//! where `--fix` would make it (a plain-text or Markdown mark written once on its line,
//! corrected to the same level and term); a suppression only where the format has
//! comments and the rule may be suppressed. Pure: findings and text in, answers out.

use lsp_types as lsp;

use super::Found;
use super::position::{self, Lines};
use crate::config::resolve::Settings;
use crate::diagnostic::{Diagnostic, Lang};
use crate::extract::Flavour;
use crate::lang::{self, ARTICLE_LABEL, HELP_LABEL};

/// The rule, message, article and help of the findings under `at`, as Markdown.
pub fn hover(found: &[Found], at: lsp::Position, l: Lang) -> Option<lsp::Hover> {
    let hits: Vec<&Found> = found
        .iter()
        .filter(|f| position::contains(&f.lsp.range, at))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let parts: Vec<String> = hits
        .iter()
        .map(|f| match &f.diag {
            Some(d) => explain(d, l),
            None => f.lsp.message.clone(),
        })
        .collect();
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: hits.first().map(|f| f.lsp.range),
    })
}

/// One finding for a reader: what it is, what to do, and the article verbatim.
fn explain(d: &Diagnostic, l: Lang) -> String {
    let mut out = format!(
        "**{} {}** · {}\n\n{}",
        d.code,
        d.name,
        lang::severity(d.severity, l),
        d.message
    );
    if let Some(help) = &d.help {
        out.push_str(&format!("\n\n**{}**{help}", HELP_LABEL.pick(l)));
    }
    out.push_str(&format!(
        "\n\n**{}**{}",
        ARTICLE_LABEL.pick(l),
        crate::report::basis(d, l)
    ));
    out
}

/// What a code action needs to know of its document.
pub struct ActionContext<'a> {
    pub uri: &'a lsp::Uri,
    pub text: &'a str,
    pub flavour: Flavour,
    pub settings: &'a Settings,
}

/// The fixes and suppressions for the findings that meet `range`.
pub fn code_actions(
    ctx: &ActionContext,
    found: &[Found],
    range: &lsp::Range,
) -> Vec<lsp::CodeAction> {
    let lines = Lines::new(ctx.text);
    let mut actions = Vec::new();
    for f in found
        .iter()
        .filter(|f| position::overlaps(&f.lsp.range, range))
    {
        let Some(d) = &f.diag else { continue };
        if d.part.is_some() || !d.path.inner.is_empty() {
            continue;
        }
        if let Some(edit) = fix_edit(ctx, &lines, d) {
            let title = match ctx.settings.lang {
                Lang::Zh => format!("修正为{}", lang::quoted(&edit.new_text, Lang::Zh)),
                Lang::En => format!("Fix: write {}", lang::quoted(&edit.new_text, Lang::En)),
            };
            actions.push(action(ctx, title, f, edit, true));
        }
        if let Some(edit) = suppress_edit(ctx, &lines, d) {
            let title = match ctx.settings.lang {
                Lang::Zh => format!("在本行停用 {}（须写明理由）", d.code),
                Lang::En => format!("Suppress {} on this line (with a reason)", d.code),
            };
            actions.push(action(ctx, title, f, edit, false));
        }
    }
    actions
}

fn action(
    ctx: &ActionContext,
    title: String,
    f: &Found,
    edit: lsp::TextEdit,
    preferred: bool,
) -> lsp::CodeAction {
    // lsp-types keys the edit map by `Uri`, whose parsed form caches its parts inside
    // (clippy's mutable-key lint); the map is built, serialised and dropped here.
    #[allow(clippy::mutable_key_type)]
    let changes = std::collections::HashMap::from([(ctx.uri.clone(), vec![edit])]);
    lsp::CodeAction {
        title,
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![f.lsp.clone()]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..lsp::WorkspaceEdit::default()
        }),
        is_preferred: Some(preferred),
        ..lsp::CodeAction::default()
    }
}

/// The `--fix` edit: the mark as written, found once on its line, replaced by its
/// corrected form — never in HTML (as `--fix`), never lowering or shortening the mark.
fn fix_edit(ctx: &ActionContext, lines: &Lines, d: &Diagnostic) -> Option<lsp::TextEdit> {
    let (fixed, mark) = (d.fix.as_ref()?, d.mark.as_ref()?);
    if ctx.flavour == Flavour::Html || !crate::fix::safe_fix(&ctx.settings.regime, mark, fixed) {
        return None;
    }
    let (line, start) = lines.line(d.line)?;
    let mut hits = line.match_indices(mark.raw.as_str());
    let (at, _) = hits.next()?;
    if mark.raw.is_empty() || hits.next().is_some() {
        return None;
    }
    let from = start + at;
    Some(lsp::TextEdit {
        range: lines.range(from, from + mark.raw.len()),
        new_text: fixed.clone(),
    })
}

/// A line before the finding's: `<!-- mark-lint-disable-next-line CODE -- reason -->`
/// in Markdown and HTML, `# mark-lint: ignore CODE -- reason` in plain text. Not for a
/// rule that may not be suppressed (ML301), nor inside Markdown front matter.
fn suppress_edit(ctx: &ActionContext, lines: &Lines, d: &Diagnostic) -> Option<lsp::TextEdit> {
    let rule = ctx
        .settings
        .registry
        .rules
        .iter()
        .find(|r| *r.code == *d.code)?;
    if !rule.suppressible {
        return None;
    }
    if ctx.flavour == Flavour::Markdown && in_front_matter(ctx.text, d.line) {
        return None;
    }
    let (line, start) = lines.line(d.line)?;
    let indent = &line[..line.len() - line.trim_start().len()];
    let reason = match ctx.settings.lang {
        Lang::Zh => "理由",
        Lang::En => "reason",
    };
    let directive = match ctx.flavour {
        Flavour::Markdown | Flavour::Html => {
            format!(
                "<!-- mark-lint-disable-next-line {} -- {reason} -->",
                d.code
            )
        }
        Flavour::Plain => format!("# mark-lint: ignore {} -- {reason}", d.code),
    };
    let eol = if ctx.text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let at = lines.position(start);
    Some(lsp::TextEdit {
        range: lsp::Range::new(at, at),
        new_text: format!("{indent}{directive}{eol}"),
    })
}

/// Whether line `no` (1-based) lies in the front matter that opens a Markdown text.
fn in_front_matter(text: &str, no: u32) -> bool {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return false;
    }
    let end = lines
        .position(|l| matches!(l.trim_end(), "---" | "..."))
        .map_or(u32::MAX, |i| i as u32 + 2);
    no <= end
}

#[cfg(test)]
mod tests {
    use super::in_front_matter;

    #[test]
    fn front_matter_lines() {
        let text = "---\n密级: 机密\n---\n机密★10年\n";
        assert!(in_front_matter(text, 1));
        assert!(in_front_matter(text, 3));
        assert!(!in_front_matter(text, 4));
        assert!(!in_front_matter("机密★10年\n---\n", 1));
    }
}
