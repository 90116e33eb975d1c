//! Raw rule files → checked rules. Every problem in every file is collected before
//! giving up (one run shows them all), each naming its file, line and key.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

use super::schema::{ExampleDoc, NoParams, PatternParams, RawArticle, RawRule, Text};
use crate::diagnostic::{Severity, Shared};

/// One problem in one rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Where a pattern rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    FirstPage,
    Body,
    FileName,
}

pub use super::kinds::KindId as Kind;
use super::kinds::{KindSpec, ParamsKind};

/// The parameters a rule file gives its kind (`params:`), checked.
#[derive(Debug, Clone)]
pub enum Params {
    None,
    Pattern { regex: Regex, scope: Scope },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub law: String,
    pub number: String,
    pub text: String,
}

/// The short names the rule texts use for the instruments they quote (the 简称 the
/// instruments themselves define, or their customary short titles).
const SHORT_NAMES: [(&str, &str); 5] = [
    ("中华人民共和国保守国家秘密法", "保密法"),
    ("中华人民共和国保守国家秘密法实施条例", "实施条例"),
    ("国家秘密定密管理规定", "定密规定"),
    ("党政机关公文处理工作条例", "公文处理工作条例"),
    ("GB/T 9704-2012 党政机关公文格式", "GB/T 9704-2012 "),
];

impl Article {
    /// The instrument and provision as a reader cites them: `定密规定第四十三条第二款`,
    /// `GB/T 9704-2012 7.2.1`. An instrument without a short name keeps its title.
    pub fn cite(&self) -> String {
        cite(&self.law, &self.number)
    }
}

/// `law` (a full title) and `number` as a reader cites them.
pub fn cite(law: &str, number: &str) -> String {
    let short = SHORT_NAMES
        .iter()
        .find(|(full, _)| *full == law)
        .map_or(law, |(_, short)| short);
    format!("{short}{number}")
}

impl From<&RawArticle> for Article {
    fn from(a: &RawArticle) -> Article {
        Article {
            law: a.law.clone(),
            number: a.number.clone(),
            text: a.text.clone(),
        }
    }
}

/// A checked rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub params: Params,
    pub severity: Severity,
    pub enabled: bool,
    pub suppressible: bool,
    pub summary: Text,
    /// The provision that imposes the rule; `None` for a rule about the tool itself.
    pub article: Option<Article>,
    pub see_also: Vec<Article>,
    pub message: Text,
    pub help: Option<Text>,
    pub phrases: BTreeMap<String, Text>,
    pub valid: Vec<ExampleDoc>,
    pub invalid: Vec<ExampleDoc>,
    /// The file it came from (`rules/term-expired.yaml` for built-ins).
    pub origin: String,
    /// The text every finding of the rule carries, one copy for the run.
    pub shared: SharedText,
}

/// A rule's text as its findings carry it: one copy shared by all of them (a tree with
/// 100,000 findings kept 600 bytes of copies for each).
#[derive(Debug, Clone)]
pub struct SharedText {
    pub code: Shared,
    pub name: Shared,
    /// `第二十条第二款`, the instrument and its text; empty for a rule about the tool.
    pub article: Shared,
    pub law: Shared,
    pub article_text: Shared,
    /// The help as written, in Chinese and in English.
    pub help: Option<(Shared, Shared)>,
}

impl SharedText {
    fn of(code: &str, name: &str, article: Option<&Article>, help: Option<&Text>) -> SharedText {
        SharedText {
            code: code.into(),
            name: name.into(),
            article: article.map_or("", |a| a.number.as_str()).into(),
            law: article.map_or("", |a| a.law.as_str()).into(),
            article_text: article.map_or("", |a| a.text.as_str()).into(),
            help: help.map(|h| (h.zh.as_str().into(), h.en.as_str().into())),
        }
    }

    /// The help as written in `lang`.
    pub fn help(&self, lang: crate::diagnostic::Lang) -> Option<&Shared> {
        self.help.as_ref().map(|(zh, en)| match lang {
            crate::diagnostic::Lang::Zh => zh,
            crate::diagnostic::Lang::En => en,
        })
    }
}

/// Compile one rule file. `stem` is the file stem, which must equal the rule name.
pub fn compile(src: &str, origin: &str, stem: Option<&str>) -> Result<Rule, Vec<RuleError>> {
    compile_raw(parse(src, origin)?, src, origin, stem)
}

