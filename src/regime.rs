//! The regime: levels, maximum terms, the star and every other jurisdiction-specific
//! word, loaded from a YAML file (`rules/regime-cn.yaml` is built in).
//! Nothing here knows about documents; the parser and the rules read it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use serde::Deserialize;

use crate::extract::text::Absent;

/// The built-in Chinese regime.
pub const BUILTIN_REGIME: &str = include_str!("../rules/regime-cn.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegime {
    name: String,
    title: String,
    star: String,
    wrong_stars: Vec<String>,
    levels: Vec<RawLevel>,
    non_secret: Vec<String>,
    #[serde(default)]
    other_regime_marks: Vec<String>,
    #[serde(default)]
    example_words: Vec<String>,
    urgency: Vec<String>,
    indefinite: Vec<String>,
    #[serde(default)]
    unlawful_indefinite: Vec<String>,
    level_labels: Vec<String>,
    term_labels: Vec<String>,
    copy_number: String,
    public_declarations: Vec<String>,
    #[serde(default)]
    publication: RawPublication,
    first_page_lines: usize,
    legacy_before: String,
    /// Levels whose documents needed a copy number under the legacy standard; absent:
    /// every level.
    #[serde(default)]
    legacy_copy_number_levels: Option<Vec<String>>,
    #[serde(default)]
    authorities: Vec<RawAuthority>,
}

/// The family of 附注 and 版记 lines that declare a document public.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPublication {
    /// A note `（此件…公开…）` opens with one of these.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The word that publishes, inside such a note.
    #[serde(default)]
    pub publishes: Vec<String>,
    /// Words that declare the opposite (`不予公开`): no publication.
    #[serde(default)]
    pub withholds: Vec<String>,
    /// 版记 labels (`公开方式：`) whose value says how the document is published.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Values of those labels that publish (`主动公开`).
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthority {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    highest: Option<String>,
}

/// A classification authority (定密权限, Art. 17).
#[derive(Debug, Clone)]
pub struct Authority {
    pub name: String,
    pub aliases: Vec<String>,
    /// The highest level it may originally classify; `None`: none.
    pub highest: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLevel {
    name: String,
    rank: u8,
    max_years: u32,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    traditional: Vec<String>,
    #[serde(default)]
    misspellings: Vec<String>,
}

/// One classification level.
#[derive(Debug, Clone)]
pub struct Level {
    pub name: String,
    pub rank: u8,
    pub max_years: u32,
}

/// How a written level word relates to the lawful one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelForm {
    Exact,
    /// `机密级`: the level with a `级` suffix.
    Suffixed,
    /// `機密`: traditional characters.
    Traditional,
    /// `极密`: a misspelling.
    Misspelt,
}

/// The compiled regime.
#[derive(Debug, Clone)]
pub struct Regime {
    pub name: String,
    pub title: String,
    pub star: char,
    pub wrong_stars: Vec<char>,
    pub levels: Vec<Level>,
    /// Every written form of every level, longest first: (form, level index, kind).
    pub level_words: Vec<(String, usize, LevelForm)>,
    pub non_secret: Vec<String>,
    /// Designations that carry a star lawfully under another regime (the commercial-
    /// secret marks of central SOEs): not state-secret marks, and not misused stars.
    pub other_regime_marks: Vec<String>,
    /// Words in a bracketed note after a mark that judge its form (`（正确写法）`): the
    /// line is a quoted example.
    pub example_words: Vec<String>,
    pub urgency: Vec<String>,
    pub indefinite: Vec<String>,
    /// Indefinite words no rule provides for (`永久`): read as indefinite terms, and
    /// malformed marks (ML001), where the lawful word (`长期`) is a term to confirm.
    pub unlawful_indefinite: Vec<String>,
    pub level_labels: Vec<String>,
    pub term_labels: Vec<String>,
    pub copy_number_len: usize,
    pub public_declarations: Vec<String>,
    pub publication: RawPublication,
    pub first_page_lines: usize,
    pub legacy_before: Date,
    /// Levels (indices) whose documents needed a copy number before `legacy_before`.
    pub legacy_copy_number_levels: Vec<usize>,
    /// What makes a document worth reading past its first page.
    pub gate: Gate,
    pub authorities: Vec<Authority>,
    /// The characters every mark `marking::parse_line` finds holds one of: the star, the
    /// first character of each level word and of each label, `解` (of 解密). See
    /// `marking::may_hold_mark`.
    pub mark_openers: Openers,
}

