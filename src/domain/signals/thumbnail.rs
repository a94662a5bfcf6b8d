//! Crop-tolerant screenshot matching, for what the 64-bit hash misses.
//!
//! A consumer who re-shares a screenshot often trims its edges (the status
//! bar, a chat frame). Cropping shifts every cell of the hash's 32×32 grid,
//! so a global perceptual hash of a copy cropped by 5 % per edge lands up to
//! twenty bits away, as far as a different page of the same app. So each
//! image also keeps a small [`Thumbnail`]: mean luma over a fixed
//! [`THUMB_W`]×[`THUMB_H`] grid of the whole picture (aspect ignored, like the
//! hash, so a resized copy gives the same grid).
//!
//! [`crop_match`] tells whether one thumbnail shows the same picture as a
//! part of the other, or both parts of one picture:
//! 1. the vertical and the horizontal mapping (`b = offset + scale · a`, in
//!    fractions of the picture) are found one axis at a time, by correlating
//!    the row (resp. column) mean profiles over every scale and offset that a
//!    crop of up to [`MAX_CROP`] per edge allows, coarse then fine; pictures
//!    whose row profiles do not line up at all stop here (most pairs);
//! 2. the best few mappings are checked on the whole (lightly blurred) grid,
//!    and the best one refined by coordinate ascent on all four parameters:
//!    the correlation of the luma, and of its detail (the grid minus a wider
//!    blur of it, which is where the words of a screenshot live) must both
//!    be high.
//!
//! The detail correlation is what tells two pages of one app apart: they
//! share bars, buttons and colours, so their luma correlates well, but the
//! text differs. Thresholds are tuned on the labelled fixtures of
//! `tests/signals_quality.rs` (crops of 0–5 % per edge, re-encoded and
//! resized, against same-layout pages): there 107 of 108 cropped copies
//! match their original (precision 1.000, recall 0.996 over every pair),
//! and no pair of different screenshots passes both bars.
//!
//! No index narrows thumbnails the way hash chunks narrow hashes, so the
//! caller chooses the candidates: the service compares a case's images with
//! the newest images of the same merchant's other cases.

use serde::{Deserialize, Serialize};

/// Thumbnail columns.
pub const THUMB_W: usize = 48;
/// Thumbnail rows: screenshots are tall.
pub const THUMB_H: usize = 96;
/// The largest crop per edge, as a fraction of the side, that
/// [`crop_match`] looks for.
pub const MAX_CROP: f32 = 0.06;
/// Least correlation of the aligned luma for a crop match.
pub const MIN_LUMA_CORRELATION: f32 = 0.93;
/// Least correlation of the aligned detail for a crop match.
pub const MIN_DETAIL_CORRELATION: f32 = 0.80;
/// At least this fraction of one picture must lie inside the other.
const MIN_OVERLAP: f32 = 0.85;
/// Stored format version (the first byte of [`Thumbnail::to_bytes`]).
const FORMAT: u8 = 1;

/// Mean luma (0–255) over a [`THUMB_W`]×[`THUMB_H`] grid, row by row.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thumbnail {
    luma: Vec<u8>,
}

impl std::fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Thumbnail({}×{})", THUMB_W, THUMB_H)
    }
}

impl Thumbnail {
    /// From a grid of [`THUMB_W`]×[`THUMB_H`] mean luma values.
    pub fn from_grid(grid: &[f32]) -> Option<Thumbnail> {
        (grid.len() == THUMB_W * THUMB_H).then(|| Thumbnail {
            luma: grid
                .iter()
                .map(|&v| v.round().clamp(0.0, 255.0) as u8)
                .collect(),
        })
    }

    /// The stored form: a format byte, then the luma bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.luma.len());
        out.push(FORMAT);
        out.extend_from_slice(&self.luma);
        out
    }

    /// `None` for bytes of another format or size (e.g. a future version):
    /// the caller then recomputes it from the file.
    pub fn from_bytes(bytes: &[u8]) -> Option<Thumbnail> {
        match bytes.split_first() {
            Some((&FORMAT, luma)) if luma.len() == THUMB_W * THUMB_H => Some(Thumbnail {
                luma: luma.to_vec(),
            }),
            _ => None,
        }
    }

    fn values(&self) -> Vec<f32> {
        self.luma.iter().map(|&v| f32::from(v)).collect()
    }
}

