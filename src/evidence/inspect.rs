//! Deciding what an uploaded file really is from its bytes, refusing what we
//! do not accept, and removing metadata from images.
//!
//! Images get a full check: PNG is decoded row by row (memory bounded by one
//! row), JPEG and WebP are decoded with `image` under explicit limits. The
//! pixel count is read from the header and refused *before* any decoding.

use std::io::{BufRead, Cursor, Read, Seek, SeekFrom, Write};

use bytes::Bytes;
use image::ImageFormat;
use img_parts::webp::WebP;
use img_parts::ImageEXIF;

use super::EvidenceKind;
use crate::domain::signals::image_hash::{self, Fingerprint};

/// Why a file was refused; the caller names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

fn reject(code: &'static str, message: impl Into<String>) -> Rejection {
    Rejection {
        code,
        message: message.into(),
    }
}

fn corrupt(kind: &str, detail: impl std::fmt::Display) -> Rejection {
    reject(
        "corrupt_image",
        format!("not a valid {kind} image: {detail}"),
    )
}

/// A file that passed inspection, with the bytes to store.
#[derive(Debug)]
pub struct Inspected {
    pub kind: EvidenceKind,
    /// What to store: the image without metadata, or the original bytes.
    pub stored: Bytes,
    pub dimensions: Option<(u32, u32)>,
    /// The image's fingerprint, computed from the pixels decoded to check it
    /// (whole for JPEG and WebP, row by row for PNG), so the signals worker
    /// need not decode it again.
    pub fingerprint: Option<Fingerprint>,
}

/// Inspects a whole upload held in memory.
pub fn inspect(data: Bytes, max_pixels: u64) -> Result<Inspected, Rejection> {
    if data.is_empty() {
        return Err(reject("empty", "the file is empty"));
    }
    match sniff(&data) {
        Some(EvidenceKind::Png) => inspect_png(data, max_pixels),
        Some(EvidenceKind::Jpeg) => inspect_jpeg(&data, max_pixels),
        Some(EvidenceKind::Webp) => inspect_webp(data, max_pixels),
        Some(EvidenceKind::Pdf) => {
            check_pdf(&data, &data)?;
            Ok(unchanged(EvidenceKind::Pdf, data))
        }
        Some(EvidenceKind::Json) => {
            check_json(&data)?;
            Ok(unchanged(EvidenceKind::Json, data))
        }
        Some(EvidenceKind::Csv) => {
            check_csv(&data)?;
            Ok(unchanged(EvidenceKind::Csv, data))
        }
        None => Err(unsupported()),
    }
}

/// What checking a file of `size` bytes, starting with `head`, may hold in
/// memory at once, to reserve from the [`super::budget::DecodeBudget`].
/// JPEG and WebP are decoded whole: the upload, its stripped copy and the
/// decoder's copy, plus the pixels, counted from the header's dimensions (or
/// as the largest image allowed when the header is not within `head`). PNG
/// is decoded row by row and other files are not decoded: their bytes only.
pub fn check_cost(head: &[u8], size: u64, max_pixels: u64) -> u64 {
    let format = match sniff(head.get(..12).unwrap_or(head)) {
        Some(EvidenceKind::Jpeg) => ImageFormat::Jpeg,
        Some(EvidenceKind::Webp) => ImageFormat::WebP,
        _ => return size.saturating_mul(2),
    };
    let pixels = image::ImageReader::with_format(Cursor::new(head), format)
        .into_dimensions()
        .map_or(max_pixels, |(w, h)| u64::from(w) * u64::from(h))
        .min(max_pixels);
    size.saturating_mul(3)
        .saturating_add(pixels.saturating_mul(super::budget::BYTES_PER_DECODED_PIXEL))
}

fn unchanged(kind: EvidenceKind, stored: Bytes) -> Inspected {
    Inspected {
        kind,
        stored,
        dimensions: None,
        fingerprint: None,
    }
}

fn unsupported() -> Rejection {
    reject(
        "unsupported_type",
        "only PNG, JPEG or WebP images, PDF, and CSV or JSON logistics exports are accepted",
    )
}

