//! IDX files (the MNIST family's format): a parser for u8 images and labels, and a tiny writer.
//!
//! Layout, all integers big-endian (<http://yann.lecun.com/exdb/mnist/>):
//!
//! ```text
//! bytes 0–1  00 00
//! byte  2    element type: 0x08 u8 (the only one supported), 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//! byte  3    number of dimensions: 3 for images (n × rows × cols), 1 for labels (n)
//! then       one u32 per dimension, then the elements, row-major
//! ```
//!
//! So an images file starts with the magic number 0x00000803 and a labels file with 0x00000801.
//! The parser takes bytes that are already decompressed (the page inflates `.gz` with
//! `DecompressionStream`); every error says what was expected and what was found, because it is
//! shown to the person who chose the file.

use crate::error::{Error, Result};

/// Magic number of an images file: u8 elements, 3 dimensions (n × rows × cols).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of a labels file: u8 elements, 1 dimension (n).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Header sizes: 4 bytes of magic plus 4 per dimension.
const IMAGES_HEADER: usize = 16;
const LABELS_HEADER: usize = 8;

/// A parsed images file, borrowing its pixels from the input: `n` images of `rows × cols` u8
/// pixels, image-major, each row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdxImages<'a> {
    pub n: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: &'a [u8],
}

/// Parses an (uncompressed) IDX images file: magic 0x00000803, then n, rows, cols, then
/// n·rows·cols u8 pixels. The file must be exactly that long.
pub fn parse_images(bytes: &[u8]) -> Result<IdxImages<'_>> {
    const WHAT: &str = "images file";
    check_start(WHAT, bytes, 3)?;
    let header = bytes.get(..IMAGES_HEADER).ok_or_else(|| {
        Error::Data(format!(
            "{WHAT} is truncated: an images header is {IMAGES_HEADER} bytes (magic, count, rows, cols) \
             but the file has {} bytes",
            bytes.len()
        ))
    })?;
    let n = be_u32(header, 4);
    let rows = be_u32(header, 8);
    let cols = be_u32(header, 12);
    if rows == 0 || cols == 0 {
        return Err(Error::Data(format!(
            "{WHAT}: header says images of {rows}×{cols} pixels; both sides must be at least 1"
        )));
    }
    // n·rows·cols can exceed usize on wasm32 (a corrupt header); checked arithmetic says so.
    let expected = n.checked_mul(rows).and_then(|v| v.checked_mul(cols)).and_then(|v| v.checked_add(IMAGES_HEADER));
    let found = bytes.len();
    let Some(expected) = expected else {
        return Err(Error::Data(format!(
            "{WHAT}: header says {} images of {rows}×{cols}, which is more data than this machine can \
             address; the header is probably corrupt",
            thousands(n)
        )));
    };
    if found != expected {
        let (state, hint) = if found < expected {
            ("is truncated", "was the download or copy cut short?")
        } else {
            ("is longer than its header says", "is it a different file with a similar name?")
        };
        return Err(Error::Data(format!(
            "{WHAT} {state}: header says {} images of {rows}×{cols} ({} bytes) but the file has {} bytes; {hint}",
            thousands(n),
            thousands(expected),
            thousands(found)
        )));
    }
    Ok(IdxImages { n, rows, cols, pixels: &bytes[IMAGES_HEADER..] })
}

/// Parses an (uncompressed) IDX labels file: magic 0x00000801, then n, then n u8 labels, each
/// of which must be below `classes`.
pub fn parse_labels(bytes: &[u8], classes: usize) -> Result<&[u8]> {
    const WHAT: &str = "labels file";
    check_start(WHAT, bytes, 1)?;
    let header = bytes.get(..LABELS_HEADER).ok_or_else(|| {
        Error::Data(format!(
            "{WHAT} is truncated: a labels header is {LABELS_HEADER} bytes (magic, count) but the file has {} bytes",
            bytes.len()
        ))
    })?;
    let n = be_u32(header, 4);
    let found = bytes.len();
    let expected = n.checked_add(LABELS_HEADER);
    if expected != Some(found) {
        let expected = expected.map_or_else(|| "more than can be addressed".to_string(), thousands);
        let state =
            if found < n.saturating_add(LABELS_HEADER) { "is truncated" } else { "is longer than its header says" };
        return Err(Error::Data(format!(
            "{WHAT} {state}: header says {} labels ({expected} bytes) but the file has {} bytes",
            thousands(n),
            thousands(found)
        )));
    }
    let labels = &bytes[LABELS_HEADER..];
    check_labels(labels, classes)?;
    Ok(labels)
}