/// Characters looked for in a line, with the characters `normalize` folds into them:
/// whenever the normalised line holds one, the line as written does (the converse need
/// not hold — a quick test may say yes for nothing).
#[derive(Debug, Clone)]
pub struct Openers {
    /// Sorted; the folded forms too.
    chars: Vec<char>,
    /// One bit per value of a code point's low 12 bits: most characters are settled by
    /// one bit, not a search.
    bloom: [u64; 64],
}

impl Openers {
    fn new(chars: impl IntoIterator<Item = char>) -> Openers {
        let mut chars: Vec<char> = chars.into_iter().collect();
        let folded: Vec<char> = crate::normalize::folding_into(&chars).collect();
        chars.extend(folded);
        chars.sort_unstable();
        chars.dedup();
        let mut bloom = [0u64; 64];
        for &c in &chars {
            let (word, bit) = Self::slot(c);
            bloom[word] |= 1 << bit;
        }
        Openers { chars, bloom }
    }

    /// What every mark opens with or holds: the star, `解` (of 解密), the first character
    /// of each level word and label.
    fn of_marks(
        star: char,
        level_words: &[(String, usize, LevelForm)],
        level_labels: &[String],
        term_labels: &[String],
    ) -> Openers {
        let words = level_words.iter().map(|(w, _, _)| w);
        let firsts = words
            .chain(level_labels)
            .chain(term_labels)
            .filter_map(|w| w.chars().next());
        Openers::new([star, '解'].into_iter().chain(firsts))
    }

    fn slot(c: char) -> (usize, u32) {
        let low = c as u32 & 0xfff;
        ((low >> 6) as usize, low & 63)
    }

    /// The characters, sorted (with the folded forms).
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// Whether `s` holds one of them.
    pub fn in_text(&self, s: &str) -> bool {
        s.chars().any(|c| {
            let (word, bit) = Self::slot(c);
            self.bloom[word] >> bit & 1 == 1 && self.chars.binary_search(&c).is_ok()
        })
    }
}

/// The byte searches that decide whether a document needs more than its first page:
/// the star anywhere, or a level word closed by a bracket (a portion mark `（机密）`).
/// Plain `memmem` searches: a multi-pattern automaton measured slower on Chinese text.
#[derive(Debug, Clone)]
pub struct Gate {
    star: memchr::memmem::Finder<'static>,
    /// The star is ★, which the pass over a text file's bytes looks for
    /// (`extract::text::Absent`).
    star_is_black: bool,
    /// The last character of each level name (`密`), followed by a closing bracket.
    tails: Vec<memchr::memmem::Finder<'static>>,
}

impl Gate {
    fn new(star: char, levels: &[Level]) -> Gate {
        let mut tails: Vec<char> = levels
            .iter()
            .filter_map(|l| l.name.chars().last())
            .collect();
        tails.sort_unstable();
        tails.dedup();
        let finder = |c: char| {
            memchr::memmem::Finder::new(c.encode_utf8(&mut [0; 4]).as_bytes()).into_owned()
        };
        Gate {
            star: finder(star),
            star_is_black: star == '★',
            tails: tails.into_iter().map(finder).collect(),
        }
    }

    /// The star, or a level's last character closed by a bracket (`密）`: a portion
    /// mark).
    pub fn is_match(&self, text: &[u8]) -> bool {
        self.is_match_in(text, Absent::default())
    }

    /// `is_match` on a text known not to hold what `absent` says.
    pub fn is_match_in(&self, text: &[u8], absent: Absent) -> bool {
        let no_star = absent.star && self.star_is_black;
        if !no_star && self.star.find(text).is_some() {
            return true;
        }
        self.tails.iter().any(|f| {
            let n = f.needle().len();
            f.find_iter(text).any(|at| closes(&text[at + n..]))
        })
    }
}

/// Whether `rest` starts with a closing bracket (`密）`: a portion mark).
fn closes(rest: &[u8]) -> bool {
    rest.starts_with("）".as_bytes())
        || rest.starts_with("】".as_bytes())
        || rest.starts_with(b")")
        || rest.starts_with(b"]")
}

