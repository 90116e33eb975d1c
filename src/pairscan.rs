//! Whole-text searches for short needles in one vectorised pass over byte pairs.
//!
//! `memmem` picks the rarest bytes of a needle by their frequency in English text;
//! in Chinese UTF-8 every lead byte looks rare to it and is common, so its prefilter
//! stops often. Here the caller names, for each needle, two adjacent bytes it has
//! chosen as rare in Chinese text; blocks of the text where no such pair stands are
//! passed over without a branch, and each place where one does is settled by the
//! caller's own exact test. Only the speed depends on the choice of pairs, never the
//! answer. Nothing here knows what the needles mean.

/// Bytes looked at per step: two AVX2 registers, so that a step is a few instructions.
const BLOCK: usize = 64;

/// Whether `hit(i, k)` holds for some `i` where `bytes[i - 1]` and `bytes[i]` are
/// `pairs[k]`, trying such places in order (`i >= 1`).
pub fn any_pair<const N: usize>(
    bytes: &[u8],
    pairs: [(u8, u8); N],
    mut hit: impl FnMut(usize, usize) -> bool,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has just been found to support AVX2.
        return unsafe { any_pair_avx2(bytes, pairs, &mut hit) };
    }
    any_pair_portable(bytes, pairs, &mut hit)
}

/// `any_pair_portable` compiled for AVX2: the same code, twice the lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn any_pair_avx2<const N: usize>(
    bytes: &[u8],
    pairs: [(u8, u8); N],
    hit: &mut dyn FnMut(usize, usize) -> bool,
) -> bool {
    any_pair_portable(bytes, pairs, hit)
}

#[inline(always)]
fn any_pair_portable<const N: usize>(
    bytes: &[u8],
    pairs: [(u8, u8); N],
    hit: &mut dyn FnMut(usize, usize) -> bool,
) -> bool {
    if bytes.len() < 2 {
        return false;
    }
    let (prev, cur) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let mut prevs = prev.chunks_exact(BLOCK);
    let mut curs = cur.chunks_exact(BLOCK);
    let settle = |start: usize, hit: &mut dyn FnMut(usize, usize) -> bool| {
        let end = (start + BLOCK).min(cur.len());
        (start..end).any(|j| {
            pairs
                .iter()
                .position(|&(a, b)| prev[j] == a && cur[j] == b)
                .is_some_and(|k| hit(j + 1, k))
        })
    };
    let mut start = 0;
    for (p, c) in (&mut prevs).zip(&mut curs) {
        // Branch-free inside the block: it vectorises.
        let mut any = 0u8;
        for (a, b) in pairs {
            for (x, y) in p.iter().zip(c) {
                any |= u8::from((*x == a) & (*y == b));
            }
        }
        if any != 0 && settle(start, hit) {
            return true;
        }
        start += BLOCK;
    }
    start < cur.len() && settle(start, hit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every place of every pair is offered, in order, at every offset and across
    /// the block boundary; the answer is the exact test's.
    #[test]
    fn every_place_is_offered_in_order() {
        let filler = "正文内容，没有标志。".repeat(20);
        for at in (0..filler.len()).filter(|&i| filler.is_char_boundary(i)) {
            let text = format!("{}★a{}★", &filler[..at], &filler[at..]);
            let bytes = text.as_bytes();
            let star = "★".as_bytes();
            let mut seen = Vec::new();
            let found = any_pair(bytes, [(star[1], star[2]), (b'a', b'a')], |i, k| {
                seen.push((i, k));
                false
            });
            assert!(!found);
            let expected: Vec<(usize, usize)> =
                text.match_indices('★').map(|(i, _)| (i + 2, 0)).collect();
            assert_eq!(seen, expected, "at {at}");
            let first = any_pair(bytes, [(star[1], star[2])], |i, _| {
                bytes.get(i + 1) == Some(&b'a')
            });
            assert!(first);
        }
        assert!(!any_pair(b"", [(1, 2)], |_, _| true));
        assert!(!any_pair(b"\x01", [(1, 2)], |_, _| true));
        assert!(any_pair(b"\x01\x02", [(1, 2)], |i, k| (i, k) == (1, 0)));
    }
}
