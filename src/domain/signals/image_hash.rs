//! Perceptual hashes of screenshots, their Hamming distance, and
//! multi-index hashing (MIH) to find near neighbours among millions of
//! stored hashes without a full scan.
//!
//! The hash is a 64-bit DCT hash ("pHash"): the image is reduced to a 32×32
//! grid of mean luma (aspect ignored, so a resized copy gives the same grid),
//! transformed with a 2-D DCT, and each of the 64 lowest-frequency
//! coefficients (by u+v, the DC term left out) becomes one bit: above or
//! below their median. On the labelled fixtures (`tests/signals_quality.rs`)
//! re-encoding (JPEG quality 60–90, WebP, PNG) and resizing (50–150 %) move
//! a hash by at most 2 bits, while different screenshots, even pages of one
//! app with the same layout, stay at least 4 bits apart: hence the threshold
//! of 3. Cropping shifts the whole grid and costs far more bits (up to 22
//! for 5 % per edge): a global 64-bit hash matches only slight crops, and
//! raising the threshold to catch more crops lets same-layout pages in. So
//! [`fingerprint_image_bytes`] also makes a thumbnail, which
//! [`super::thumbnail`] aligns to find cropped copies.
//!
//! We implement the hash over `image` (already a dependency) rather than
//! adding `image_hasher`: its current release requires a newer Rust than the
//! project's `rust-version`, and the algorithm is forty lines.
//!
//! ## Storing and querying hashes in a database (MIH)
//! Split each hash into two 32-bit halves ([`ImageHash::halves`]: its even
//! bits and its odd bits) stored in two indexed integer columns. If two
//! hashes differ in at most `d` bits, then by pigeonhole one half differs in
//! at most `d / 2` bits, so [`candidate_halves`] lists, per half, every
//! value within that radius; query `h0 IN (…) OR h1 IN (…)` and keep the
//! rows whose full [`hamming`] distance is at most `d`. [`HammingIndex`]
//! does the same in memory.
//!
//! Why halves: screenshots of one app layout share many bits (on the
//! rendered layouts of `benches/similar_search.rs`, 20 of 64 on average).
//! Four 16-bit chunks were tried first: a chunk a whole layout shares
//! matched tens of thousands of rows, and recall under a candidate bound
//! fell to 0.41 at a million hashes. A 32-bit half still has ~22 bits that
//! vary inside a layout. The halves take every other bit rather than the
//! low and the high 32 so that each holds the same mix of low and high
//! frequencies whatever an app's pages have in common (on the rendered
//! layouts the fixed bits happen to be spread evenly either way).

use std::collections::HashMap;
use std::io::{BufRead, Cursor, Seek, SeekFrom};

use image::{DynamicImage, ImageReader};
use serde::{Deserialize, Serialize};

use super::thumbnail::{Thumbnail, THUMB_H, THUMB_W};

/// Two screenshots whose hashes differ in at most this many bits are
/// "similar". Tuned on the labelled fixtures (see the module docs). At 3,
/// [`half_radius`] is 1: the MIH query is 2 × 33 equalities.
pub const SIMILAR_MAX_DISTANCE: u32 = 3;
/// At most this distance the copy is practically the same picture: the
/// signal is then of high severity.
pub const NEAR_IDENTICAL_MAX_DISTANCE: u32 = 1;

/// Images with more pixels than this are not hashed (decoding them would
/// cost too much memory); the intake limit is far lower anyway.
pub const DEFAULT_MAX_PIXELS: u64 = 60_000_000;

const GRID: usize = 32;

/// A 64-bit perceptual hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ImageHash(pub u64);

impl ImageHash {
    /// 16 lowercase hex digits, the form in JSON and explanations.
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 16 {
            return None;
        }
        u64::from_str_radix(hex, 16).ok().map(ImageHash)
    }

    /// The same bits as a signed integer, for a `BigInt` column.
    pub fn to_i64(self) -> i64 {
        i64::from_ne_bytes(self.0.to_ne_bytes())
    }

    pub fn from_i64(value: i64) -> Self {
        ImageHash(u64::from_ne_bytes(value.to_ne_bytes()))
    }

    /// The two 32-bit halves for the MIH columns: the even bits, then the
    /// odd bits, each compacted in order (bit 2k or 2k+1 becomes bit k).
    pub fn halves(self) -> [u32; 2] {
        [even_bits(self.0), even_bits(self.0 >> 1)]
    }

    pub fn distance(self, other: ImageHash) -> u32 {
        hamming(self.0, other.0)
    }
}

