//! An 8-bit RGB image and the few geometric operations the checker and fixer
//! need: EXIF orientation, box reduction, bilinear sampling of a rotated
//! region (for the face models), and an antialiased crop-and-scale (for the
//! fixed photo). Nothing here mirrors or rotates a person's photo on its own:
//! orientation only undoes what the camera recorded.

mod reduce;
mod resample;

/// Every byte as a float, `f32::from(v)` for `v` in 0..=255: a load where
/// sampling a model's input converted twelve bytes per point.
static BYTE: [f32; 256] = {
    let mut t = [0.0; 256];
    let mut v = 0;
    while v < 256 {
        t[v] = v as f32;
        v += 1;
    }
    t
};

#[derive(Clone, PartialEq, Eq)]
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    /// Row-major RGB triples.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rgb({}×{})", self.width, self.height)
    }
}

impl Rgb {
    pub fn new(width: u32, height: u32) -> Self {
        Rgb {
            width,
            height,
            data: vec![0; width as usize * height as usize * 3],
        }
    }

    pub fn from_fn(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Self {
        let mut img = Rgb::new(width, height);
        for y in 0..height {
            for x in 0..width {
                img.put(x, y, f(x, y));
            }
        }
        img
    }

    #[inline]
    fn index(&self, x: u32, y: u32) -> usize {
        (y as usize * self.width as usize + x as usize) * 3
    }

    /// The pixel at (x, y); callers keep coordinates inside the image.
    #[inline]
    pub fn at(&self, x: u32, y: u32) -> [u8; 3] {
        let i = self.index(x, y);
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    #[inline]
    pub fn put(&mut self, x: u32, y: u32, p: [u8; 3]) {
        let i = self.index(x, y);
        self.data[i..i + 3].copy_from_slice(&p);
    }

    /// The pixel at signed coordinates clamped to the image.
    #[inline]
    pub fn at_clamped(&self, x: i64, y: i64) -> [u8; 3] {
        let x = x.clamp(0, i64::from(self.width) - 1) as u32;
        let y = y.clamp(0, i64::from(self.height) - 1) as u32;
        self.at(x, y)
    }

    /// Bilinear sample at continuous coordinates (pixel centres at +0.5);
    /// `None` outside the image.
    pub fn sample(&self, x: f32, y: f32) -> Option<[f32; 3]> {
        // Inside, its taps are read as two row slices; four clamped lookups
        // are what made sampling a model's input cost tens of nanoseconds.
        if let Some([r, g, b]) = self.sample_lanes(&[x], &[y]) {
            return Some([r[0], g[0], b[0]]);
        }
        let (fx, fy) = (x - 0.5, y - 0.5);
        if !(fx > -1.0 && fy > -1.0 && fx < self.width as f32 && fy < self.height as f32) {
            return None;
        }
        // Both lie in (-1, size), checked above: below 0 the floor is -1,
        // above it the integer part. The same value as `f32::floor`, without
        // its call into the C library (baseline x86-64 has no instruction).
        let floor = |v: f32| if v < 0.0 { -1.0 } else { (v as i64) as f32 };
        let (x0, y0) = (floor(fx), floor(fy));
        let (ax, ay) = (fx - x0, fy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let p = |dx: i64, dy: i64| self.at_clamped(x0 + dx, y0 + dy);
        Some(blend((p(0, 0), p(1, 0), p(0, 1), p(1, 1)), (ax, ay)))
    }

    /// `sample` at `L` points at once, when every point's 2×2 pixels lie
    /// inside the image (`None` otherwise: the caller samples one by one).
    /// The channels come out as lanes, so that the arithmetic runs as vector
    /// operations; each lane computes what the clamped lookups and `blend`
    /// would, to the bit.
    pub fn sample_lanes<const L: usize>(
        &self,
        xs: &[f32; L],
        ys: &[f32; L],
    ) -> Option<[[f32; L]; 3]> {
        let (w, h) = (self.width as usize, self.height as usize);
        let stride = w * 3;
        // Inside [0, size), `sample`'s floor is the integer part, and the
        // conversion cannot saturate (a NaN fails every comparison). The
        // lanes are checked and split into whole and fraction all together,
        // without a branch per lane, so that this runs as vector code.
        let (mut fx, mut fy) = ([0.0f32; L], [0.0f32; L]);
        let mut inside = true;
        for l in 0..L {
            (fx[l], fy[l]) = (xs[l] - 0.5, ys[l] - 0.5);
            inside &= (fx[l] >= 0.0) & (fy[l] >= 0.0) & (fx[l] < w as f32) & (fy[l] < h as f32);
        }
        if !inside {
            return None;
        }
        let (mut x0, mut y0) = ([0i32; L], [0i32; L]);
        let (mut ax, mut ay) = ([0.0f32; L], [0.0f32; L]);
        for l in 0..L {
            (x0[l], y0[l]) = (fx[l] as i32, fy[l] as i32);
            (ax[l], ay[l]) = (fx[l] - x0[l] as f32, fy[l] - y0[l] as f32);
        }
        let mut taps = [[[0.0f32; L]; 3]; 4];
        for l in 0..L {
            let (x0, y0) = (x0[l] as usize, y0[l] as usize);
            if x0 + 1 >= w || y0 + 1 >= h {
                return None;
            }
            let i = y0 * stride + x0 * 3;
            let top = self.data.get(i..i + 6)?;
            let below = self.data.get(i + stride..i + stride + 6)?;
            for c in 0..3 {
                taps[0][c][l] = BYTE[usize::from(top[c])];
                taps[1][c][l] = BYTE[usize::from(top[c + 3])];
                taps[2][c][l] = BYTE[usize::from(below[c])];
                taps[3][c][l] = BYTE[usize::from(below[c + 3])];
            }
        }
        let [p00, p10, p01, p11] = taps;
        let mut out = [[0.0f32; L]; 3];
        for c in 0..3 {
            for l in 0..L {
                let top = p00[c][l] * (1.0 - ax[l]) + p10[c][l] * ax[l];
                let bottom = p01[c][l] * (1.0 - ax[l]) + p11[c][l] * ax[l];
                out[c][l] = top * (1.0 - ay[l]) + bottom * ay[l];
            }
        }
        Some(out)
    }

    /// Undoes an EXIF orientation (1–8), giving the image as the camera saw it.
    ///
    /// Phones mostly store portraits rotated (orientation 6), so this turns
    /// every such capture: reading the stored image down its columns misses
    /// the cache on every pixel, so the output is written in tiles whose
    /// source rows stay cached (at 750×1000 it took a quarter of a check).
    pub fn oriented(self, orientation: u8) -> Rgb {
        if !(2..=8).contains(&orientation) {
            return self;
        }
        let (w, h) = (self.width as isize, self.height as isize);
        // The stored pixel of output (x, y) is `origin + x·dx + y·dy`.
        let (origin, dx, dy) = match orientation {
            2 => (w - 1, -1, w),
            3 => ((h - 1) * w + w - 1, -1, -w),
            4 => ((h - 1) * w, 1, -w),
            5 => (0, w, 1),
            6 => ((h - 1) * w, -w, 1),
            7 => ((h - 1) * w + w - 1, -w, -1),
            _ => (w - 1, w, -1),
        };
        let (ow, oh) = if orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        };
        const TILE: u32 = 32;
        let mut out = Rgb::new(ow, oh);
        for ty in (0..oh).step_by(TILE as usize) {
            for tx in (0..ow).step_by(TILE as usize) {
                for y in ty..(ty + TILE).min(oh) {
                    let row = y as usize * ow as usize;
                    let mut src = origin + tx as isize * dx + y as isize * dy;
                    for x in tx..(tx + TILE).min(ow) {
                        // In range by construction: every output pixel maps
                        // to one stored pixel.
                        let (s, d) = (src as usize * 3, (row + x as usize) * 3);
                        out.data[d..d + 3].copy_from_slice(&self.data[s..s + 3]);
                        src += dx;
                    }
                }
            }
        }
        out
    }

    /// Grey level (BT.601 luma) of every pixel.
    pub fn luma(&self) -> Vec<u8> {
        self.data
            .chunks_exact(3)
            .map(|p| {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500)
                    / 1000) as u8
            })
            .collect()
    }

