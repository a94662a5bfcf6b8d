//! Phone screenshots drawn from a description, for the labelled fixtures of
//! `similar_evidence` and for the benchmark: review pages, chats and parcel
//! tracking pages with status bars, avatars, stars, photos and text.
//!
//! Text is drawn as pseudo-glyphs (strokes chosen from each character's code
//! point): no font is needed, yet different sentences give different lines,
//! line lengths and card heights, exactly what a perceptual hash sees of real
//! text. Everything is deterministic, so the measured precision and recall
//! are the same on every machine.

#![allow(dead_code)]

use std::io::Cursor;

use image::{ImageFormat, RgbImage};

/// A small deterministic generator (SplitMix64): fixtures must not change
/// when the `rand` crate changes its algorithms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
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

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64) as usize]
    }
}

pub fn hash_str(text: &str) -> u64 {
    let mut rng = Rng::new(0);
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01B3);
    }
    rng.0 ^= h;
    rng.next_u64()
}

type Color = [u8; 3];

pub struct Canvas {
    pub img: RgbImage,
}

impl Canvas {
    pub fn new(width: u32, height: u32, background: Color) -> Self {
        Canvas {
            img: RgbImage::from_pixel(width, height, image::Rgb(background)),
        }
    }

    fn w(&self) -> i64 {
        i64::from(self.img.width())
    }

    fn h(&self) -> i64 {
        i64::from(self.img.height())
    }

