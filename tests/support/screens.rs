//! Realistic phone screenshots, for benchmarks (and tests) that must see
//! what users upload: shopping-app pages (reviews, customer-service chats,
//! parcel tracking, product pages) with status bar, header, avatars, star
//! rows, dates, photos of products and parcels, and several lines of Chinese
//! text rendered anti-aliased from a real CJK font (Noto Sans CJK SC, from
//! Debian's `fonts-noto-cjk`); also camera photos of parcels as JPEG.
//!
//! Unlike `tests/signals/screens.rs` (pseudo-glyphs, for fixtures that must
//! not depend on an installed font), this needs the font and says so when it
//! is missing: a benchmark must not silently measure flat colours. Every
//! image is distinct and deterministic for its seed. Include it with
//! `#[path = "../tests/support/screens.rs"] mod screens;`.

#![allow(dead_code)]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use ab_glyph::{point, Font, FontVec, PxScale, ScaleFont};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, Rgb, RgbImage};

/// Where Debian's `fonts-noto-cjk` puts the fonts; `QINGLANG_CJK_FONT_DIR`
/// overrides it.
pub const FONT_DIR: &str = "/usr/share/fonts/opentype/noto";
/// Index of "Noto Sans CJK SC" (Simplified Chinese forms) in the collections.
const SC_INDEX: u32 = 2;

/// Bumped whenever the output changes, so cached corpora are not reused.
pub const GENERATOR_VERSION: u32 = 4;

/// The regular and bold faces of Noto Sans CJK SC.
pub struct Fonts {
    pub regular: FontVec,
    pub bold: FontVec,
}

impl Fonts {
    /// Loads the fonts, or explains how to install them.
    pub fn load() -> Result<Fonts, String> {
        let dir = std::env::var_os("QINGLANG_CJK_FONT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(FONT_DIR));
        let load = |name: &str| -> Result<FontVec, String> {
            let path = dir.join(name);
            let data = std::fs::read(&path).map_err(|e| {
                format!(
                    "the CJK font {} is missing ({e}): install Debian's fonts-noto-cjk \
                     (apt-get install fonts-noto-cjk), or point QINGLANG_CJK_FONT_DIR at a \
                     folder with NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc",
                    path.display()
                )
            })?;
            FontVec::try_from_vec_and_index(data, SC_INDEX)
                .map_err(|e| format!("{} is not a usable font collection: {e}", path.display()))
        };
        let fonts = Fonts {
            regular: load("NotoSansCJK-Regular.ttc")?,
            bold: load("NotoSansCJK-Bold.ttc")?,
        };
        // A font without Chinese glyphs would draw empty boxes.
        if fonts.regular.glyph_id('评').0 == 0 {
            return Err("NotoSansCJK-Regular.ttc has no glyph for 评".into());
        }
        Ok(fonts)
    }
}

/// A small deterministic generator (SplitMix64): the corpus must not change
/// when the `rand` crate changes its algorithms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (hi exclusive).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }

    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64) as usize]
    }

    /// One of `words`.
    pub fn word<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.range(0, words.len() as i64) as usize]
    }
}

type Color = [u8; 3];

const WHITE: Color = [255, 255, 255];
const TEXT: Color = [34, 34, 34];
const GREY: Color = [153, 153, 153];
const LIGHT: Color = [244, 244, 244];
const LINE: Color = [232, 232, 232];
const ORANGE: Color = [255, 80, 0];
const RED: Color = [255, 40, 60];

/// The words a page shows instead of made-up ones, for evaluations that
/// need real text (reviews from a public corpus, a recruiter's messages).
/// A scripted page shows only its script: when a list runs out, the page
/// ends there.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Review texts, in order (review pages and product pages).
    pub reviews: Vec<String>,
    /// Chat messages in order: (sent by the customer, text).
    pub chat: Vec<(bool, String)>,
}

impl Script {
    /// A page of these reviews.
    pub fn reviews(reviews: Vec<String>) -> Script {
        Script {
            reviews,
            chat: Vec::new(),
        }
    }

    /// A chat of these messages, `(sent by the customer, text)`.
    pub fn chat(chat: Vec<(bool, String)>) -> Script {
        Script {
            reviews: Vec::new(),
            chat,
        }
    }
}

/// An RGB image with drawing in points (1 pt = `scale` pixels, as on a phone).
pub struct Canvas<'f> {
    pub img: RgbImage,
    scale: f32,
    fonts: &'f Fonts,
    script: Option<Script>,
}

impl<'f> Canvas<'f> {
    fn new(fonts: &'f Fonts, width: u32, height: u32, background: Color) -> Self {
        Canvas {
            img: RgbImage::from_pixel(width, height, Rgb(background)),
            scale: width as f32 / 375.0,
            fonts,
            script: None,
        }
    }

    /// The next review to show: the script's, or a made-up one; `None`
    /// when the script has run out.
    fn next_review(&mut self, rng: &mut Rng) -> Option<String> {
        match &mut self.script {
            None => Some(review_text(rng)),
            Some(script) if script.reviews.is_empty() => None,
            Some(script) => Some(script.reviews.remove(0)),
        }
    }

    /// The next chat message, `(from the customer, text)`, or `None` when
    /// the script has run out.
    fn next_message(&mut self, customer: bool, rng: &mut Rng) -> Option<(bool, String)> {
        match &mut self.script {
            None => Some((
                customer,
                if customer {
                    rng.pick(CUSTOMER_LINES).to_string()
                } else if rng.chance(0.3) {
                    format!("{}，{}", rng.pick(SHOP_LINES), rng.pick(SHOP_LINES))
                } else {
                    rng.pick(SHOP_LINES).to_string()
                },
            )),
            Some(script) if script.chat.is_empty() => None,
            Some(script) => Some(script.chat.remove(0)),
        }
    }

    /// Width and height in points.
    fn width(&self) -> f32 {
        self.img.width() as f32 / self.scale
    }

    fn height(&self) -> f32 {
        self.img.height() as f32 / self.scale
    }

