//! Property tests for the workflow parsers: the inline-suppression parser and `--fix`
//! get arbitrary text built from the pieces directives and marks are made of. Neither
//! may panic; a fix changes nothing but the marks it names, and keeps the encoding.

use mark_lint::extract::Flavour;
use mark_lint::fix::{Edit, fix_bytes};
use mark_lint::suppress::parse;
use proptest::prelude::*;

/// Text assembled from directive and mark fragments, so the parser's paths are reached.
fn fragments() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "<!--",
        "-->",
        " mark-lint",
        "-disable",
        "-enable",
        "-next-line",
        "mark-lint:",
        " ignore",
        " ML002",
        ",",
        " -- ",
        "原因",
        "\n",
        "\r\n",
        "```",
        "~~~",
        "# ",
        "// ",
        "机密★10年",
        "秘密 ★ 5年",
        "☆",
        "１",
        " ",
        "\t",
        "`",
        "é",
        "\u{feff}",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn suppression_parser_never_panics(text in fragments(), any_text in ".{0,200}") {
        for flavour in [Flavour::Plain, Flavour::Markdown, Flavour::Html] {
            for t in [&text, &any_text] {
                let d = parse(t, flavour);
                let lines = t.split('\n').count() as u32;
                for e in &d.entries {
                    prop_assert!(e.from <= e.to && e.from >= 1);
                    prop_assert!(e.at.line <= lines);
                    prop_assert!(!e.code.is_empty());
                }
            }
        }
    }

    #[test]
    fn fix_changes_only_the_named_marks(
        before in fragments(),
        line in 1u32..6,
        utf16 in any::<bool>(),
    ) {
        let raw = "秘密 ★ 5年";
        let text = format!("{before}\n{raw}\n{before}");
        let bytes = if utf16 {
            let mut v = vec![0xFF, 0xFE];
            v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            v
        } else {
            text.clone().into_bytes()
        };
        let edit = Edit { line, raw: raw.into(), fix: "秘密★5年".into() };
        if let Ok((out, fixed)) = fix_bytes(&bytes, false, &[edit]) {
            // Only `raw` → fix, once, on the named line; everything else as it was.
            let lines_before: Vec<&str> = fixed.before.split('\n').collect();
            let lines_after: Vec<&str> = fixed.after.split('\n').collect();
            prop_assert_eq!(lines_before.len(), lines_after.len());
            for (i, (a, b)) in lines_before.iter().zip(&lines_after).enumerate() {
                if a != b {
                    prop_assert_eq!(i as u32 + 1, line);
                    prop_assert_eq!(a.replacen(raw, "", 1).len() + raw.len(), a.len());
                    prop_assert_eq!(b.len() + raw.len(), a.len() + "秘密★5年".len());
                }
            }
            if fixed.applied.is_empty() {
                prop_assert_eq!(out, bytes);
            } else if utf16 {
                prop_assert!(out.starts_with(&[0xFF, 0xFE]));
            }
        }
    }
}