/// A thumbnail ready for matching: what [`crop_match`] needs of it,
/// computed once per image rather than once per pair.
#[derive(Debug, Clone)]
pub struct PreparedThumbnail {
    values: Vec<f32>,
    detail: Vec<f32>,
    rows: Vec<f32>,
    cols: Vec<f32>,
    /// The half-resolution profiles under every mapping of the coarse
    /// search, for the coarse search of an axis.
    coarse_rows: CoarseProfile,
    coarse_cols: CoarseProfile,
}

/// A profile at half resolution prepared for the coarse search of an axis
/// ([`coarse_grid`]): per mapping, what [`correlate_1d`] would compute for
/// it on either side, except the cross term. Each image is resampled once
/// per mapping instead of once per pair and mapping; the sums are taken in
/// the same order, so the correlations are the same to the bit.
#[derive(Debug, Clone)]
struct CoarseProfile {
    values: Vec<f32>,
    /// The mappings searched (the same for every profile of this length).
    grid: CoarseGrid,
    /// What was prepared for each of `grid.maps`.
    mappings: Vec<CoarseMapping>,
}

#[derive(Debug, Clone)]
struct CoarseMapping {
    /// The cells whose mapped position lies inside the other profile.
    cells: std::ops::Range<usize>,
    /// This profile sampled at those positions (its side as `b`).
    sampled: Vec<f32>,
    /// Sums over `cells` of the values and their squares (as `a`), and of
    /// `sampled` and its squares (as `b`).
    sa: f64,
    saa: f64,
    sb: f64,
    sbb: f64,
}

impl CoarseProfile {
    fn new(profile: &[f32]) -> Self {
        let values = halve(profile);
        let n = values.len();
        let grid = coarse_grid(n);
        let mappings = grid
            .maps
            .iter()
            .map(|&(scale, offset)| {
                let inside = |i: usize| (0.0..=1.0).contains(&coarse_position(n, scale, offset, i));
                let first = (0..n).find(|&i| inside(i)).unwrap_or(n);
                let end = (first..n).find(|&i| !inside(i)).unwrap_or(n);
                let sampled: Vec<f32> = (first..end)
                    .map(|i| sample(&values, coarse_position(n, scale, offset, i)))
                    .collect();
                let (mut sa, mut saa, mut sb, mut sbb) = (0.0, 0.0, 0.0, 0.0);
                for (&a, &b) in values[first..end].iter().zip(&sampled) {
                    let (a, b) = (f64::from(a), f64::from(b));
                    sa += a;
                    saa += a * a;
                    sb += b;
                    sbb += b * b;
                }
                CoarseMapping {
                    cells: first..end,
                    sampled,
                    sa,
                    saa,
                    sb,
                    sbb,
                }
            })
            .collect();
        CoarseProfile {
            values,
            grid,
            mappings,
        }
    }

    /// The correlation of `self` (as `a`) with `other` (as `b`) under
    /// mapping `k`, as `correlate_1d` on the half profiles gives it.
    fn correlate(&self, other: &CoarseProfile, k: usize) -> Option<f32> {
        let (mine, theirs) = (&self.mappings[k], &other.mappings[k]);
        let n = self.values.len();
        let count = mine.cells.len();
        if (count as f32) < MIN_OVERLAP * n as f32 {
            return None;
        }
        let mut sab = 0.0;
        for (&a, &b) in self.values[mine.cells.clone()].iter().zip(&theirs.sampled) {
            sab += f64::from(a) * f64::from(b);
        }
        Correlation {
            n: count,
            sa: mine.sa,
            sb: theirs.sb,
            saa: mine.saa,
            sbb: theirs.sbb,
            sab,
        }
        .value()
    }
}

/// The mappings of the coarse search for profiles of `n` cells: scales and
/// offsets in steps of about one cell.
#[derive(Debug, Clone)]
struct CoarseGrid {
    scale_steps: usize,
    offset_steps: usize,
    maps: Vec<(f32, f32)>,
}

fn coarse_grid(n: usize) -> CoarseGrid {
    let (min_scale, max_scale) = scale_range();
    let max_offset = max_offset();
    let nf = n as f32;
    let scale_steps = ((max_scale - min_scale) * nf).ceil().max(1.0) as usize;
    let offset_steps = (2.0 * max_offset * nf).ceil().max(1.0) as usize;
    let mut maps = Vec::with_capacity((scale_steps + 1) * (offset_steps + 1));
    for s in 0..=scale_steps {
        let scale = min_scale + (max_scale - min_scale) * s as f32 / scale_steps as f32;
        for o in 0..=offset_steps {
            let offset = -max_offset + 2.0 * max_offset * o as f32 / offset_steps as f32;
            maps.push((scale, offset));
        }
    }
    CoarseGrid {
        scale_steps,
        offset_steps,
        maps,
    }
}