    fn blend(&mut self, x: i64, y: i64, color: Color, alpha: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.img.width()) || y >= i64::from(self.img.height()) {
            return;
        }
        let a = alpha.clamp(0.0, 1.0);
        let pixel = self.img.get_pixel_mut(x as u32, y as u32);
        for (p, &c) in pixel.0.iter_mut().zip(&color) {
            *p = (f32::from(*p) * (1.0 - a) + f32::from(c) * a).round() as u8;
        }
    }

    /// The pixel span of `[a, a + length)` points.
    fn span(&self, a: f32, length: f32) -> (i64, i64) {
        (
            (a * self.scale).round() as i64,
            ((a + length) * self.scale).round() as i64,
        )
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Color) {
        let (x0, x1) = self.span(x, w);
        let (y0, y1) = self.span(y, h);
        let (x0, x1) = (x0.max(0), x1.min(i64::from(self.img.width())));
        let (y0, y1) = (y0.max(0), y1.min(i64::from(self.img.height())));
        for py in y0..y1 {
            for px in x0..x1 {
                self.img.put_pixel(px as u32, py as u32, Rgb(color));
            }
        }
    }

    /// Anti-aliased coverage of a rounded rectangle (pixels), by the distance
    /// to the rounded corner.
    fn round_rect_coverage(
        px: f32,
        py: f32,
        (x0, y0, x1, y1): (f32, f32, f32, f32),
        r: f32,
    ) -> f32 {
        // Not `clamp`: rounding can leave `x0 + r` a hair past `x1 - r`.
        let cx = px.max(x0 + r).min(x1 - r);
        let cy = py.max(y0 + r).min(y1 - r);
        let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
        let edge = (px - x0).min(x1 - px).min(py - y0).min(y1 - py) + 0.5;
        (r + 0.5 - d).clamp(0.0, 1.0).min(edge.clamp(0.0, 1.0))
    }

    pub fn round_rect(&mut self, x: f32, y: f32, w: f32, h: f32, r: f32, color: Color) {
        let s = self.scale;
        let bounds = (x * s, y * s, (x + w) * s, (y + h) * s);
        let r = (r * s).min(bounds.2 - bounds.0).min(bounds.3 - bounds.1) / 1.0;
        let r = r
            .min((bounds.2 - bounds.0) / 2.0)
            .min((bounds.3 - bounds.1) / 2.0);
        for py in bounds.1.floor() as i64..bounds.3.ceil() as i64 {
            for px in bounds.0.floor() as i64..bounds.2.ceil() as i64 {
                let c = Self::round_rect_coverage(px as f32 + 0.5, py as f32 + 0.5, bounds, r);
                if c > 0.0 {
                    self.blend(px, py, color, c);
                }
            }
        }
    }

    pub fn circle(&mut self, cx: f32, cy: f32, r: f32, color: Color) {
        self.round_rect(cx - r, cy - r, 2.0 * r, 2.0 * r, r, color);
    }

    /// Pastes `photo` (pixels) at (`x`, `y`) points, clipped to a rounded
    /// rectangle of radius `r` points (a circle when it is half the side).
    fn paste(&mut self, photo: &RgbImage, x: f32, y: f32, r: f32) {
        let s = self.scale;
        let (ox, oy) = ((x * s).round(), (y * s).round());
        let bounds = (
            ox,
            oy,
            ox + photo.width() as f32,
            oy + photo.height() as f32,
        );
        let r = (r * s)
            .min(photo.width() as f32 / 2.0)
            .min(photo.height() as f32 / 2.0);
        for (px, py, pixel) in photo.enumerate_pixels() {
            let (gx, gy) = (ox + px as f32, oy + py as f32);
            let c = Self::round_rect_coverage(gx + 0.5, gy + 0.5, bounds, r);
            if c > 0.0 {
                self.blend(gx as i64, gy as i64, pixel.0, c);
            }
        }
    }

    /// A photo-like region: see [`photo`].
    #[allow(clippy::too_many_arguments)]
    pub fn photo(&mut self, x: f32, y: f32, w: f32, h: f32, r: f32, kind: Photo, rng: &mut Rng) {
        let s = self.scale;
        let img = photo(
            (w * s).round().max(1.0) as u32,
            (h * s).round().max(1.0) as u32,
            kind,
            rng,
        );
        self.paste(&img, x, y, r);
    }

    fn font(&self, bold: bool) -> &'f FontVec {
        if bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        }
    }

    /// Width of `text` at `size` points, in points.
    pub fn text_width(&self, size: f32, bold: bool, text: &str) -> f32 {
        let font = self.font(bold).as_scaled(PxScale::from(size * self.scale));
        text.chars()
            .map(|c| font.h_advance(font.glyph_id(c)))
            .sum::<f32>()
            / self.scale
    }

    /// Draws one line of text with its top at `y`; returns its width in points.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str, color: Color) -> f32 {
        let font = self.font(bold);
        let px = PxScale::from(size * self.scale);
        let scaled = font.as_scaled(px);
        let mut caret = point(x * self.scale, y * self.scale + scaled.ascent());
        let start = caret.x;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                caret.x += scaled.kern(previous, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(px, caret);
            caret.x += scaled.h_advance(id);
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                let (bx, by) = (bounds.min.x as i64, bounds.min.y as i64);
                outlined.draw(|gx, gy, coverage| {
                    self.blend(bx + i64::from(gx), by + i64::from(gy), color, coverage);
                });
            }
        }
        (caret.x - start) / self.scale
    }

    /// Draws `text` wrapped to `max_width` points (CJK breaks anywhere),
    /// lines `line_height` apart, at most `max_lines`; returns the height used.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        max_width: f32,
        size: f32,
        line_height: f32,
        max_lines: usize,
        text: &str,
        color: Color,
    ) -> f32 {
        let lines = self.wrap(size, max_width, text);
        let shown = lines.len().min(max_lines);
        for (i, line) in lines.iter().take(shown).enumerate() {
            self.text(x, y + i as f32 * line_height, size, false, line, color);
        }
        shown as f32 * line_height
    }

    pub fn wrap(&self, size: f32, max_width: f32, text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut width = 0.0;
        for c in text.chars() {
            let w = self.text_width(size, false, c.encode_utf8(&mut [0; 4]));
            // No line starts with closing punctuation (it may overhang).
            let closing = "，。！？、；：）】」》".contains(c);
            if width + w > max_width && !line.is_empty() && !closing {
                lines.push(std::mem::take(&mut line));
                width = 0.0;
            }
            line.push(c);
            width += w;
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photo {
    /// A cardboard parcel with tape and a shipping label, on a floor or table.
    Parcel,
    /// A product on a backdrop (garment, bottle, gadget).
    Product,
    /// A face-sized blob of colour, for avatars.
    Portrait,
    /// A street map with roads (tracking pages).
    Map,
}

/// A photo-like image: lit gradients, soft shapes and sensor noise, so that
/// it compresses in a PNG the way a photo region of a screenshot does.
pub fn photo(width: u32, height: u32, kind: Photo, rng: &mut Rng) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    let base: [f32; 3] = match kind {
        Photo::Parcel => *rng.pick(&[
            [150.0, 140.0, 125.0],
            [190.0, 180.0, 165.0],
            [110.0, 95.0, 80.0],
        ]),
        Photo::Product => *rng.pick(&[
            [235.0, 232.0, 228.0],
            [220.0, 225.0, 235.0],
            [245.0, 240.0, 230.0],
        ]),
        Photo::Portrait => [
            80.0 + rng.unit() * 150.0,
            80.0 + rng.unit() * 150.0,
            80.0 + rng.unit() * 150.0,
        ],
        Photo::Map => [242.0, 238.0, 228.0],
    };
    let tint = [
        rng.unit() * 40.0 - 20.0,
        rng.unit() * 40.0 - 20.0,
        rng.unit() * 40.0 - 20.0,
    ];
    // The light: a bright spot somewhere, falling off.
    let (lx, ly) = (rng.unit() * w, rng.unit() * h * 0.6);
    let falloff = 0.5 + rng.unit();
    let noise = match kind {
        Photo::Map => 1.0,
        Photo::Product => 5.0 + rng.unit() * 4.0,
        Photo::Portrait => 3.0 + rng.unit() * 4.0,
        Photo::Parcel => 7.0 + rng.unit() * 6.0,
    };
    // The object: a box (parcel), an ellipse (product, portrait).
    let (ow, oh) = (w * (0.45 + rng.unit() * 0.3), h * (0.4 + rng.unit() * 0.3));
    let (ox, oy) = (
        w * 0.1 + rng.unit() * (w * 0.9 - ow).max(1.0),
        h * 0.15 + rng.unit() * (h * 0.85 - oh).max(1.0),
    );
    let skew = rng.unit() * 0.3 - 0.15;
    let object: [f32; 3] = match kind {
        Photo::Parcel => [196.0 + tint[0] * 0.3, 150.0 + tint[1] * 0.3, 96.0],
        Photo::Product => [rng.unit() * 255.0, rng.unit() * 255.0, rng.unit() * 255.0],
        Photo::Portrait => [230.0, 190.0, 165.0],
        Photo::Map => [0.0; 3],
    };
    let roads: Vec<(bool, f32, f32)> = (0..rng.range(6, 12))
        .map(|_| (rng.chance(0.5), rng.unit(), 2.0 + rng.unit() * 6.0))
        .collect();
    let mut state = rng.next_u64() | 1;
    let mut next_noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Roughly bell-shaped: the sum of two uniforms.
        ((state & 0xFF) as f32 + ((state >> 8) & 0xFF) as f32) / 255.0 - 1.0
    };
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let d = (((fx - lx) / w).powi(2) + ((fy - ly) / h).powi(2)).sqrt();
        let light = 1.15 - d * falloff * 0.6;
        let mut c = [
            (base[0] + tint[0]) * light,
            (base[1] + tint[1]) * light,
            (base[2] + tint[2]) * light,
        ];
        match kind {
            Photo::Parcel => {
                // A skewed box, its top face lighter, tape across, a label.
                let sx = fx - (fy - oy) * skew;
                let inside = sx > ox && sx < ox + ow && fy > oy && fy < oy + oh;
                let shadow =
                    sx > ox + 8.0 && sx < ox + ow + 14.0 && fy > oy + oh && fy < oy + oh + 16.0;
                if inside {
                    let top = fy < oy + oh * 0.3;
                    let shade = if top { 1.12 } else { 0.92 };
                    c = object.map(|v| v * shade * light);
                    let tape = (sx - (ox + ow * 0.45)).abs() < ow * 0.06;
                    if tape {
                        c = [205.0 * light, 185.0 * light, 150.0 * light];
                    }
                    let (lx0, ly0) = (ox + ow * 0.55, oy + oh * 0.45);
                    if sx > lx0 && sx < lx0 + ow * 0.35 && fy > ly0 && fy < ly0 + oh * 0.4 {
                        c = [245.0 * light; 3];
                        // Barcode bars and lines of print on the label.
                        let u = (sx - lx0) / (ow * 0.35);
                        let v = (fy - ly0) / (oh * 0.4);
                        if v > 0.1 && v < 0.45 && ((u * 61.0) as i32 * 7 % 5) < 2 {
                            c = [30.0; 3];
                        }
                        if v > 0.55
                            && (v * 20.0) as i32 % 2 == 0
                            && u > 0.08
                            && u < 0.3 + ((v * 20.0) as i32 % 3) as f32 * 0.2
                        {
                            c = [60.0; 3];
                        }
                    }
                } else if shadow {
                    c = c.map(|v| v * 0.7);
                }
            }
            Photo::Product | Photo::Portrait => {
                let (cx, cy) = (ox + ow / 2.0, oy + oh / 2.0);
                let e = ((fx - cx) / (ow / 2.0)).powi(2) + ((fy - cy) / (oh / 2.0)).powi(2);
                if e < 1.0 {
                    let shade = 1.1 - 0.35 * e + 0.2 * ((fx - cx) / ow);
                    c = object.map(|v| v * shade);
                } else if e < 1.08 {
                    c = c.map(|v| v * 0.8);
                }
            }
            Photo::Map => {
                for &(horizontal, at, width) in &roads {
                    let d = if horizontal {
                        (fy - at * h).abs()
                    } else {
                        (fx - at * w).abs()
                    };
                    if d < width {
                        c = [255.0, 255.0, 255.0];
                    } else if d < width + 1.5 {
                        c = [215.0, 210.0, 200.0];
                    }
                }
            }
        }
        let n = next_noise() * noise;
        Rgb(c.map(|v| (v + n).clamp(0.0, 255.0) as u8))
    })
}