impl From<ImageHash> for String {
    fn from(hash: ImageHash) -> String {
        hash.to_hex()
    }
}

impl TryFrom<String> for ImageHash {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        ImageHash::from_hex(&value).ok_or_else(|| format!("not a 64-bit hex hash: {value}"))
    }
}

/// Bits 0, 2, 4, … 62 of `x` as bits 0 … 31 (the usual bit compaction).
fn even_bits(x: u64) -> u32 {
    let mut x = x & 0x5555_5555_5555_5555;
    x = (x | x >> 1) & 0x3333_3333_3333_3333;
    x = (x | x >> 2) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | x >> 4) & 0x00FF_00FF_00FF_00FF;
    x = (x | x >> 8) & 0x0000_FFFF_0000_FFFF;
    x = (x | x >> 16) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// Number of differing bits.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("not an image we can read: {0}")]
    Decode(String),
    #[error("the image has {0} pixels, more than we hash")]
    TooLarge(u64),
}

/// Decodes PNG, JPEG or WebP bytes (under explicit limits) and hashes them.
pub fn hash_image_bytes(bytes: &[u8], max_pixels: u64) -> Result<ImageHash, HashError> {
    fingerprint_image_bytes(bytes, max_pixels).map(|f| f.hash)
}

/// What is kept of an image to find copies of it: the hash (indexed, for
/// re-encoded and resized copies) and the thumbnail (for cropped ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: ImageHash,
    pub thumbnail: Thumbnail,
}

/// Decodes PNG, JPEG or WebP bytes once (under explicit limits) and gives
/// both the hash and the thumbnail.
pub fn fingerprint_image_bytes(bytes: &[u8], max_pixels: u64) -> Result<Fingerprint, HashError> {
    fingerprint_image_reader(Cursor::new(bytes), max_pixels, |_, _| ())
}

/// [`fingerprint_image_bytes`] over any seekable source, so a stored file
/// need not be read into memory: a non-interlaced PNG is decoded row by row
/// and only the two small grids are held. Any other image is decoded whole;
/// before that, `admit` is called with the file's size and its pixel count
/// (what the decode will hold), and what it returns is kept until the
/// decode is done: the caller's memory reservation.
pub fn fingerprint_image_reader<R: BufRead + Seek, G>(
    mut source: R,
    max_pixels: u64,
    admit: impl FnOnce(u64, u64) -> G,
) -> Result<Fingerprint, HashError> {
    let decode_error = |e: std::io::Error| HashError::Decode(e.to_string());
    let (w, h) = ImageReader::new(&mut source)
        .with_guessed_format()
        .map_err(decode_error)?
        .into_dimensions()
        .map_err(|e| HashError::Decode(e.to_string()))?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels > max_pixels {
        return Err(HashError::TooLarge(pixels));
    }
    // Room for a 16-bit RGBA buffer of the announced size and the decoder's own.
    let max_alloc = pixels.saturating_mul(8).saturating_add(16 << 20);
    let mut signature = [0u8; 8];
    source.rewind().map_err(decode_error)?;
    source.read_exact(&mut signature).map_err(decode_error)?;
    source.rewind().map_err(decode_error)?;
    if &signature == b"\x89PNG\r\n\x1a\n" {
        if let Some(fingerprint) = png_fingerprint(&mut source, max_alloc)? {
            return Ok(fingerprint);
        }
    }
    let size = source.seek(SeekFrom::End(0)).map_err(decode_error)?;
    source.rewind().map_err(decode_error)?;
    let _admitted = admit(size, pixels);
    let mut reader = ImageReader::new(source)
        .with_guessed_format()
        .map_err(decode_error)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(max_alloc);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| HashError::Decode(e.to_string()))?;
    fingerprint_image(&image)
}

fn fingerprint_from_grids(grid: &[f32], thumb: &[f32]) -> Result<Fingerprint, HashError> {
    Ok(Fingerprint {
        hash: hash_grid(grid),
        thumbnail: Thumbnail::from_grid(thumb)
            .ok_or_else(|| HashError::Decode("thumbnail grid of the wrong size".into()))?,
    })
}