/// Compile a built-in rule file from its JSON form (build.rs), `src` as written for the
/// positions of errors.
pub fn compile_json(
    json: &str,
    src: &str,
    origin: &str,
    stem: Option<&str>,
) -> Result<Rule, Vec<RuleError>> {
    let raw = serde_json::from_str(json).map_err(|e| {
        vec![RuleError {
            file: origin.to_string(),
            line: 1,
            column: 1,
            key: String::new(),
            message: format!("the built-in rule's JSON form does not read: {e}"),
        }]
    })?;
    compile_raw(raw, src, origin, stem)
}

fn compile_raw(
    raw: RawRule,
    src: &str,
    origin: &str,
    stem: Option<&str>,
) -> Result<Rule, Vec<RuleError>> {
    let mut errors = Vec::new();
    let err = |key: &str, message: String| {
        let (line, column) =
            crate::input::yaml_key_location(src, key.rsplit('.').next().unwrap_or(key));
        RuleError {
            file: origin.to_string(),
            line,
            column,
            key: key.to_string(),
            message,
        }
    };
    check_identity(&raw, stem, &err, &mut errors);
    let Some(spec) = super::kinds::by_name(&raw.kind) else {
        let names: Vec<&str> = super::kinds::KINDS.iter().map(|k| k.name).collect();
        errors.push(err(
            "kind",
            format!(
                "unknown kind `{}`; expected one of: {}",
                raw.kind,
                names.join(", ")
            ),
        ));
        return Err(errors);
    };
    check_texts(&raw, spec, &err, &mut errors);
    check_articles(&raw, spec, &err, &mut errors);
    let params = compile_params(spec, raw.params.clone(), &err, &mut errors);
    if raw.examples.invalid.is_empty() {
        errors.push(err(
            "examples",
            "at least one `invalid` example is required".to_string(),
        ));
    }
    match params {
        Some(params) if errors.is_empty() => Ok(Rule {
            shared: SharedText::of(
                &raw.code,
                &raw.name,
                raw.article.as_ref().map(Article::from).as_ref(),
                raw.help.as_ref(),
            ),
            code: raw.code.clone(),
            name: raw.name.clone(),
            kind: spec.id,
            params,
            severity: raw.severity,
            enabled: raw.enabled.unwrap_or(true),
            suppressible: raw.suppressible.unwrap_or(true),
            summary: raw.summary.clone(),
            article: raw.article.as_ref().map(Article::from),
            see_also: raw.see_also.iter().map(Article::from).collect(),
            message: raw.message.clone(),
            help: raw.help.clone(),
            phrases: raw.phrases.clone(),
            valid: raw.examples.valid.iter().map(|e| e.doc()).collect(),
            invalid: raw.examples.invalid.iter().map(|e| e.doc()).collect(),
            origin: origin.to_string(),
        }),
        _ => Err(errors),
    }
}

/// The rule file as YAML; a syntax error is the one error there is.
fn parse(src: &str, origin: &str) -> Result<RawRule, Vec<RuleError>> {
    serde_yaml::from_str(src).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        let text = e.to_string();
        // serde_yaml appends " at line L column C"; the position is printed already.
        let text = match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        vec![RuleError {
            file: origin.to_string(),
            line,
            column,
            key: String::new(),
            message: text,
        }]
    })
}

/// The code, the name, and the name against the file's.
fn check_identity(
    raw: &RawRule,
    stem: Option<&str>,
    err: &dyn Fn(&str, String) -> RuleError,
    errors: &mut Vec<RuleError>,
) {
    if !valid_code(&raw.code) {
        errors.push(err(
            "code",
            format!("`{}` is not a code like `ML123` or `X-42`", raw.code),
        ));
    }
    if !is_kebab(&raw.name) {
        errors.push(err("name", format!("`{}` must be kebab-case", raw.name)));
    }
    if let Some(stem) = stem
        && stem != raw.name
    {
        errors.push(err(
            "name",
            format!("`{}` must equal the file name `{stem}`", raw.name),
        ));
    }
}