/// Where cell `i` of a profile of `n` cells lands under a mapping (the
/// arithmetic of [`correlate_1d`]).
fn coarse_position(n: usize, scale: f32, offset: f32, i: usize) -> f32 {
    offset + scale / n as f32 * (i as f32 + 0.5)
}

impl Thumbnail {
    pub fn prepare(&self) -> PreparedThumbnail {
        let values = self.values();
        let rows: Vec<f32> = values
            .chunks_exact(THUMB_W)
            .map(|r| r.iter().sum::<f32>() / THUMB_W as f32)
            .collect();
        let cols: Vec<f32> = (0..THUMB_W)
            .map(|x| (0..THUMB_H).map(|y| values[y * THUMB_W + x]).sum::<f32>() / THUMB_H as f32)
            .collect();
        // Compared smoothed: resampling a grid of cell means at another
        // scale and offset blurs it anyway, and sharp cells would make a
        // sub-cell misalignment look like a different picture.
        let smoothed = smooth(&values);
        PreparedThumbnail {
            detail: detail(&smoothed),
            values: smoothed,
            coarse_rows: CoarseProfile::new(&rows),
            coarse_cols: CoarseProfile::new(&cols),
            rows,
            cols,
        }
    }
}

/// How a crop match aligned the two pictures, and how well.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropMatch {
    /// Correlation of the aligned luma (−1 to 1).
    pub luma: f32,
    /// Correlation of the aligned detail (−1 to 1).
    pub detail: f32,
}

impl CropMatch {
    fn total(self) -> f32 {
        self.luma + self.detail
    }

    /// Whether the alignment passes both thresholds.
    pub fn is_match(self) -> bool {
        self.luma >= MIN_LUMA_CORRELATION && self.detail >= MIN_DETAIL_CORRELATION
    }
}

/// A mapping of one axis: `b = offset + scale · a`, in fractions of a side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct AxisMap {
    scale: f32,
    offset: f32,
    score: f32,
}

/// Whether `a` and `b` show the same picture up to a crop of at most
/// [`MAX_CROP`] per edge (of either or both), re-encoding and resizing.
pub fn crop_match(a: &PreparedThumbnail, b: &PreparedThumbnail) -> Option<CropMatch> {
    crop_alignment(a, b).filter(|m| m.is_match())
}

/// Row profiles must correlate at least this well for the pictures to be
/// aligned in 2-D at all: a cheap way out for unrelated pictures.
const MIN_PROFILE_CORRELATION: f32 = 0.8;
/// The coarse search of an axis gives up below this.
const MIN_COARSE_PROFILE_CORRELATION: f32 = 0.7;
/// Alignments at least this good are refined in 2-D before judging.
const REFINE_FROM: CropMatch = CropMatch {
    luma: 0.85,
    detail: 0.5,
};