/// What an IDX file holds, as the page needs it to pair a person's files and count examples before
/// an engine takes them: read by this parser, so the page and the engine judge a file alike.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdxInfo {
    /// "images" or "labels".
    pub kind: &'static str,
    pub count: usize,
    /// Image sides (0 for labels).
    pub rows: usize,
    pub cols: usize,
    /// The largest label (labels files only).
    pub max_label: Option<u8>,
    /// Bytes before the first element.
    pub header_bytes: usize,
}

/// Reads and checks a whole IDX file of either kind; its fourth byte (the number of dimensions)
/// says which: 1 is labels, anything else is read as images (whose checks explain what is wrong).
pub fn read_info(bytes: &[u8]) -> Result<IdxInfo> {
    if bytes.get(..4) == Some(&LABELS_MAGIC.to_be_bytes()[..]) {
        let labels = parse_labels(bytes, 256)?;
        let kind = "labels";
        return Ok(IdxInfo {
            kind,
            count: labels.len(),
            rows: 0,
            cols: 0,
            max_label: labels.iter().copied().max(),
            header_bytes: LABELS_HEADER,
        });
    }
    let images = parse_images(bytes)?;
    Ok(IdxInfo {
        kind: "images",
        count: images.n,
        rows: images.rows,
        cols: images.cols,
        max_label: None,
        header_bytes: IMAGES_HEADER,
    })
}

/// Checks that every label is in `0..classes`: "label 12 at index 57 is outside 0..9".
pub fn check_labels(labels: &[u8], classes: usize) -> Result<()> {
    if let Some((i, &l)) = labels.iter().enumerate().find(|&(_, &l)| usize::from(l) >= classes) {
        let range = match classes {
            0 => "0..0 (no classes)".to_string(),
            c => format!("0..{}", c - 1),
        };
        return Err(Error::Data(format!(
            "label {l} at index {} is outside {range}; the labels do not fit a {classes}-class dataset",
            thousands(i)
        )));
    }
    Ok(())
}

/// Writes an IDX images file (magic 0x00000803): `pixels` holds `n` images of `rows × cols`.
pub fn encode_images(n: usize, rows: usize, cols: usize, pixels: &[u8]) -> Result<Vec<u8>> {
    let expected = n.checked_mul(rows).and_then(|v| v.checked_mul(cols));
    if expected != Some(pixels.len()) {
        return Err(Error::Usage(format!(
            "encode_images: {n} images of {rows}×{cols} need {} pixels but {} were given",
            expected.map_or_else(|| "more than can be addressed".to_string(), thousands),
            thousands(pixels.len())
        )));
    }
    let mut out = Vec::with_capacity(IMAGES_HEADER + pixels.len());
    out.extend_from_slice(&IMAGES_MAGIC.to_be_bytes());
    for d in [n, rows, cols] {
        out.extend_from_slice(&dim_u32("encode_images", d)?.to_be_bytes());
    }
    out.extend_from_slice(pixels);
    Ok(out)
}

/// Writes an IDX labels file (magic 0x00000801).
pub fn encode_labels(labels: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(LABELS_HEADER + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&dim_u32("encode_labels", labels.len())?.to_be_bytes());
    out.extend_from_slice(labels);
    Ok(out)
}