    pub fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, color: Color) {
        let (x0, y0) = (x.max(0), y.max(0));
        let (x1, y1) = ((x + w).min(self.w()), (y + h).min(self.h()));
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        // One row of the colour, copied row by row: fast even unoptimized.
        let line: Vec<u8> = color
            .iter()
            .copied()
            .cycle()
            .take((x1 - x0) as usize * 3)
            .collect();
        let width = self.img.width() as usize;
        let buf: &mut [u8] = &mut self.img;
        for yy in y0..y1 {
            let start = (yy as usize * width + x0 as usize) * 3;
            buf[start..start + line.len()].copy_from_slice(&line);
        }
    }

    pub fn circle(&mut self, cx: i64, cy: i64, r: i64, color: Color) {
        for yy in (cy - r).max(0)..(cy + r + 1).min(self.h()) {
            let dy = yy - cy;
            let half = (((r * r - dy * dy).max(0)) as f64).sqrt() as i64;
            self.rect(cx - half, yy, 2 * half + 1, 1, color);
        }
    }

    pub fn round_rect(&mut self, x: i64, y: i64, w: i64, h: i64, r: i64, color: Color) {
        let r = r.min(w / 2).min(h / 2).max(0);
        self.rect(x + r, y, w - 2 * r, h, color);
        self.rect(x, y + r, w, h - 2 * r, color);
        for (cx, cy) in [
            (x + r, y + r),
            (x + w - r - 1, y + r),
            (x + r, y + h - r - 1),
            (x + w - r - 1, y + h - r - 1),
        ] {
            self.circle(cx, cy, r, color);
        }
    }

    /// A five-pointed star, filled by testing each pixel of its box.
    pub fn star(&mut self, cx: i64, cy: i64, r: i64, color: Color) {
        let points: Vec<(f64, f64)> = (0..10)
            .map(|i| {
                let radius = if i % 2 == 0 {
                    r as f64
                } else {
                    r as f64 * 0.45
                };
                let angle = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::PI / 5.0;
                (
                    cx as f64 + radius * angle.cos(),
                    cy as f64 + radius * angle.sin(),
                )
            })
            .collect();
        for yy in (cy - r).max(0)..(cy + r).min(self.h()) {
            for xx in (cx - r).max(0)..(cx + r).min(self.w()) {
                if inside(&points, xx as f64 + 0.5, yy as f64 + 0.5) {
                    self.img.put_pixel(xx as u32, yy as u32, image::Rgb(color));
                }
            }
        }
    }

    /// A soft "photo": a two-colour gradient with a shape, from a seed.
    pub fn photo(&mut self, x: i64, y: i64, w: i64, h: i64, seed: u64) {
        let mut rng = Rng::new(seed);
        let a = [
            rng.range(40, 230) as f64,
            rng.range(40, 230) as f64,
            rng.range(40, 230) as f64,
        ];
        let b = [
            rng.range(40, 230) as f64,
            rng.range(40, 230) as f64,
            rng.range(40, 230) as f64,
        ];
        let vertical = rng.range(0, 2) == 0;
        let mix = |t: f64| [0, 1, 2].map(|i| (a[i] * (1.0 - t) + b[i] * t) as u8);
        if vertical {
            for yy in 0..h {
                self.rect(x, y + yy, w, 1, mix(yy as f64 / h.max(1) as f64));
            }
        } else {
            let (x0, x1) = (x.max(0), (x + w).min(self.w()));
            let line: Vec<u8> = (x0..x1)
                .flat_map(|xx| mix((xx - x) as f64 / w.max(1) as f64))
                .collect();
            let width = self.img.width() as usize;
            let height = i64::from(self.img.height());
            let buf: &mut [u8] = &mut self.img;
            for yy in y.max(0)..(y + h).min(height) {
                let start = (yy as usize * width + x0 as usize) * 3;
                buf[start..start + line.len()].copy_from_slice(&line);
            }
        }
        let shape = [
            rng.range(30, 250) as u8,
            rng.range(30, 250) as u8,
            rng.range(30, 250) as u8,
        ];
        let (sx, sy) = (
            x + rng.range(w / 5, w * 4 / 5),
            y + rng.range(h / 5, h * 4 / 5),
        );
        let sr = rng.range(w / 8 + 1, w / 3 + 2);
        if rng.range(0, 2) == 0 {
            self.circle(sx, sy, sr, shape);
        } else {
            self.rect(sx - sr, sy - sr / 2, 2 * sr, sr, shape);
        }
    }

    /// One character as strokes in a `size`-high cell; returns its advance.
    pub fn glyph(&mut self, x: i64, y: i64, size: i64, c: char, color: Color) -> i64 {
        let stroke = (size / 11).max(1);
        if c == ' ' {
            return size * 2 / 5;
        }
        if c.is_ascii() {
            let w = size * 11 / 20;
            if c.is_ascii_punctuation() {
                self.rect(x + w / 3, y + size * 3 / 4, stroke * 2, stroke * 2, color);
                return w * 2 / 3;
            }
            let mut rng = Rng::new(c as u64 * 7919);
            let top = if c.is_ascii_uppercase() || c.is_ascii_digit() {
                size / 5
            } else {
                size * 2 / 5
            };
            for _ in 0..3 {
                if rng.range(0, 2) == 0 {
                    let yy = y + rng.range(top, size * 9 / 10);
                    self.rect(x + 1, yy, w - 3, stroke, color);
                } else {
                    let xx = x + rng.range(1, w - 2);
                    self.rect(xx, y + top, stroke, size * 9 / 10 - top, color);
                }
            }
            return w;
        }
        if "，。！？、：；“”（）…～".contains(c) {
            self.rect(
                x + size / 6,
                y + size * 3 / 4,
                stroke * 2,
                stroke * 2,
                color,
            );
            return size;
        }
        if !is_wide(c) {
            // Emoji and symbols: a filled disc.
            self.circle(x + size / 2, y + size / 2, size * 2 / 5, [250, 190, 40]);
            return size;
        }
        let mut rng = Rng::new(c as u64);
        let cell = size * 9 / 10;
        let strokes = rng.range(4, 8);
        for _ in 0..strokes {
            let a = rng.range(0, 9) * cell / 9;
            let b0 = rng.range(0, 6) * cell / 9;
            let b1 = (b0 + rng.range(3, 10) * cell / 9).min(cell);
            if rng.range(0, 2) == 0 {
                self.rect(x + b0, y + a, b1 - b0, stroke, color);
            } else {
                self.rect(x + a, y + b0, stroke, b1 - b0, color);
            }
        }
        size
    }

    /// Text wrapped to `max_width`; returns the height used.
    #[allow(clippy::too_many_arguments)] // a drawing call: position, size, box, text, colour
    pub fn text(
        &mut self,
        x: i64,
        y: i64,
        size: i64,
        line_height: i64,
        max_width: i64,
        text: &str,
        color: Color,
    ) -> i64 {
        let mut cx = x;
        let mut cy = y;
        for c in text.chars() {
            if c == '\n' {
                cx = x;
                cy += line_height;
                continue;
            }
            let advance = if c.is_ascii() { size * 11 / 20 } else { size };
            if cx + advance > x + max_width {
                cx = x;
                cy += line_height;
            }
            cx += self.glyph(cx, cy, size, c, color);
        }
        cy + line_height - y
    }

    pub fn text_width(size: i64, text: &str) -> i64 {
        text.chars()
            .map(|c| if c.is_ascii() { size * 11 / 20 } else { size })
            .sum()
    }
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