/// The kinds of page drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// A product's reviews: cards with avatar, stars, date, 已购 line, text, photos.
    Reviews,
    /// A chat with the shop's customer service.
    Chat,
    /// A parcel's tracking page: map, courier card, timeline.
    Tracking,
    /// A product page: a large photo, price, title, shop.
    Product,
}

impl Page {
    pub const ALL: [Page; 4] = [Page::Reviews, Page::Chat, Page::Tracking, Page::Product];

    pub fn name(self) -> &'static str {
        match self {
            Page::Reviews => "reviews",
            Page::Chat => "chat",
            Page::Tracking => "tracking",
            Page::Product => "product",
        }
    }
}

/// How much photo content a page carries: screenshots of review lists are
/// mostly text, but reviewers attach pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photos {
    /// Avatars and small thumbnails only.
    Few,
    /// Full-width photos where the page has them.
    Many,
}

// ---------------------------------------------------------------- text

const OPENERS: &[&str] = &[
    "收到了",
    "宝贝收到了",
    "第二次回购了",
    "等了三天终于到了",
    "给老妈买的",
    "帮同事拼单买的",
    "双十一囤的货",
    "用了一个星期才来评价",
    "犹豫了很久才下单",
    "朋友推荐买的",
    "这是第三次买了",
    "快递昨天晚上到的",
    "开箱第一时间拍的",
    "本来没抱太大希望",
    "看了很多家最后选的这家",
];
const ASPECTS: &[&str] = &[
    "质量",
    "做工",
    "面料",
    "颜色",
    "尺码",
    "包装",
    "物流",
    "客服态度",
    "性价比",
    "味道",
    "手感",
    "续航",
    "做工细节",
    "上身效果",
    "分量",
    "保质期",
    "声音",
    "屏幕",
    "充电速度",
    "缝线",
];
const JUDGEMENTS: &[&str] = &[
    "非常好",
    "还可以",
    "一般般",
    "比想象中好",
    "跟图片一样",
    "有点色差",
    "偏大一码",
    "很扎实",
    "没有异味",
    "超出预期",
    "中规中矩",
    "挺不错的",
    "比实体店便宜",
    "有点失望",
    "无可挑剔",
    "和描述相符",
    "偏小半码",
    "很给力",
];
const DETAILS: &[&str] = &[
    "快递小哥很负责，送货上门",
    "盒子有点压坏了但东西没事",
    "洗了一次没有掉色",
    "穿上很显瘦，腰线收得好",
    "孩子很喜欢，天天拿着玩",
    "充电半小时就满了",
    "拉链有点卡，希望改进",
    "我158cm 52kg穿M码刚好",
    "包装很严实，里面还有气泡膜",
    "客服回复很及时，耐心解答问题",
    "送了一个小赠品，很贴心",
    "打开有一点点味道，放两天就没了",
    "和专柜的对比过，是正品",
    "袖子有点长，我170穿到手背",
    "配送慢了两天，不过能理解",
    "说明书是中文的，安装很简单",
    "晚上用声音很小，不影响睡觉",
    "颜色比图片深一点，但是更显高级",
];
const CLOSERS: &[&str] = &[
    "推荐购买！",
    "五星好评！",
    "下次还来。",
    "总体满意。",
    "就是价格贵了点。",
    "希望商家改进。",
    "值得入手。",
    "会推荐给朋友。",
    "好评！",
    "物美价廉，五星！",
    "先给好评，用一段时间再追评。",
];

