//! The Unicode of each glyph of an embedded TrueType font, read backwards from the
//! font's own `cmap` table (formats 4 and 12 of its Unicode subtables): what a reader
//! falls back on when a CID font has no ToUnicode map, as pdftotext does. Where several
//! characters share a glyph, the unified ideograph wins over a radical or compatibility
//! form. A font without a Unicode subtable gives nothing; nothing here panics.

use std::collections::HashMap;

/// Characters mapped at most (a crafted table cannot make the map huge).
const MAX_MAPPED: usize = 1 << 20;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// Glyph id → character, from the best Unicode subtable of the font's `cmap`.
pub fn glyph_unicode(font: &[u8]) -> Option<HashMap<u16, char>> {
    let tables = usize::from(u16_at(font, 4)?);
    let cmap = (0..tables.min(512)).find_map(|i| {
        let rec = 12 + i * 16;
        (font.get(rec..rec + 4)? == b"cmap").then(|| u32_at(font, rec + 8))?
    })? as usize;
    let subtables = usize::from(u16_at(font, cmap + 2)?);
    let mut best: Option<(u8, usize)> = None;
    for i in 0..subtables.min(64) {
        let rec = cmap + 4 + i * 8;
        let (platform, encoding) = (u16_at(font, rec)?, u16_at(font, rec + 2)?);
        let at = cmap + u32_at(font, rec + 4)? as usize;
        let format = u16_at(font, at)?;
        let rank = match (platform, encoding, format) {
            (3, 10, 12) | (0, 4, 12) | (0, 6, 12) => 3,
            (3, 1, 4) | (0, 3, 4) => 2,
            (0, _, 4) => 1,
            _ => continue,
        };
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, at));
        }
    }
    let (_, at) = best?;
    let mut pairs = Vec::new();
    match u16_at(font, at)? {
        4 => format4(font, at, &mut pairs)?,
        _ => format12(font, at, &mut pairs)?,
    }
    let mut out: HashMap<u16, char> = HashMap::new();
    for (c, gid) in pairs {
        let Some(c) = char::from_u32(c) else { continue };
        if gid == 0 {
            continue;
        }
        match out.get(&gid) {
            Some(&had) if preference(had) <= preference(c) => {}
            _ => {
                out.insert(gid, c);
            }
        }
    }
    Some(out)
}

/// Lower is better: unified ideographs and ordinary characters, then radicals and
/// compatibility ideographs, then private use.
fn preference(c: char) -> (u8, u32) {
    let n = c as u32;
    let rank = match n {
        0xE000..=0xF8FF | 0xF0000.. => 2,
        0x2E80..=0x2FDF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F => 1,
        _ => 0,
    };
    (rank, n)
}

fn format4(d: &[u8], at: usize, out: &mut Vec<(u32, u16)>) -> Option<()> {
    let segs = usize::from(u16_at(d, at + 6)? / 2);
    let ends = at + 14;
    let starts = ends + segs * 2 + 2;
    let deltas = starts + segs * 2;
    let offsets = deltas + segs * 2;
    for s in 0..segs {
        let end = u16_at(d, ends + s * 2)?;
        let start = u16_at(d, starts + s * 2)?;
        let delta = u16_at(d, deltas + s * 2)?;
        let offset = u16_at(d, offsets + s * 2)?;
        if start > end {
            continue;
        }
        for c in start..=end {
            if c == 0xFFFF || out.len() >= MAX_MAPPED {
                break;
            }
            let gid = if offset == 0 {
                c.wrapping_add(delta)
            } else {
                let addr = offsets + s * 2 + usize::from(offset) + 2 * usize::from(c - start);
                match u16_at(d, addr) {
                    Some(0) | None => continue,
                    Some(g) => g.wrapping_add(delta),
                }
            };
            out.push((u32::from(c), gid));
        }
    }
    Some(())
}

fn format12(d: &[u8], at: usize, out: &mut Vec<(u32, u16)>) -> Option<()> {
    let groups = u32_at(d, at + 12)? as usize;
    for g in 0..groups.min(MAX_MAPPED) {
        let rec = at + 16 + g * 12;
        let (start, end, glyph) = (u32_at(d, rec)?, u32_at(d, rec + 4)?, u32_at(d, rec + 8)?);
        if start > end || end > 0x10FFFF {
            continue;
        }
        for c in start..=end {
            if out.len() >= MAX_MAPPED {
                return Some(());
            }
            let Ok(gid) = u16::try_from(glyph.saturating_add(c - start)) else {
                break;
            };
            out.push((c, gid));
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A font holding only a `cmap` with one format 4 subtable (3,1).
    fn font_with_format4(segments: &[(u16, u16, u16)]) -> Vec<u8> {
        let mut sub = Vec::new();
        let segs = segments.len() + 1;
        sub.extend_from_slice(&4u16.to_be_bytes());
        sub.extend_from_slice(&0u16.to_be_bytes()); // length, unread
        sub.extend_from_slice(&0u16.to_be_bytes());
        sub.extend_from_slice(&((segs * 2) as u16).to_be_bytes());
        sub.extend_from_slice(&[0; 6]);
        for &(_, end, _) in segments {
            sub.extend_from_slice(&end.to_be_bytes());
        }
        sub.extend_from_slice(&0xFFFFu16.to_be_bytes());
        sub.extend_from_slice(&[0, 0]);
        for &(start, _, _) in segments {
            sub.extend_from_slice(&start.to_be_bytes());
        }
        sub.extend_from_slice(&0xFFFFu16.to_be_bytes());
        for &(start, _, first_gid) in segments {
            sub.extend_from_slice(&first_gid.wrapping_sub(start).to_be_bytes());
        }
        sub.extend_from_slice(&1u16.to_be_bytes());
        sub.extend_from_slice(&vec![0; segs * 2]);
        let mut cmap = Vec::new();
        cmap.extend_from_slice(&[0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12]);
        cmap.extend_from_slice(&sub);
        let mut font = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        font.extend_from_slice(b"cmap");
        font.extend_from_slice(&[0; 4]);
        font.extend_from_slice(&28u32.to_be_bytes());
        font.extend_from_slice(&(cmap.len() as u32).to_be_bytes());
        font.extend_from_slice(&cmap);
        font
    }

    #[test]
    fn glyphs_read_backwards_and_ideographs_win() {
        // 密 at glyph 5; ⻚ (a radical) and 页 share glyph 9.
        let font = font_with_format4(&[
            (0x2EDA, 0x2EDA, 9),
            (0x5BC6, 0x5BC6, 5),
            (0x9875, 0x9875, 9),
        ]);
        let map = glyph_unicode(&font).unwrap();
        assert_eq!(map.get(&5), Some(&'密'));
        assert_eq!(map.get(&9), Some(&'页'));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn damaged_fonts_give_nothing_without_panicking() {
        let font = font_with_format4(&[(0x5BC6, 0x5BC8, 5)]);
        for cut in 0..font.len() {
            let _ = glyph_unicode(&font[..cut]);
        }
        let mut x: u64 = 0xDEAD_BEEF_CAFE_F00D;
        for _ in 0..2_000 {
            let mut f = font.clone();
            for _ in 0..3 {
                super::super::next_random(&mut x);
                let at = (x as usize) % f.len();
                f[at] = (x >> 32) as u8;
            }
            let _ = glyph_unicode(&f);
        }
        assert_eq!(glyph_unicode(b"not a font"), None);
    }
}