/// The hash of a decoded image.
pub fn hash_image(image: &DynamicImage) -> ImageHash {
    hash_grid(&luma_grid(image, GRID, GRID))
}

/// The hash and thumbnail of a decoded image.
pub fn fingerprint_image(image: &DynamicImage) -> Result<Fingerprint, HashError> {
    fingerprint_from_grids(
        &luma_grid(image, GRID, GRID),
        &luma_grid(image, THUMB_W, THUMB_H),
    )
}

fn hash_grid(grid: &[f32]) -> ImageHash {
    let coefficients = dct(grid, GRID, &low_frequencies());
    let mut sorted = coefficients.clone();
    sorted.sort_by(f32::total_cmp);
    let median = sorted[sorted.len() / 2];
    ImageHash(
        coefficients
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > median)
            .fold(0u64, |acc, (i, _)| acc | (1 << i)),
    )
}

/// The 64 (u, v) frequencies nearest to DC, by u+v then v, DC excluded:
/// low frequencies survive re-encoding and resizing.
fn low_frequencies() -> Vec<(usize, usize)> {
    let mut all: Vec<(usize, usize)> = (0..12)
        .flat_map(|v| (0..12).map(move |u| (u, v)))
        .filter(|&p| p != (0, 0))
        .collect();
    all.sort_by_key(|&(u, v)| (u + v, v));
    all.truncate(64);
    all
}

/// Accumulates rows of luma into a `gw`×`gh` grid of cell means: each cell
/// the plain average of the pixels it covers (an exact box filter: fast,
/// and no aliasing whatever the size).
struct GridAccumulator {
    gw: usize,
    gh: usize,
    height: usize,
    /// The columns of each cell: pixel `x` is in cell `x * gw / width`.
    columns: Vec<std::ops::Range<usize>>,
    sums: Vec<u64>,
    counts: Vec<u64>,
    /// Per-pixel column sums of the rows of one grid row so far (`band_of`),
    /// folded into its cells when the next grid row starts: adding a row is
    /// then one vectorized pass, whatever the cell boundaries.
    band: Vec<u32>,
    band_of: Option<usize>,
    band_rows: u64,
}

impl GridAccumulator {
    /// Needs `width >= gw` and `height >= gh`.
    fn new(width: usize, height: usize, gw: usize, gh: usize) -> Self {
        let first_column = |c: usize| (c * width).div_ceil(gw);
        GridAccumulator {
            gw,
            gh,
            height,
            columns: (0..gw)
                .map(|c| first_column(c)..first_column(c + 1))
                .collect(),
            sums: vec![0; gw * gh],
            counts: vec![0; gw * gh],
            band: vec![0; width],
            band_of: None,
            band_rows: 0,
        }
    }

    /// Adds row `y` of luma values (rows in order, top to bottom). The row
    /// is added to the band's column sums, which the compiler vectorizes:
    /// this runs for every pixel of every upload. (A band is at most
    /// 40 M / 8 rows, so its column sums fit in 32 bits.)
    fn add_row(&mut self, y: usize, luma: &[u8]) {
        let grid_row = (y * self.gh / self.height).min(self.gh - 1);
        if self.band_of != Some(grid_row) {
            self.fold_band();
            self.band_of = Some(grid_row);
        }
        for (sum, &l) in self.band.iter_mut().zip(luma) {
            *sum += u32::from(l);
        }
        self.band_rows += 1;
    }

    /// Folds the band's column sums into its grid row's cells.
    fn fold_band(&mut self) {
        let Some(grid_row) = self.band_of.take() else {
            return;
        };
        let base = grid_row * self.gw;
        for (c, columns) in self.columns.iter().enumerate() {
            let cell = self.band.get(columns.clone()).unwrap_or_default();
            let sum: u64 = cell.iter().map(|&s| u64::from(s)).sum();
            self.sums[base + c] += sum;
            self.counts[base + c] += cell.len() as u64 * self.band_rows;
        }
        self.band.fill(0);
        self.band_rows = 0;
    }

    fn finish(mut self) -> Vec<f32> {
        self.fold_band();
        self.sums
            .iter()
            .zip(&self.counts)
            .map(|(&s, &n)| if n == 0 { 255.0 } else { s as f32 / n as f32 })
            .collect()
    }
}