fn inside(poly: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut hit = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            hit = !hit;
        }
        j = i;
    }
    hit
}

/// The look of an app.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub name: &'static str,
    pub primary: Color,
    pub background: Color,
    pub card: Color,
    pub text: Color,
    pub muted: Color,
}

pub const THEMES: &[Theme] = &[
    Theme {
        name: "taobao",
        primary: [255, 80, 0],
        background: [244, 244, 244],
        card: [255, 255, 255],
        text: [34, 34, 34],
        muted: [153, 153, 153],
    },
    Theme {
        name: "jd",
        primary: [226, 35, 26],
        background: [242, 242, 242],
        card: [255, 255, 255],
        text: [26, 26, 26],
        muted: [140, 140, 140],
    },
    Theme {
        name: "pinduoduo",
        primary: [224, 46, 36],
        background: [250, 250, 250],
        card: [255, 255, 255],
        text: [21, 21, 21],
        muted: [150, 150, 150],
    },
    Theme {
        name: "meituan",
        primary: [255, 209, 0],
        background: [245, 245, 245],
        card: [255, 255, 255],
        text: [34, 34, 34],
        muted: [160, 160, 160],
    },
    Theme {
        name: "douyin-dark",
        primary: [254, 44, 85],
        background: [22, 24, 35],
        card: [37, 38, 50],
        text: [235, 235, 240],
        muted: [130, 130, 140],
    },
    Theme {
        name: "xiaohongshu",
        primary: [255, 36, 66],
        background: [255, 255, 255],
        card: [255, 255, 255],
        text: [51, 51, 51],
        muted: [170, 170, 170],
    },
];

#[derive(Debug, Clone)]
pub struct Review {
    pub user: String,
    pub date: String,
    pub stars: u8,
    pub text: String,
    pub photos: u8,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Reviews {
        theme: Theme,
        product: String,
        price: String,
        product_seed: u64,
        reviews: Vec<Review>,
    },
    Chat {
        theme: Theme,
        contact: String,
        /// (sent by me, text)
        messages: Vec<(bool, String)>,
    },
    Tracking {
        theme: Theme,
        carrier: String,
        number: String,
        events: Vec<(String, String)>,
    },
}

fn status_bar(c: &mut Canvas, s: i64, dark: bool, clock: &str) {
    let color = if dark { [240, 240, 240] } else { [20, 20, 20] };
    c.text(s * 4, s * 2, s * 3, s * 4, s * 40, clock, color);
    let w = c.w();
    c.round_rect(w - s * 12, s * 2, s * 8, s * 3, s / 2, color);
    c.rect(w - s * 20, s * 2, s * 2, s * 3, color);
    c.rect(w - s * 23, s * 3, s * 2, s * 2, color);
}

fn nav_bar(c: &mut Canvas, s: i64, theme: &Theme, title: &str, y: i64) -> i64 {
    let h = s * 11;
    c.rect(0, y, c.w(), h, theme.card);
    // Back arrow.
    c.rect(s * 4, y + h / 2 - s / 2, s * 4, s, theme.text);
    c.rect(s * 4, y + h / 2 - s * 2, s, s * 4, theme.text);
    let size = s * 4;
    let tw = Canvas::text_width(size, title);
    c.text(
        (c.w() - tw) / 2,
        y + (h - size) / 2,
        size,
        size,
        c.w(),
        title,
        theme.text,
    );
    c.rect(0, y + h - 1, c.w(), 1, theme.muted);
    y + h
}

