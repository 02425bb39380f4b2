//! FNV-1a, 64 bits: the cheap "are these still the same bytes" hash of watch mode's input
//! scan and of the owned-pages record. Not a defence against anyone (`sha256` is, for the
//! index).

/// FNV-1a, 64 bits, of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