/// A review composed from phrase lists: an opener, two to four aspects with
/// a judgement each, a detail or two, a closer.
pub fn review_text(rng: &mut Rng) -> String {
    let mut text = String::from(rng.word(OPENERS));
    for _ in 0..rng.range(2, 5) {
        text.push('，');
        text.push_str(rng.word(ASPECTS));
        text.push_str(rng.word(JUDGEMENTS));
    }
    for _ in 0..rng.range(1, 3) {
        text.push('，');
        text.push_str(rng.word(DETAILS));
    }
    text.push('，');
    text.push_str(rng.word(CLOSERS));
    text
}

const CUSTOMER_LINES: &[&str] = &[
    "你好，我的快递显示已签收但是我没收到",
    "能帮我查一下物流吗？三天没动了",
    "好评返现是真的吗？",
    "我已经五星好评了，截图发你了",
    "东西有质量问题，可以退吗",
    "为什么给我打电话说要收维修费",
    "你们的客服电话是多少",
    "订单号发你了，麻烦看一下",
    "收到的和图片不一样",
    "那返现什么时候到账",
    "好的，谢谢",
    "怎么又让我加微信",
];
const SHOP_LINES: &[&str] = &[
    "亲，您好，很高兴为您服务~",
    "亲，给个五星好评截图发我，返现5元哦",
    "已经帮您催促快递了，请耐心等待",
    "亲亲，加一下我们的售后微信，返现更快哦",
    "这边显示已经签收了呢，您问一下家人或者快递柜",
    "亲，好评满30字带3张图，返10元红包",
    "非常抱歉给您带来不好的体验",
    "亲，请提供一下订单号",
    "您好，这边帮您登记了，24小时内回复",
    "收到好评截图后48小时内返现到您的支付宝",
];
const CITIES: &[&str] = &[
    "深圳市",
    "广州市",
    "杭州市",
    "上海市",
    "北京市",
    "成都市",
    "武汉市",
    "郑州市",
    "义乌市",
    "东莞市",
    "苏州市",
    "西安市",
];
const COURIERS: &[(&str, &str)] = &[
    ("顺丰速运", "SF"),
    ("中通快递", "ZTO"),
    ("圆通速递", "YT"),
    ("韵达快递", "YD"),
    ("申通快递", "STO"),
    ("京东物流", "JD"),
];
const PRODUCTS: &[&str] = &[
    "2026新款纯棉短袖T恤男女同款宽松百搭",
    "无线蓝牙耳机降噪长续航运动入耳式",
    "家用小型电饭煲多功能智能预约2L",
    "儿童益智积木拼装玩具大颗粒",
    "保湿补水面霜敏感肌可用50g",
    "加厚保温杯316不锈钢大容量",
    "夏季冰丝凉席三件套可水洗",
    "手机壳适用苹果防摔全包硅胶",
    "坚果礼盒每日坚果混合装30包",
    "运动鞋男透气轻便跑步鞋",
];
const VARIANTS: &[&str] = &[
    "默认款",
    "白色 XL",
    "黑色 M",
    "标准版",
    "蓝色 均码",
    "经典款 2L",
    "粉色 35码",
    "升级版",
    "米白色 L",
    "官方标配",
];

fn date(rng: &mut Rng) -> String {
    format!("2026-{:02}-{:02}", rng.range(1, 12), rng.range(1, 29))
}

fn clock(rng: &mut Rng) -> String {
    format!("{}:{:02}", rng.range(7, 24), rng.range(0, 60))
}

fn nickname(rng: &mut Rng) -> String {
    const FIRST: &[&str] = &["小", "t", "j", "爱", "m", "快乐的", "星", "a", "阿", "z"];
    const LAST: &[&str] = &["猫", "8", "5", "鱼", "y", "兔", "3", "熊", "0", "风"];
    format!("{}**{}", rng.pick(FIRST), rng.word(LAST))
}

fn tracking_number(rng: &mut Rng, prefix: &str) -> String {
    format!(
        "{prefix}{}",
        rng.range(1_000_000_000_000, 9_999_999_999_999)
    )
}

// ---------------------------------------------------------------- pages

/// A status bar: clock, signal bars, battery. Returns its height.
fn status_bar(c: &mut Canvas, rng: &mut Rng, background: Color, dark_text: bool) -> f32 {
    // Taller screens (notch) have a taller bar.
    let tall = c.height() / c.width() > 2.0;
    let h = if tall { 44.0 } else { 20.0 };
    c.rect(0.0, 0.0, c.width(), h, background);
    let ink = if dark_text { TEXT } else { WHITE };
    let y = h / 2.0 - 7.0;
    let time = clock(rng);
    if tall {
        c.text(28.0, y + 4.0, 15.0, true, &time, ink);
    } else {
        c.text(c.width() / 2.0 - 18.0, y + 1.0, 12.0, true, &time, ink);
        c.text(
            6.0,
            y + 1.0,
            11.0,
            false,
            rng.word(&["中国移动", "中国联通", "中国电信"]),
            ink,
        );
    }
    let right = c.width() - 12.0;
    let by = if tall { y + 6.0 } else { y + 3.0 };
    for i in 0..4 {
        let bh = 3.0 + i as f32 * 2.0;
        c.round_rect(
            right - 62.0 + i as f32 * 4.5,
            by + 9.0 - bh,
            3.0,
            bh,
            0.8,
            ink,
        );
    }
    c.round_rect(right - 26.0, by, 24.0, 11.0, 3.0, ink);
    c.round_rect(right - 25.0, by + 1.0, 22.0, 9.0, 2.5, background);
    let level = 0.2 + rng.unit() * 0.8;
    c.round_rect(right - 24.0, by + 2.0, 20.0 * level, 7.0, 1.5, ink);
    h
}