/// Draws `screen` at `width`×`height` (the layout scales with the width).
pub fn render(screen: &Screen, width: u32, height: u32) -> RgbImage {
    let s = i64::from(width) / 100; // one layout unit: 10.8 px on a 1080-wide phone
    match screen {
        Screen::Reviews {
            theme,
            product,
            price,
            product_seed,
            reviews,
        } => {
            let mut c = Canvas::new(width, height, theme.background);
            let dark = theme.background[0] < 100;
            c.rect(0, 0, c.w(), s * 8, theme.card);
            status_bar(&mut c, s, dark, "10:24");
            let mut y = nav_bar(&mut c, s, theme, "商品评价", s * 8);
            // Product summary.
            c.rect(0, y, c.w(), s * 26, theme.card);
            c.photo(s * 4, y + s * 3, s * 20, s * 20, *product_seed);
            c.text(
                s * 28,
                y + s * 4,
                s * 4,
                s * 6,
                c.w() - s * 32,
                product,
                theme.text,
            );
            c.text(
                s * 28,
                y + s * 17,
                s * 5,
                s * 6,
                s * 40,
                price,
                theme.primary,
            );
            y += s * 28;
            // Tabs.
            let tabs = ["全部(2万+)", "有图(3800)", "追评(960)", "好评"];
            let mut x = s * 4;
            for (i, tab) in tabs.iter().enumerate() {
                let tw = Canvas::text_width(s * 3, tab) + s * 4;
                let fill = if i == 0 { theme.primary } else { theme.card };
                c.round_rect(x, y, tw, s * 6, s * 3, fill);
                let color = if i == 0 { [255, 255, 255] } else { theme.text };
                c.text(x + s * 2, y + s * 3 / 2, s * 3, s * 3, tw, tab, color);
                x += tw + s * 2;
            }
            y += s * 9;
            for (i, review) in reviews.iter().enumerate() {
                if y > c.h() {
                    break;
                }
                let top = y;
                let mut inner = y + s * 3;
                let avatar = [
                    (hash_str(&review.user) % 200) as u8 + 30,
                    (hash_str(&review.user) >> 8) as u8 % 200 + 30,
                    (hash_str(&review.user) >> 16) as u8 % 200 + 30,
                ];
                // Measure the card first by drawing into a scratch pass? Simpler: draw the card background
                // generously, then text over it.
                let text_h = estimate_text_height(s, &review.text, c.w() - s * 8);
                let photo_h = if review.photos > 0 { s * 24 } else { 0 };
                let card_h = s * 16 + text_h + photo_h;
                c.rect(0, top, c.w(), card_h, theme.card);
                c.circle(s * 8, inner + s * 3, s * 3, avatar);
                c.text(
                    s * 13,
                    inner,
                    s * 3,
                    s * 4,
                    s * 50,
                    &review.user,
                    theme.text,
                );
                for k in 0..5 {
                    let color = if k < i64::from(review.stars) {
                        [255, 170, 0]
                    } else {
                        theme.muted
                    };
                    c.star(s * 14 + k * s * 4, inner + s * 6, s * 3 / 2, color);
                }
                c.text(
                    c.w() - s * 24,
                    inner,
                    s * 3,
                    s * 4,
                    s * 22,
                    &review.date,
                    theme.muted,
                );
                inner += s * 10;
                inner += c.text(
                    s * 4,
                    inner,
                    s * 4,
                    s * 6,
                    c.w() - s * 8,
                    &review.text,
                    theme.text,
                );
                if review.photos > 0 {
                    for p in 0..i64::from(review.photos) {
                        c.photo(
                            s * 4 + p * s * 23,
                            inner + s,
                            s * 21,
                            s * 21,
                            hash_str(&review.text) + p as u64,
                        );
                    }
                }
                y = top + card_h + s * 2;
                let _ = i;
            }
            // Bottom bar.
            let bar = s * 14;
            let by = c.h() - bar;
            c.rect(0, by, c.w(), bar, theme.card);
            c.rect(0, by, c.w(), 1, theme.muted);
            c.round_rect(
                c.w() - s * 62,
                by + s * 3,
                s * 29,
                s * 8,
                s * 4,
                [255, 170, 0],
            );
            c.round_rect(
                c.w() - s * 32,
                by + s * 3,
                s * 29,
                s * 8,
                s * 4,
                theme.primary,
            );
            c.text(
                c.w() - s * 57,
                by + s * 5,
                s * 4,
                s * 4,
                s * 28,
                "加入购物车",
                [255, 255, 255],
            );
            c.text(
                c.w() - s * 26,
                by + s * 5,
                s * 4,
                s * 4,
                s * 28,
                "立即购买",
                [255, 255, 255],
            );
            c.img
        }
        Screen::Chat {
            theme,
            contact,
            messages,
        } => {
            let mut c = Canvas::new(width, height, [237, 237, 237]);
            status_bar(&mut c, s, false, "21:07");
            let mut y = nav_bar(&mut c, s, theme, contact, s * 8);
            y += s * 4;
            for (mine, text) in messages {
                if y > c.h() {
                    break;
                }
                let size = s * 4;
                let max_w = s * 60;
                let tw = Canvas::text_width(size, text).min(max_w);
                let th = estimate_lines(size, text, max_w) * s * 6;
                let (bx, ax) = if *mine {
                    (c.w() - s * 15 - tw - s * 6, c.w() - s * 9)
                } else {
                    (s * 15, s * 9)
                };
                let avatar = if *mine { [90, 140, 210] } else { theme.primary };
                c.round_rect(ax - s * 5, y, s * 10, s * 10, s, avatar);
                let bubble = if *mine {
                    [149, 236, 105]
                } else {
                    [255, 255, 255]
                };
                c.round_rect(bx, y, tw + s * 6, th + s * 4, s * 2, bubble);
                c.text(
                    bx + s * 3,
                    y + s * 2,
                    size,
                    s * 6,
                    max_w,
                    text,
                    [25, 25, 25],
                );
                y += th.max(s * 8) + s * 8;
            }
            let by = c.h() - s * 14;
            c.rect(0, by, c.w(), s * 14, [246, 246, 246]);
            c.round_rect(
                s * 14,
                by + s * 3,
                c.w() - s * 36,
                s * 8,
                s,
                [255, 255, 255],
            );
            c.circle(s * 7, by + s * 7, s * 3, [80, 80, 80]);
            c.circle(c.w() - s * 14, by + s * 7, s * 3, [80, 80, 80]);
            c.circle(c.w() - s * 6, by + s * 7, s * 3, [80, 80, 80]);
            c.img
        }
        Screen::Tracking {
            theme,
            carrier,
            number,
            events,
        } => {
            let mut c = Canvas::new(width, height, theme.background);
            c.rect(0, 0, c.w(), s * 8, theme.card);
            status_bar(&mut c, s, false, "09:41");
            let mut y = nav_bar(&mut c, s, theme, "物流详情", s * 8);
            // A map-like band with the route.
            c.photo(0, y, c.w(), s * 40, hash_str(carrier));
            c.rect(s * 20, y + s * 25, s * 60, s, theme.primary);
            c.circle(s * 20, y + s * 25, s * 2, theme.primary);
            c.circle(s * 80, y + s * 25, s * 2, [40, 180, 90]);
            y += s * 42;
            c.rect(0, y, c.w(), s * 18, theme.card);
            c.round_rect(s * 4, y + s * 3, s * 12, s * 12, s * 6, theme.primary);
            c.text(s * 20, y + s * 3, s * 4, s * 5, s * 70, carrier, theme.text);
            c.text(
                s * 20,
                y + s * 10,
                s * 3,
                s * 5,
                s * 70,
                number,
                theme.muted,
            );
            y += s * 20;
            c.rect(0, y, c.w(), c.h() - y, theme.card);
            y += s * 4;
            for (i, (time, text)) in events.iter().enumerate() {
                if y > c.h() {
                    break;
                }
                let dot = if i == 0 { theme.primary } else { theme.muted };
                c.circle(s * 8, y + s * 2, if i == 0 { s * 2 } else { s }, dot);
                let h = c.text(
                    s * 14,
                    y,
                    s * 4,
                    s * 6,
                    c.w() - s * 20,
                    text,
                    if i == 0 { theme.text } else { theme.muted },
                );
                c.text(s * 14, y + h, s * 3, s * 4, s * 60, time, theme.muted);
                c.rect(s * 8, y + s * 5, s / 3 + 1, h + s * 6, theme.muted);
                y += h + s * 10;
            }
            c.img
        }
    }
}

