//! Glyphs placed on a page into lines of text, top to bottom: glyphs that follow one
//! another along a baseline make a run; runs on one baseline make a line, left to
//! right, a wide gap starting a new one; text drawn twice in place (fake bold) is kept
//! once; a space goes where a gap is wider than a space's worth. Vertical and rotated
//! runs are lines of their own. Nothing is dropped but an exact overdraw.

use super::content::Placed;

struct Run {
    text: String,
    x: f64,
    y: f64,
    end_x: f64,
    size: f64,
    /// Along the page's horizontal, left to right.
    horizontal: bool,
    /// Each glyph's text and origin, for the overdraw test.
    last: Option<Last>,
}

/// The last glyph of a run: its text, origin and advance.
struct Last {
    text: String,
    x: f64,
    y: f64,
    advance: f64,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF | 0x2605 | 0x2606)
}

/// Whether a gap of `gap` between `before` and `after` (at font size `size`) reads as a
/// space: a fifth of the size between Latin letters; half between a CJK character and
/// a Latin one (the automatic spacing word processors put around digits in Chinese —
/// `10年` — is no space); more between CJK characters (justified Chinese lines are
/// spread wider than that without any space).
fn spaced(before: &str, after: &str, gap: f64, size: f64) -> bool {
    if before.ends_with(char::is_whitespace) || after.starts_with(char::is_whitespace) {
        return false;
    }
    let left = before.chars().next_back().is_some_and(is_cjk);
    let right = after.chars().next().is_some_and(is_cjk);
    let share = match (left, right) {
        (true, true) => 0.6,
        (false, false) => 0.2,
        _ => 0.5,
    };
    gap > size * share
}

/// Group glyphs, in the order drawn, into runs.
fn runs(glyphs: &[Placed]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut prev: Option<&Placed> = None;
    for g in glyphs {
        let size = g.size.max(0.1);
        let (dx, dy) = (g.end_x - g.x, g.end_y - g.y);
        let horizontal = !g.vertical && dx >= 0.0 && dy.abs() <= dx.abs() * 0.05 + 1e-6;
        // The same glyph drawn again in place (fake bold, a shadow): once. In place is
        // well within its own advance — a narrow letter repeated (`ll` in a condensed
        // font) moves on by its advance and is kept.
        let overdraw = runs.last().and_then(|r| r.last.as_ref()).is_some_and(|l| {
            let near = (0.3 * l.advance).max(0.01 * size);
            l.text == g.text && (g.x - l.x).hypot(g.y - l.y) < near
        });
        if overdraw {
            continue;
        }
        // Where this glyph starts, against where the last one ended: along the baseline
        // (its distance, when it joins the run) and across it.
        let joins = prev.and_then(|p| {
            let run = runs.last().expect("a glyph before means a run");
            if p.vertical != g.vertical || run.horizontal != horizontal {
                return None;
            }
            let (ux, uy) = direction(p);
            let (ox, oy) = (g.x - p.end_x, g.y - p.end_y);
            let along = ox * ux + oy * uy;
            let across = (ox * uy - oy * ux).abs();
            (across < 0.35 * size && along > -0.6 * size && along < 1.5 * size)
                .then(|| (along, ox.hypot(oy)))
        });
        if let Some((along, gap)) = joins {
            let run = runs.last_mut().expect("joins implies a run");
            if along > 0.0 && spaced(&run.text, &g.text, gap, size) {
                run.text.push(' ');
            }
            run.text.push_str(&g.text);
            run.end_x = run.end_x.max(g.end_x);
            run.size = run.size.max(size);
            run.last = Some(last(g));
        } else {
            runs.push(Run {
                text: g.text.clone(),
                x: g.x,
                y: g.y,
                end_x: g.end_x.max(g.x),
                size,
                horizontal,
                last: Some(last(g)),
            });
        }
        prev = Some(g);
    }
    runs
}

fn last(g: &Placed) -> Last {
    Last {
        text: g.text.clone(),
        x: g.x,
        y: g.y,
        advance: (g.end_x - g.x).hypot(g.end_y - g.y),
    }
}

