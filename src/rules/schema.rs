//! Raw rule files as written: serde types with `deny_unknown_fields` and no `flatten`,
//! so an unknown key is an error that names itself. Validation lives in `compile.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diagnostic::Severity;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRule {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub severity: Severity,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub suppressible: Option<bool>,
    pub summary: Text,
    /// Left out only by a rule about the tool itself, which no law imposes.
    #[serde(default)]
    pub article: Option<RawArticle>,
    #[serde(default)]
    pub see_also: Vec<RawArticle>,
    pub message: Text,
    #[serde(default)]
    pub help: Option<Text>,
    #[serde(default)]
    pub phrases: BTreeMap<String, Text>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub params: Option<serde_yaml::Value>,
    #[serde(default)]
    pub examples: RawExamples,
}

/// A text in both languages.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub law: String,
    pub number: String,
    pub text: String,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExamples {
    #[serde(default)]
    pub valid: Vec<RawExample>,
    #[serde(default)]
    pub invalid: Vec<RawExample>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RawExample {
    Text(String),
    Doc(ExampleDoc),
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExampleDoc {
    pub text: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Run the example as on an unclassified system (`system: unclassified`).
    #[serde(default)]
    pub system: Option<crate::config::SystemKind>,
    /// Config `keywords` for this example.
    #[serde(default)]
    pub keywords: Vec<crate::config::RawKeyword>,
    /// The example lies under config `publish-paths`.
    #[serde(default)]
    pub publish: bool,
    /// Config `authority` for this example.
    #[serde(default)]
    pub authority: Option<String>,
    /// Other Markdown files in the same folder, for rules decided across files.
    #[serde(default)]
    pub also: Vec<String>,
    /// The example lies under config `public-paths`.
    #[serde(default)]
    pub public: bool,
    /// The example lies under config `classified-paths`.
    #[serde(default)]
    pub classified: bool,
    /// Invalid examples: the line the finding must point at (default 1).
    #[serde(default)]
    pub line: Option<u32>,
    /// The file's earlier version (same name, same format as `text`), for rules that
    /// compare a change with the base revision (ML108, as `--diff-base`/`--staged`).
    #[serde(default)]
    pub base: Option<String>,
}

impl RawExample {
    pub fn doc(&self) -> ExampleDoc {
        match self {
            RawExample::Text(text) => ExampleDoc {
                text: text.clone(),
                name: None,
                system: None,
                keywords: Vec::new(),
                publish: false,
                authority: None,
                also: Vec::new(),
                public: false,
                classified: false,
                line: None,
                base: None,
            },
            RawExample::Doc(d) => d.clone(),
        }
    }
}

/// `params` of the `pattern` kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PatternParams {
    pub pattern: String,
    #[serde(default)]
    pub scope: Option<String>,
}

/// Kinds whose `params` must be empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