fn estimate_lines(size: i64, text: &str, max_width: i64) -> i64 {
    let mut lines = 1;
    let mut cx = 0;
    for c in text.chars() {
        if c == '\n' {
            lines += 1;
            cx = 0;
            continue;
        }
        let advance = if c.is_ascii() { size * 11 / 20 } else { size };
        if cx + advance > max_width {
            lines += 1;
            cx = 0;
        }
        cx += advance;
    }
    lines
}

fn estimate_text_height(s: i64, text: &str, max_width: i64) -> i64 {
    estimate_lines(s * 4, text, max_width) * s * 6
}

/// A transformation of a screenshot, as people re-share them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edit {
    Png,
    WebpLossless,
    Jpeg(u8),
    /// Scale both sides by this percentage (Lanczos or triangle filtering, as apps do).
    Resize(u32),
    /// Remove this fraction (‰) of the width or height at each edge: left, top, right, bottom.
    Crop([u32; 4]),
}

/// Applies the edits in order; the last encoding decides the file's format
/// (PNG when the edits never name one).
pub fn apply(base: &RgbImage, edits: &[Edit]) -> Vec<u8> {
    let mut img = base.clone();
    let mut encoded: Option<Vec<u8>> = None;
    for edit in edits {
        match *edit {
            Edit::Resize(pct) => {
                let img_now = decode_if(&encoded, &img);
                let w = (img_now.width() * pct / 100).max(1);
                let h = (img_now.height() * pct / 100).max(1);
                img =
                    image::imageops::resize(&img_now, w, h, image::imageops::FilterType::Triangle);
                encoded = None;
            }
            Edit::Crop([l, t, r, b]) => {
                let img_now = decode_if(&encoded, &img);
                let (w, h) = (img_now.width(), img_now.height());
                let (x0, y0) = (w * l / 1000, h * t / 1000);
                let (x1, y1) = (w - w * r / 1000, h - h * b / 1000);
                img = image::imageops::crop_imm(&img_now, x0, y0, x1 - x0, y1 - y0).to_image();
                encoded = None;
            }
            Edit::Png | Edit::WebpLossless | Edit::Jpeg(_) => {
                let img_now = decode_if(&encoded, &img);
                let mut out = Cursor::new(Vec::new());
                match *edit {
                    Edit::Png => img_now.write_to(&mut out, ImageFormat::Png),
                    Edit::WebpLossless => img_now.write_to(&mut out, ImageFormat::WebP),
                    Edit::Jpeg(q) => {
                        let mut enc =
                            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q);
                        enc.encode_image(&img_now)
                    }
                    _ => unreachable!(),
                }
                .expect("encode");
                img = img_now;
                encoded = Some(out.into_inner());
            }
        }
    }
    match encoded {
        Some(bytes) => bytes,
        None => {
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, ImageFormat::Png)
                .expect("encode png");
            out.into_inner()
        }
    }
}