/// The luma (0–255) of a row of 8-bit pixels of `channels` samples (1 gray,
/// 2 gray + alpha, 3 RGB, 4 RGBA), into `out`. Transparent pixels count as
/// white.
fn luma_row(pixels: &[u8], channels: usize, out: &mut Vec<u8>) {
    let width = pixels.len() / channels.max(1);
    out.clear();
    out.resize(width, 0);
    match channels {
        1 => out.copy_from_slice(&pixels[..width]),
        2 => out
            .iter_mut()
            .zip(pixels.chunks_exact(2))
            .for_each(|(l, p)| *l = over_white(u32::from(p[0]), p[1]) as u8),
        3 => luma_rgb(pixels, out),
        _ => out
            .iter_mut()
            .zip(pixels.as_chunks::<4>().0)
            .for_each(|(l, &[r, g, b, a])| *l = over_white(u32::from(luma(r, g, b)), a) as u8),
    }
}

/// Pixels per block in [`luma_rgb`].
const LUMA_BLOCK: usize = 16;

/// [`luma`] of each pixel of an RGB row, into `out` (one byte per pixel).
/// This runs for every pixel of every screenshot filed, so it works on
/// blocks of fixed size: the compiler then computes a block's weighted sums
/// (16-bit: at most 65,280) as vectors. A plain loop over 3-byte pixels
/// stays scalar, at about nine instructions a pixel.
fn luma_rgb(pixels: &[u8], out: &mut [u8]) {
    let (blocks, rest) = pixels.as_chunks::<{ 3 * LUMA_BLOCK }>();
    let (out_blocks, out_rest) = out.as_chunks_mut::<LUMA_BLOCK>();
    for (lumas, block) in out_blocks.iter_mut().zip(blocks) {
        let mut sums = [0u16; LUMA_BLOCK];
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum = 77 * u16::from(block[3 * i])
                + 150 * u16::from(block[3 * i + 1])
                + 29 * u16::from(block[3 * i + 2]);
        }
        for (l, sum) in lumas.iter_mut().zip(sums) {
            *l = (sum >> 8) as u8;
        }
    }
    for (l, &[r, g, b]) in out_rest.iter_mut().zip(rest.as_chunks::<3>().0) {
        *l = luma(r, g, b);
    }
}

/// ITU-R BT.601 luma in 8-bit fixed point.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u16::from(r) + 150 * u16::from(g) + 29 * u16::from(b)) >> 8) as u8
}

/// Reduces a decoded image to a `gw`×`gh` grid of mean luma (0–255).
fn luma_grid(image: &DynamicImage, gw: usize, gh: usize) -> Vec<f32> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w < gw || h < gh {
        // Tiny images: enlarge so every cell covers at least one pixel.
        let up = image.resize_exact(
            w.max(gw) as u32,
            h.max(gh) as u32,
            image::imageops::FilterType::Triangle,
        );
        return luma_grid(&up, gw, gh);
    }
    let (bytes, channels): (&[u8], usize) = match image {
        DynamicImage::ImageRgb8(buf) => (buf, 3),
        DynamicImage::ImageRgba8(buf) => (buf, 4),
        DynamicImage::ImageLuma8(buf) => (buf, 1),
        DynamicImage::ImageLumaA8(buf) => (buf, 2),
        // 16-bit and float images are rare for screenshots: convert first.
        other => return luma_grid(&DynamicImage::ImageRgba8(other.to_rgba8()), gw, gh),
    };
    let mut grid = GridAccumulator::new(w, h, gw, gh);
    let mut luma = Vec::with_capacity(w);
    for (y, line) in bytes.chunks_exact(w * channels).enumerate() {
        luma_row(line, channels, &mut luma);
        grid.add_row(y, &luma);
    }
    grid.finish()
}

/// Builds a fingerprint from rows of 8-bit pixels as a decoder yields them,
/// top to bottom, so no full-size image is ever held.
struct FingerprintBuilder {
    grid: GridAccumulator,
    thumb: GridAccumulator,
    channels: usize,
    height: usize,
    rows: usize,
    luma: Vec<u8>,
}