/// `10000` → `"10,000"`, for messages a person reads.
pub(crate) fn thousands(v: usize) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Checks the four magic bytes: not empty, not gzip, not some other format, u8 elements, and the
/// right number of dimensions (3 for images, 1 for labels), naming a swapped pair as such.
fn check_start(what: &str, bytes: &[u8], want_dims: u8) -> Result<()> {
    let kind = if want_dims == 3 { "images" } else { "labels" };
    let want_magic = u32::from(want_dims) | 0x0800;
    match bytes {
        [] => {
            return Err(Error::Data(format!("{what} is empty (0 bytes); expected an IDX {kind} file")));
        }
        [0x1f, 0x8b, ..] => {
            return Err(Error::Data(format!(
                "{what}: this file is still gzip-compressed (it starts with 1f 8b); decompress it first \
                 (for example with gunzip) or choose the .gz file so it is inflated for you"
            )));
        }
        _ => {}
    }
    let Some(&[b0, b1, ty, dims]) = bytes.get(..4).and_then(|s| <&[u8; 4]>::try_from(s).ok()) else {
        return Err(Error::Data(format!(
            "{what} is truncated: it has only {} bytes, not even the 4-byte magic number 0x{want_magic:08X}",
            bytes.len()
        )));
    };
    let found_magic = u32::from_be_bytes([b0, b1, ty, dims]);
    if (b0, b1) != (0, 0) {
        // A header written little-endian reads 03 08 00 00 instead of 00 00 08 03.
        let hint = if (dims, ty) == (0, 0) && b1 == 0x08 {
            "; it looks byte-swapped (little-endian), but IDX headers are big-endian"
        } else {
            ""
        };
        return Err(Error::Data(format!(
            "{what} is not an IDX file: expected it to start with the magic number 0x{want_magic:08X}, \
             found bytes {b0:02x} {b1:02x} {ty:02x} {dims:02x}{hint}"
        )));
    }
    if ty != 0x08 {
        let name = match ty {
            0x09 => "signed byte",
            0x0B => "16-bit integer",
            0x0C => "32-bit integer",
            0x0D => "32-bit float",
            0x0E => "64-bit float",
            _ => "not a valid IDX type",
        };
        return Err(Error::Data(format!(
            "{what}: element type 0x{ty:02X} ({name}) is not supported; only 0x08 (unsigned byte) is \
             (magic number found: 0x{found_magic:08X}, expected 0x{want_magic:08X})"
        )));
    }
    if dims != want_dims {
        let message = match dims {
            1 => format!(
                "{what}: magic number 0x{found_magic:08X} is a labels file, not an images file — \
                 did you swap the two files?"
            ),
            3 => format!(
                "{what}: magic number 0x{found_magic:08X} is an images file, not a labels file — \
                 did you swap the two files?"
            ),
            d => format!(
                "{what}: magic number 0x{found_magic:08X} says {d} dimensions, but an IDX {kind} file has \
                 {want_dims} ({}); expected magic number 0x{want_magic:08X}",
                if want_dims == 3 { "count × rows × cols" } else { "count" }
            ),
        };
        return Err(Error::Data(message));
    }
    Ok(())
}

/// The big-endian u32 at `at` in a header whose length was already checked.
fn be_u32(header: &[u8], at: usize) -> usize {
    let b = [header[at], header[at + 1], header[at + 2], header[at + 3]];
    u32::from_be_bytes(b) as usize
}