fn decode_if(encoded: &Option<Vec<u8>>, img: &RgbImage) -> RgbImage {
    match encoded {
        Some(bytes) => image::load_from_memory(bytes).expect("decode").to_rgb8(),
        None => img.clone(),
    }
}

/// One labelled base screenshot: `group` names the layout it shares with
/// its hard negatives (same app, same header, different content).
pub struct Base {
    pub id: String,
    pub group: String,
    pub screen: Screen,
    pub size: (u32, u32),
}

const SIZES: &[(u32, u32)] = &[(1080, 2340), (720, 1600), (1170, 2532)];

const USERS: &[&str] = &[
    "t**8",
    "小***鱼",
    "j***n",
    "匿名买家",
    "快乐的***子",
    "A***王",
    "m***3",
    "爱***家",
    "豆***包",
    "w***y",
    "阳光***子",
    "1***9",
];

const PRODUCTS: &[(&str, &str)] = &[
    (
        "【官方正品】秋冬新款加厚羊毛大衣女中长款显瘦气质外套",
        "¥299.00",
    ),
    (
        "智能扫地机器人 扫拖一体 激光导航 自动集尘 家用静音",
        "¥1599",
    ),
    ("2026新茶 明前特级龙井茶叶 250g 礼盒装 送礼佳品", "¥168.00"),
    (
        "主动降噪蓝牙耳机 真无线 入耳式 超长续航 适用苹果华为",
        "¥89.9",
    ),
    ("空气炸锅家用 5L大容量 多功能 无油电炸锅 薯条机", "¥199"),
    (
        "四件套纯棉 全棉 床单被套 1.8m床 简约北欧风 学生宿舍",
        "¥129.00",
    ),
];