impl FingerprintBuilder {
    /// For rows of `channels` 8-bit samples (1 gray, 2 gray + alpha, 3 RGB,
    /// 4 RGBA). `None` for other layouts, or an image smaller than a grid
    /// (decode those whole: [`fingerprint_image`] enlarges them).
    fn new(width: u32, height: u32, channels: usize) -> Option<Self> {
        let (w, h) = (width as usize, height as usize);
        if !(1..=4).contains(&channels) || w < GRID.max(THUMB_W) || h < GRID.max(THUMB_H) {
            return None;
        }
        Some(FingerprintBuilder {
            grid: GridAccumulator::new(w, h, GRID, GRID),
            thumb: GridAccumulator::new(w, h, THUMB_W, THUMB_H),
            channels,
            height: h,
            rows: 0,
            luma: Vec::with_capacity(w),
        })
    }

    /// The samples per pixel of a PNG decoded with `EXPAND | STRIP_16`.
    fn png_channels(color: png::ColorType) -> Option<usize> {
        match color {
            png::ColorType::Grayscale => Some(1),
            png::ColorType::GrayscaleAlpha => Some(2),
            png::ColorType::Rgb => Some(3),
            png::ColorType::Rgba => Some(4),
            png::ColorType::Indexed => None,
        }
    }

    /// Adds the next row; rows beyond the height are ignored.
    fn add_row(&mut self, pixels: &[u8]) {
        if self.rows < self.height {
            luma_row(pixels, self.channels, &mut self.luma);
            self.grid.add_row(self.rows, &self.luma);
            self.thumb.add_row(self.rows, &self.luma);
        }
        self.rows += 1;
    }

    fn finish(self) -> Result<Fingerprint, HashError> {
        if self.rows < self.height {
            return Err(HashError::Decode(
                "fewer rows than the image's height".into(),
            ));
        }
        fingerprint_from_grids(&self.grid.finish(), &self.thumb.finish())
    }
}

/// The fingerprint of a PNG computed from the rows of a decode done for
/// another purpose (intake's check), so the image is decoded once: feed it
/// every row of a `png::Reader` set to `EXPAND | STRIP_16` (as
/// [`png_transformations`] gives), in order. The result is the fingerprint
/// [`fingerprint_image_reader`] computes for the same file, to the bit: both
/// go through the same builder.
pub struct PngRowFingerprint {
    builder: Option<FingerprintBuilder>,
}

/// What a PNG decode must apply for [`PngRowFingerprint`]: palette and low
/// bit depths to 8-bit, tRNS to alpha, 16-bit to 8-bit.
pub fn png_transformations() -> png::Transformations {
    png::Transformations::EXPAND | png::Transformations::STRIP_16
}

impl PngRowFingerprint {
    /// For the rows `reader` will yield. Interlaced PNGs and PNGs smaller than
    /// a grid get none here ([`Self::finish`] is `None`): they are decoded
    /// whole by [`fingerprint_image_reader`].
    pub fn new<R: BufRead + Seek>(reader: &png::Reader<R>) -> Self {
        let info = reader.info();
        let builder = FingerprintBuilder::png_channels(reader.output_color_type().0)
            .filter(|_| !info.interlaced && reader.output_color_type().1 == png::BitDepth::Eight)
            .and_then(|channels| FingerprintBuilder::new(info.width, info.height, channels));
        PngRowFingerprint { builder }
    }

    /// Adds the next decoded row.
    pub fn add_row(&mut self, row: &[u8]) {
        if let Some(builder) = &mut self.builder {
            builder.add_row(row);
        }
    }

    /// The fingerprint, once every row was added; `None` when this PNG is
    /// not fingerprinted row by row.
    pub fn finish(self) -> Option<Result<Fingerprint, HashError>> {
        self.builder.map(FingerprintBuilder::finish)
    }
}

/// The fingerprint of a non-interlaced PNG, decoded row by row: no
/// full-size buffer, and a third faster than decoding the whole image
/// first. `None` when the PNG is interlaced or smaller than a grid (the
/// general path handles it).
fn png_fingerprint<R: BufRead + Seek>(
    source: R,
    max_alloc: u64,
) -> Result<Option<Fingerprint>, HashError> {
    let limits = png::Limits {
        bytes: usize::try_from(max_alloc).unwrap_or(usize::MAX),
    };
    let mut decoder = png::Decoder::new_with_limits(source, limits);
    decoder.set_transformations(png_transformations());
    let mut reader = decoder
        .read_info()
        .map_err(|e| HashError::Decode(e.to_string()))?;
    let mut fingerprint = PngRowFingerprint::new(&reader);
    if fingerprint.builder.is_none() {
        return Ok(None);
    }
    while let Some(row) = reader
        .next_row()
        .map_err(|e| HashError::Decode(e.to_string()))?
    {
        fingerprint.add_row(row.data());
    }
    fingerprint.finish().transpose()
}

