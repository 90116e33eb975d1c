//! Tesseract's TSV output (`level page block par line word left top width height conf
//! text`) into lines: words joined in reading order, with no space between two CJK
//! words, and each line's mean word confidence. A line that reads as a mark is put in
//! its canonical form (`super::canonical_mark`), the glyph taken as the star not
//! counted in its confidence.

use super::{Line, Reading, canonical_mark};

/// Page, block, paragraph and line numbers: the words of one line share them.
type LineKey = (u32, u32, u32, u32);

struct Word {
    text: String,
    conf: f32,
    /// Left, top, right and bottom edges in pixels.
    bbox: (u32, u32, u32, u32),
}

/// Parse TSV of one image; rows that do not parse are ignored (Tesseract writes nothing
/// else).
pub fn parse(tsv: &str) -> Reading {
    parse_pages(tsv, 1).pop().unwrap_or_default()
}

/// Parse TSV of a run over `pages` images (a multi-page TIFF): one reading per page, in
/// order (Tesseract's `page_num` counts from 1); a page it wrote nothing for reads empty.
pub fn parse_pages(tsv: &str, pages: usize) -> Vec<Reading> {
    let mut out = vec![Reading::default(); pages];
    let mut current: Option<(LineKey, Vec<Word>)> = None;
    let mut flush = |line: Option<(LineKey, Vec<Word>)>| {
        if let Some(((page, ..), words)) = line
            && let Some(reading) = (page as usize).checked_sub(1).and_then(|i| out.get_mut(i))
        {
            reading.lines.push(self::line(&words));
        }
    };
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let key = (num(1), num(2), num(3), num(4));
        let text = cols[11..].join("\t").trim().to_string();
        let conf = cols[10].trim().parse::<f32>().unwrap_or(-1.0);
        if text.is_empty() || conf < 0.0 {
            continue;
        }
        let (left, top) = (num(6), num(7));
        let bbox = (left, top, left + num(8), top + num(9));
        let word = Word { text, conf, bbox };
        match &mut current {
            Some((k, words)) if *k == key => words.push(word),
            _ => flush(current.replace((key, vec![word]))),
        }
    }
    flush(current);
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

fn line(words: &[Word]) -> Line {
    let mut text = String::new();
    for w in words {
        let joins = text.ends_with(is_cjk) && w.text.starts_with(is_cjk);
        if !text.is_empty() && !joins {
            text.push(' ');
        }
        text.push_str(&w.text);
    }
    let bbox = words.iter().fold((u32::MAX, u32::MAX, 0, 0), |b, w| {
        (
            b.0.min(w.bbox.0),
            b.1.min(w.bbox.1),
            b.2.max(w.bbox.2),
            b.3.max(w.bbox.3),
        )
    });
    let (left, top, right, bottom) = if words.is_empty() { (0, 0, 0, 0) } else { bbox };
    let mut line = match canonical_mark(&text) {
        Some(mark) => {
            // The star's glyph is a guess with no confidence of its own: only the words
            // that carry the level and the term count.
            let counted: Vec<&Word> = words.iter().filter(|w| carries_mark(&w.text)).collect();
            Line::new(mark, mean(&counted))
        }
        None => Line::new(text, mean(&words.iter().collect::<Vec<_>>())),
    };
    line.bbox = (left, top, right, bottom);
    line
}

/// A word with a character of a level word, a digit or a term word in it.
fn carries_mark(w: &str) -> bool {
    w.chars()
        .any(|c| c.is_ascii_digit() || "绝机秘密年个月日天启用前长期解条件".contains(c))
}

/// Mean confidence, each word weighted by its characters.
fn mean(words: &[&Word]) -> f32 {
    let (sum, n) = words.iter().fold((0.0, 0usize), |(s, n), w| {
        let c = w.text.chars().count();
        (s + w.conf * c as f32, n + c)
    });
    if n == 0 { 0.0 } else { sum / n as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";

    fn row(line: u32, conf: f32, text: &str) -> String {
        format!("5\t1\t1\t1\t{line}\t1\t0\t0\t10\t10\t{conf}\t{text}\n")
    }

    /// Real output (page1.pdf at 200 dpi): the star read as `女` with confidence 0.
    #[test]
    fn lines_and_the_star() {
        let tsv = [
            HEAD.to_string(),
            "4\t1\t1\t1\t1\t0\t0\t0\t10\t10\t-1\t\n".into(),
            row(1, 90.2, "000001"),
            row(2, 92.3, "秘密"),
            row(2, 0.0, "女"),
            row(2, 96.9, "5"),
            row(2, 96.9, "年"),
            row(3, 93.0, "云岭市"),
            row(3, 96.0, "关于"),
            row(4, 80.0, "GB/T"),
            row(4, 80.0, "9704"),
        ]
        .concat();
        let r = parse(&tsv);
        let texts: Vec<&str> = r.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["000001", "秘密★5年", "云岭市关于", "GB/T 9704"]);
        assert!(r.lines[1].confidence > 90.0, "{:?}", r.lines[1]);
    }

    /// A run over three images: each page's lines, with their boxes; a page Tesseract
    /// wrote no word for reads empty, and a page number past the images is dropped.
    #[test]
    fn pages_and_boxes() {
        let tsv = [
            HEAD.to_string(),
            "5\t1\t1\t1\t1\t1\t30\t412\t90\t40\t93\t附件\n".into(),
            "5\t1\t1\t1\t1\t2\t130\t414\t20\t40\t90\t2\n".into(),
            "4\t1\t1\t1\t1\t0\t30\t412\t90\t40\t-1\t\n".into(),
            "5\t3\t1\t1\t1\t1\t33\t50\t60\t30\t91\t机密\n".into(),
            "5\t3\t1\t1\t2\t1\t33\t100\t60\t30\t91\t城西\n".into(),
            "5\t4\t1\t1\t1\t1\t33\t50\t60\t30\t91\t多余\n".into(),
        ]
        .concat();
        let pages = parse_pages(&tsv, 3);
        assert_eq!(pages.len(), 3);
        let first = &pages[0].lines;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].text, "附件 2");
        assert_eq!(first[0].bbox, (30, 412, 150, 454));
        assert!(pages[1].lines.is_empty());
        let texts: Vec<&str> = pages[2].lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["机密", "城西"]);
        assert_eq!(pages[2].lines[1].bbox, (33, 100, 93, 130));
        assert_eq!(parse(&tsv).lines.len(), 1);
    }

    #[test]
    fn garbage_is_nothing() {
        assert_eq!(parse("").lines.len(), 0);
        assert_eq!(parse("no tabs here\n5\tx\n").lines.len(), 0);
    }
}