const CHATS: &[&[(bool, &str)]] = &[
    &[
        (false, "亲，您好，收到宝贝了吗？"),
        (true, "收到了"),
        (false, "麻烦亲给个五星好评，带三张图，好评截图发我返现5元哦"),
        (true, "真的会返吗"),
        (false, "一定会的亲，很多人都领了，记得不要提返现的事"),
    ],
    &[
        (false, "您好，这边是平台的用户体验官招募，做任务就能赚佣金"),
        (true, "什么任务？"),
        (false, "就是帮商家拍单提升销量，本金加佣金当天返还"),
        (true, "需要先垫钱吗"),
        (false, "第一单小额的，马上就返，放心"),
        (true, "好的我试试"),
    ],
    &[
        (true, "你好，我买的耳机没有收到，但是物流显示签收了"),
        (false, "亲，物流显示已经签收了哦，请问是不是家人代收了"),
        (true, "没有人代收，快递员也没打电话"),
        (false, "那亲可以联系一下快递，我们这边是正常发货的"),
    ],
    &[
        (false, "亲，本店做活动，免单名额还剩三个"),
        (false, "拍A发B，拍下链接里的商品，实际发您想要的"),
        (true, "这样可以吗？"),
        (false, "可以的，确认收货后好评返现，全额退还"),
        (true, "那我拍一单"),
    ],
    &[
        (true, "我在你们店买的充电宝，用了三天就鼓包了"),
        (false, "亲，麻烦发一下照片"),
        (true, "照片发你了，外壳都裂开了"),
        (false, "亲这个是人为损坏，不在售后范围内哦"),
        (true, "我就是正常充电，怎么是人为损坏"),
        (false, "亲可以给您补偿10元红包，麻烦把差评改一下"),
    ],
    &[
        (false, "招聘兼职，在家就能做，日结200+"),
        (true, "做什么的"),
        (false, "给商家刷单，一单佣金8到15元，新手有带教"),
        (false, "加这个微信，备注兼职，有专人对接"),
    ],
];

const TRACKS: &[&[(&str, &str)]] = &[
    &[
        (
            "2026-10-12 18:20",
            "【上海市】已签收，签收人凭取货码签收，如有疑问请联系派件员",
        ),
        (
            "2026-10-12 08:11",
            "【上海市】快件已到达上海浦东新区营业点，正在派件",
        ),
        ("2026-10-11 23:40", "【上海市】快件已到达上海转运中心"),
        (
            "2026-10-10 21:02",
            "【广东省】快件已从广州转运中心发出，准备发往上海转运中心",
        ),
        ("2026-10-10 16:30", "【广东省】广州白云区揽投部已揽收"),
    ],
    &[
        (
            "2026-11-03 10:05",
            "【北京市】您的快件已签收，感谢使用，期待再次为您服务",
        ),
        ("2026-11-02 09:12", "【浙江省】义乌市揽收点已揽件"),
    ],
    &[
        ("2026-09-28 14:44", "【四川省】已签收，本人签收"),
        (
            "2026-09-28 07:58",
            "【四川省】成都市武侯区派送中，派送员电话已隐藏",
        ),
        ("2026-09-27 19:21", "【四川省】快件到达成都分拨中心"),
        (
            "2026-09-26 03:15",
            "【陕西省】快件离开西安分拨中心，发往成都分拨中心",
        ),
        ("2026-09-25 22:40", "【河南省】快件离开郑州分拨中心"),
        ("2026-09-25 12:10", "【山东省】济南市历下区已揽收"),
    ],
    &[
        (
            "2026-08-19 16:02",
            "【新疆维吾尔自治区】乌鲁木齐市天山区已签收",
        ),
        (
            "2026-08-19 13:30",
            "【浙江省】杭州市余杭区已揽收，重量0.02kg",
        ),
    ],
    &[
        (
            "2026-12-01 20:44",
            "【湖北省】快件已在武汉洪山区菜鸟驿站代收，请凭取件码取件",
        ),
        ("2026-12-01 09:03", "【湖北省】武汉转运中心已发出"),
        (
            "2026-11-30 22:16",
            "【江苏省】快件离开南京转运中心，发往武汉转运中心",
        ),
        ("2026-11-30 15:47", "【江苏省】南京市鼓楼区已揽收"),
    ],
    &[
        (
            "2026-07-07 11:20",
            "【广东省】深圳市南山区派件中，快递员正在为您派件",
        ),
        ("2026-07-06 23:58", "【广东省】快件到达深圳转运中心"),
        ("2026-07-05 06:40", "【河北省】快件离开石家庄分拨中心"),
        ("2026-07-04 18:12", "【北京市】快件离开北京顺义集散中心"),
        ("2026-07-04 10:35", "【北京市】北京朝阳区三里屯营业部已收件"),
        ("2026-07-04 09:50", "【北京市】商家已通知快递员上门揽件"),
        ("2026-07-03 21:15", "【北京市】商家正在打包"),
    ],
];