fn over_white(l: u32, alpha: u8) -> u32 {
    let a = u32::from(alpha);
    (l * a + 255 * (255 - a)) / 255
}

/// The wanted 2-D DCT-II coefficients (u along x, v along y) of an n×n grid.
fn dct(grid: &[f32], n: usize, wanted: &[(usize, usize)]) -> Vec<f32> {
    let basis: Vec<f32> = (0..n)
        .flat_map(|k| {
            (0..n).map(move |x| {
                ((std::f32::consts::PI / n as f32) * (x as f32 + 0.5) * k as f32).cos()
            })
        })
        .collect();
    wanted
        .iter()
        .map(|&(u, v)| {
            let bu = &basis[u * n..(u + 1) * n];
            let bv = &basis[v * n..(v + 1) * n];
            grid.chunks_exact(n)
                .zip(bv)
                .map(|(line, &cy)| line.iter().zip(bu).map(|(p, c)| p * c).sum::<f32>() * cy)
                .sum()
        })
        .collect()
}

/// Per-half radius that guarantees finding every hash within `max_distance`.
pub fn half_radius(max_distance: u32) -> u32 {
    max_distance / 2
}

/// Every 32-bit value within `radius` bits of `half` (itself first).
/// Radius 1 gives 33 values, 2 gives 529, 3 gives 5489.
pub fn values_within(half: u32, radius: u32) -> Vec<u32> {
    let mut out = vec![half];
    let mut frontier = vec![(half, 0u32)];
    // Flip bits in increasing positions only, so each value appears once.
    for _ in 0..radius.min(32) {
        let mut next = Vec::new();
        for &(value, lowest) in &frontier {
            for bit in lowest..32 {
                let flipped = value ^ (1 << bit);
                out.push(flipped);
                next.push((flipped, bit + 1));
            }
        }
        frontier = next;
    }
    out
}

/// For a query hash, the values each stored half column may take for a
/// hash within `max_distance`: `[h0 values, h1 values]`.
pub fn candidate_halves(hash: ImageHash, max_distance: u32) -> [Vec<u32>; 2] {
    let radius = half_radius(max_distance);
    hash.halves().map(|h| values_within(h, radius))
}

/// An in-memory multi-index over hashes, with the same semantics as the
/// database query: exact results for any distance, without a full scan.
#[derive(Debug, Clone)]
pub struct HammingIndex<T> {
    hashes: Vec<u64>,
    items: Vec<T>,
    /// For each half, the ids of the hashes with each value of it.
    tables: [HashMap<u32, Vec<u32>>; 2],
}

impl<T> Default for HammingIndex<T> {
    fn default() -> Self {
        HammingIndex {
            hashes: Vec::new(),
            items: Vec::new(),
            tables: Default::default(),
        }
    }
}