    /// Each sampled row's spans inside a polygon (rows `step` apart), clipped
    /// to the picture: the row's crossings with the polygon's edges, then the
    /// pixels whose centres lie between pairs of crossings. The face's
    /// regions (the oval, the lips, an eye's contour) are read this way.
    pub fn polygon_spans(
        &self,
        poly: &[(f32, f32)],
        step: u32,
        mut span: impl FnMut(u32, std::ops::Range<u32>),
    ) {
        let y0 = poly.iter().map(|p| p.1).fold(f32::MAX, f32::min).max(0.0) as u32;
        let y1 = (poly.iter().map(|p| p.1).fold(f32::MIN, f32::max).max(0.0) as u32)
            .min(self.height.saturating_sub(1));
        let mut xs = Vec::with_capacity(8);
        for y in (y0..=y1).step_by(step.max(1) as usize) {
            let yc = y as f32 + 0.5;
            xs.clear();
            for (i, &(xa, ya)) in poly.iter().enumerate() {
                let (xb, yb) = poly[(i + 1) % poly.len()];
                if (ya > yc) != (yb > yc) {
                    xs.push(xa + (yc - ya) * (xb - xa) / (yb - ya));
                }
            }
            xs.sort_by(f32::total_cmp);
            for pair in xs.chunks_exact(2) {
                let from = (pair[0] - 0.5).ceil().max(0.0) as u32;
                let to = ((pair[1] - 0.5).floor().max(-1.0) as i64).min(i64::from(self.width) - 1);
                if i64::from(from) <= to {
                    span(y, from..to as u32 + 1);
                }
            }
        }
    }
}