/// The kind of a file from its first bytes (and, for text, its content).
/// Never from a name or a declared content type.
pub fn sniff(data: &[u8]) -> Option<EvidenceKind> {
    if data.starts_with(PNG_SIGNATURE) {
        return Some(EvidenceKind::Png);
    }
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(EvidenceKind::Jpeg);
    }
    if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        return Some(EvidenceKind::Webp);
    }
    if data.starts_with(b"%PDF-") {
        return Some(EvidenceKind::Pdf);
    }
    // Image formats we do not accept but whose signature is plain ASCII.
    if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        return None;
    }
    let text = std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)).ok()?;
    if text.contains('\0') || looks_like_markup_or_code(text) {
        return None;
    }
    match text.trim_start().as_bytes().first() {
        Some(b'{') | Some(b'[') => Some(EvidenceKind::Json),
        Some(_) => Some(EvidenceKind::Csv),
        None => None,
    }
}

/// HTML, SVG, XML and server-side scripts are refused outright: served back
/// by a careless client they execute. A logistics export never starts with `<`.
fn looks_like_markup_or_code(text: &str) -> bool {
    if text.trim_start().starts_with('<') || text.starts_with("#!") {
        return true;
    }
    let head: String = text
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "<?php",
        "<script",
        "<html",
        "<svg",
        "<iframe",
        "<!doctype",
        "<?xml",
        "<body",
    ]
    .iter()
    .any(|needle| head.contains(needle))
}