impl<T> HammingIndex<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    pub fn insert(&mut self, hash: ImageHash, item: T) {
        let id = u32::try_from(self.hashes.len()).unwrap_or(u32::MAX);
        for (table, half) in self.tables.iter_mut().zip(hash.halves()) {
            table.entry(half).or_default().push(id);
        }
        self.hashes.push(hash.0);
        self.items.push(item);
    }

    /// Every stored item within `max_distance` of `hash`, nearest first.
    pub fn query(&self, hash: ImageHash, max_distance: u32) -> Vec<(&T, u32)> {
        let mut found = Vec::new();
        for (table, values) in self.tables.iter().zip(candidate_halves(hash, max_distance)) {
            for value in values {
                for &id in table.get(&value).map_or(&[][..], Vec::as_slice) {
                    let distance = hamming(self.hashes[id as usize], hash.0);
                    if distance <= max_distance {
                        found.push((distance, id));
                    }
                }
            }
        }
        // A hash whose two halves are both near is found twice.
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|(d, id)| (&self.items[id as usize], d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn screen(seed: u32) -> RgbImage {
        // Blocks of "text" whose lengths depend on the seed.
        let mut img = RgbImage::from_pixel(360, 780, Rgb([250, 250, 250]));
        for line in 0..30u32 {
            let len = 60 + (line * 37 + seed * 101) % 260;
            for y in line * 24 + 8..line * 24 + 20 {
                for x in 12..12 + len {
                    img.put_pixel(x, y, Rgb([30, 30, 30]));
                }
            }
        }
        img
    }

    fn encode(img: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    #[test]
    fn the_hash_survives_reencoding_and_resizing_but_not_other_content() {
        let a = DynamicImage::ImageRgb8(screen(1));
        let ha = hash_image(&a);
        let png = hash_image_bytes(&encode(&a, image::ImageFormat::Png), DEFAULT_MAX_PIXELS)
            .expect("png");
        assert_eq!(png, ha);
        let jpeg = hash_image_bytes(&encode(&a, image::ImageFormat::Jpeg), DEFAULT_MAX_PIXELS)
            .expect("jpeg");
        assert!(
            jpeg.distance(ha) <= SIMILAR_MAX_DISTANCE,
            "{}",
            jpeg.distance(ha)
        );
        let half = hash_image(&a.resize_exact(180, 390, image::imageops::FilterType::Triangle));
        assert!(half.distance(ha) <= SIMILAR_MAX_DISTANCE);
        let other = hash_image(&DynamicImage::ImageRgb8(screen(2)));
        assert!(
            other.distance(ha) > SIMILAR_MAX_DISTANCE,
            "{}",
            other.distance(ha)
        );
    }

    #[test]
    fn transparency_is_seen_over_white_and_tiny_images_hash() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 40, Rgba([0, 0, 0, 0])));
        let white = DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 40, Rgb([255, 255, 255])));
        assert_eq!(hash_image(&clear), hash_image(&white));
        let tiny = DynamicImage::ImageRgb8(RgbImage::from_pixel(3, 2, Rgb([9, 9, 9])));
        let _ = hash_image(&tiny);
        let gray = DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(screen(1)).to_luma8());
        assert!(hash_image(&gray).distance(hash_image(&DynamicImage::ImageRgb8(screen(1)))) <= 2);
    }

    #[test]
    fn the_streaming_png_path_agrees_with_full_decoding() {
        let rgb = DynamicImage::ImageRgb8(screen(3));
        for image in [
            rgb.clone(),
            DynamicImage::ImageRgba8(rgb.to_rgba8()),
            DynamicImage::ImageLuma8(rgb.to_luma8()),
            DynamicImage::ImageLumaA8(rgb.to_luma_alpha8()),
            DynamicImage::ImageRgb16(rgb.to_rgb16()),
        ] {
            let png = encode(&image, image::ImageFormat::Png);
            let streamed = hash_image_bytes(&png, DEFAULT_MAX_PIXELS).expect("hash");
            assert_eq!(streamed, hash_image(&image), "{:?}", image.color());
        }
    }

    #[test]
    fn rgb_rows_in_blocks_give_each_pixel_its_luma() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for width in [1, 15, 16, 17, 31, 750, 1081] {
            let pixels: Vec<u8> = (0..width * 3)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let mut out = Vec::new();
            luma_row(&pixels, 3, &mut out);
            let expected: Vec<u8> = pixels
                .chunks_exact(3)
                .map(|p| luma(p[0], p[1], p[2]))
                .collect();
            assert_eq!(out, expected, "width {width}");
        }
        let mut out = Vec::new();
        luma_row(&[255; 48], 3, &mut out);
        assert_eq!(out, vec![255; 16]);
    }

    #[test]
    fn bad_and_oversized_images_are_refused() {
        assert!(matches!(
            hash_image_bytes(b"not an image", DEFAULT_MAX_PIXELS),
            Err(HashError::Decode(_))
        ));
        let png = encode(&DynamicImage::ImageRgb8(screen(1)), image::ImageFormat::Png);
        assert_eq!(
            hash_image_bytes(&png, 1000),
            Err(HashError::TooLarge(360 * 780))
        );
        assert!(matches!(
            hash_image_bytes(&png[..png.len() / 2], DEFAULT_MAX_PIXELS),
            Err(HashError::Decode(_))
        ));
    }

    #[test]
    fn hashes_convert_to_hex_and_signed_integers() {
        let h = ImageHash(0xF000_0000_0000_0001);
        assert_eq!(h.to_hex(), "f000000000000001");
        assert_eq!(ImageHash::from_hex("f000000000000001"), Some(h));
        assert_eq!(ImageHash::from_hex("f00"), None);
        assert_eq!(ImageHash::from_hex("zz00000000000000"), None);
        assert!(h.to_i64() < 0);
        assert_eq!(ImageHash::from_i64(h.to_i64()), h);
        assert_eq!(h.halves(), [0xC000_0001, 0xC000_0000]);
        assert_eq!(ImageHash(0b1011).halves(), [0b01, 0b11]);
        let json = serde_json::to_string(&h).expect("json");
        assert_eq!(json, "\"f000000000000001\"");
        assert_eq!(serde_json::from_str::<ImageHash>(&json).expect("parse"), h);
        assert!(serde_json::from_str::<ImageHash>("\"nope\"").is_err());
    }

    #[test]
    fn half_neighbourhoods_have_the_expected_sizes() {
        assert_eq!(values_within(0xABCD_0123, 0), vec![0xABCD_0123]);
        for (radius, size) in [(1, 33), (2, 529), (3, 5489)] {
            let mut values = values_within(0x1234_5678, radius);
            assert_eq!(values.len(), size);
            assert!(values
                .iter()
                .all(|&v| hamming(u64::from(v), 0x1234_5678) <= radius));
            values.sort_unstable();
            values.dedup();
            assert_eq!(values.len(), size, "no duplicates");
        }
        assert_eq!(half_radius(SIMILAR_MAX_DISTANCE), 1);
        assert_eq!(half_radius(5), 2);
        let halves = candidate_halves(ImageHash(0b10), 4);
        assert_eq!(halves[1].len(), 529);
        assert_eq!(halves[0][0], 0);
        assert_eq!(halves[1][0], 1);
    }

    /// Pigeonhole: whichever bits differ, one half of a hash at distance
    /// `d` is within `d / 2` of the other's.
    #[test]
    fn a_hash_within_the_distance_has_a_half_within_the_radius() {
        for d in 0..=5u32 {
            for flips in 0..4096u64 {
                let mut other = 0x0F0F_3C3C_A5A5_9999u64;
                let mut seed = flips.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(d);
                let mut flipped = 0;
                while flipped < d {
                    let bit = seed % 64;
                    seed = seed.rotate_left(7).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
                    if (other ^ 0x0F0F_3C3C_A5A5_9999) >> bit & 1 == 0 {
                        other ^= 1 << bit;
                        flipped += 1;
                    }
                }
                let (a, b) = (ImageHash(0x0F0F_3C3C_A5A5_9999), ImageHash(other));
                assert_eq!(a.distance(b), d);
                let near = a
                    .halves()
                    .iter()
                    .zip(b.halves())
                    .any(|(x, y)| (x ^ y).count_ones() <= half_radius(d));
                assert!(near, "{a:?} {b:?}");
            }
        }
    }

    /// The index finds exactly what a full scan finds.
    #[test]
    fn the_index_agrees_with_a_full_scan() {
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut index = HammingIndex::new();
        let mut all = Vec::new();
        let base = next();
        for i in 0..5000u32 {
            // Half random, half near `base`, so every distance occurs.
            let h = if i % 2 == 0 {
                next()
            } else {
                let mut h = base;
                for _ in 0..(i % 20) {
                    h ^= 1 << (next() % 64);
                }
                h
            };
            index.insert(ImageHash(h), i);
            all.push((h, i));
        }
        assert_eq!(index.len(), 5000);
        for radius in [0, 1, 3, 4, 7] {
            let query = ImageHash(base ^ 0b101);
            let mut expected: Vec<(u32, u32)> = all
                .iter()
                .map(|&(h, i)| (hamming(h, query.0), i))
                .filter(|&(d, _)| d <= radius)
                .collect();
            expected.sort_unstable();
            let got: Vec<(u32, u32)> = index
                .query(query, radius)
                .into_iter()
                .map(|(&i, d)| (d, i))
                .collect();
            assert_eq!(got, expected, "radius {radius}");
        }
        assert!(HammingIndex::<u8>::new().is_empty());
    }
}