/// The unit vector along a glyph's baseline (right for a zero-width glyph; down for
/// vertical writing).
fn direction(g: &Placed) -> (f64, f64) {
    let (dx, dy) = (g.end_x - g.x, g.end_y - g.y);
    let len = dx.hypot(dy);
    if len < 1e-9 {
        return if g.vertical { (0.0, -1.0) } else { (1.0, 0.0) };
    }
    (dx / len, dy / len)
}

/// The page's text: its lines, top to bottom, each ending in `\n`.
pub fn text(glyphs: &[Placed]) -> String {
    let runs = runs(glyphs);
    // Horizontal runs grouped by baseline, top first; others stand alone.
    let mut horizontal: Vec<&Run> = runs
        .iter()
        .filter(|r| r.horizontal && !r.text.trim().is_empty())
        .collect();
    horizontal.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<(f64, f64, String)> = Vec::new();
    let mut i = 0;
    while i < horizontal.len() {
        let first = horizontal[i];
        let mut row: Vec<&Run> = vec![first];
        let mut j = i + 1;
        while j < horizontal.len() {
            let r = horizontal[j];
            // The larger size: a raised, smaller ★ or superscript stays on its line.
            let tolerance = 0.4 * first.size.max(r.size);
            if (first.y - r.y).abs() > tolerance {
                break;
            }
            row.push(r);
            j += 1;
        }
        i = j;
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut line = String::new();
        let mut start_x = row[0].x;
        let mut end: Option<&Run> = None;
        for r in row {
            if let Some(prev) = end {
                // The same run drawn again in place (a shadow, fake bold).
                if prev.text == r.text && (prev.x - r.x).abs() < 0.2 * r.size {
                    continue;
                }
                let gap = r.x - prev.end_x;
                if gap > 4.0 * r.size.max(prev.size) {
                    lines.push((first.y, start_x, std::mem::take(&mut line)));
                    start_x = r.x;
                } else if spaced(&line, &r.text, gap, r.size.max(prev.size)) || gap < -0.6 * r.size
                {
                    line.push(' ');
                }
            }
            line.push_str(&r.text);
            end = Some(r);
        }
        lines.push((first.y, start_x, line));
    }
    // Vertical columns are read right to left: among runs starting level, the one
    // further right comes first.
    for r in runs
        .iter()
        .filter(|r| !r.horizontal && !r.text.trim().is_empty())
    {
        lines.push((r.y, -r.x, r.text.clone()));
    }
    // Top to bottom; a row split at a wide gap keeps its parts left to right.
    lines.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
    let mut out = String::new();
    for (_, _, line) in lines {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs of `text` from (x, y), each `w` wide at size `size`.
    fn line(text: &str, x: f64, y: f64, w: f64, size: f64) -> Vec<Placed> {
        text.chars()
            .enumerate()
            .map(|(i, c)| Placed {
                text: c.to_string(),
                x: x + i as f64 * w,
                y,
                end_x: x + (i + 1) as f64 * w,
                end_y: y,
                size,
                vertical: false,
            })
            .collect()
    }

    #[test]
    fn lines_top_to_bottom_whatever_the_drawing_order() {
        let mut g = line("正文第一行", 72.0, 600.0, 16.0, 16.0);
        g.extend(line("机密★10年", 72.0, 780.0, 16.0, 16.0));
        g.extend(line("000001", 72.0, 800.0, 8.0, 16.0));
        assert_eq!(text(&g), "000001\n机密★10年\n正文第一行\n");
    }

    #[test]
    fn runs_on_one_baseline_join_and_spaces_follow_gaps() {
        // A mark drawn in three fonts: CJK, then digits, then CJK again.
        let mut g = line("机密★", 72.0, 780.0, 16.0, 16.0);
        g.extend(line("10", 120.0, 780.5, 8.0, 16.0));
        g.extend(line("年", 136.0, 780.0, 16.0, 16.0));
        assert_eq!(text(&g), "机密★10年\n");
        // Word processors' automatic space between digits and CJK: no space.
        let mut g = line("机密★", 72.0, 780.0, 16.0, 16.0);
        g.extend(line("10", 120.0 + 4.0, 780.0, 8.0, 16.0));
        g.extend(line("年", 140.0 + 4.0, 780.0, 16.0, 16.0));
        assert_eq!(text(&g), "机密★10年\n");
        let mut g = line("Hello", 72.0, 700.0, 6.0, 12.0);
        g.extend(line("world", 72.0 + 30.0 + 4.0, 700.0, 6.0, 12.0));
        assert_eq!(text(&g), "Hello world\n");
        // A wide gap on one baseline: two lines, left first.
        let mut g = line("左栏", 72.0, 700.0, 12.0, 12.0);
        g.extend(line("右栏", 400.0, 700.0, 12.0, 12.0));
        assert_eq!(text(&g), "左栏\n右栏\n");
    }

    #[test]
    fn fake_bold_is_read_once() {
        let mut g = Vec::new();
        for c in line("绝密", 72.0, 700.0, 16.0, 16.0) {
            let mut shifted = c.clone();
            shifted.x += 0.3;
            shifted.end_x += 0.3;
            g.push(c);
            g.push(shifted);
        }
        assert_eq!(text(&g), "绝密\n");
        // A whole run drawn again, slightly offset.
        let mut g = line("秘密★1年", 72.0, 700.0, 16.0, 16.0);
        g.extend(line("秘密★1年", 72.4, 700.2, 16.0, 16.0));
        assert_eq!(text(&g), "秘密★1年\n");
    }

    #[test]
    fn narrow_letters_repeated_are_kept_and_a_raised_star_stays_on_its_line() {
        // `ll` at 0.15 em a letter (a condensed font, `80 Tz`, negative `Tc`).
        let g = line("Hello, all will fill", 72.0, 700.0, 1.8, 12.0);
        assert_eq!(text(&g), "Hello, all will fill\n");
        // A smaller ★ raised 6 pt between 机密 and 10年.
        let mut g = line("机密", 72.0, 700.0, 16.0, 16.0);
        g.extend(line("★", 104.0, 706.0, 8.0, 8.0));
        g.extend(line("10", 112.0, 700.0, 8.0, 16.0));
        g.extend(line("年", 128.0, 700.0, 16.0, 16.0));
        assert_eq!(text(&g), "机密★10年\n");
    }

    #[test]
    fn justified_chinese_gets_no_spaces_but_spread_titles_do() {
        let g = line("关于做好保密工作的通知", 72.0, 700.0, 18.0, 16.0);
        assert_eq!(text(&g), "关于做好保密工作的通知\n");
        // A title spread by positioning each character (not by character spacing,
        // which is part of the advance): a gap of two characters reads as a space.
        let mut g = line("通", 72.0, 700.0, 16.0, 16.0);
        g.extend(line("知", 120.0, 700.0, 16.0, 16.0));
        assert_eq!(text(&g), "通 知\n");
    }

    #[test]
    fn vertical_and_rotated_runs_stand_alone() {
        let g: Vec<Placed> = "机密"
            .chars()
            .enumerate()
            .map(|(i, c)| Placed {
                text: c.to_string(),
                x: 500.0,
                y: 700.0 - 16.0 * i as f64,
                end_x: 500.0,
                end_y: 700.0 - 16.0 * (i + 1) as f64,
                size: 16.0,
                vertical: true,
            })
            .collect();
        assert_eq!(text(&g), "机密\n");
        // Two columns starting level: the right one first.
        let column = |s: &str, x: f64| -> Vec<Placed> {
            s.chars()
                .enumerate()
                .map(|(i, c)| Placed {
                    text: c.to_string(),
                    x,
                    y: 700.0 - 16.0 * i as f64,
                    end_x: x,
                    end_y: 700.0 - 16.0 * (i + 1) as f64,
                    size: 16.0,
                    vertical: true,
                })
                .collect()
        };
        let mut g = column("左列", 400.0);
        g.extend(column("右列", 500.0));
        assert_eq!(text(&g), "右列\n左列\n");
    }
}