fn dim_u32(op: &str, d: usize) -> Result<u32> {
    u32::try_from(d).map_err(|_| Error::Usage(format!("{op}: dimension {d} does not fit the IDX header's u32")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<impl std::fmt::Debug>) -> String {
        match r {
            Err(Error::Data(m)) => m,
            other => panic!("expected Error::Data, got {other:?}"),
        }
    }

    /// 2 images of 2×3: header (16 bytes) + 12 pixels.
    fn tiny_images() -> Vec<u8> {
        let mut b = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
        b.extend(1..=12u8);
        b
    }

    #[test]
    fn parses_hand_made_images_and_labels() -> Result<()> {
        let bytes = tiny_images();
        let img = parse_images(&bytes)?;
        assert_eq!((img.n, img.rows, img.cols), (2, 2, 3));
        assert_eq!(img.pixels, &(1..=12u8).collect::<Vec<_>>()[..]);
        let labels = parse_labels(&[0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1], 3)?;
        assert_eq!(labels, &[2, 0, 1]);
        Ok(())
    }

    #[test]
    fn writer_round_trips() -> Result<()> {
        let bytes = encode_images(2, 2, 3, &(1..=12u8).collect::<Vec<_>>())?;
        assert_eq!(bytes, tiny_images());
        let img = parse_images(&bytes)?;
        assert_eq!((img.n, img.rows, img.cols, img.pixels.len()), (2, 2, 3, 12));
        let lab = encode_labels(&[9, 0, 4])?;
        assert_eq!(lab, [0, 0, 8, 1, 0, 0, 0, 3, 9, 0, 4]);
        assert_eq!(parse_labels(&lab, 10)?, &[9, 0, 4]);
        assert!(matches!(encode_images(2, 2, 3, &[0; 11]), Err(Error::Usage(_))));
        Ok(())
    }

    #[test]
    fn empty_and_gzip_and_foreign_files() {
        assert_eq!(message(parse_images(&[])), "images file is empty (0 bytes); expected an IDX images file");
        assert!(message(parse_labels(&[0x1f, 0x8b, 8, 0, 0, 0], 10)).contains("still gzip-compressed"));
        let m = message(parse_images(b"PK\x03\x04rest"));
        assert!(m.contains("not an IDX file") && m.contains("50 4b 03 04"), "{m}");
        let m = message(parse_images(&[3, 8, 0, 0, 0, 0, 0, 0]));
        assert!(m.contains("byte-swapped"), "{m}");
        let m = message(parse_images(&[0, 0, 8]));
        assert!(m.contains("only 3 bytes"), "{m}");
    }

    #[test]
    fn swapped_files_are_named() {
        assert_eq!(
            message(parse_images(&[0, 0, 8, 1, 0, 0, 0, 1, 5])),
            "images file: magic number 0x00000801 is a labels file, not an images file — did you swap the two files?"
        );
        assert_eq!(
            message(parse_labels(&tiny_images(), 10)),
            "labels file: magic number 0x00000803 is an images file, not a labels file — did you swap the two files?"
        );
        let m = message(parse_images(&[0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 7]));
        assert!(m.contains("says 2 dimensions"), "{m}");
    }

    #[test]
    fn unsupported_element_type() {
        let m = message(parse_images(&[0, 0, 0x0D, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]));
        assert!(m.contains("0x0D (32-bit float) is not supported"), "{m}");
    }

    #[test]
    fn truncated_and_overlong() {
        let mut bytes = tiny_images();
        bytes.pop();
        assert_eq!(
            message(parse_images(&bytes)),
            "images file is truncated: header says 2 images of 2×3 (28 bytes) but the file has 27 bytes; \
             was the download or copy cut short?"
        );
        bytes.extend([0, 0]);
        assert!(message(parse_images(&bytes)).contains("longer than its header says"));
        let m = message(parse_images(&tiny_images()[..10]));
        assert!(m.contains("header is 16 bytes") && m.contains("has 10 bytes"), "{m}");
        let m = message(parse_labels(&[0, 0, 8, 1, 0, 0, 0, 3, 1], 10));
        assert!(m.contains("truncated: header says 3 labels (11 bytes) but the file has 9 bytes"), "{m}");
        // A corrupt header asking for 2³²−1 images of 2³²−1 × 2³²−1 must not overflow.
        let m = message(parse_images(&[0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]));
        assert!(m.contains("probably corrupt") || m.contains("truncated"), "{m}");
    }

    #[test]
    fn labels_outside_the_classes() -> Result<()> {
        let mut labels = vec![0u8; 60];
        labels[57] = 12;
        let bytes = encode_labels(&labels)?;
        assert_eq!(
            message(parse_labels(&bytes, 10)),
            "label 12 at index 57 is outside 0..9; the labels do not fit a 10-class dataset"
        );
        Ok(())
    }

    #[test]
    fn read_info_tells_the_kind_the_count_and_the_largest_label() -> Result<()> {
        let images = encode_images(3, 2, 5, &[0; 30])?;
        let info = read_info(&images)?;
        assert_eq!(
            (info.kind, info.count, info.rows, info.cols, info.max_label, info.header_bytes),
            ("images", 3, 2, 5, None, 16)
        );
        let labels = encode_labels(&[4, 9, 2])?;
        let info = read_info(&labels)?;
        assert_eq!((info.kind, info.count, info.max_label, info.header_bytes), ("labels", 3, Some(9), 8));
        // Anything else is read as images, whose checks say what is wrong.
        let msg = read_info(b"GIF89a").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("is not an IDX file"), "{msg}");
        Ok(())
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(7_840_016), "7,840,016");
    }
}
