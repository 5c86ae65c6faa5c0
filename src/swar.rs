//! Byte classes checked eight bytes at a time in a `u64` (SWAR), for the
//! scans that touch every byte of a large spec or of its manifests.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Each byte's high bit set where the byte is `>= lo`. The bytes must be
/// ASCII (below 0x80): then the sums never carry into the next byte.
pub(crate) fn ge(x: u64, lo: u8) -> u64 {
    x + (0x80 - u64::from(lo)) * ONES
}

/// Each byte's high bit set where the byte is `> hi` (ASCII bytes, as [`ge`]).
pub(crate) fn gt(x: u64, hi: u8) -> u64 {
    x + (0x7f - u64::from(hi)) * ONES
}

/// Each byte's high bit set where the byte is `c`.
pub(crate) fn eq(x: u64, c: u8) -> u64 {
    let y = x ^ (u64::from(c) * ONES);
    !(((y & !HIGH) + !HIGH) | y | !HIGH)
}

/// Whether every byte is ASCII and in a class: `word` marks (high bits) the
/// bytes of an all-ASCII word that are in it; `byte` decides the last few.
pub(crate) fn all(b: &[u8], word: impl Fn(u64) -> u64, byte: impl Fn(u8) -> bool) -> bool {
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        if x & HIGH != 0 || word(x) & HIGH != HIGH {
            return false;
        }
    }
    chunks.remainder().iter().all(|&c| byte(c))
}