/// A navigation bar with a back arrow and a title. Returns its bottom.
fn nav_bar(c: &mut Canvas, y: f32, title: &str, background: Color) -> f32 {
    c.rect(0.0, y, c.width(), 44.0, background);
    c.text(12.0, y + 9.0, 22.0, false, "‹", TEXT);
    let w = c.text_width(17.0, true, title);
    c.text((c.width() - w) / 2.0, y + 11.0, 17.0, true, title, TEXT);
    c.text(c.width() - 44.0, y + 8.0, 20.0, true, "···", TEXT);
    c.rect(0.0, y + 43.5, c.width(), 0.5, LINE);
    y + 44.0
}

fn stars(c: &mut Canvas, x: f32, y: f32, size: f32, count: usize) {
    let w = c.text_width(size, false, "★");
    for i in 0..5 {
        let color = if i < count { ORANGE } else { [220, 220, 220] };
        c.text(x + i as f32 * w, y, size, false, "★", color);
    }
}

fn avatar(c: &mut Canvas, x: f32, y: f32, d: f32, rng: &mut Rng) {
    if rng.chance(0.6) {
        c.photo(x, y, d, d, d / 2.0, Photo::Portrait, rng);
    } else {
        let color = *rng.pick(&[
            [255, 160, 120],
            [120, 170, 255],
            [130, 210, 160],
            [200, 160, 240],
        ]);
        c.circle(x + d / 2.0, y + d / 2.0, d / 2.0, color);
        let ch = rng.pick(&["王", "李", "张", "刘", "陈", "杨", "赵", "黄"]);
        c.text(x + d * 0.2, y + d * 0.15, d * 0.6, true, ch, WHITE);
    }
}

fn reviews_page(c: &mut Canvas, rng: &mut Rng, photos: Photos) {
    let mut y = status_bar(c, rng, WHITE, true);
    let total = rng.range(2, 99);
    y = nav_bar(c, y, &format!("商品评价({}万+)", total / 10 + 1), WHITE);
    // Tag chips.
    let tags = [
        "质量很好",
        "物流很快",
        "性价比高",
        "做工精细",
        "有色差",
        "尺码偏大",
        "包装严实",
        "客服热情",
    ];
    let (mut x, mut row) = (12.0, 0);
    y += 10.0;
    for tag in tags.iter().skip(rng.range(0, 3) as usize) {
        let label = format!("{tag}({})", rng.range(12, 9999));
        let w = c.text_width(12.0, false, &label) + 20.0;
        if x + w > c.width() - 12.0 {
            row += 1;
            if row == 2 {
                break;
            }
            x = 12.0;
            y += 32.0;
        }
        c.round_rect(x, y, w, 26.0, 13.0, [255, 239, 230]);
        c.text(x + 10.0, y + 5.5, 12.0, false, &label, [102, 51, 0]);
        x += w + 8.0;
    }
    y += 40.0;
    c.rect(0.0, y - 6.0, c.width(), 8.0, LIGHT);
    y += 6.0;
    let bottom = c.height() - 50.0;
    let mut last = None;
    while y < bottom {
        let Some(text) = c.next_review(rng) else {
            break;
        };
        last = Some(text.clone());
        avatar(c, 12.0, y, 32.0, rng);
        let name = nickname(rng);
        let nw = c.text(52.0, y, 13.0, false, &name, TEXT);
        if rng.chance(0.3) {
            c.round_rect(58.0 + nw, y + 1.0, 52.0, 16.0, 3.0, [255, 215, 160]);
            c.text(62.0 + nw, y + 2.5, 10.0, false, "超级会员", [140, 80, 0]);
        }
        stars(c, 52.0, y + 18.0, 11.0, rng.range(3, 6) as usize);
        y += 40.0;
        let bought = format!("{} · 已购:{}", date(rng), rng.word(VARIANTS));
        c.text(12.0, y, 12.0, false, &bought, GREY);
        y += 22.0;
        y += c.paragraph(12.0, y, c.width() - 24.0, 15.0, 22.0, 6, &text, TEXT);
        y += 6.0;
        let pictures = match photos {
            Photos::Few => usize::from(rng.chance(0.15)),
            Photos::Many => rng.range(0, 4) as usize,
        };
        if pictures > 0 && y < bottom {
            let side = (c.width() - 24.0 - 12.0) / 3.0;
            let side = if photos == Photos::Few {
                side * 0.6
            } else {
                side
            };
            for i in 0..pictures {
                let kind = if rng.chance(0.5) {
                    Photo::Parcel
                } else {
                    Photo::Product
                };
                c.photo(
                    12.0 + i as f32 * (side + 6.0),
                    y,
                    side,
                    side,
                    4.0,
                    kind,
                    rng,
                );
            }
            y += side + 8.0;
        }
        // Made-up follow-ups only on made-up pages: a scripted page shows
        // its script's words and no others.
        if c.script.is_none() && rng.chance(0.3) {
            let follow = format!("追评：用了{}天，{}", rng.range(3, 60), rng.word(DETAILS));
            c.round_rect(12.0, y, c.width() - 24.0, 40.0, 4.0, LIGHT);
            c.paragraph(
                20.0,
                y + 10.0,
                c.width() - 40.0,
                13.0,
                18.0,
                1,
                &follow,
                [90, 90, 90],
            );
            y += 46.0;
        }
        c.text(
            c.width() - 140.0,
            y,
            12.0,
            false,
            &format!("有用({})", rng.range(0, 300)),
            GREY,
        );
        c.text(c.width() - 60.0, y, 12.0, false, "评论", GREY);
        y += 24.0;
        c.rect(12.0, y, c.width() - 12.0, 0.5, LINE);
        y += 12.0;
    }
    // A review cut off at the bottom shows again on the next screenshot.
    if let (Some(script), Some(text), true) = (&mut c.script, last, y > bottom) {
        script.reviews.insert(0, text);
    }
    // The bottom bar: two buttons.
    let by = c.height() - 50.0;
    c.rect(0.0, by, c.width(), 50.0, WHITE);
    c.rect(0.0, by, c.width(), 0.5, LINE);
    c.text(16.0, by + 16.0, 11.0, false, "店铺", GREY);
    c.text(56.0, by + 16.0, 11.0, false, "客服", GREY);
    c.round_rect(
        c.width() - 230.0,
        by + 7.0,
        105.0,
        36.0,
        18.0,
        [255, 160, 0],
    );
    c.text(
        c.width() - 212.0,
        by + 16.0,
        15.0,
        true,
        "加入购物车",
        WHITE,
    );
    c.round_rect(c.width() - 120.0, by + 7.0, 105.0, 36.0, 18.0, ORANGE);
    c.text(c.width() - 98.0, by + 16.0, 15.0, true, "立即购买", WHITE);
}

