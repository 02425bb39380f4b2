//! Bytes → deterministic gzip (RFC 1952), for the `.gz` copies (`DOWNPAGE_GZIP`) and the
//! tarball. Pure: the header carries no file name and a zero time, so the same bytes always
//! give the same `.gz`, whatever the time or file name (like `gzip -n -9`).

use std::io::Write;

use flate2::{Compression, GzBuilder};

/// The gzip stream of `data` at the best compression, with a header without name or time;
/// the OS byte says Unix.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(Vec::with_capacity(data.len() / 3 + 64), Compression::best());
    // Writing into a Vec cannot fail.
    encoder
        .write_all(data)
        .and_then(|()| encoder.try_finish())
        .expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

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