/// The bilinear blend of four pixels (top-left, top-right, bottom-left,
/// bottom-right) at fractions `(ax, ay)` of the way across and down.
#[inline]
fn blend((p00, p10, p01, p11): Square, (ax, ay): (f32, f32)) -> [f32; 3] {
    let mut out = [0.0; 3];
    for c in 0..3 {
        let top = f32::from(p00[c]) * (1.0 - ax) + f32::from(p10[c]) * ax;
        let bottom = f32::from(p01[c]) * (1.0 - ax) + f32::from(p11[c]) * ax;
        out[c] = top * (1.0 - ay) + bottom * ay;
    }
    out
}

/// Four pixels: top-left, top-right, bottom-left, bottom-right.
type Square = ([u8; 3], [u8; 3], [u8; 3], [u8; 3]);

#[cfg(test)]
mod tests {
    use super::*;

    /// A test image whose every pixel differs from its neighbours.
    pub(super) fn gradient(w: u32, h: u32) -> Rgb {
        Rgb::from_fn(w, h, |x, y| [(x * 7 % 256) as u8, (y * 5 % 256) as u8, 128])
    }

    #[test]
    fn orientations_invert_their_transforms() {
        let img = gradient(5, 3);
        // 6 = rotated 90° clockwise for display: the displayed image is 3×5.
        let o = img.clone().oriented(6);
        assert_eq!((o.width, o.height), (3, 5));
        assert_eq!(o.at(2, 0), img.at(0, 0));
        for t in 1..=8 {
            let o = img.clone().oriented(t);
            assert_eq!(o.width * o.height, 15);
        }
        assert_eq!(img.clone().oriented(3).oriented(3), img);
        assert_eq!(img.clone().oriented(2).oriented(2), img);
    }

    /// The tiled turn against the plain per-pixel definition of each EXIF
    /// orientation, on sizes that are not multiples of the tile.
    #[test]
    fn tiled_orientation_matches_the_definition() {
        for (w, h) in [(1, 1), (5, 3), (33, 70), (97, 64)] {
            let img = gradient(w, h);
            for t in 1..=8u8 {
                let (ow, oh) = if t >= 5 { (h, w) } else { (w, h) };
                let expected = Rgb::from_fn(ow, oh, |x, y| {
                    let (sx, sy) = match t {
                        1 => (x, y),
                        2 => (w - 1 - x, y),
                        3 => (w - 1 - x, h - 1 - y),
                        4 => (x, h - 1 - y),
                        5 => (y, x),
                        6 => (y, h - 1 - x),
                        7 => (w - 1 - y, h - 1 - x),
                        _ => (w - 1 - y, x),
                    };
                    img.at(sx, sy)
                });
                assert_eq!(
                    img.clone().oriented(t),
                    expected,
                    "{w}×{h}, orientation {t}"
                );
            }
        }
    }

