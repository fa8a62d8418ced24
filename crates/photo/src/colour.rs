//! Colour in a perceptual space: sRGB (D65) to CIELAB, and CIEDE2000
//! differences. Background colours and lighting are compared here, never as
//! raw RGB distances, because equal RGB steps are not equal to the eye.

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Lab {
    pub l: f32,
    pub a: f32,
    pub b: f32,
}

impl Lab {
    /// `hypot` would guard against an overflow that CIELAB's range never
    /// comes near, at several times the cost of a square root; this runs on
    /// every pixel of the face.
    pub fn chroma(self) -> f32 {
        (self.a * self.a + self.b * self.b).sqrt()
    }
}

fn linear_table() -> &'static [f32; 256] {
    static TABLE: OnceLock<[f32; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f32 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    })
}

/// Cube root for positive inputs: a bit-level first guess refined by two
/// Newton steps (relative error below 1e-5), several times faster than
/// `f32::cbrt`, which dominates Lab conversion otherwise.
fn cbrt(x: f32) -> f32 {
    let mut y = f32::from_bits(x.to_bits() / 3 + 709_921_077);
    y = (2.0 * y + x / (y * y)) / 3.0;
    (2.0 * y + x / (y * y)) / 3.0
}

fn f(t: f32) -> f32 {
    const D: f32 = 6.0 / 29.0;
    if t > D * D * D {
        cbrt(t)
    } else {
        t / (3.0 * D * D) + 4.0 / 29.0
    }
}

/// An 8-bit sRGB value in linear light (0–1).
pub fn linear(v: u8) -> f32 {
    linear_table()[usize::from(v)]
}

/// Linear light (clamped to 0–1) as the nearest 8-bit sRGB value.
pub fn srgb8(c: f32) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let s = if c <= 0.003_130_8 {
        12.92 * c
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    };
    (s * 255.0).round() as u8
}

pub fn lab_of_linear(r: f32, g: f32, b: f32) -> Lab {
    // sRGB → XYZ (D65), normalised by the white point.
    let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
    let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
    let (fx, fy, fz) = (f(x), f(y), f(z));
    Lab {
        l: 116.0 * fy - 16.0,
        a: 500.0 * (fx - fy),
        b: 200.0 * (fy - fz),
    }
}

pub fn lab(rgb: [u8; 3]) -> Lab {
    let t = linear_table();
    lab_of_linear(
        t[usize::from(rgb[0])],
        t[usize::from(rgb[1])],
        t[usize::from(rgb[2])],
    )
}

/// `lab` of every pixel, eight at a time: each step runs over eight lanes,
/// so that it compiles to vector instructions (the lightness of a face's
/// pixels was the largest part of the appearance rules). Each lane computes
/// exactly what `lab` computes; the cube root's branch is taken as a select.
pub fn lab_all(pixels: &[[u8; 3]]) -> Vec<Lab> {
    const N: usize = 8;
    let t = linear_table();
    let mut out = Vec::with_capacity(pixels.len());
    let chunks = pixels.chunks_exact(N);
    let rest = chunks.remainder();
    for chunk in chunks {
        let channel =
            |c: usize| -> [f32; N] { std::array::from_fn(|i| t[usize::from(chunk[i][c])]) };
        let (r, g, b) = (channel(0), channel(1), channel(2));
        let (mut fx, mut fy, mut fz) = ([0.0; N], [0.0; N], [0.0; N]);
        for i in 0..N {
            fx[i] = (0.412_456_4 * r[i] + 0.357_576_1 * g[i] + 0.180_437_5 * b[i]) / 0.950_47;
            fy[i] = 0.212_672_9 * r[i] + 0.715_152_2 * g[i] + 0.072_175 * b[i];
            fz[i] = (0.019_333_9 * r[i] + 0.119_192 * g[i] + 0.950_304_1 * b[i]) / 1.088_83;
        }
        for v in [&mut fx, &mut fy, &mut fz] {
            for t in v.iter_mut() {
                *t = f_selected(*t);
            }
        }
        out.extend((0..N).map(|i| Lab {
            l: 116.0 * fy[i] - 16.0,
            a: 500.0 * (fx[i] - fy[i]),
            b: 200.0 * (fy[i] - fz[i]),
        }));
    }
    out.extend(rest.iter().map(|&p| lab(p)));
    out
}

/// `f` with both sides computed and one chosen (for `t` ≥ 0, which linear
/// light is, both are finite), so that a loop over it has no branch.
#[inline(always)]
fn f_selected(t: f32) -> f32 {
    const D: f32 = 6.0 / 29.0;
    let (root, line) = (cbrt(t), t / (3.0 * D * D) + 4.0 / 29.0);
    if t > D * D * D {
        root
    } else {
        line
    }
}