/// The message, help and phrases: only the placeholders the kind fills, and exactly
/// the phrases the kind needs.
fn check_texts(
    raw: &RawRule,
    spec: &KindSpec,
    err: &dyn Fn(&str, String) -> RuleError,
    errors: &mut Vec<RuleError>,
) {
    let placeholders: Vec<&str> = spec.vars.iter().map(|v| v.name()).collect();
    for (key, text) in [("message", Some(&raw.message)), ("help", raw.help.as_ref())] {
        if let Some(text) = text {
            check_placeholders(text, &placeholders, key, err, errors);
        }
    }
    for (name, text) in &raw.phrases {
        if !spec.phrases.contains(&name.as_str()) {
            errors.push(err(
                &format!("phrases.{name}"),
                format!(
                    "unknown phrase for kind `{}`; expected: {}",
                    raw.kind,
                    spec.phrases.join(", ")
                ),
            ));
        }
        check_placeholders(text, &placeholders, &format!("phrases.{name}"), err, errors);
    }
    for needed in spec.phrases {
        if !raw.phrases.contains_key(*needed) {
            errors.push(err(
                "phrases",
                format!("missing phrase `{needed}` required by kind `{}`", raw.kind),
            ));
        }
    }
}

/// The provision the rule enforces (only rules about the tool itself may quote none),
/// and every quotation complete.
fn check_articles(
    raw: &RawRule,
    spec: &KindSpec,
    err: &dyn Fn(&str, String) -> RuleError,
    errors: &mut Vec<RuleError>,
) {
    if raw.article.is_none() && !spec.about_the_tool {
        let tool: Vec<&str> = super::kinds::KINDS
            .iter()
            .filter(|k| k.about_the_tool)
            .map(|k| k.name)
            .collect();
        errors.push(err(
            "article",
            format!(
                "missing: a rule must quote the provision it enforces (only \
                 rules about the tool itself, kinds {}, may leave it out)",
                tool.join(" and ")
            ),
        ));
    }
    for (key, a) in raw
        .article
        .iter()
        .map(|a| ("article", a))
        .chain(raw.see_also.iter().map(|a| ("see-also", a)))
    {
        if a.law.trim().is_empty() || a.number.trim().is_empty() || a.text.trim().is_empty() {
            errors.push(err(
                key,
                "law, number and text must all be given".to_string(),
            ));
        }
    }
}

/// The `params:` of a rule file, as its kind takes them.
fn compile_params(
    spec: &KindSpec,
    params: Option<serde_yaml::Value>,
    err: &dyn Fn(&str, String) -> RuleError,
    errors: &mut Vec<RuleError>,
) -> Option<Params> {
    let params = match params.unwrap_or(serde_yaml::Value::Null) {
        serde_yaml::Value::Null => serde_yaml::Value::Mapping(Default::default()),
        v => v,
    };
    match spec.params {
        ParamsKind::Pattern => match serde_yaml::from_value::<PatternParams>(params) {
            Ok(p) => pattern_params(&p, err, errors),
            Err(e) => {
                errors.push(err("params", e.to_string()));
                None
            }
        },
        ParamsKind::None => match serde_yaml::from_value::<NoParams>(params) {
            Ok(_) => Some(Params::None),
            Err(e) => {
                errors.push(err(
                    "params",
                    format!("kind `{}` takes no params: {e}", spec.name),
                ));
                None
            }
        },
    }
}

/// A pattern rule's regex and scope.
fn pattern_params(
    p: &PatternParams,
    err: &dyn Fn(&str, String) -> RuleError,
    errors: &mut Vec<RuleError>,
) -> Option<Params> {
    let scope = match p.scope.as_deref().unwrap_or("body") {
        "first-page" => Some(Scope::FirstPage),
        "body" => Some(Scope::Body),
        "file-name" => Some(Scope::FileName),
        other => {
            errors.push(err(
                "scope",
                format!("unknown scope `{other}`; expected first-page, body or file-name"),
            ));
            None
        }
    };
    let regex = match Regex::new(&p.pattern) {
        Ok(r) => Some(r),
        Err(e) => {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            errors.push(err(
                "pattern",
                format!("bad regex `{}`: {first}", p.pattern),
            ));
            None
        }
    };
    Some(Params::Pattern {
        regex: regex?,
        scope: scope?,
    })
}