    /// Bilinear sampling as first written: four clamped lookups per point.
    fn sample_by_lookups(img: &Rgb, x: f32, y: f32) -> Option<[f32; 3]> {
        let (fx, fy) = (x - 0.5, y - 0.5);
        if !(fx > -1.0 && fy > -1.0 && fx < img.width as f32 && fy < img.height as f32) {
            return None;
        }
        let (x0, y0) = (fx.floor(), fy.floor());
        let (ax, ay) = (fx - x0, fy - y0);
        let p = |dx: i64, dy: i64| img.at_clamped(x0 as i64 + dx, y0 as i64 + dy);
        Some(blend((p(0, 0), p(1, 0), p(0, 1), p(1, 1)), (ax, ay)))
    }

    /// Points no region should produce (from a damaged model's output, say)
    /// are outside, not a panic.
    #[test]
    fn sampling_far_outside_or_at_no_number_is_none() {
        let img = Rgb::from_fn(4, 4, |x, y| [x as u8, y as u8, 0]);
        for v in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e30,
            -1e30,
            f32::MAX,
        ] {
            assert_eq!(img.sample(v, 2.0), None, "{v}");
            assert_eq!(img.sample(2.0, v), None, "{v}");
            let mut xs = [2.0f32; 8];
            xs[3] = v;
            assert_eq!(img.sample_lanes(&xs, &[2.0; 8]), None, "{v}");
            assert_eq!(img.sample_lanes(&[2.0; 8], &xs), None, "{v}");
        }
    }

    proptest::proptest! {
        /// The faster paths (whole rows of taps inside the image, eight
        /// points at once) give the same bits as the lookups, anywhere,
        /// edges and outside included.
        #[test]
        fn sampling_paths_agree_to_the_bit(
            (w, h) in (1u32..12, 1u32..12),
            fractions in proptest::collection::vec((0.0f32..1.0, 0.0f32..1.0), 8),
            spread in proptest::bool::ANY,
        ) {
            // Half the cases anywhere around the image, half inside it.
            let at = |f: f32, len: u32| if spread { -3.0 + f * 18.0 } else { 0.5 + f * (len - 1) as f32 };
            let points: Vec<(f32, f32)> = fractions.iter().map(|&(u, v)| (at(u, w), at(v, h))).collect();
            let img = Rgb::from_fn(w, h, |x, y| [(x * 37 + y * 11) as u8, (x * y * 5) as u8, (255 - y * 20) as u8]);
            let bits = |p: Option<[f32; 3]>| p.map(|p| p.map(f32::to_bits));
            for &(x, y) in &points {
                proptest::prop_assert_eq!(bits(img.sample(x, y)), bits(sample_by_lookups(&img, x, y)));
            }
            let xs: [f32; 8] = std::array::from_fn(|l| points[l].0);
            let ys: [f32; 8] = std::array::from_fn(|l| points[l].1);
            let inside = |v: f32, len: u32| v >= 0.5 && ((v - 0.5) as u32) + 1 < len;
            let all_inside = points.iter().all(|&(x, y)| inside(x, w) && inside(y, h));
            match img.sample_lanes(&xs, &ys) {
                Some(lanes) => {
                    proptest::prop_assert!(all_inside);
                    for (l, &(x, y)) in points.iter().enumerate() {
                        let one = [lanes[0][l], lanes[1][l], lanes[2][l]];
                        proptest::prop_assert_eq!(bits(Some(one)), bits(img.sample(x, y)));
                    }
                }
                None => proptest::prop_assert!(!all_inside),
            }
        }
    }
}
