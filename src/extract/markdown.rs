//! Markdown structure that decides what is quotation and what is the document's own
//! text: front matter, fenced and indented code, HTML comments, inline code.
//! `LineCleaner` is fed every line in order and returns the text a reader sees.

use std::borrow::Cow;

use super::Block;
use super::html::CODE_PLACEHOLDER;

/// The YAML front matter at the top of a Markdown file: its lines (1-based numbers)
/// and the byte offset where the body starts.
pub struct FrontMatter<'a> {
    pub lines: Vec<(u32, &'a str)>,
    pub body_start: usize,
    pub body_first_line: u32,
}

/// `---` … `---` (or `...`) at the very start of the text.
pub fn front_matter(text: &str) -> Option<FrontMatter<'_>> {
    let text_start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let t = &text[text_start..];
    let first_end = t.find('\n')?;
    if t[..first_end].trim_end() != "---" {
        return None;
    }
    let mut lines = Vec::new();
    let mut offset = text_start + first_end + 1;
    let mut no = 2u32;
    while offset <= text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[offset..end].trim_end_matches('\r');
        if line.trim_end() == "---" || line.trim_end() == "..." {
            return Some(FrontMatter {
                lines,
                body_start: (end + 1).min(text.len()),
                body_first_line: no + 1,
            });
        }
        lines.push((no, line));
        no += 1;
        if end == text.len() {
            break;
        }
        offset = end + 1;
    }
    None
}

/// Markdown code fences, line by line: a run of three or more backticks or tildes,
/// indented at most three spaces, opens a block; a run of the same character at least
/// as long, with nothing after it, closes it. The extractor and the suppression parser
/// both use it, so a fence hides a directive wherever it hides a mark.
#[derive(Debug, Default)]
pub struct Fences {
    open: Option<(u8, usize)>,
}

impl Fences {
    /// While a block is open: true, and the block ends at its closing fence.
    pub fn inside(&mut self, line: &str) -> bool {
        let Some((ch, len)) = self.open else {
            return false;
        };
        let t = line.trim_start_matches(' ');
        let run = t.bytes().take_while(|b| *b == ch).count();
        if line.len() - t.len() < 4 && run >= len && t[run..].trim().is_empty() {
            self.open = None;
        }
        true
    }

    /// Whether `line` opens a block (which is then open).
    pub fn opens(&mut self, line: &str) -> bool {
        let t = line.trim_start_matches(' ');
        if line.len() - t.len() > 3 {
            return false;
        }
        let Some(ch) = t.bytes().next().filter(|b| *b == b'`' || *b == b'~') else {
            return false;
        };
        let len = t.bytes().take_while(|b| *b == ch).count();
        if len < 3 {
            return false;
        }
        self.open = Some((ch, len));
        true
    }
}

/// Tracks block state across lines.
#[derive(Default)]
pub struct LineCleaner {
    fences: Fences,
    prev_blank: bool,
    in_indented_code: bool,
    in_comment: bool,
    /// The block kind of the line last cleaned.
    block: Block,
    /// Tables met so far: consecutive table rows are one table.
    tables: u32,
}

impl LineCleaner {
    pub fn new() -> Self {
        LineCleaner {
            prev_blank: true,
            ..Default::default()
        }
    }

    /// The block kind of the line last cleaned (list item, heading, table row).
    pub fn block(&self) -> Block {
        self.block
    }

    /// The visible text of `line`, or `None` when the line is code or a comment.
    pub fn clean<'a>(&mut self, line: &'a str) -> Option<Cow<'a, str>> {
        let previous = std::mem::take(&mut self.block);
        let blank = line.trim().is_empty();
        let indent = line.len() - line.trim_start_matches(' ').len();
        if self.fences.inside(line) {
            self.prev_blank = false;
            return None;
        }
        if self.in_comment {
            if let Some(i) = line.find("-->") {
                self.in_comment = false;
                let rest = &line[i + 3..];
                self.prev_blank = blank;
                return Some(Cow::Owned(rest.to_string()));
            }
            return None;
        }
        if self.fences.opens(line) {
            self.prev_blank = false;
            return None;
        }
        if (indent >= 4 || line.starts_with('\t'))
            && !blank
            && (self.prev_blank || self.in_indented_code)
        {
            self.in_indented_code = true;
            self.prev_blank = false;
            return None;
        }
        if !blank {
            self.in_indented_code = false;
        }
        self.prev_blank = blank;
        if blank {
            return Some(Cow::Borrowed(""));
        }
        let mut s: Cow<'a, str> = Cow::Borrowed(line);
        // Most lines hold no `<`: one byte search spares them a substring searcher.
        let angle = memchr::memchr(b'<', line.as_bytes()).is_some();
        if angle && let Some(i) = s.find("<!--") {
            let after = &s[i + 4..];
            let owned = match after.find("-->") {
                Some(j) => format!("{}{}", &s[..i], &after[j + 3..]),
                None => {
                    self.in_comment = true;
                    s[..i].to_string()
                }
            };
            s = Cow::Owned(owned);
        }
        if s.contains('`') {
            s = Cow::Owned(replace_inline_code(&s));
        }
        // Without a `<` in the line, none is left after the comments are cut.
        if angle && s.contains('<') {
            s = Cow::Owned(strip_tags(&s));
        }
        let was_table = matches!(previous, Block::TableCell(_));
        let (text, block) = strip_block_syntax(s);
        self.block = match block {
            Block::TableCell(_) => {
                if !was_table {
                    self.tables += 1;
                }
                Block::TableCell(self.tables)
            }
            other => other,
        };
        Some(text)
    }
}

