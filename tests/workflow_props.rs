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
        // The line the mark stands on, alone: a fix named there must be applied.
        let mark_line = before.split('\n').count() as u32 + 1;
        for at in [line, mark_line] {
            let edit = Edit { line: at, raw: raw.into(), fix: "秘密★5年".into() };
            let result = fix_bytes(&bytes, false, &[edit]);
            prop_assert!(result.is_ok(), "{:?}", result.err());
            let (out, fixed) = result.unwrap();
            let lines_before: Vec<&str> = fixed.before.split('\n').collect();
            let lines_after: Vec<&str> = fixed.after.split('\n').collect();
            prop_assert_eq!(lines_before.len(), lines_after.len());
            // Applied exactly when the named line holds the mark once.
            let expected = lines_before
                .get(at as usize - 1)
                .is_some_and(|l| l.matches(raw).count() == 1);
            prop_assert_eq!(!fixed.applied.is_empty(), expected, "line {}", at);
            if at == mark_line {
                prop_assert!(expected, "the mark's own line");
            }
            // Only `raw` → fix, once, on the named line; everything else as it was.
            for (i, (a, b)) in lines_before.iter().zip(&lines_after).enumerate() {
                if a != b {
                    prop_assert_eq!(i as u32 + 1, at);
                    prop_assert_eq!(*b, a.replacen(raw, "秘密★5年", 1));
                }
            }
            if fixed.applied.is_empty() {
                prop_assert_eq!(out, bytes.clone());
            } else if utf16 {
                prop_assert!(out.starts_with(&[0xFF, 0xFE]));
            } else {
                // Byte for byte: the named line with the mark replaced, nothing else.
                let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
                let named = &mut lines[at as usize - 1];
                *named = named.replacen(raw, "秘密★5年", 1);
                prop_assert_eq!(String::from_utf8(out).unwrap(), lines.join("\n"));
            }
        }
    }
}