fn check_pixels(kind: &str, width: u32, height: u32, max_pixels: u64) -> Result<(), Rejection> {
    if width == 0 || height == 0 {
        return Err(corrupt(kind, "zero width or height"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(reject(
            "too_many_pixels",
            format!("{width}×{height} pixels is more than the {max_pixels} allowed"),
        ));
    }
    Ok(())
}

/// Ancillary PNG chunks that affect only how colours and pixels render.
/// Everything else optional (tEXt, zTXt, iTXt, eXIf, tIME, vendor chunks)
/// can carry who, where and when, and is dropped.
const PNG_KEPT_ANCILLARY: &[[u8; 4]] = &[
    *b"tRNS", *b"gAMA", *b"cHRM", *b"sRGB", *b"iCCP", *b"sBIT", *b"pHYs", *b"bKGD",
];

fn inspect_png(data: Bytes, max_pixels: u64) -> Result<Inspected, Rejection> {
    let mut stored = Vec::with_capacity(data.len());
    let checked = copy_png_without_metadata(&mut Cursor::new(&data[..]), &mut stored, max_pixels)
        .map_err(|error| match error {
        StreamError::Rejected(rejection) => rejection,
        // Reading from and writing to memory cannot fail.
        StreamError::Io(error) => corrupt("PNG", error),
    })?;
    Ok(Inspected {
        kind: EvidenceKind::Png,
        stored: Bytes::from(stored),
        dimensions: Some(checked.dimensions),
        fingerprint: checked.fingerprint,
    })
}

/// Why a streamed inspection stopped: the file was refused, or reading the
/// upload or writing the stored copy failed (our fault, not the client's).
#[derive(Debug)]
pub enum StreamError {
    Rejected(Rejection),
    Io(std::io::Error),
}

impl From<Rejection> for StreamError {
    fn from(rejection: Rejection) -> Self {
        StreamError::Rejected(rejection)
    }
}

impl From<std::io::Error> for StreamError {
    fn from(error: std::io::Error) -> Self {
        StreamError::Io(error)
    }
}

pub const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// What checking a PNG found: its dimensions and, computed from the rows
/// the check decoded, its fingerprint (`None` for an interlaced PNG or one
/// smaller than the hash's grid: the signals worker decodes those whole).
#[derive(Debug)]
pub struct CheckedPng {
    pub dimensions: (u32, u32),
    pub fingerprint: Option<Fingerprint>,
}

/// Checks the PNG in `source` and writes it to `sink` without its metadata
/// chunks; returns its dimensions and fingerprint. Memory stays bounded by a row or two of pixels whatever the file
/// size, so a burst of 10 MiB uploads does not become a burst of 10 MiB
/// buffers.
///
/// Three passes over the source: the header (pixel count refused before any
/// decoding), every row decoded (corrupt or truncated pixel data, bad CRCs),
/// then the chunks worth keeping copied up to `IEND` (nothing after it).
/// The rows decoded also give the fingerprint (hash and thumbnail), exactly
/// as [`image_hash::fingerprint_image_reader`] would compute it.
pub fn copy_png_without_metadata<R: BufRead + Seek, W: Write>(
    source: &mut R,
    sink: &mut W,
    max_pixels: u64,
) -> Result<CheckedPng, StreamError> {
    let truncated = || corrupt("PNG", "truncated (no IEND chunk)");
    let read_exact = |source: &mut R, buffer: &mut [u8]| match source.read_exact(buffer) {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(truncated().into()),
        other => other.map_err(StreamError::Io),
    };

    source.rewind()?;
    let mut head = [0u8; 8 + 8 + 13];
    read_exact(source, &mut head)?;
    if &head[..8] != PNG_SIGNATURE {
        return Err(unsupported().into());
    }
    if head[8..16] != [0, 0, 0, 13, b'I', b'H', b'D', b'R'] {
        return Err(corrupt("PNG", "missing header").into());
    }
    let width = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
    let height = u32::from_be_bytes([head[20], head[21], head[22], head[23]]);
    check_pixels("PNG", width, height, max_pixels)?;

    source.rewind()?;
    let limits = png::Limits {
        bytes: 64 * 1024 * 1024,
    };
    let mut decoder = png::Decoder::new_with_limits(&mut *source, limits);
    // The transformations the fingerprint needs: its rows come from this
    // decode, so the signals worker need not decode the file again.
    decoder.set_transformations(image_hash::png_transformations());
    let mut reader = decoder.read_info().map_err(|e| corrupt("PNG", e))?;
    let mut fingerprint = image_hash::PngRowFingerprint::new(&reader);
    while let Some(row) = reader.next_row().map_err(|e| corrupt("PNG", e))? {
        fingerprint.add_row(row.data());
    }
    reader.finish().map_err(|e| corrupt("PNG", e))?;
    drop(reader);
    // Every row decoded: a fingerprint can only fail for a PNG the worker
    // would refuse too, and then it is left to the worker (which logs it).
    let fingerprint = fingerprint.finish().and_then(Result::ok);

    source.rewind()?;
    let mut signature = [0u8; 8];
    read_exact(source, &mut signature)?;
    sink.write_all(&signature)?;
    loop {
        let mut header = [0u8; 8];
        read_exact(source, &mut header)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        if length > i32::MAX as u32 {
            return Err(corrupt("PNG", "bad chunk length").into());
        }
        let kind = [header[4], header[5], header[6], header[7]];
        // The chunk's data and its CRC.
        let body = u64::from(length) + 4;
        if kind[0].is_ascii_uppercase() || PNG_KEPT_ANCILLARY.contains(&kind) {
            sink.write_all(&header)?;
            if std::io::copy(&mut Read::take(&mut *source, body), sink)? < body {
                return Err(truncated().into());
            }
        } else {
            source.seek(SeekFrom::Current(body as i64))?;
        }
        if kind == *b"IEND" {
            return Ok(CheckedPng {
                dimensions: (width, height),
                fingerprint,
            });
        }
    }
}

/// JPEG segments worth keeping: JFIF (APP0), ICC colour profiles (APP2) and
/// Adobe's colour transform flag (APP14). EXIF/XMP (APP1), IPTC (APP13),
/// maker notes and comments go.
fn keep_jpeg_segment(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xEE => payload.starts_with(b"Adobe"),
        0xE1..=0xEF | 0xFE => false,
        _ => true,
    }
}

/// Walks a JPEG's markers and rebuilds it without metadata and without
/// anything after the end-of-image marker (where polyglot payloads hide).
/// Returns the cleaned bytes and the frame dimensions. We walk the markers
/// ourselves because img-parts keeps every byte after the first scan.
fn strip_jpeg(data: &[u8]) -> Result<(Vec<u8>, (u32, u32)), Rejection> {
    let truncated = || corrupt("JPEG", "truncated (no end-of-image marker)");
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut dimensions = None;
    let mut pos = 2;
    loop {
        // Every segment starts with 0xFF (possibly padded with more 0xFF).
        if *data.get(pos).ok_or_else(truncated)? != 0xFF {
            return Err(corrupt("JPEG", "expected a marker"));
        }
        while data.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *data.get(pos).ok_or_else(truncated)?;
        pos += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                break;
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 | 0xD8 => return Err(corrupt("JPEG", "unexpected marker")),
            _ => {}
        }
        let length_bytes = data.get(pos..pos + 2).ok_or_else(truncated)?;
        let length = usize::from(u16::from_be_bytes([length_bytes[0], length_bytes[1]]));
        if length < 2 {
            return Err(corrupt("JPEG", "bad segment length"));
        }
        let segment = data.get(pos..pos + length).ok_or_else(truncated)?;
        let payload = &segment[2..];
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            if payload.len() < 5 {
                return Err(corrupt("JPEG", "bad frame header"));
            }
            let height = u32::from(u16::from_be_bytes([payload[1], payload[2]]));
            let width = u32::from(u16::from_be_bytes([payload[3], payload[4]]));
            dimensions = Some((width, height));
        }
        if keep_jpeg_segment(marker, payload) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        pos += length;
        if marker == 0xDA {
            // Entropy-coded data runs until a marker that is neither byte
            // stuffing (FF 00), a restart (FF D0–D7) nor fill (FF FF).
            let start = pos;
            loop {
                let byte = *data.get(pos).ok_or_else(truncated)?;
                if byte == 0xFF {
                    let next = *data.get(pos + 1).ok_or_else(truncated)?;
                    if !matches!(next, 0x00 | 0xD0..=0xD7 | 0xFF) {
                        break;
                    }
                    pos += 1;
                }
                pos += 1;
            }
            out.extend_from_slice(&data[start..pos]);
        }
    }
    let dimensions = dimensions.ok_or_else(|| corrupt("JPEG", "no frame header"))?;
    Ok((out, dimensions))
}