fn chat_page(c: &mut Canvas, rng: &mut Rng, photos: Photos) {
    let background = [237, 237, 237];
    let mut y = status_bar(c, rng, background, true);
    y = nav_bar(
        c,
        y,
        rng.word(&["店铺客服", "官方旗舰店客服", "售后服务"]),
        background,
    );
    y += 12.0;
    let bottom = c.height() - 56.0;
    let mut customer = true;
    while y < bottom - 40.0 {
        if rng.chance(0.25) {
            let stamp = format!("{} {}", date(rng), clock(rng));
            let w = c.text_width(12.0, false, &stamp);
            c.text((c.width() - w) / 2.0, y, 12.0, false, &stamp, GREY);
            y += 26.0;
        }
        let image_message = c.script.is_none()
            && rng.chance(match photos {
                Photos::Few => 0.06,
                Photos::Many => 0.25,
            });
        let message = if image_message {
            None
        } else {
            match c.next_message(customer, rng) {
                Some(message) => Some(message),
                None => break,
            }
        };
        if let Some((from_customer, _)) = &message {
            customer = *from_customer;
        }
        let avatar_x = if customer { c.width() - 48.0 } else { 10.0 };
        avatar(c, avatar_x, y, 38.0, rng);
        if image_message {
            let (w, h) = (140.0, 180.0);
            let x = if customer { c.width() - 58.0 - w } else { 56.0 };
            let kind = *rng.pick(&[Photo::Parcel, Photo::Product]);
            c.photo(x, y, w, h, 6.0, kind, rng);
            y += h + 16.0;
        } else {
            let text = message.map(|(_, text)| text).unwrap_or_default();
            let max = 230.0;
            let lines = c.wrap(15.0, max, &text);
            let width = lines
                .iter()
                .map(|l| c.text_width(15.0, false, l))
                .fold(0.0, f32::max);
            let h = lines.len() as f32 * 21.0 + 18.0;
            let x = if customer {
                c.width() - 58.0 - width - 24.0
            } else {
                56.0
            };
            let fill = if customer { [149, 236, 105] } else { WHITE };
            c.round_rect(x, y, width + 24.0, h, 5.0, fill);
            for (i, line) in lines.iter().enumerate() {
                c.text(x + 12.0, y + 9.0 + i as f32 * 21.0, 15.0, false, line, TEXT);
            }
            y += h + 16.0;
        }
        customer = if rng.chance(0.7) { !customer } else { customer };
    }
    // The input bar.
    let by = c.height() - 56.0;
    c.rect(0.0, by, c.width(), 56.0, [247, 247, 247]);
    c.rect(0.0, by, c.width(), 0.5, LINE);
    c.round_rect(48.0, by + 10.0, c.width() - 140.0, 36.0, 6.0, WHITE);
    c.circle(24.0, by + 28.0, 13.0, GREY);
    c.circle(24.0, by + 28.0, 11.5, [247, 247, 247]);
    c.circle(c.width() - 74.0, by + 28.0, 13.0, GREY);
    c.circle(c.width() - 74.0, by + 28.0, 11.5, [247, 247, 247]);
    c.round_rect(c.width() - 54.0, by + 12.0, 44.0, 32.0, 5.0, [7, 193, 96]);
    c.text(c.width() - 46.0, by + 18.0, 14.0, true, "发送", WHITE);
}

fn tracking_page(c: &mut Canvas, rng: &mut Rng, photos: Photos) {
    let mut y = status_bar(c, rng, WHITE, true);
    y = nav_bar(c, y, "物流详情", WHITE);
    let map_h = match photos {
        Photos::Few => 120.0,
        Photos::Many => 260.0,
    };
    c.photo(0.0, y, c.width(), map_h, 0.0, Photo::Map, rng);
    // The courier's route: a line with two pins.
    let (ax, bx) = (40.0 + rng.unit() * 80.0, 220.0 + rng.unit() * 100.0);
    for i in 0..60 {
        let t = i as f32 / 60.0;
        c.circle(
            ax + (bx - ax) * t,
            y + map_h * (0.7 - 0.4 * t),
            1.6,
            [255, 120, 40],
        );
    }
    c.circle(ax, y + map_h * 0.7, 6.0, [30, 160, 90]);
    c.circle(bx, y + map_h * 0.3, 6.0, ORANGE);
    y += map_h - 16.0;
    // The parcel card.
    c.round_rect(10.0, y, c.width() - 20.0, 96.0, 10.0, WHITE);
    c.photo(22.0, y + 12.0, 72.0, 72.0, 6.0, Photo::Parcel, rng);
    let status = rng.pick(&["运输中", "派送中", "已签收", "已揽件"]);
    c.text(106.0, y + 12.0, 17.0, true, status, TEXT);
    let (courier, prefix) = *rng.pick(COURIERS);
    let number = tracking_number(rng, prefix);
    c.text(
        106.0,
        y + 40.0,
        13.0,
        false,
        &format!("{courier} {number}"),
        [90, 90, 90],
    );
    c.round_rect(106.0, y + 64.0, 40.0, 20.0, 10.0, LIGHT);
    c.text(114.0, y + 67.0, 11.0, false, "复制", [90, 90, 90]);
    c.text(160.0, y + 67.0, 12.0, false, "预计明天送达", ORANGE);
    y += 108.0;
    c.round_rect(
        10.0,
        y,
        c.width() - 20.0,
        c.height() - y + 20.0,
        10.0,
        WHITE,
    );
    y += 16.0;
    let destination = *rng.pick(CITIES);
    let origin = *rng.pick(CITIES);
    let hub = *rng.pick(CITIES);
    let courier_name = *rng.pick(&["王", "李", "张", "刘"]);
    // The parcel's journey, oldest first, then shown newest first.
    let mut events = vec![
        format!("【{origin}】商家已发货，{courier}已揽收"),
        format!("【{origin}】快件在【{origin}集散中心】完成分拣，准备发往下一站"),
        format!("【{origin}】快件已从【{origin}分拨中心】发出，下一站【{hub}转运中心】"),
        format!("【{hub}】快件已到达【{hub}转运中心】"),
        format!("【{hub}】快件已从【{hub}转运中心】发出，下一站【{destination}转运中心】"),
        format!("【{destination}】快件已到达【{destination}转运中心】"),
        format!(
            "【{destination}】快递员【{courier_name}师傅 138****{:04}】正在为您派件，请保持电话畅通",
            rng.range(0, 9999)
        ),
    ];
    if *status == "已签收" {
        events.push(format!(
            "【{destination}】已签收，签收人：{}，如有疑问请联系快递员",
            rng.pick(&["本人", "快递柜", "门卫", "家人"])
        ));
    }
    let shown = rng.range(4, events.len() as i64 + 1) as usize;
    events.truncate(shown);
    let (month, day) = (rng.range(1, 12), rng.range(1, 20));
    let mut minutes = rng.range(8 * 60, 20 * 60);
    let stamps: Vec<String> = (0..events.len())
        .map(|i| {
            minutes += rng.range(60, 900);
            let (d, m) = (day + minutes / (24 * 60), minutes % (24 * 60));
            let _ = i;
            format!("2026-{month:02}-{d:02} {:02}:{:02}", m / 60, m % 60)
        })
        .collect();
    let mut first = true;
    for (event, stamp) in events.iter().zip(&stamps).rev() {
        if y > c.height() - 60.0 {
            break;
        }
        let color = if first { TEXT } else { GREY };
        c.circle(
            30.0,
            y + 9.0,
            if first { 6.0 } else { 4.0 },
            if first { ORANGE } else { [200, 200, 200] },
        );
        let text_h = c.paragraph(48.0, y, c.width() - 76.0, 14.0, 20.0, 3, event, color);
        c.text(48.0, y + text_h + 2.0, 12.0, false, stamp, GREY);
        let step = text_h + 34.0;
        c.rect(29.5, y + 16.0, 1.0, step - 12.0, [225, 225, 225]);
        y += step;
        first = false;
    }
    // Below the timeline: the order it belongs to.
    if y < c.height() - 120.0 {
        y += 10.0;
        c.rect(20.0, y, c.width() - 40.0, 0.5, LINE);
        y += 14.0;
        c.text(24.0, y, 14.0, true, "订单信息", TEXT);
        y += 26.0;
        let order = format!(
            "订单编号：{}",
            rng.range(1_000_000_000_000_000, 9_000_000_000_000_000)
        );
        c.text(24.0, y, 13.0, false, &order, [90, 90, 90]);
        y += 22.0;
        let product = format!("商品：{}", rng.word(PRODUCTS));
        c.paragraph(
            24.0,
            y,
            c.width() - 48.0,
            13.0,
            20.0,
            2,
            &product,
            [90, 90, 90],
        );
    }
}