/// The labelled bases: for each shopping app, one product page with four
/// different sets of reviews; chats and tracking pages with different
/// messages and scans. Bases in the same group share their layout.
pub fn fixture_bases(pool: &[String]) -> Vec<Base> {
    let mut bases = Vec::new();
    let mut rng = Rng::new(2026);
    let mut next_text = 0usize;
    for (t, theme) in THEMES.iter().enumerate() {
        let (product, price) = PRODUCTS[t % PRODUCTS.len()];
        for page in 0..4 {
            let count = rng.range(3, 6) as usize;
            let reviews = (0..count)
                .map(|_| {
                    let text = pool[next_text % pool.len()].clone();
                    next_text += 1;
                    Review {
                        user: rng.pick(USERS).to_string(),
                        date: format!("2026-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28)),
                        stars: if rng.range(0, 4) == 0 {
                            rng.range(1, 5) as u8
                        } else {
                            5
                        },
                        text,
                        photos: rng.range(0, 4) as u8,
                    }
                })
                .collect();
            bases.push(Base {
                id: format!("{}-reviews-{page}", theme.name),
                group: format!("{}-reviews", theme.name),
                screen: Screen::Reviews {
                    theme: *theme,
                    product: product.to_string(),
                    price: price.to_string(),
                    product_seed: t as u64,
                    reviews,
                },
                size: SIZES[(t + page) % SIZES.len()],
            });
        }
    }
    // Chats: one app look, six different conversations.
    for (i, chat) in CHATS.iter().enumerate() {
        let theme = THEMES[2 * (i % 2)];
        bases.push(Base {
            id: format!("chat-{i}"),
            group: format!("chat-{}", theme.name),
            screen: Screen::Chat {
                theme,
                contact: if i % 2 == 0 {
                    "优衣阁客服".into()
                } else {
                    "小美（店铺客服）".into()
                },
                messages: chat.iter().map(|(me, t)| (*me, t.to_string())).collect(),
            },
            size: SIZES[i % SIZES.len()],
        });
    }
    // Tracking pages: two carriers' apps, different parcels.
    let carriers = [
        ("顺丰速运", "SF1428367190255"),
        ("中通快递", "75318264905512"),
    ];
    for (i, track) in TRACKS.iter().enumerate() {
        let j = i % 2;
        let (carrier, number) = carriers[j];
        bases.push(Base {
            id: format!("tracking-{i}"),
            group: format!("tracking-{j}"),
            screen: Screen::Tracking {
                theme: THEMES[j],
                carrier: carrier.to_string(),
                number: format!("{}{}", &number[..number.len() - 3], 100 + i),
                events: track
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            },
            size: SIZES[(i + 1) % SIZES.len()],
        });
    }
    bases
}

/// The re-shared copies of each base: all must match it.
pub fn variants(seed: u64) -> Vec<(String, Vec<Edit>)> {
    let mut rng = Rng::new(seed);
    let mut crop = || [0, 0, 0, 0].map(|_: u32| rng.range(0, 51) as u32);
    let c1 = crop();
    let c2 = crop();
    let c3 = crop();
    vec![
        ("webp".into(), vec![Edit::WebpLossless]),
        ("jpeg90".into(), vec![Edit::Jpeg(90)]),
        ("jpeg75".into(), vec![Edit::Jpeg(75)]),
        ("jpeg60".into(), vec![Edit::Jpeg(60)]),
        ("half-png".into(), vec![Edit::Resize(50), Edit::Png]),
        (
            "75pct-jpeg85".into(),
            vec![Edit::Resize(75), Edit::Jpeg(85)],
        ),
        ("150pct-png".into(), vec![Edit::Resize(150), Edit::Png]),
        (format!("crop{c1:?}"), vec![Edit::Crop(c1), Edit::Png]),
        (
            format!("crop{c2:?}-jpeg80"),
            vec![Edit::Crop(c2), Edit::Jpeg(80)],
        ),
        (
            format!("crop{c3:?}-80pct-jpeg70"),
            vec![Edit::Crop(c3), Edit::Resize(80), Edit::Jpeg(70)],
        ),
    ]
}