/// The best alignment found, whatever its score (for tuning and tests);
/// `None` when the pictures do not line up at all.
pub fn crop_alignment(a: &PreparedThumbnail, b: &PreparedThumbnail) -> Option<CropMatch> {
    let ys = fit_axis((&a.rows, &a.coarse_rows), (&b.rows, &b.coarse_rows));
    if ys.first().is_none_or(|y| y.score < MIN_PROFILE_CORRELATION) {
        return None;
    }
    let mut xs = fit_axis((&a.cols, &a.coarse_cols), (&b.cols, &b.coarse_cols));
    if xs.is_empty() {
        // A flat column profile (text across the whole width) says nothing
        // about the horizontal crop: try a few and let the refinement go on.
        xs = [(1.0, 0.0), (0.93, 0.03), (1.07, -0.035)]
            .map(|(scale, offset)| AxisMap {
                scale,
                offset,
                score: 0.0,
            })
            .to_vec();
    }
    let mut best: Option<(CropMatch, AxisMap, AxisMap)> = None;
    for y in ys.iter().take(2) {
        for x in xs.iter().take(2) {
            let Some(found) = correlate_both(a, b, x, y) else {
                continue;
            };
            if best.is_none_or(|(b, _, _)| found.total() > b.total()) {
                best = Some((found, *x, *y));
            }
        }
    }
    let (mut found, mut x, mut y) = best?;
    if found.luma < REFINE_FROM.luma || found.detail < REFINE_FROM.detail {
        return Some(found);
    }
    // Coordinate ascent on the four parameters, in shrinking steps from a
    // quarter cell: the profiles place each axis well, but not jointly.
    // It stops once the alignment passes: a better one would not change
    // the answer, only the correlation reported with it.
    let mut steps = [0.25 / THUMB_W as f32, 0.25 / THUMB_H as f32];
    for _ in 0..3 {
        let mut improved = true;
        let mut rounds = 0;
        while improved && rounds < 4 && !found.is_match() {
            improved = false;
            rounds += 1;
            for (axis, sign, which) in [
                (0, 1.0, 0),
                (0, -1.0, 0),
                (0, 1.0, 1),
                (0, -1.0, 1),
                (1, 1.0, 0),
                (1, -1.0, 0),
                (1, 1.0, 1),
                (1, -1.0, 1),
            ] {
                let (mut nx, mut ny) = (x, y);
                let map = if axis == 0 { &mut nx } else { &mut ny };
                if which == 0 {
                    map.offset += sign * steps[axis];
                } else {
                    map.scale += sign * 2.0 * steps[axis];
                }
                if let Some(candidate) = correlate_both(a, b, &nx, &ny) {
                    if candidate.total() > found.total() + 1e-4 {
                        (found, x, y) = (candidate, nx, ny);
                        improved = true;
                    }
                }
            }
        }
        steps = steps.map(|s| s / 2.0);
    }
    Some(found)
}

/// The luma and detail correlations of `a` with `b` resampled through the
/// mapping, in one pass (bilinear taps computed once per row and column).
fn correlate_both(
    a: &PreparedThumbnail,
    b: &PreparedThumbnail,
    x: &AxisMap,
    y: &AxisMap,
) -> Option<CropMatch> {
    let cols = taps(x, THUMB_W);
    // Separable: every row of `b` resampled across once, then each cell is
    // one step between two such rows (the same arithmetic as resampling
    // each cell from its four neighbours, done once per row, not per cell).
    let across = |v: &[f32]| -> Vec<f32> {
        let mut out = Vec::with_capacity(THUMB_H * cols.len());
        for row in v.chunks_exact(THUMB_W) {
            out.extend(
                cols.iter()
                    .map(|&(_, x0, x1, wx)| row[x0] + (row[x1] - row[x0]) * wx),
            );
        }
        out
    };
    let (b_values, b_detail) = (across(&b.values), across(&b.detail));
    let width = cols.len();
    let mut luma = Correlation::default();
    let mut detail = Correlation::default();
    for (row, y0, y1, wy) in taps(y, THUMB_H) {
        let (a_values, a_detail) = (
            &a.values[row * THUMB_W..(row + 1) * THUMB_W],
            &a.detail[row * THUMB_W..(row + 1) * THUMB_W],
        );
        let (b0, b1) = (y0 * width, y1 * width);
        for (k, &(col, ..)) in cols.iter().enumerate() {
            let between = |v: &[f32]| {
                let (top, bottom) = (v[b0 + k], v[b1 + k]);
                top + (bottom - top) * wy
            };
            luma.add(a_values[col], between(&b_values));
            detail.add(a_detail[col], between(&b_detail));
        }
    }
    if (luma.n as f32) < MIN_OVERLAP * MIN_OVERLAP * (THUMB_W * THUMB_H) as f32 {
        return None;
    }
    Some(CropMatch {
        luma: luma.value()?,
        detail: detail.value()?,
    })
}

/// For each cell of `a` along an axis of `n` cells whose mapped position
/// lies inside `b`: the cell, the two cells of `b` around it, and the
/// weight of the second.
fn taps(map: &AxisMap, n: usize) -> Vec<(usize, usize, usize, f32)> {
    (0..n)
        .filter_map(|i| {
            let t = map.offset + map.scale * (i as f32 + 0.5) / n as f32;
            if !(0.0..=1.0).contains(&t) {
                return None;
            }
            let f = (t * n as f32 - 0.5).clamp(0.0, (n - 1) as f32);
            // `f` is not negative: truncation is its floor, without a libm call.
            let lower = f as usize;
            Some((i, lower, (lower + 1).min(n - 1), f - lower as f32))
        })
        .collect()
}