fn product_page(c: &mut Canvas, rng: &mut Rng, photos: Photos) {
    let mut y = status_bar(c, rng, WHITE, true);
    let photo_h = match photos {
        Photos::Few => c.width() * 0.6,
        Photos::Many => c.width(),
    };
    c.photo(0.0, y, c.width(), photo_h, 0.0, Photo::Product, rng);
    c.round_rect(
        c.width() - 56.0,
        y + photo_h - 30.0,
        44.0,
        20.0,
        10.0,
        [80, 80, 80],
    );
    c.text(
        c.width() - 48.0,
        y + photo_h - 27.0,
        11.0,
        false,
        &format!("1/{}", rng.range(3, 9)),
        WHITE,
    );
    y += photo_h + 12.0;
    let price = format!("¥{}.{:02}", rng.range(9, 999), rng.range(0, 100));
    let pw = c.text(12.0, y, 26.0, true, &price, RED);
    c.text(
        20.0 + pw,
        y + 10.0,
        12.0,
        false,
        &format!("月销 {}+", rng.range(1, 99) * 100),
        GREY,
    );
    y += 40.0;
    let title = format!("{} {}", rng.pick(PRODUCTS), rng.word(VARIANTS));
    y += c.paragraph(12.0, y, c.width() - 24.0, 16.0, 22.0, 2, &title, TEXT);
    y += 12.0;
    for label in ["发货", "保障", "参数"] {
        c.rect(0.0, y, c.width(), 0.5, LINE);
        y += 12.0;
        c.text(12.0, y, 13.0, false, label, GREY);
        let value = match label {
            "发货" => format!("{} | 快递: 免运费", rng.word(CITIES)),
            "保障" => "7天无理由退货 · 假一赔四 · 极速退款".to_owned(),
            _ => "品牌 型号 材质 产地...".to_owned(),
        };
        c.text(56.0, y, 13.0, false, &value, TEXT);
        y += 28.0;
    }
    c.rect(0.0, y, c.width(), 8.0, LIGHT);
    y += 20.0;
    c.text(
        12.0,
        y,
        15.0,
        true,
        &format!("宝贝评价({})", rng.range(100, 99999)),
        TEXT,
    );
    y += 30.0;
    while y < c.height() - 150.0 {
        let Some(review) = c.next_review(rng) else {
            break;
        };
        avatar(c, 12.0, y, 24.0, rng);
        c.text(44.0, y + 3.0, 12.0, false, &nickname(rng), [90, 90, 90]);
        y += 32.0;
        y += c.paragraph(12.0, y, c.width() - 24.0, 14.0, 20.0, 2, &review, TEXT);
        y += 14.0;
    }
    let by = c.height() - 50.0;
    c.rect(0.0, by, c.width(), 50.0, WHITE);
    c.rect(0.0, by, c.width(), 0.5, LINE);
    c.round_rect(
        c.width() - 230.0,
        by + 7.0,
        105.0,
        36.0,
        18.0,
        [255, 160, 0],
    );
    c.text(
        c.width() - 212.0,
        by + 16.0,
        15.0,
        true,
        "加入购物车",
        WHITE,
    );
    c.round_rect(c.width() - 120.0, by + 7.0, 105.0, 36.0, 18.0, ORANGE);
    c.text(c.width() - 98.0, by + 16.0, 15.0, true, "立即购买", WHITE);
}

/// Renders one page, distinct for every `seed`.
pub fn render(
    fonts: &Fonts,
    page: Page,
    width: u32,
    height: u32,
    photos: Photos,
    seed: u64,
) -> RgbImage {
    render_scripted(fonts, page, width, height, photos, seed, None).0
}

/// Renders one page showing `script`'s words (see [`Script`]), and what
/// of the script did not fit on the screen (for the next screenshot, as a
/// reporter scrolls on).
pub fn render_scripted(
    fonts: &Fonts,
    page: Page,
    width: u32,
    height: u32,
    photos: Photos,
    seed: u64,
    script: Option<Script>,
) -> (RgbImage, Script) {
    let mut rng = Rng::new(seed);
    let background = match page {
        Page::Chat => [237, 237, 237],
        Page::Tracking => LIGHT,
        _ => WHITE,
    };
    let mut canvas = Canvas::new(fonts, width, height, background);
    canvas.script = script;
    match page {
        Page::Reviews => reviews_page(&mut canvas, &mut rng, photos),
        Page::Chat => chat_page(&mut canvas, &mut rng, photos),
        Page::Tracking => tracking_page(&mut canvas, &mut rng, photos),
        Page::Product => product_page(&mut canvas, &mut rng, photos),
    }
    (canvas.img, canvas.script.unwrap_or_default())
}