/// Replace each `` `code` `` span by a placeholder.
fn replace_inline_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('`') {
        out.push_str(&rest[..i]);
        let ticks = rest[i..].bytes().take_while(|b| *b == b'`').count();
        let after = &rest[i + ticks..];
        let closer = "`".repeat(ticks);
        match after.find(&closer) {
            Some(j) => {
                out.push(CODE_PLACEHOLDER);
                rest = &after[j + ticks..];
            }
            None => {
                out.push_str(&rest[i..i + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/');
        match (is_tag, after.find('>')) {
            (true, Some(j)) => rest = &after[j + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Remove heading, quote, list and table syntax and enclosing emphasis; says which
/// block the line was (the innermost: a list item inside a quote is a list item).
fn strip_block_syntax(s: Cow<'_, str>) -> (Cow<'_, str>, Block) {
    let mut t: &str = s.trim();
    let mut block = Block::Text;
    loop {
        let before = t.len();
        if let Some(r) = t.strip_prefix('>') {
            t = r.trim_start();
        }
        let hashes = t.bytes().take_while(|b| *b == b'#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with([' ', '\t']) {
            t = t[hashes..].trim_start().trim_end_matches('#').trim_end();
            block = Block::Heading;
        }
        for marker in ["- ", "* ", "+ "] {
            if let Some(r) = t.strip_prefix(marker) {
                t = r.trim_start();
                block = Block::ListItem;
            }
        }
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && digits < 10
            && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
        {
            t = t[digits + 1..].trim_start();
            block = Block::ListItem;
        }
        if t.len() == before {
            break;
        }
    }
    // A table row: one non-empty cell stands alone; several cells are a sentence.
    if t.starts_with('|') {
        block = Block::TableCell(0);
        let cells: Vec<&str> = t
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if cells.len() == 1 {
            t = cells[0];
        } else {
            return (Cow::Owned(cells.join(" ")), block);
        }
    }
    loop {
        let before = t.len();
        for em in ["**", "__", "*", "_", "~~"] {
            if t.len() > 2 * em.len()
                && let Some(inner) = t.strip_prefix(em).and_then(|r| r.strip_suffix(em))
            {
                t = inner.trim();
                break;
            }
        }
        if t.len() == before {
            break;
        }
    }
    let text = match s {
        Cow::Borrowed(b) => {
            // Re-borrow from the original to keep the lifetime.
            let start = t.as_ptr() as usize - b.as_ptr() as usize;
            Cow::Borrowed(&b[start..start + t.len()])
        }
        Cow::Owned(_) => Cow::Owned(t.to_string()),
    };
    (text, block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean_all(text: &str) -> Vec<Option<String>> {
        let mut c = LineCleaner::new();
        text.lines()
            .map(|l| c.clean(l).map(|s| s.into_owned()))
            .collect()
    }

    #[test]
    fn block_syntax_and_emphasis_go() {
        for line in [
            "# 机密★5年",
            "> 机密★5年",
            "- 机密★5年",
            "1. 机密★5年",
            "| 机密★5年 |",
            "**机密★5年**",
            "*机密★5年*",
            "__机密★5年__",
            "> **机密★5年**",
            "<p align=\"right\">机密★5年</p>",
        ] {
            assert_eq!(
                clean_all(line),
                vec![Some("机密★5年".to_string())],
                "{line}"
            );
        }
        assert_eq!(
            clean_all("| 密级 | 机密★5年 |"),
            vec![Some("密级 机密★5年".to_string())]
        );
        assert_eq!(clean_all("机密*10年"), vec![Some("机密*10年".to_string())]);
    }

    #[test]
    fn code_is_quotation() {
        let text = "说明\n\n```text\n机密★1年\n```\n\n    秘密★5年\n\n示例：`秘密★1年`\n`机密★1年`\n~~~~\n```\n绝密★\n~~~~\n<!-- 机密★1年 -->\n<!--\n秘密★2年\n-->\n正文";
        let got = clean_all(text);
        let visible: Vec<String> = got
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(visible, vec!["说明", "示例：\u{fffc}", "\u{fffc}", "正文"]);
    }

    #[test]
    fn front_matter_is_found_only_at_the_top() {
        let fm = front_matter("---\n密级: 机密\ntitle: x\n---\n正文\n").unwrap();
        assert_eq!(fm.lines, vec![(2, "密级: 机密"), (3, "title: x")]);
        assert_eq!(fm.body_first_line, 5);
        assert!(front_matter("正文\n---\n密级: 机密\n---\n").is_none());
        assert!(front_matter("---\n未结束\n").is_none());
        assert!(front_matter("```markdown\n---\n密级: 机密\n---\n```\n").is_none());
    }
}