/// The scale range: `a` may be up to `2·MAX_CROP` smaller than `b` (a crop
/// of it) or larger (`b` a crop of `a`).
fn scale_range() -> (f32, f32) {
    (1.0 - 2.0 * MAX_CROP, 1.0 / (1.0 - 2.0 * MAX_CROP))
}

/// The largest offset of a mapping, either way: a crop of [`MAX_CROP`] of
/// the other picture's side, in fractions of this one's.
fn max_offset() -> f32 {
    MAX_CROP / (1.0 - 2.0 * MAX_CROP)
}

/// The best few mappings of one axis, by correlation of the profiles:
/// a coarse search on profiles of half the resolution, in steps of one of
/// their cells, then a fine one around the two best, in steps of a
/// quarter cell of the full profiles. Each side is (profile, the same
/// prepared for the coarse search).
fn fit_axis(
    (pa, ca): (&[f32], &CoarseProfile),
    (pb, cb): (&[f32], &CoarseProfile),
) -> Vec<AxisMap> {
    let (min_scale, max_scale) = scale_range();
    let max_offset = max_offset();
    let (scale_steps, offset_steps) = (ca.grid.scale_steps, ca.grid.offset_steps);
    // The two best mappings, as a stable sort by score would put them (ties
    // keep their order), without sorting the rest.
    let mut coarse: Vec<AxisMap> = Vec::with_capacity(3);
    for (k, &(scale, offset)) in ca.grid.maps.iter().enumerate() {
        let Some(score) = ca.correlate(cb, k) else {
            continue;
        };
        let at = coarse
            .iter()
            .position(|kept| score.total_cmp(&kept.score).is_gt())
            .unwrap_or(coarse.len());
        if at < 2 {
            coarse.insert(
                at,
                AxisMap {
                    scale,
                    offset,
                    score,
                },
            );
            coarse.truncate(2);
        }
    }
    // Refining cannot lift a hopeless start to the bar: stop here.
    if coarse
        .first()
        .is_none_or(|c| c.score < MIN_COARSE_PROFILE_CORRELATION)
    {
        return Vec::new();
    }
    // Fine: hill-climbing from the two best (as many as the 2-D alignment
    // tries), in steps halving from half a coarse step down to a sixty-fourth.
    let mut fine: Vec<AxisMap> = Vec::new();
    for start in coarse.iter().take(2) {
        let Some(score) = correlate_1d(pa, pb, start.scale, start.offset) else {
            continue;
        };
        let mut best = AxisMap { score, ..*start };
        let mut step_scale = (max_scale - min_scale) / scale_steps as f32 / 2.0;
        let mut step_offset = 2.0 * max_offset / offset_steps as f32 / 2.0;
        for _ in 0..6 {
            for (ds, dof) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
                let scale = best.scale + ds * step_scale;
                let offset = best.offset + dof * step_offset;
                if let Some(score) = correlate_1d(pa, pb, scale, offset) {
                    if score > best.score {
                        best = AxisMap {
                            scale,
                            offset,
                            score,
                        };
                    }
                }
            }
            step_scale /= 2.0;
            step_offset /= 2.0;
        }
        fine.push(best);
    }
    fine.sort_by(|x, y| y.score.total_cmp(&x.score));
    fine
}

/// A profile at half the resolution: the mean of each pair of cells.
fn halve(p: &[f32]) -> Vec<f32> {
    p.chunks(2)
        .map(|c| c.iter().sum::<f32>() / c.len() as f32)
        .collect()
}

/// Linear interpolation of `p` at fraction `t` (cell centres at (i+½)/n).
fn sample(p: &[f32], t: f32) -> f32 {
    let n = p.len();
    let f = (t * n as f32 - 0.5).clamp(0.0, (n - 1) as f32);
    // `f` is not negative: truncation is its floor, without a libm call
    // (and through i32, a cheaper conversion than to usize).
    let i = (f as i32 as usize).min(n - 1);
    let j = (i + 1).min(n - 1);
    let w = f - i as f32;
    p[i] * (1.0 - w) + p[j] * w
}

fn correlate_1d(pa: &[f32], pb: &[f32], scale: f32, offset: f32) -> Option<f32> {
    let n = pa.len();
    let step = scale / n as f32;
    let mut acc = Correlation::default();
    for (i, &a) in pa.iter().enumerate() {
        let t = offset + step * (i as f32 + 0.5);
        if (0.0..=1.0).contains(&t) {
            acc.add(a, sample(pb, t));
        }
    }
    (acc.n as f32 >= MIN_OVERLAP * n as f32).then(|| acc.value())?
}

