//! The committed schemas against the files they describe, with Python's `jsonschema`
//! (draft 2020-12): every config and rule file of the repository is valid, each
//! malformed fixture (`tests/fixtures/schemas/`) is rejected, by the schema and by the
//! parser alike; and on generated configs the schema accepts exactly what the parser
//! accepts, but for the known differences below, which are tested as such.
//!
//! "The parser" is what reads a config (`ConfigFile::load_found`: YAML into
//! `RawConfig`) and a rule file (`rules::compile`). What a config means is checked
//! later, when settings resolve (a date that is no date, a label mapped to no level, a
//! rule file that does not exist): no schema says that, and none is asked to.
//!
//! Known differences, deliberate:
//! - an empty config file is accepted by the parser (no settings) and is `null` to a
//!   schema, which asks for an object;
//! - a number past the range of its Rust type (`expiring-within-days: 4294967296`) is
//!   valid to the schema: its `format: uint32` is a note that validators do not assert;
//! - a float with no fraction (`expiring-within-days: 30.0`) is an integer to JSON
//!   Schema and a float to the parser;
//! - a plain scalar where text is expected (`authority: 2026`, `exclude: [3]`,
//!   `today: 2026-11-27` is text in YAML 1.2 anyway) is taken as its text by the parser
//!   (serde_yaml reads any scalar as a string), while the schema wants a string: an
//!   editor asks for quotes the tool does without.
//!
//! Without python3 and `jsonschema` these tests print SKIPPED (and fail under CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Value, json};

#[path = "../../tests/support/skip.rs"]
mod skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Validate each instance against `schema` (a file); per instance `None` when valid,
/// else the first error. `None` when python3 or `jsonschema` is missing (skipped).
fn validate(schema: &Path, instances: &[Value]) -> Option<Vec<Option<String>>> {
    const SCRIPT: &str = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit(77)
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
out = []
for inst in json.load(open(sys.argv[2], encoding="utf-8")):
    e = jsonschema.exceptions.best_match(v.iter_errors(inst))
    out.append(None if e is None else "/".join(map(str, e.absolute_path)) + ": " + e.message[:200])
print(json.dumps(out))
"#;
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("instances.json");
    std::fs::write(&list, serde_json::to_vec(instances).unwrap()).unwrap();
    let out = match Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(schema)
        .arg(&list)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            skip::skip(&format!("schema validation needs python3 ({e})"));
            return None;
        }
    };
    if out.status.code() == Some(77) {
        skip::skip("schema validation needs the python3 module jsonschema");
        return None;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// A YAML text as the JSON a schema sees; `None` when it is no YAML, or no JSON
/// (a key that is not a string).
fn as_json(yaml: &str) -> Option<Value> {
    serde_yaml::from_str(yaml).ok()
}

fn config_parses(yaml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".mark-lint.yaml");
    std::fs::write(&path, yaml).unwrap();
    crate::config::ConfigFile::load_found(&path)
        .map(drop)
        .map_err(|e| format!("{e:#}"))
}

fn rule_parses(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).unwrap();
    let stem = path.file_stem().and_then(|s| s.to_str());
    crate::rules::compile::compile(&text, &path.display().to_string(), stem)
        .map(drop)
        .map_err(|e| format!("{e:?}"))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// Every config of the repository: the fixtures' and the one `init` writes.
fn repository_configs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root().join("tests/fixtures")).sort_by_file_name() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        if crate::config::CONFIG_NAMES.contains(&name.as_ref()) {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            out.push((entry.path().display().to_string(), text));
        }
    }
    for system in [
        crate::config::SystemKind::Classified,
        crate::config::SystemKind::Unclassified,
    ] {
        out.push((
            format!("init ({system:?})"),
            crate::init::config_text(system),
        ));
    }
    out
}

