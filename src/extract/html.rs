//! HTML to text: tags removed, blocks on their own lines, entities decoded.
//! Script, style, head and preformatted/code content are dropped (code is quotation,
//! not marking); inline `<code>` leaves a placeholder so its line is not a lone mark.
//! Each text line remembers the source line it started on.

/// Stands in for quoted code: not whitespace, not part of any mark.
pub const CODE_PLACEHOLDER: char = '\u{fffc}';

use super::Block;

const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "thead",
    "tbody",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "hr",
    "dd",
    "dt",
    "dl",
    "title",
    "body",
    "html",
    "main",
    "nav",
    "aside",
    "figure",
    "figcaption",
    "center",
    "address",
    "form",
    "caption",
];
/// Elements whose content is never text a reader sees as the document's own.
const SKIP: &[&str] = &[
    "script", "style", "head", "pre", "textarea", "template", "noscript", "svg", "math",
];

/// The text a reader sees, line by line.
pub struct Rendered {
    pub text: String,
    /// For each text line, its 1-based source line.
    pub line_map: Vec<u32>,
    /// For each text line, the block it lies in (list item, heading, table cell).
    pub blocks: Vec<Block>,
}

/// Open list items, headings and table cells around the current position.
#[derive(Default)]
struct Nesting {
    list_items: u32,
    headings: u32,
    cells: u32,
    /// The open tables, innermost last, and how many have been opened.
    tables: Vec<u32>,
    tables_seen: u32,
}

impl Nesting {
    fn enter(&mut self, name: &str, closing: bool) {
        if name == "table" {
            if closing {
                self.tables.pop();
            } else {
                self.tables_seen += 1;
                self.tables.push(self.tables_seen);
            }
            return;
        }
        let counter = match name {
            "li" | "dd" | "dt" => &mut self.list_items,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => &mut self.headings,
            "td" | "th" => &mut self.cells,
            _ => return,
        };
        *counter = if closing {
            counter.saturating_sub(1)
        } else {
            counter.saturating_add(1)
        };
    }

    /// The innermost kind wins where they nest: a cell of a table inside a list item.
    fn block(&self) -> Block {
        if self.cells > 0 {
            Block::TableCell(self.tables.last().copied().unwrap_or(0))
        } else if self.list_items > 0 {
            Block::ListItem
        } else if self.headings > 0 {
            Block::Heading
        } else {
            Block::Text
        }
    }
}

/// Render `html` to text lines.
pub fn render(html: &str) -> Rendered {
    let mut out = String::with_capacity(html.len() / 2);
    let mut map = vec![1u32];
    let mut blocks = vec![Block::Text];
    let mut nesting = Nesting::default();
    let mut line_has_text = false;
    let mut src_line: u32 = 1;
    let mut skip_until: Option<String> = None;
    let mut rest = html;
    let newline = |out: &mut String, map: &mut Vec<u32>, has: &mut bool, src: u32| {
        if *has {
            out.push('\n');
            map.push(src);
            *has = false;
        } else if let Some(last) = map.last_mut() {
            // Nothing on this line yet: it starts where the next text starts.
            *last = src;
            while out.ends_with([' ', '\t']) {
                out.pop();
            }
        }
    };
    // A line's block is the nesting where its first text appears.
    let mut block_known = false;
    let mut sync = |map: &Vec<u32>, has: bool, nesting: &Nesting| {
        if blocks.len() < map.len() {
            blocks.resize(map.len(), Block::Text);
            block_known = false;
        }
        if has && !block_known {
            if let Some(last) = blocks.last_mut() {
                *last = nesting.block();
            }
            block_known = true;
        }
    };
    while !rest.is_empty() {
        sync(&map, line_has_text, &nesting);
        let Some(lt) = rest.find('<') else {
            if skip_until.is_none() {
                push_text(rest, &mut out, &mut map, &mut line_has_text, &mut src_line);
            }
            break;
        };
        if skip_until.is_none() {
            push_text(
                &rest[..lt],
                &mut out,
                &mut map,
                &mut line_has_text,
                &mut src_line,
            );
            sync(&map, line_has_text, &nesting);
        } else {
            src_line += count_newlines(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").map_or(after.len(), |i| i + 3);
            src_line += count_newlines(&after[..end]);
            rest = &after[end..];
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |i| i + 1);
        let tag = &rest[..end];
        src_line += count_newlines(tag);
        rest = &rest[end..];
        let (closing, name) = tag_name(tag);
        if let Some(waiting) = &skip_until {
            if closing && name == *waiting {
                skip_until = None;
                if name == "pre" {
                    newline(&mut out, &mut map, &mut line_has_text, src_line);
                }
            }
            continue;
        }
        if !closing && SKIP.contains(&name.as_str()) && !tag.ends_with("/>") {
            if name == "pre" {
                newline(&mut out, &mut map, &mut line_has_text, src_line);
                out.push(CODE_PLACEHOLDER);
                line_has_text = true;
            }
            skip_until = Some(name);
            continue;
        }
        if name == "code" && !closing {
            // Inline code: skip to its end, leave a placeholder.
            let close = rest.find("</code").unwrap_or(rest.len());
            src_line += count_newlines(&rest[..close]);
            rest = &rest[close..];
            if !line_has_text && let Some(last) = map.last_mut() {
                *last = src_line;
            }
            out.push(CODE_PLACEHOLDER);
            line_has_text = true;
            continue;
        }
        if BLOCK.contains(&name.as_str()) {
            newline(&mut out, &mut map, &mut line_has_text, src_line);
        }
        if !tag.ends_with("/>") {
            nesting.enter(&name, closing);
        }
    }
    sync(&map, line_has_text, &nesting);
    Rendered {
        text: out,
        line_map: map,
        blocks,
    }
}

fn count_newlines(s: &str) -> u32 {
    memchr::memchr_iter(b'\n', s.as_bytes()).count() as u32
}

/// `</P class=x>` → (true, "p").
fn tag_name(tag: &str) -> (bool, String) {
    let inner = tag.trim_start_matches('<');
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, inner),
    };
    let name: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (closing, name)
}