/// Each cell minus a wider blur of it: the band where words and lines of
/// text live (a difference of Gaussians).
fn detail(v: &[f32]) -> Vec<f32> {
    let wide = smooth(&smooth(v));
    v.iter().zip(&wide).map(|(a, b)| a - b).collect()
}

/// A separable [1 2 1]/4 blur, edges clamped.
fn smooth(v: &[f32]) -> Vec<f32> {
    let at = |i: isize, n: usize| i.clamp(0, n as isize - 1) as usize;
    let mut rows = vec![0.0; v.len()];
    for y in 0..THUMB_H {
        for x in 0..THUMB_W {
            let row = &v[y * THUMB_W..(y + 1) * THUMB_W];
            let xi = x as isize;
            rows[y * THUMB_W + x] =
                (row[at(xi - 1, THUMB_W)] + 2.0 * row[x] + row[at(xi + 1, THUMB_W)]) / 4.0;
        }
    }
    let mut out = vec![0.0; v.len()];
    for y in 0..THUMB_H {
        let yi = y as isize;
        let (up, down) = (at(yi - 1, THUMB_H), at(yi + 1, THUMB_H));
        for x in 0..THUMB_W {
            out[y * THUMB_W + x] =
                (rows[up * THUMB_W + x] + 2.0 * rows[y * THUMB_W + x] + rows[down * THUMB_W + x])
                    / 4.0;
        }
    }
    out
}

/// Pearson correlation, accumulated.
#[derive(Default)]
struct Correlation {
    n: usize,
    sa: f64,
    sb: f64,
    saa: f64,
    sbb: f64,
    sab: f64,
}

impl Correlation {
    fn add(&mut self, a: f32, b: f32) {
        let (a, b) = (f64::from(a), f64::from(b));
        self.n += 1;
        self.sa += a;
        self.sb += b;
        self.saa += a * a;
        self.sbb += b * b;
        self.sab += a * b;
    }