/// Lab of the mean of several pixels, averaged in linear light (what a
/// camera would have recorded for the whole patch).
pub fn mean_lab(pixels: impl Iterator<Item = [u8; 3]>) -> Option<Lab> {
    let t = linear_table();
    let (mut r, mut g, mut b, mut n) = (0f64, 0f64, 0f64, 0u32);
    for p in pixels {
        r += f64::from(t[usize::from(p[0])]);
        g += f64::from(t[usize::from(p[1])]);
        b += f64::from(t[usize::from(p[2])]);
        n += 1;
    }
    (n > 0).then(|| {
        let n = f64::from(n);
        lab_of_linear((r / n) as f32, (g / n) as f32, (b / n) as f32)
    })
}

/// CIE76 difference: Euclidean distance in CIELAB. Cheap; used per pixel
/// where only small steps matter.
pub fn delta_e76(x: Lab, y: Lab) -> f32 {
    ((x.l - y.l).powi(2) + (x.a - y.a).powi(2) + (x.b - y.b).powi(2)).sqrt()
}

/// CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation).
pub fn delta_e2000(x: Lab, y: Lab) -> f32 {
    let (l1, a1, b1) = (x.l, x.a, x.b);
    let (l2, a2, b2) = (y.l, y.a, y.b);
    let c_bar = (x.chroma() + y.chroma()) / 2.0;
    let c7 = c_bar.powi(7);
    let g = 0.5 * (1.0 - (c7 / (c7 + 25f32.powi(7))).sqrt());
    let (a1p, a2p) = (a1 * (1.0 + g), a2 * (1.0 + g));
    let chroma = |a: f32, b: f32| (a * a + b * b).sqrt();
    let (c1p, c2p) = (chroma(a1p, b1), chroma(a2p, b2));
    let hue = |b: f32, a: f32| {
        if a == 0.0 && b == 0.0 {
            0.0
        } else {
            let h = b.atan2(a).to_degrees();
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh_angle = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dh = 2.0 * (c1p * c2p).sqrt() * (dh_angle.to_radians() / 2.0).sin();
    let l_bar = (l1 + l2) / 2.0;
    let c_bar_p = (c1p + c2p) / 2.0;
    let h_bar = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (h_bar - 30.0).to_radians().cos()
        + 0.24 * (2.0 * h_bar).to_radians().cos()
        + 0.32 * (3.0 * h_bar + 6.0).to_radians().cos()
        - 0.20 * (4.0 * h_bar - 63.0).to_radians().cos();
    let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
    let c7p = c_bar_p.powi(7);
    let rc = 2.0 * (c7p / (c7p + 25f32.powi(7))).sqrt();
    let l50 = (l_bar - 50.0).powi(2);
    let sl = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let sc = 1.0 + 0.045 * c_bar_p;
    let sh = 1.0 + 0.015 * c_bar_p * t;
    let rt = -(2.0 * d_theta.to_radians()).sin() * rc;
    let (tl, tc, th) = (dl / sl, dc / sc, dh / sh);
    (tl * tl + tc * tc + th * th + rt * tc * th).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_cube_root_is_accurate_where_lab_uses_it() {
        let mut t = 0.008_856;
        while t <= 1.0 {
            assert!((cbrt(t) - t.cbrt()).abs() < 1e-5 * t.cbrt(), "{t}");
            t *= 1.01;
        }
    }

    #[test]
    fn reference_colours_land_where_expected() {
        let white = lab([255, 255, 255]);
        assert!((white.l - 100.0).abs() < 0.05 && white.chroma() < 0.05);
        let grey = lab([240, 240, 240]);
        assert!((grey.l - 94.8).abs() < 0.2, "{grey:?}");
        let blue = lab([100, 197, 255]);
        assert!(blue.b < -30.0 && blue.l > 70.0, "{blue:?}");
    }

    #[test]
    fn ciede2000_matches_sharma_test_pairs() {
        // Pairs 1 and 7 of Sharma, Wu and Dalal (2005), Table 1.
        let p = |l, a, b| Lab { l, a, b };
        let d = delta_e2000(p(50.0, 2.6772, -79.7751), p(50.0, 0.0, -82.7485));
        assert!((d - 2.0425).abs() < 1e-3, "{d}");
        let d = delta_e2000(p(50.0, 0.0, 0.0), p(50.0, -1.0, 2.0));
        assert!((d - 2.3669).abs() < 1e-3, "{d}");
        assert_eq!(delta_e2000(p(60.0, 1.0, 1.0), p(60.0, 1.0, 1.0)), 0.0);
    }

    /// Every 8-bit colour's channels in turn (with the others fixed at a
    /// few levels), converted eight at a time and one at a time: the same bits.
    #[test]
    fn converting_many_pixels_gives_the_bits_of_one_at_a_time() {
        let mut pixels = Vec::new();
        for v in 0..=255u8 {
            for o in [0u8, 1, 9, 10, 11, 128, 254, 255] {
                pixels.extend([[v, o, o], [o, v, o], [o, o, v], [v, v, o]]);
            }
        }
        pixels.push([3, 2, 1]);
        let bits = |c: Lab| [c.l, c.a, c.b].map(f32::to_bits);
        let many = lab_all(&pixels);
        assert_eq!(many.len(), pixels.len());
        for (p, c) in pixels.iter().zip(many) {
            assert_eq!(bits(c), bits(lab(*p)), "{p:?}");
        }
    }
}