impl Regime {
    /// The built-in regime; it is tested, so failure here is a build defect.
    pub fn builtin() -> Regime {
        Regime::parse(BUILTIN_REGIME, "rules/regime-cn.yaml").expect("built-in regime is valid")
    }

    pub fn load(path: &Path) -> Result<Regime> {
        let text = crate::input::read_text(
            path,
            crate::input::RULE_FILE_MAX,
            crate::input::Syntax::Yaml,
        )
        .map_err(|why| anyhow::anyhow!("cannot read regime file {}: {why}", path.display()))?;
        Regime::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<Regime> {
        let raw: RawRegime = serde_yaml::from_str(text).map_err(|e| {
            let loc = e
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            anyhow::anyhow!("{origin}{loc}: {e}")
        })?;
        let mut star_chars = raw.star.chars();
        let star = match (star_chars.next(), star_chars.next()) {
            (Some(c), None) => c,
            _ => bail!("{origin}: key `star`: must be exactly one character"),
        };
        let mut wrong_stars = Vec::new();
        for s in &raw.wrong_stars {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => wrong_stars.push(c),
                _ => bail!("{origin}: key `wrong-stars`: `{s}` must be one character"),
            }
        }
        if raw.levels.is_empty() {
            bail!("{origin}: key `levels`: at least one level is required");
        }
        // Only the fixed-width digit form is supported; say so instead of ignoring it.
        let copy_number_len = raw
            .copy_number
            .strip_prefix("^[0-9]{")
            .and_then(|r| r.strip_suffix("}$"))
            .and_then(|n| n.parse::<usize>().ok())
            .with_context(|| {
                format!("{origin}: key `copy-number`: only `^[0-9]{{N}}$` is supported")
            })?;
        let legacy_before: Date = raw
            .legacy_before
            .parse()
            .with_context(|| format!("{origin}: key `legacy-before`: not a date"))?;
        let mut levels = Vec::new();
        let mut level_words = Vec::new();
        for (i, l) in raw.levels.iter().enumerate() {
            levels.push(Level {
                name: l.name.clone(),
                rank: l.rank,
                max_years: l.max_years,
            });
            level_words.push((l.name.clone(), i, LevelForm::Exact));
            for a in &l.aliases {
                level_words.push((a.clone(), i, LevelForm::Suffixed));
            }
            for a in &l.traditional {
                level_words.push((a.clone(), i, LevelForm::Traditional));
            }
            for a in &l.misspellings {
                level_words.push((a.clone(), i, LevelForm::Misspelt));
            }
        }
        level_words.sort_by_key(|w| std::cmp::Reverse(w.0.chars().count()));
        let gate = Gate::new(star, &levels);
        let legacy_copy_number_levels = match &raw.legacy_copy_number_levels {
            None => (0..levels.len()).collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    levels.iter().position(|l| &l.name == n).with_context(|| {
                        format!("{origin}: key `legacy-copy-number-levels`: unknown level `{n}`")
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let mut authorities = Vec::new();
        for a in raw.authorities {
            let highest = match &a.highest {
                Some(h) => Some(levels.iter().position(|l| &l.name == h).with_context(|| {
                    format!(
                        "{origin}: key `authorities`: unknown level `{h}` for `{}`",
                        a.name
                    )
                })?),
                None => None,
            };
            authorities.push(Authority {
                name: a.name,
                aliases: a.aliases,
                highest,
            });
        }
        let mark_openers =
            Openers::of_marks(star, &level_words, &raw.level_labels, &raw.term_labels);
        Ok(Regime {
            mark_openers,
            name: raw.name,
            title: raw.title,
            star,
            wrong_stars,
            levels,
            level_words,
            non_secret: raw.non_secret,
            other_regime_marks: raw.other_regime_marks,
            example_words: raw.example_words,
            urgency: raw.urgency,
            indefinite: raw.indefinite,
            unlawful_indefinite: raw.unlawful_indefinite,
            level_labels: raw.level_labels,
            term_labels: raw.term_labels,
            copy_number_len,
            public_declarations: raw.public_declarations,
            publication: raw.publication,
            first_page_lines: raw.first_page_lines,
            legacy_before,
            legacy_copy_number_levels,
            gate,
            authorities,
        })
    }

    /// The level word at the start of `s`, if any: (level index, form, byte length).
    pub fn level_prefix(&self, s: &str) -> Option<(usize, LevelForm, usize)> {
        self.level_words
            .iter()
            .find(|(w, _, _)| s.starts_with(w.as_str()))
            .map(|(w, i, f)| (*i, *f, w.len()))
    }

    /// The exact level named `s` (lawful spelling, or with `级`).
    pub fn level_named(&self, s: &str) -> Option<usize> {
        self.level_words
            .iter()
            .find(|(w, _, f)| w == s && matches!(f, LevelForm::Exact | LevelForm::Suffixed))
            .map(|(_, i, _)| *i)
    }

    /// The authority named `s` (its name or an alias).
    pub fn authority(&self, s: &str) -> Option<&Authority> {
        let s = s.trim();
        self.authorities
            .iter()
            .find(|a| a.name == s || a.aliases.iter().any(|x| x == s))
    }

    /// A glyph put where the star belongs: one the regime lists, or any glyph Unicode
    /// names a star, asterisk or sparkle.
    pub fn is_wrong_star(&self, c: char) -> bool {
        c != self.star && (self.wrong_stars.contains(&c) || crate::normalize::is_star_like(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_open_with_the_star_a_level_word_a_label_or_jie() {
        let r = Regime::builtin();
        let chars: String = r.mark_openers.chars().iter().collect();
        for c in [
            '★', '解', '绝', '机', '秘', '絕', '機', '祕', '决', '极', '泌', '密', '保',
        ] {
            assert!(chars.contains(c), "{c} in {chars}");
        }
        // What normalising folds into them: ㊙ into 秘, ⼏ into 几, 🈖 into 解.
        for folded in ["㊙", "⼏", "🈖"] {
            assert!(r.mark_openers.in_text(folded), "{folded}");
        }
        assert!(r.mark_openers.in_text("2026年3月5日 关于机构改革的通知"));
        assert!(
            !r.mark_openers
                .in_text("1991年3月4日 中华人民共和国国务院令第76号发布")
        );
    }

    #[test]
    fn gate_finds_the_star_or_a_closed_level_word() {
        let r = Regime::builtin();
        assert!(r.gate.is_match("正文\n秘密★5年".as_bytes()));
        assert!(r.gate.is_match("正文\n（机密）本段".as_bytes()));
        assert!(r.gate.is_match("【绝密】核心参数".as_bytes()));
        assert!(r.gate.is_match("(秘密) 方案".as_bytes()));
        assert!(
            !r.gate
                .is_match("保守国家秘密是公民的义务。（二）机密级以上".as_bytes())
        );
        assert!(!r.gate.is_match("".as_bytes()));
        // A level word at the very end of the text has nothing after it.
        assert!(!r.gate.is_match("秘密".as_bytes()));
    }

    #[test]
    fn builtin_regime_loads() {
        let r = Regime::builtin();
        assert_eq!(r.levels.len(), 3);
        assert_eq!(r.star, '★');
        assert_eq!(
            r.level_prefix("机密级★5年"),
            Some((1, LevelForm::Suffixed, 9))
        );
        assert_eq!(r.level_prefix("机密★5年"), Some((1, LevelForm::Exact, 6)));
        assert_eq!(
            r.level_prefix("絕密★"),
            Some((0, LevelForm::Traditional, 6))
        );
        assert_eq!(r.level_prefix("极密"), Some((1, LevelForm::Misspelt, 6)));
        assert_eq!(r.level_prefix("工作秘密"), None);
        assert_eq!(r.copy_number_len, 6);
    }

    #[test]
    fn bad_regime_names_the_key() {
        let bad = BUILTIN_REGIME.replace("star: \"★\"", "star: \"★★\"");
        let err = Regime::parse(&bad, "x.yaml").unwrap_err().to_string();
        assert!(err.contains("`star`"), "{err}");
        let bad = BUILTIN_REGIME.replace("first-page-lines", "first-page-linez");
        let err = Regime::parse(&bad, "x.yaml").unwrap_err().to_string();
        assert!(
            err.contains("x.yaml:") && err.contains("first-page-linez"),
            "{err}"
        );
    }
}