#[test]
fn repository_configs_are_valid() {
    let configs = repository_configs();
    assert!(configs.len() >= 7, "{configs:?}");
    for (name, text) in &configs {
        assert_eq!(config_parses(text), Ok(()), "{name}");
    }
    let instances: Vec<Value> = configs
        .iter()
        .map(|(n, t)| as_json(t).unwrap_or_else(|| panic!("{n}: no YAML")))
        .collect();
    let schema = root().join("schemas/config.schema.json");
    let Some(results) = validate(&schema, &instances) else {
        return;
    };
    for ((name, _), r) in configs.iter().zip(results) {
        assert_eq!(r, None, "{name}");
    }
}

#[test]
fn repository_rules_are_valid() {
    let mut files = yaml_files(&root().join("rules"));
    // The regime file is no rule file (it has a format of its own).
    files.retain(|p| {
        !p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("regime-")
    });
    files.extend(yaml_files(&root().join("tests/fixtures/user-rules")));
    assert!(files.len() > 20, "{files:?}");
    let instances: Vec<Value> = files
        .iter()
        .map(|p| as_json(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    let Some(results) = validate(&root().join("schemas/rule.schema.json"), &instances) else {
        return;
    };
    for (path, r) in files.iter().zip(results) {
        assert_eq!(r, None, "{}", path.display());
    }
}

#[test]
fn malformed_fixtures_are_rejected() {
    let dir = root().join("tests/fixtures/schemas");
    let configs = yaml_files(&dir.join("invalid-config"));
    let rules = yaml_files(&dir.join("invalid-rule"));
    assert!(configs.len() >= 5 && rules.len() >= 4);
    for path in &configs {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(config_parses(&text).is_err(), "{}", path.display());
    }
    for path in &rules {
        assert!(rule_parses(path).is_err(), "{}", path.display());
    }
    for (schema, files) in [("config", &configs), ("rule", &rules)] {
        let instances: Vec<Value> = files
            .iter()
            .map(|p| as_json(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect();
        let schema = root().join(format!("schemas/{schema}.schema.json"));
        let Some(results) = validate(&schema, &instances) else {
            return;
        };
        for (path, r) in files.iter().zip(results) {
            assert!(r.is_some(), "{} is valid to the schema", path.display());
        }
    }
}

/// A value for a config key: mostly of the right shape, often not.
fn value_of(key: &'static str) -> BoxedStrategy<Value> {
    let strings = prop::collection::vec(
        prop_oneof![
            Just(json!("drafts/**")),
            Just(json!("*.md")),
            Just(json!({"a": 1}))
        ],
        0..3,
    )
    .prop_map(Value::from);
    let list = prop_oneof![
        4 => strings,
        1 => Just(json!("drafts/**")),
        1 => Just(Value::Null),
    ];
    let text = prop_oneof![
        4 => Just(json!("某某局")),
        1 => Just(json!({"a": 1})),
        1 => Just(json!(["a"])),
        1 => Just(Value::Null),
    ];
    let count = prop_oneof![
        Just(json!(30)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(30.5)),
        Just(json!("30")),
        Just(Value::Null),
    ];
    let one_of = |good: &'static [&'static str], bad: &'static str| {
        let mut all: Vec<Value> = good.iter().map(|g| json!(g)).collect();
        all.extend([json!(bad), json!(1), Value::Null]);
        prop::sample::select(all).boxed()
    };
    let keyword = prop_oneof![
        Just(json!({"pattern": "天河工程"})),
        Just(json!({"pattern": "天河", "level": "秘密", "regex": true})),
        Just(json!({"pattern": "天河", "level": null})),
        Just(json!({"level": "秘密"})),
        Just(json!({"pattern": "天河", "regex": "yes"})),
        Just(json!({"pattern": "天河", "colour": "red"})),
    ];
    match key {
        "system" => one_of(&["classified", "unclassified"], "secret"),
        "lang" => one_of(&["zh", "en"], "fr"),
        "fail-on" => one_of(&["error", "warning", "info", "never"], "fatal"),
        "ocr" => one_of(&["auto", "never", "always"], "sometimes"),
        "ocr-pages" => one_of(&["first", "all"], "some"),
        "expiring-within-days" | "max-file-size-mb" => count.boxed(),
        "today" | "term-start" | "authority" | "regime" => text.boxed(),
        "keywords" => prop_oneof![
            4 => prop::collection::vec(keyword, 0..3).prop_map(Value::from),
            1 => Just(json!({"pattern": "天河"})),
        ]
        .boxed(),
        "label-map" => prop_oneof![
            Just(json!({"Confidential": "秘密", "8b2c": "机密"})),
            Just(json!({"Confidential": ["秘密"]})),
            Just(json!(["秘密"])),
        ]
        .boxed(),
        "severity" => prop_oneof![
            Just(json!({"ML106": "off", "ML002": "error"})),
            Just(json!({"ML106": "loud"})),
            Just(json!({"ML106": null})),
        ]
        .boxed(),
        "colour" => Just(json!("red")).boxed(),
        _ => list.boxed(),
    }
}

const KEYS: &[&str] = &[
    "system",
    "today",
    "lang",
    "expiring-within-days",
    "fail-on",
    "term-start",
    "authority",
    "classified-paths",
    "public-paths",
    "publish-paths",
    "keywords",
    "label-map",
    "rules",
    "select",
    "ignore",
    "severity",
    "exclude",
    "max-file-size-mb",
    "regime",
    "ocr",
    "ocr-pages",
    "colour",
];

/// A config: each key present or not (the unknown `colour` rarely).
fn config() -> impl Strategy<Value = Value> {
    let fields: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = KEYS
        .iter()
        .map(|&k| {
            let weight = if k == "colour" { 1 } else { 2 };
            prop_oneof![
                12 - weight => Just(None),
                weight => value_of(k).prop_map(move |v| Some((k, v))),
            ]
            .boxed()
        })
        .collect();
    fields.prop_map(|fs| {
        let map: serde_json::Map<String, Value> = fs
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Value::Object(map)
    })
}

/// Generated configs: valid to the schema exactly when the parser accepts them.
#[test]
fn schema_and_parser_agree_on_generated_configs() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = config();
    let cases: Vec<Value> = (0..2000)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        .collect();
    let texts: Vec<String> = cases
        .iter()
        .map(|v| serde_yaml::to_string(v).unwrap())
        .collect();
    // The schema sees the YAML as written, read back.
    let instances: Vec<Value> = texts.iter().map(|t| as_json(t).unwrap()).collect();
    let schema = root().join("schemas/config.schema.json");
    let Some(results) = validate(&schema, &instances) else {
        return;
    };
    let (mut valid, mut invalid) = (0, 0);
    for (text, schema_says) in texts.iter().zip(results) {
        let parser_says = config_parses(text);
        assert_eq!(
            schema_says.is_none(),
            parser_says.is_ok(),
            "schema: {schema_says:?}\nparser: {parser_says:?}\n{text}"
        );
        if parser_says.is_ok() {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    // Both sides are exercised.
    assert!(
        valid > 200 && invalid > 200,
        "{valid} valid, {invalid} invalid"
    );
}

/// The differences the module's documentation lists hold as documented.
#[test]
fn known_differences() {
    let cases = [
        ("", true),
        ("expiring-within-days: 4294967296\n", false),
        ("expiring-within-days: 30.0\n", false),
        ("authority: 2026\n", true),
        ("exclude: [3, true]\n", true),
    ];
    let instances: Vec<Value> = cases
        .iter()
        .map(|(t, _)| as_json(t).unwrap_or(Value::Null))
        .collect();
    let Some(results) = validate(&root().join("schemas/config.schema.json"), &instances) else {
        return;
    };
    for ((text, parser_accepts), schema_says) in cases.iter().zip(results) {
        assert_eq!(config_parses(text).is_ok(), *parser_accepts, "{text:?}");
        // The schema says the opposite.
        assert_eq!(schema_says.is_none(), !parser_accepts, "{text:?}");
    }
}
