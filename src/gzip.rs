//! Bytes → deterministic gzip (RFC 1952), for the `.gz` copies (`DOWNPAGE_GZIP`) and the
//! tarball. Pure: the header carries no file name and a zero time, so the same bytes always
//! give the same `.gz`, whatever the time or file name. The deflate stream comes from
//! `miniz_oxide`; the 18 bytes of framing and the CRC-32 are written here (flate2 and
//! crc32fast, with its 16 KB of tables, cost more binary than they save code).

/// The gzip stream of `data` at the best compression, with a header without name or time
/// (like `gzip -n -9`: the XFL byte says "best", the OS byte says Unix).
pub fn compress(data: &[u8]) -> Vec<u8> {
    let deflated = miniz_oxide::deflate::compress_to_vec(data, 9);
    let mut out = Vec::with_capacity(deflated.len() + 18);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    out.extend_from_slice(&deflated);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as gzip's trailer needs.
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &b| {
        CRC_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn crc32_check_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414f_a339
        );
    }

    #[test]
    fn header_has_no_name_or_time_and_an_independent_decoder_reads_it() {
        let data = b"<h1>Bad Gateway</h1>".repeat(50);
        let gz = compress(&data);
        assert_eq!(&gz[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
        assert!(gz.len() < data.len() / 4);
        assert_eq!(gz, compress(&data));
        for input in [&data[..], b""] {
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&compress(input)[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, input);
        }
    }
}