fn push_text(raw: &str, out: &mut String, map: &mut [u32], has: &mut bool, src_line: &mut u32) {
    let text = decode_entities(raw);
    for c in text.chars() {
        if c == '\n' {
            *src_line += 1;
        }
        if c.is_ascii_whitespace() {
            if *has && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        if !*has {
            if let Some(last) = map.last_mut() {
                *last = *src_line;
            }
            *has = true;
        }
        out.push(c);
    }
}

fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // Bytes, not a str slice: byte 12 may fall inside a character.
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e + 1)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "emsp" | "ensp" | "thinsp" => ' ',
        "ldquo" => '“',
        "rdquo" => '”',
        "middot" => '·',
        "star" | "starf" | "bigstar" => '★',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text and, for each text line, its 1-based source line.
    fn to_text(html: &str) -> (String, Vec<u32>) {
        let r = render(html);
        (r.text, r.line_map)
    }

    #[test]
    fn blocks_become_lines_with_source_lines() {
        let html = "<html>\n<head><title>t</title></head>\n<body>\n<p>000001</p>\n<p><strong>机密★5年</strong></p>\n<h1>关于\n通知</h1>\n</body></html>";
        let (text, map) = to_text(html);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, vec!["000001", "机密★5年", "关于 通知"]);
        assert_eq!(&map[..3], &[4, 5, 6]);
    }

    #[test]
    fn lines_know_their_block() {
        let html = "<h1>秘密</h1>\n<ul><li>绝密</li><li><b>机密</b></li></ul><p>正文</p><table><tr><td>机密</td><td>20年</td></tr></table><ol><li><table><tr><td>x</td></tr></table></li></ol>";
        let r = render(html);
        let lines: Vec<(&str, Block)> = r.text.lines().zip(r.blocks.iter().copied()).collect();
        assert_eq!(
            lines,
            vec![
                ("秘密", Block::Heading),
                ("绝密", Block::ListItem),
                ("机密", Block::ListItem),
                ("正文", Block::Text),
                ("机密", Block::TableCell(1)),
                ("20年", Block::TableCell(1)),
                ("x", Block::TableCell(2)),
            ]
        );
        assert_eq!(r.blocks.len(), r.line_map.len());
    }

    #[test]
    fn code_script_and_pre_are_not_text() {
        let html = "<p><code>机密★1年</code></p><pre>\n秘密★5年\n</pre><script>var s='绝密★30年';</script><p>示例 <code>x</code> 机密★1年</p>";
        let (text, _) = to_text(html);
        assert!(!text.lines().any(|l| l.trim() == "机密★1年"), "{text:?}");
        assert!(
            !text.contains("秘密★5年") && !text.contains("绝密"),
            "{text:?}"
        );
    }

    #[test]
    fn entities_decode() {
        let (text, _) = to_text("<p>机密&#9733;10年 &amp; &lt;x&gt;&nbsp;&bogus;</p>");
        assert_eq!(text.trim_end(), "机密★10年 & <x>\u{a0}&bogus;");
        // An `&` followed by multi-byte text: the 12-byte window ends mid-character.
        let (text, _) = to_text("<p>&机密机密机密</p>");
        assert_eq!(text.trim_end(), "&机密机密机密");
    }

    #[test]
    fn broken_html_never_panics() {
        for s in [
            "<",
            "<p",
            "<!--",
            "&#xffffffff;",
            "<code>",
            "<pre>x",
            "</p>",
            "&",
            "<p>&#",
        ] {
            let _ = to_text(s);
        }
    }
}
