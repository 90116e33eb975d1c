//! The CI formats (`github`, `junit`, `sarif`) on the fixture folders, and the SARIF
//! checked against the OASIS schema (`tests/data/sarif-schema-2.1.0.json`).

use super::*;

const TODAY: &str = "--today=2026-11-27";

/// Office fixtures whose findings name a zip part, a page, or an embedded document.
const OFFICE: [&str; 3] = [
    "tests/fixtures/office/docx/expired-header.docx",
    "tests/fixtures/office/ofd/attachment.ofd",
    "tests/fixtures/office/pdf/misplaced-page2.pdf",
];

/// `check --format FORMAT --lang LANG PATH… OFFICE…`, rendered for a snapshot.
fn check_with_office(format: &str, lang: &str, paths: &[&str]) -> String {
    let args = ["check", TODAY, "--format", format, "--lang", lang];
    run(&[&args[..], paths, &OFFICE].concat())
}

#[test]
fn github_on_fixtures() {
    snap!(
        "github_docs",
        check_with_office("github", "en", &["tests/fixtures/docs"])
    );
    snap!("github_office_zh", check_with_office("github", "zh", &[]));
}

#[test]
fn junit_on_fixtures() {
    snap!(
        "junit_docs",
        check_with_office("junit", "en", &["tests/fixtures/docs"])
    );
}

/// The tool version changes with every release; the SARIF `version` (2.1.0) must not
/// be hidden with it, so this replaces only the crate's own version.
fn sarif_with_office(paths: &[&str]) -> String {
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    let out = check_with_office("sarif", "en", paths);
    assert!(out.contains("\"version\": \"2.1.0\""), "{out}");
    out.replace(
        &format!("\"version\": {version}"),
        "\"version\": \"[VERSION]\"",
    )
    .replace(
        &format!("\"semanticVersion\": {version}"),
        "\"semanticVersion\": \"[VERSION]\"",
    )
}

#[test]
fn sarif_on_fixtures() {
    // A non-ASCII file name (percent-encoded URI), a plain one, and the office parts.
    insta::assert_snapshot!(
        "sarif_docs",
        sarif_with_office(&[
            "tests/fixtures/docs/rules/【秘密】会议纪要.md",
            "tests/fixtures/docs/rules/ML104-expired.txt",
        ])
    );
}

#[test]
fn sarif_without_snippets_carries_no_document_text() {
    let args = ["check", TODAY, "--format", "sarif", "--no-snippets"];
    let paths = ["tests/fixtures/docs", "tests/fixtures/office"];
    let (_, stdout, _) = run_in(&root(), &[&args[..], &paths].concat());
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 20, "{stdout}");
    assert!(!stdout.contains("\"snippet\""), "{stdout}");
}

/// Validate `sarif` (a file) against the vendored schema with Python's `jsonschema`,
/// using the validator class the schema declares (`$schema`: draft-04). `uri` and
/// `uri-reference` formats are checked too (RFC 3986 characters, `%` + two hex digits),
/// which `jsonschema` skips without optional packages. `None`: no python3/jsonschema.
fn validate_sarif(sarif: &Path) -> Option<Result<(), String>> {
    const SCRIPT: &str = r#"
import json, re, sys
try:
    import jsonschema
except ImportError:
    sys.exit(77)
schema = json.load(open(sys.argv[1], encoding="utf-8"))
doc = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
formats = jsonschema.FormatChecker()
uri = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
formats.checks("uri-reference")(lambda s: not isinstance(s, str) or bool(uri.match(s)))
formats.checks("uri")(lambda s: not isinstance(s, str) or bool(uri.match(s) and re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", s)))
errors = sorted(cls(schema, format_checker=formats).iter_errors(doc), key=lambda e: str(list(e.absolute_path)))
for e in errors:
    print("/".join(map(str, e.absolute_path)) + ": " + e.message[:300])
print(cls.__name__, "errors:", len(errors))
sys.exit(1 if errors else 0)
"#;
    let out = match Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(root().join("tests/data/sarif-schema-2.1.0.json"))
        .arg(sarif)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            skip(&format!("SARIF schema validation needs python3 ({e})"));
            return None;
        }
    };
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => Some(Ok(())),
        Some(77) => {
            skip("SARIF schema validation needs the python3 module jsonschema");
            None
        }
        _ => Some(Err(report)),
    }
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let (code, stdout, stderr) = run_in(
        &root(),
        &[
            "check",
            TODAY,
            "--format",
            "sarif",
            "tests/fixtures/docs",
            "tests/fixtures/office",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("fixtures.sarif");
    std::fs::write(&good, &stdout).unwrap();
    let Some(verdict) = validate_sarif(&good) else {
        return;
    };
    if let Err(report) = verdict {
        panic!("the SARIF of the fixtures breaks the schema:\n{report}");
    }

    // The validator must be able to say no: an unknown level and a raw space in a URI.
    let mut log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let result = &mut log["runs"][0]["results"][0];
    result["level"] = "fatal".into();
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b.md".into();
    let bad = dir.path().join("broken.sarif");
    std::fs::write(&bad, serde_json::to_string(&log).unwrap()).unwrap();
    match validate_sarif(&bad) {
        Some(Err(report)) => {
            assert!(report.contains("results/0/level"), "{report}");
            assert!(report.contains("artifactLocation/uri"), "{report}");
        }
        other => panic!("a broken SARIF passed validation: {other:?}"),
    }
}

/// Suppressed findings stay in SARIF with their justification: inline directives as
/// `inSource`, baseline entries as `external`; the log still validates.
#[test]
fn sarif_records_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.json");
    // Baseline one file's findings; the suppress fixture hides others inline.
    run_expect(
        &root(),
        &[
            "check",
            TODAY,
            "--write-baseline",
            baseline.to_str().unwrap(),
            "tests/fixtures/suppress/range.md",
        ],
        0,
    );
    let (code, stdout, stderr) = run_in(
        &root(),
        &[
            "check",
            TODAY,
            "--format",
            "sarif",
            "--baseline",
            baseline.to_str().unwrap(),
            "tests/fixtures/suppress",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut seen: Vec<(String, String, String)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let s = r["suppressions"].as_array()?.first()?.clone();
            Some((
                r["ruleId"].as_str()?.to_string(),
                s["kind"].as_str()?.to_string(),
                s["justification"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("ML002".into(), "external".into(), "baseline".into()),
            (
                "ML002".into(),
                "inSource".into(),
                "引用的下级来文，标志照录".into()
            ),
            (
                "ML002".into(),
                "inSource".into(),
                "引用的下级来文，标志照录".into()
            ),
            ("ML101".into(), "inSource".into(), "1998年的历史档案".into()),
            (
                "ML101".into(),
                "inSource".into(),
                "1998年的历史档案，按原样保存".into()
            ),
            ("ML101".into(), "inSource".into(), "历史档案".into()),
            (
                "ML106".into(),
                "inSource".into(),
                "1998年的历史档案，按原样保存".into()
            ),
        ]
    );
    // The reasons are document text: `--no-snippets` leaves them out.
    let (_, bare, _) = run_in(
        &root(),
        &[
            "check",
            TODAY,
            "--format",
            "sarif",
            "--no-snippets",
            "tests/fixtures/suppress",
        ],
    );
    assert!(
        bare.contains("\"inSource\"") && !bare.contains("历史档案"),
        "{bare}"
    );
    let file = dir.path().join("suppressed.sarif");
    std::fs::write(&file, &stdout).unwrap();
    if let Some(Err(report)) = validate_sarif(&file) {
        panic!("the SARIF with suppressions breaks the schema:\n{report}");
    }
}