fn check_placeholders(
    text: &Text,
    allowed: &[&str],
    key: &str,
    err: &dyn Fn(&str, String) -> RuleError,
    errors: &mut Vec<RuleError>,
) {
    for s in [&text.zh, &text.en] {
        let mut rest = s.as_str();
        while let Some(i) = rest.find('{') {
            let after = &rest[i + 1..];
            let Some(j) = after.find('}') else { break };
            let name = &after[..j];
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !allowed.contains(&name)
            {
                errors.push(err(
                    key,
                    format!(
                        "unknown placeholder `{{{name}}}`; this kind fills: {}",
                        allowed.join(", ")
                    ),
                ));
            }
            rest = &after[j + 1..];
        }
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 16
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "code: X-1\nname: code-name\nkind: pattern\nseverity: warning\nsummary: {zh: 代号, en: code name}\narticle: {law: 法, number: 第一条, text: 文}\nmessage: {zh: \"出现{match}\", en: \"found {match}\"}\nparams: {pattern: 天河工程, scope: body}\nexamples: {valid: [\"无\"], invalid: [\"天河工程\"]}\n";

    #[test]
    fn a_good_pattern_rule_compiles() {
        let rule = compile(GOOD, "my.yaml", Some("code-name")).unwrap();
        assert_eq!(rule.kind, Kind::Pattern);
        assert!(matches!(
            rule.params,
            Params::Pattern {
                scope: Scope::Body,
                ..
            }
        ));
    }

    #[test]
    fn errors_name_file_line_and_key_and_are_all_reported() {
        let bad = GOOD
            .replace("pattern: 天河工程", "pattern: \"天河(工程\"")
            .replace("name: code-name", "name: Code_Name")
            .replace("{match}\", en", "{matches}\", en");
        let errs = compile(&bad, "my.yaml", Some("code-name")).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter()
                .any(|e| e.starts_with("my.yaml:2:1: key `name`: `Code_Name` must be kebab-case")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains("key `message`: unknown placeholder `{matches}`")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.starts_with("my.yaml:8:") && e.contains("bad regex")),
            "{text:#?}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_point_at_the_line() {
        let e = compile(
            &GOOD.replace("severity: warning", "severity: fatal"),
            "my.yaml",
            None,
        )
        .unwrap_err();
        assert_eq!(e[0].line, 4, "{e:?}");
        assert!(e[0].message.contains("unknown variant `fatal`"), "{e:?}");
        let e = compile(&format!("{GOOD}colour: red\n"), "my.yaml", None).unwrap_err();
        assert!(e[0].message.contains("unknown field `colour`"), "{e:?}");
        assert_eq!(e[0].line, 10);
    }

    #[test]
    fn only_a_rule_about_the_tool_may_cite_no_article() {
        let bare = GOOD.replace("article: {law: 法, number: 第一条, text: 文}\n", "");
        let e = compile(&bare, "my.yaml", None).unwrap_err();
        assert!(
            e[0].to_string()
                .contains("key `article`: missing: a rule must quote the provision"),
            "{e:?}"
        );
        let tool = "code: X-2\nname: my-suppression\nkind: bad-suppression\nseverity: warning\nsummary: {zh: 注释, en: comment}\nmessage: {zh: \"{raw}{problem}\", en: \"{raw} {problem}\"}\nphrases: {malformed: {zh: 甲, en: a}, no-code: {zh: 乙, en: b}, unknown-code: {zh: 丙, en: c}, unsuppressible: {zh: 丁, en: d}, unused: {zh: 戊, en: e}, unmatched-enable: {zh: 己, en: f}}\nexamples: {valid: [\"无\"], invalid: [\"<!-- mark-lint-disable -->\"]}\n";
        let rule = compile(tool, "my.yaml", None).unwrap();
        assert!(rule.article.is_none());
    }

    #[test]
    fn citations_use_the_short_names() {
        let a = |law: &str, number: &str| Article {
            law: law.into(),
            number: number.into(),
            text: String::new(),
        };
        assert_eq!(
            a("国家秘密定密管理规定", "第四十三条第二款").cite(),
            "定密规定第四十三条第二款"
        );
        assert_eq!(
            a("党政机关公文处理工作条例", "第九条第一项").cite(),
            "公文处理工作条例第九条第一项"
        );
        assert_eq!(
            a("GB/T 9704-2012 党政机关公文格式", "7.2.1").cite(),
            "GB/T 9704-2012 7.2.1"
        );
        assert_eq!(
            a("本单位保密管理办法", "第三条").cite(),
            "本单位保密管理办法第三条"
        );
    }

    #[test]
    fn unknown_kind() {
        let e = compile(
            &GOOD.replace("kind: pattern", "kind: magic"),
            "my.yaml",
            None,
        )
        .unwrap_err();
        assert!(
            e[0].to_string()
                .contains("my.yaml:3:1: key `kind`: unknown kind `magic`"),
            "{e:?}"
        );
    }
}