/// PNG as a phone writes a screenshot: zlib's default level, adaptive filters.
pub fn encode_png(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive)
        .write_image(
            image,
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("PNG encoding into memory");
    out
}

/// Adds what an iPhone writes into its screenshots after the header: the
/// pixel density (`pHYs`, kept by intake) and an XMP packet naming it a
/// screenshot (`iTXt`, metadata that intake strips).
pub fn with_phone_metadata(png: &[u8]) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    // Signature (8) and IHDR (4 + 4 + 13 + 4).
    let header_end = 8 + 25;
    let mut out = png[..header_end].to_vec();
    let mut phys = Vec::new();
    phys.extend_from_slice(&5669u32.to_be_bytes());
    phys.extend_from_slice(&5669u32.to_be_bytes());
    phys.push(1);
    chunk(&mut out, b"pHYs", &phys);
    let xmp = "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"XMP Core 6.0.0\">\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" \
xmlns:exif=\"http://ns.adobe.com/exif/1.0/\"><exif:PixelYDimension>1334</exif:PixelYDimension>\
<exif:PixelXDimension>750</exif:PixelXDimension><exif:UserComment>Screenshot</exif:UserComment>\
</rdf:Description></rdf:RDF></x:xmpmeta>";
    chunk(&mut out, b"iTXt", xmp.as_bytes());
    out.extend_from_slice(&png[header_end..]);
    out
}

/// A camera photo of a parcel (portrait, 1200×1600), JPEG quality 85.
pub fn parcel_jpeg(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0x5EED_0F9A_9CE1);
    let image = photo(1200, 1600, Photo::Parcel, &mut rng);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 85)
        .encode_image(&image)
        .expect("JPEG encoding into memory");
    out
}

/// One uploaded file of a corpus.
#[derive(Debug, Clone)]
pub struct Screen {
    pub bytes: Vec<u8>,
    /// e.g. `reviews-750x1334.png`, `parcel.jpg`.
    pub name: String,
}

/// The mixes of files a benchmark can upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// 750×1334 screenshots, mostly text (reviews, chats, tracking, with
    /// avatars and small photos): 100–400 KB, median about 150 KB, near
    /// the ~110 KB reported from the field; every other one carries an
    /// iPhone's metadata (`pHYs`, XMP in `iTXt`).
    Phone750,
    /// Every page kind at 750×1334, 720×1600 and 1080×2340, with larger
    /// photos, and one file in ten a JPEG camera photo of a parcel.
    Mixed,
}

impl Mix {
    pub fn parse(name: &str) -> Option<Mix> {
        match name {
            "phone750" => Some(Mix::Phone750),
            "mixed" => Some(Mix::Mixed),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mix::Phone750 => "phone750",
            Mix::Mixed => "mixed",
        }
    }
}

/// The `n`-th file of a mix (deterministic, distinct for every `n`).
pub fn corpus_file(fonts: &Fonts, mix: Mix, n: u64) -> Screen {
    let seed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (mix as u64) << 56;
    let mut rng = Rng::new(seed);
    match mix {
        Mix::Phone750 => {
            let page = *rng.pick(&[Page::Reviews, Page::Reviews, Page::Chat, Page::Tracking]);
            let png = encode_png(&render(fonts, page, 750, 1334, Photos::Few, seed));
            // Half come from iPhones, with their metadata.
            let png = if n.is_multiple_of(2) {
                with_phone_metadata(&png)
            } else {
                png
            };
            Screen {
                bytes: png,
                name: format!("{}-750x1334.png", page.name()),
            }
        }
        Mix::Mixed => {
            if n % 10 == 9 {
                return Screen {
                    bytes: parcel_jpeg(seed),
                    name: "parcel.jpg".to_owned(),
                };
            }
            let page = *rng.pick(&Page::ALL);
            let (w, h) = *rng.pick(&[(750, 1334), (720, 1600), (1080, 2340)]);
            let photos = if rng.chance(0.5) {
                Photos::Many
            } else {
                Photos::Few
            };
            let png = encode_png(&render(fonts, page, w, h, photos, seed));
            let png = if w == 750 {
                with_phone_metadata(&png)
            } else {
                png
            };
            Screen {
                bytes: png,
                name: format!("{}-{w}x{h}.png", page.name()),
            }
        }
    }
}

/// Files `0..count` of a mix, made on every core, cached under `cache`
/// (one folder per mix and generator version) so later runs read them.
pub fn corpus(fonts: &Fonts, mix: Mix, count: usize, cache: &Path) -> Vec<Screen> {
    let dir = cache.join(format!("{}-v{GENERATOR_VERSION}", mix.name()));
    let _ = std::fs::create_dir_all(&dir);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut files: Vec<Option<Screen>> = vec![None; count];
    let made: Vec<Vec<(usize, Screen)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if n >= count {
                            return mine;
                        }
                        let path = dir.join(format!("{n:06}"));
                        let name_path = dir.join(format!("{n:06}.name"));
                        let cached = std::fs::read(&path)
                            .ok()
                            .zip(std::fs::read_to_string(&name_path).ok());
                        let screen = match cached {
                            Some((bytes, name)) => Screen { bytes, name },
                            None => {
                                let screen = corpus_file(fonts, mix, n as u64);
                                // Renamed into place: an interrupted run leaves no half file.
                                let partial = dir.join(format!("{n:06}.partial"));
                                let _ = std::fs::write(&name_path, &screen.name);
                                let _ = std::fs::write(&partial, &screen.bytes)
                                    .and_then(|()| std::fs::rename(&partial, &path));
                                screen
                            }
                        };
                        mine.push((n, screen));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("corpus worker"))
            .collect()
    });
    for (n, screen) in made.into_iter().flatten() {
        files[n] = Some(screen);
    }
    files.into_iter().flatten().collect()
}

/// Sizes in bytes as "min / p10 / median / p90 / max".
pub fn size_summary(files: &[Screen]) -> String {
    let mut sizes: Vec<usize> = files.iter().map(|f| f.bytes.len()).collect();
    sizes.sort_unstable();
    if sizes.is_empty() {
        return "no files".into();
    }
    let at = |p: f64| sizes[((sizes.len() - 1) as f64 * p).round() as usize] / 1000;
    format!(
        "{} files, KB min {} / p10 {} / median {} / p90 {} / max {}",
        sizes.len(),
        at(0.0),
        at(0.1),
        at(0.5),
        at(0.9),
        at(1.0)
    )
}