    /// `None` when either side is flat (a blank image matches nothing).
    fn value(&self) -> Option<f32> {
        let n = self.n as f64;
        if n < 2.0 {
            return None;
        }
        let va = self.saa - self.sa * self.sa / n;
        let vb = self.sbb - self.sb * self.sb / n;
        let cov = self.sab - self.sa * self.sb / n;
        // Below about one grey level of spread per cell: flat.
        if va < n || vb < n {
            return None;
        }
        Some((cov / (va * vb).sqrt()) as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::signals::image_hash::fingerprint_image;
    use image::{DynamicImage, Rgb, RgbImage};

    #[test]
    fn the_prepared_coarse_search_gives_correlate_1d_to_the_bit() {
        // Profiles of rows (96) and columns (48), related and unrelated.
        let profile = |n: usize, seed: u32| -> Vec<f32> {
            (0..n)
                .map(|i| {
                    let x = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed);
                    (x % 251) as f32 + (i as f32 * 0.37).sin() * 40.0
                })
                .collect()
        };
        for n in [THUMB_H, THUMB_W] {
            for (a, b) in [(1, 2), (3, 3), (5, 1000)] {
                let (pa, pb) = (profile(n, a), profile(n, b));
                let (ca, cb) = (CoarseProfile::new(&pa), CoarseProfile::new(&pb));
                let grid = coarse_grid(n / 2);
                assert!(grid.maps.len() > 20);
                for (k, &(scale, offset)) in grid.maps.iter().enumerate() {
                    let direct = correlate_1d(&halve(&pa), &halve(&pb), scale, offset);
                    assert_eq!(
                        ca.correlate(&cb, k).map(f32::to_bits),
                        direct.map(f32::to_bits),
                        "n {n}, mapping {k}"
                    );
                }
            }
        }
    }

    /// A phone-like screen: bars, then lines of "text" whose lengths and
    /// breaks depend on the seed (same layout, different words).
    fn screen(seed: u32) -> RgbImage {
        let mut img = RgbImage::from_pixel(540, 1170, Rgb([250, 250, 250]));
        for y in 0..90 {
            for x in 0..540 {
                img.put_pixel(x, y, Rgb([230, 60, 40]));
            }
        }
        // Lines and paragraph gaps of uneven height, as in a real page.
        let mut top = 110;
        for line in 0..40u32 {
            top += 22 + (line * 17) % 13 + if line % 6 == 5 { 30 } else { 0 };
            if top + 14 > 1170 {
                break;
            }
            let len = 40 + (line * 53 + seed * 211 + (line * seed) % 97) % 440;
            let mut x = 16;
            while x < 16 + len {
                let word = 12 + (x * 7 + line * 13 + seed * 5) % 30;
                for yy in top..top + 14 {
                    for xx in x..(x + word).min(530) {
                        img.put_pixel(xx, yy, Rgb([40, 40, 40]));
                    }
                }
                x += word + 8;
            }
        }
        img
    }

    fn thumb(img: &RgbImage) -> PreparedThumbnail {
        fingerprint_image(&DynamicImage::ImageRgb8(img.clone()))
            .expect("fingerprint")
            .thumbnail
            .prepare()
    }

    fn crop(img: &RgbImage, [l, t, r, b]: [u32; 4]) -> RgbImage {
        let (w, h) = img.dimensions();
        let (x0, y0) = (w * l / 1000, h * t / 1000);
        let (x1, y1) = (w - w * r / 1000, h - h * b / 1000);
        image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image()
    }

    #[test]
    fn stored_bytes_round_trip_and_other_formats_are_refused() {
        let t = fingerprint_image(&DynamicImage::ImageRgb8(screen(1)))
            .expect("fingerprint")
            .thumbnail;
        let bytes = t.to_bytes();
        assert_eq!(bytes.len(), 1 + THUMB_W * THUMB_H);
        assert_eq!(Thumbnail::from_bytes(&bytes), Some(t));
        assert_eq!(Thumbnail::from_bytes(&bytes[..100]), None);
        let mut other_version = bytes.clone();
        other_version[0] = 2;
        assert_eq!(Thumbnail::from_bytes(&other_version), None);
        assert_eq!(Thumbnail::from_bytes(&[]), None);
    }

    #[test]
    fn cropped_copies_match_their_original_either_way_round() {
        let original = screen(3);
        let whole = thumb(&original);
        for edges in [
            [0, 0, 0, 0],
            [50, 0, 0, 0],
            [0, 40, 0, 30],
            [20, 50, 35, 10],
        ] {
            let part = thumb(&crop(&original, edges));
            let found = crop_match(&part, &whole);
            assert!(
                found.is_some(),
                "{edges:?}: {:?}",
                crop_alignment(&part, &whole)
            );
            assert!(crop_match(&whole, &part).is_some(), "{edges:?} reversed");
        }
        // Both cropped, differently.
        let a = thumb(&crop(&original, [30, 0, 0, 40]));
        let b = thumb(&crop(&original, [0, 45, 25, 0]));
        assert!(crop_match(&a, &b).is_some(), "{:?}", crop_alignment(&a, &b));
    }

    #[test]
    fn a_resized_crop_matches() {
        let original = screen(4);
        let part = crop(&original, [30, 30, 30, 30]);
        let smaller = image::imageops::resize(
            &part,
            part.width() * 7 / 10,
            part.height() * 7 / 10,
            image::imageops::FilterType::Triangle,
        );
        assert!(crop_match(&thumb(&smaller), &thumb(&original)).is_some());
    }

    #[test]
    fn pages_of_one_layout_with_other_text_do_not_match() {
        let base = thumb(&screen(5));
        for seed in [6, 7, 8, 9] {
            let other = screen(seed);
            assert_eq!(crop_match(&thumb(&other), &base), None, "seed {seed}");
            assert_eq!(
                crop_match(&thumb(&crop(&other, [20, 20, 20, 20])), &base),
                None,
                "cropped seed {seed}"
            );
        }
    }

    #[test]
    fn a_blank_picture_matches_nothing_not_even_itself() {
        let blank = thumb(&RgbImage::from_pixel(300, 600, Rgb([255, 255, 255])));
        assert_eq!(crop_alignment(&blank, &blank), None);
        assert_eq!(crop_match(&blank, &thumb(&screen(1))), None);
    }

    #[test]
    fn crops_beyond_the_limit_are_not_looked_for() {
        // A third of the picture is not "a little" cropped: another picture.
        let original = screen(2);
        let part = thumb(&crop(&original, [0, 330, 0, 0]));
        assert_eq!(crop_match(&part, &thumb(&original)), None);
    }
}
