//! The rules about the tool itself: what could not be read (ML900) and suppression
//! directives that are wrong or hide nothing (ML901). They cite no article.

use super::*;

/// The ML901 finding for a suppression directive that is wrong or hides nothing.
pub fn bad_suppression(
    rule: &Rule,
    ctx: &CheckContext,
    path: &DocPath,
    bad: &crate::suppress::Bad,
) -> Diagnostic {
    let at = &bad.at;
    // The directive without its reason: the reason is document text, and reports
    // travel through CI logs.
    let written: String = at.text.chars().skip(at.col).take(at.width).collect();
    let raw = match written.split_once(" -- ") {
        Some((head, _)) if written.starts_with("<!--") => format!("{} -->", head.trim_end()),
        Some((head, _)) => head.trim_end().to_string(),
        None => written,
    };
    let code = bad.code.clone().unwrap_or_default();
    let problem = render(
        rule.phrases[bad.problem.key()].pick(ctx.lang),
        &[(Var::Code, code.clone())],
    );
    let pos = Position {
        part: None,
        line: at.line,
        column: at.column,
        snippet: at.text.clone(),
        snippet_col: at.col,
        width: at.width,
    };
    one_finding(rule, ctx, path, |out| {
        let vars = [(Var::Raw, raw), (Var::Code, code), (Var::Problem, problem)];
        out.finding(Some(&pos), &vars, None, None)
    })
}

/// The ML900 finding for a file that could not be inspected.
pub fn unreadable(
    rule: &Rule,
    ctx: &CheckContext,
    path: &DocPath,
    err: &ExtractError,
) -> Diagnostic {
    let (reason, detail) = reason(rule, ctx.lang, err);
    one_finding(rule, ctx, path, |out| {
        let vars = [(Var::Reason, reason), (Var::Detail, detail)];
        out.emit(None, &rule.message, &vars, rule.severity, None, None)
    })
}

/// Why a reader failed, in the rule's words, and the reader's own detail.
fn reason(rule: &Rule, lang: Lang, err: &ExtractError) -> (String, String) {
    let (key, detail) = err.phrase();
    let reason = render(
        rule.phrases[key].pick(lang),
        &[(Var::Detail, detail.clone())],
    );
    (reason, detail)
}

/// The ML900 finding for a file whose version at the base revision (`base_name`,
/// `origin/main:docs/a.md`) could not be read: whether the change lowered its mark
/// (ML108) is not known. At line 1 of the new version.
pub fn unreadable_base(
    rule: &Rule,
    ctx: &CheckContext,
    path: &DocPath,
    base_name: &str,
    err: &ExtractError,
) -> Diagnostic {
    let (reason, _) = reason(rule, ctx.lang, err);
    let text = rule.phrases[phrase::BASE_UNREADABLE].clone();
    one_finding(rule, ctx, path, |out| {
        let vars = [(Var::Reason, reason), (Var::Detail, base_name.to_string())];
        out.emit(None, &text, &vars, rule.severity, None, None)
    })
}

/// The ML900 finding for what could not be read inside a document that was otherwise
/// read (an undecodable span, a part beyond a bound): at its part and line.
pub fn unread_gap(rule: &Rule, ctx: &CheckContext, path: &DocPath, gap: &Gap) -> Diagnostic {
    let mut d = unreadable(rule, ctx, path, &gap.error);
    d.part = gap.part.clone();
    d.line = gap.line.max(1);
    d
}

/// ML901 findings, when the rule runs.
pub fn bad_suppressions(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    bad: &[crate::suppress::Bad],
) -> Vec<Diagnostic> {
    match rules.iter().find(|r| r.kind == Kind::BadSuppression) {
        Some(rule) => bad
            .iter()
            .map(|b| bad_suppression(rule, ctx, path, b))
            .collect(),
        None => Vec::new(),
    }
}

/// `crate::suppress::apply` with codes resolved against the registry and the rules that ran.
pub fn suppress_in(
    registry: &crate::rules::Registry,
    ran: &[Rule],
    dirs: &crate::suppress::Directives,
    diags: Vec<Diagnostic>,
) -> crate::suppress::Applied {
    crate::suppress::apply(dirs, diags, |code| {
        registry.find(code).map(|r| crate::suppress::RuleInfo {
            code: r.code.clone(),
            suppressible: r.suppressible,
            ran: ran.iter().any(|x| x.code == r.code),
        })
    })
}
