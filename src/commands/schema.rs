//! `mark-lint schema config|rule`: the JSON Schema (draft 2020-12) of a config file or a
//! rule file, generated from the serde types that parse them (`config::RawConfig`,
//! `rules::schema::RawRule`), so the schema cannot say other than the parser. The copies
//! under `schemas/` are tested to be current.

use std::io::Write;

use anyhow::Result;

use crate::EXIT_CLEAN;
use crate::cli::SchemaKind;

/// The file name `init` writes beside `.mark-lint.yaml` and its modeline points at.
pub const CONFIG_SCHEMA_FILE: &str = ".mark-lint.schema.json";

/// The schema as pretty JSON with a final newline.
pub fn schema_text(kind: SchemaKind) -> String {
    let (mut schema, title) = match kind {
        SchemaKind::Config => (
            schemars::schema_for!(crate::config::RawConfig),
            "mark-lint config (.mark-lint.yaml)",
        ),
        SchemaKind::Rule => (
            schemars::schema_for!(crate::rules::schema::RawRule),
            "mark-lint rule file",
        ),
    };
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub fn schema_command(kind: SchemaKind, out: &mut dyn Write) -> Result<i32> {
    out.write_all(schema_text(kind).as_bytes())?;
    Ok(EXIT_CLEAN)
}

#[cfg(test)]
#[path = "schema_conformance.rs"]
mod conformance;

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed schemas are what the types say now. After changing a config or
    /// rule type: `cargo run -- schema config > schemas/config.schema.json` (and `rule`).
    #[test]
    fn committed_schemas_are_current() {
        let committed = [
            (
                SchemaKind::Config,
                include_str!("../../schemas/config.schema.json"),
            ),
            (
                SchemaKind::Rule,
                include_str!("../../schemas/rule.schema.json"),
            ),
        ];
        for (kind, text) in committed {
            assert_eq!(schema_text(kind), text, "schemas/ is stale for {kind:?}");
        }
    }

    #[test]
    fn schemas_are_draft_2020_12_and_closed() {
        let v: serde_json::Value = serde_json::from_str(&schema_text(SchemaKind::Config)).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(v["additionalProperties"], false);
        assert!(v["properties"]["expiring-within-days"].is_object());
        let v: serde_json::Value = serde_json::from_str(&schema_text(SchemaKind::Rule)).unwrap();
        assert_eq!(v["additionalProperties"], false);
        let required = v["required"].as_array().unwrap();
        assert!(required.contains(&"code".into()) && required.contains(&"message".into()));
    }
}