fn inspect_jpeg(data: &[u8], max_pixels: u64) -> Result<Inspected, Rejection> {
    let (stored, (width, height)) = strip_jpeg(data)?;
    check_pixels("JPEG", width, height, max_pixels)?;
    let fingerprint = decode_fully(&stored, ImageFormat::Jpeg, "JPEG", (width, height))?;
    Ok(Inspected {
        kind: EvidenceKind::Jpeg,
        stored: Bytes::from(stored),
        dimensions: Some((width, height)),
        fingerprint,
    })
}

fn inspect_webp(data: Bytes, max_pixels: u64) -> Result<Inspected, Rejection> {
    let mut webp = WebP::from_bytes(data).map_err(|e| corrupt("WebP", e))?;
    let (width, height) = webp
        .dimensions()
        .ok_or_else(|| corrupt("WebP", "no image data"))?;
    check_pixels("WebP", width, height, max_pixels)?;
    webp.remove_chunks_by_id(*b"XMP ");
    // Also recomputes the VP8X flags so they no longer announce EXIF or XMP.
    webp.set_exif(None);
    let mut stored = Vec::new();
    webp.encoder()
        .write_to(&mut stored)
        .map_err(|e| corrupt("WebP", e))?;
    let fingerprint = decode_fully(&stored, ImageFormat::WebP, "WebP", (width, height))?;
    Ok(Inspected {
        kind: EvidenceKind::Webp,
        stored: Bytes::from(stored),
        dimensions: Some((width, height)),
        fingerprint,
    })
}

/// Decodes the whole image (a corrupt one is refused) and fingerprints the
/// pixels. The decoder may allocate only what the declared size (checked
/// against the pixel cap, and reserved from the decode budget) needs, and
/// what it decodes must be that size: a file whose header claims 100×100
/// around a 7500×7500 bitstream is refused, not decoded.
fn decode_fully(
    data: &[u8],
    format: ImageFormat,
    kind: &str,
    (width, height): (u32, u32),
) -> Result<Option<Fingerprint>, Rejection> {
    let mut reader = image::ImageReader::with_format(Cursor::new(data), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(
        (u64::from(width) * u64::from(height))
            .saturating_mul(4)
            .saturating_add(1024 * 1024),
    );
    reader.limits(limits);
    let image = reader.decode().map_err(|e| corrupt(kind, e))?;
    if (image.width(), image.height()) != (width, height) {
        return Err(corrupt(
            kind,
            format!(
                "the header says {width}×{height} but the image is {}×{}",
                image.width(),
                image.height()
            ),
        ));
    }
    Ok(image_hash::fingerprint_image(&image).ok())
}

/// A PDF starts with `%PDF-` and, unless truncated, has `%%EOF` near its end.
/// `tail` is the file's last bytes (the whole file when in memory).
pub fn check_pdf(head: &[u8], tail: &[u8]) -> Result<(), Rejection> {
    let tail = &tail[tail.len().saturating_sub(1024)..];
    if !head.starts_with(b"%PDF-") {
        return Err(unsupported());
    }
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(reject(
            "corrupt_document",
            "the PDF is truncated (no %%EOF)",
        ));
    }
    Ok(())
}

fn check_json(data: &[u8]) -> Result<(), Rejection> {
    // serde_json bounds nesting at 128 levels, so this cannot overflow the stack.
    serde_json::from_slice::<serde::de::IgnoredAny>(
        data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data),
    )
    .map(drop)
    .map_err(|e| reject("corrupt_document", format!("not valid JSON: {e}")))
}

/// Whether a CSV file holds cells a spreadsheet would run as formulas
/// (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`, DDE): the bytes are evidence and
/// stay as uploaded, so the regulator is warned to open it as text. A
/// signed or plain number (`-12.5`, `+86 138…` is not one) is no formula.
pub fn csv_has_formulas(data: &[u8]) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data));
    reader.byte_records().flatten().any(|record| {
        record.iter().any(|cell| {
            let cell = String::from_utf8_lossy(cell);
            let trimmed = cell.trim_start_matches([' ', '\u{3000}']);
            match trimmed.chars().next() {
                Some('=' | '@' | '\t' | '\r' | '＝' | '＠') => true,
                Some('+' | '-' | '＋' | '－') => !trimmed
                    [trimmed.chars().next().map_or(0, char::len_utf8)..]
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == ','),
                _ => false,
            }
        })
    })
}

fn check_csv(data: &[u8]) -> Result<(), Rejection> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut rows = 0usize;
    for record in reader.byte_records() {
        record.map_err(|e| reject("corrupt_document", format!("not valid CSV: {e}")))?;
        rows += 1;
    }
    if rows == 0 {
        return Err(reject("empty", "the CSV file has no rows"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_ignores_what_is_not_in_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(EvidenceKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(EvidenceKind::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(EvidenceKind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(EvidenceKind::Pdf));
        assert_eq!(sniff(b" {\"a\": 1}"), Some(EvidenceKind::Json));
        assert_eq!(
            sniff(b"time,location\n2026-11-01,Shanghai\n"),
            Some(EvidenceKind::Csv)
        );
        for refused in [
            &b"<!DOCTYPE html><html></html>"[..],
            b"<?php system($_GET['c']); ?>",
            b"\x7fELF\x02\x01\x01\0\0\0",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"  <?xml version='1.0'?><svg/>",
            b"a,b\n<script>alert(1)</script>\n",
            b"GIF89a",
            b"#!/bin/sh\nrm -rf /",
            b"text\0with nul",
        ] {
            assert_eq!(
                sniff(refused),
                None,
                "{:?}",
                String::from_utf8_lossy(refused)
            );
        }
    }

    #[test]
    fn check_cost_counts_decoded_pixels_from_the_header() {
        let photo = image::RgbImage::new(400, 300);
        let mut jpeg = Vec::new();
        image::DynamicImage::ImageRgb8(photo)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .expect("encode");
        let size = jpeg.len() as u64;
        let per_pixel = crate::evidence::budget::BYTES_PER_DECODED_PIXEL;
        assert_eq!(
            check_cost(&jpeg, size, 40_000_000),
            3 * size + 400 * 300 * per_pixel
        );
        // Without a readable header, the largest image allowed is assumed.
        assert_eq!(
            check_cost(&jpeg[..4], size, 40_000_000),
            3 * size + 40_000_000 * per_pixel
        );
        // PNG is decoded row by row, a PDF not at all: their bytes only.
        assert_eq!(check_cost(b"\x89PNG\r\n\x1a\n....", 1000, 40_000_000), 2000);
        assert_eq!(check_cost(b"%PDF-1.7\n", 1000, 40_000_000), 2000);
    }

    /// A screenshot-like picture: bars, lines of "text", a noisy photo.
    fn screen(width: u32, height: u32, seed: u32) -> image::RgbImage {
        image::RgbImage::from_fn(width, height, |x, y| {
            let noise = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed) % 23;
            if y < height / 12 {
                image::Rgb([255, 80, 0])
            } else if y > height / 2 && y < height * 3 / 4 && x < width / 2 {
                image::Rgb([
                    (120 + noise * 3) as u8,
                    (90 + y % 50) as u8,
                    (60 + x % 70) as u8,
                ])
            } else if (y / 9 + seed).is_multiple_of(3) && !(x / 5 + y / 7 + seed).is_multiple_of(4)
            {
                image::Rgb([40, 40, 40])
            } else {
                image::Rgb([250, 250, 250])
            }
        })
    }

    fn png_of(image: &image::DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode");
        out
    }

    /// An indexed PNG with a transparent palette entry.
    fn indexed_png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(vec![255, 255, 255, 30, 30, 30, 255, 80, 0, 10, 120, 200]);
        encoder.set_trns(vec![255, 255, 128, 0]);
        let mut writer = encoder.write_header().expect("header");
        let pixels: Vec<u8> = (0..width * height)
            .map(|i| ((i % width) / 7 + (i / width) / 5) as u8 % 4)
            .collect();
        writer.write_image_data(&pixels).expect("pixels");
        writer.finish().expect("finish");
        out
    }

    /// Intake's fingerprint of a PNG, made from the rows its check decodes,
    /// is exactly the one the signals worker would compute from the stored
    /// file (and from the upload): the worker can skip the decode.
    #[test]
    fn a_png_is_fingerprinted_by_its_check_as_the_worker_would() {
        let rgb = image::DynamicImage::ImageRgb8(screen(750, 1334, 1));
        let uploads = [
            png_of(&rgb),
            png_of(&image::DynamicImage::ImageRgb8(screen(1080, 2340, 2))),
            png_of(&image::DynamicImage::ImageRgb8(screen(721, 1601, 3))),
            png_of(&image::DynamicImage::ImageRgba8(rgb.to_rgba8())),
            png_of(&image::DynamicImage::ImageLuma8(rgb.to_luma8())),
            png_of(&image::DynamicImage::ImageLumaA8(rgb.to_luma_alpha8())),
            png_of(&image::DynamicImage::ImageRgb16(rgb.to_rgb16())),
            indexed_png(360, 780),
        ];
        for (n, upload) in uploads.iter().enumerate() {
            let mut stored = Vec::new();
            let checked =
                copy_png_without_metadata(&mut Cursor::new(&upload[..]), &mut stored, 40_000_000)
                    .expect("a valid PNG");
            let worker = |bytes: &[u8]| {
                image_hash::fingerprint_image_reader(Cursor::new(bytes), 40_000_000, |_, _| ())
                    .expect("fingerprint")
            };
            let at_intake = checked.fingerprint.expect("fingerprinted at intake");
            assert_eq!(at_intake, worker(&stored), "image {n}, stored file");
            assert_eq!(at_intake, worker(upload), "image {n}, upload");
            // The same as the in-memory path.
            let inspected = inspect(Bytes::from(upload.clone()), 40_000_000).expect("valid");
            assert_eq!(
                inspected.fingerprint,
                Some(at_intake),
                "image {n}, in memory"
            );
        }
        // Smaller than the hash's grid: left to the worker, which enlarges it.
        let tiny = png_of(&image::DynamicImage::ImageRgb8(screen(20, 20, 4)));
        let checked = copy_png_without_metadata(&mut Cursor::new(&tiny[..]), &mut Vec::new(), 1000)
            .expect("a valid PNG");
        assert_eq!(checked.fingerprint, None);
    }

    #[test]
    fn spreadsheet_formulas_are_found_and_numbers_are_not() {
        for dangerous in [
            "时间,地点\n2026-01-01,=HYPERLINK(\"http://evil.example\",\"点击\")\n",
            "a,b\n1,\"+cmd|' /C calc'!A0\"\n",
            "a\n@SUM(1+1)*cmd|' /C calc'!A0\n",
            "a\n\"\t=1+1\"\n",
            "a,b\n-2+3,x\n",
            "单号,备注\n1,＝HYPERLINK(\"x\")\n",
        ] {
            assert!(csv_has_formulas(dangerous.as_bytes()), "{dangerous:?}");
        }
        for plain in [
            "时间,地点,描述\n2026-01-01 08:00,杭州,已揽收\n",
            "重量,差\n-1.5,+2\n0.02,-0.5\n",
            "",
        ] {
            assert!(!csv_has_formulas(plain.as_bytes()), "{plain:?}");
        }
    }

    #[test]
    fn pdf_needs_its_end_marker() {
        assert!(check_pdf(b"%PDF-1.4\n", b"%PDF-1.4\n...\n%%EOF\n").is_ok());
        assert_eq!(
            check_pdf(b"%PDF-1.4\n", b"%PDF-1.4\n...").map_err(|r| r.code),
            Err("corrupt_document")
        );
    }

    #[test]
    fn jpeg_walk_refuses_truncation_and_drops_trailers() {
        let mut image = image::RgbImage::new(8, 8);
        image.put_pixel(1, 1, image::Rgb([200, 10, 10]));
        let mut jpeg = Vec::new();
        image::DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .expect("encode");
        let (clean, dims) = strip_jpeg(&jpeg).expect("valid");
        assert_eq!(dims, (8, 8));
        let mut with_payload = jpeg.clone();
        with_payload.extend_from_slice(b"<script>alert(1)</script>");
        let (stripped, _) = strip_jpeg(&with_payload).expect("valid");
        assert_eq!(stripped, clean);
        assert!(strip_jpeg(&jpeg[..jpeg.len() - 10]).is_err());
    }
}
