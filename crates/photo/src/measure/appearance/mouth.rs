//! `mouth.closed`: five readings of the same mouth, because the face mesh
//! often draws a speaking or smiling mouth nearly closed. The lip gap is the
//! mesh's own; the cavity, the dark gap and the teeth are read from the
//! pixels inside the lips' outer outline, which the mesh places well even
//! when it closes the gap; the tooth-coloured seam from a thin band along
//! the seam it draws.

use super::{lab_all, point, polygon_pixels, share, Lab};
use crate::colour::lab;
use crate::face::idx;
use crate::measure::{median, Scene};
use crate::raster::Rgb;
use crate::report::{Code, Finding};

/// Below this median a* the cheeks carry too little colour to tell a tooth
/// from a lip by redness: a black-and-white or washed-out photo, which
/// `image.colour` fails anyway. On the labelled set the cheeks' a* is at
/// least 5.5 on every colour photo.
const MIN_CHEEK_REDNESS: f32 = 3.0;

/// How much lighter than the lips' median (L*) a pixel on the seam must be
/// to count as a tooth. Closed lips are darkest at their seam; a glossy
/// lower lip shines below it.
const SEAM_LIGHTER: f32 = 25.0;
/// A pixel on the seam with at most this share of the lips' median chroma
/// (C*ab) also counts as a tooth: teeth in a mouth's shade are no lighter
/// than the lips, but they are nearly colourless where lips are red. On the
/// labelled set closed mouths still read at most 1 % on the seam.
const SEAM_COLOURLESS: f32 = 0.5;
/// ... when it is at least this share of the lips' median L*: the cavity
/// and the seam's shadow are colourless too, but dark.
const SEAM_NOT_DARK: f32 = 0.7;
/// Below this median chroma the lips carry too little colour for a tooth to
/// show by its lack: a grey or washed-out photo. On the labelled set only
/// the greyscale `lfw123` (0) and the washed-out `lfw082` (3.7) read under
/// it; every labelled mouth's lips measure 7.4 or more.
const MIN_LIP_CHROMA: f32 = 5.0;
/// Half the height of the band read across the seam, as a share of the
/// mouth's width (at least a pixel).
const SEAM_BAND: f32 = 0.03;
/// Columns read along each stretch of the seam between two of its points.
const SEAM_STEPS: usize = 5;

/// `cheeks` is the cheeks' pixels in CIELAB, the skin the teeth are told from.
pub(super) fn finding(s: &Scene, cheeks: &[Lab], step: u32) -> Finding {
    let (face, e) = (s.face, &s.spec.expression);
    let outline: Vec<(f32, f32)> = idx::OUTER_LIPS.iter().map(|&i| point(face, i)).collect();
    let inside = lab_all(&polygon_pixels(s.img, &outline, step));
    let lips = median(inside.iter().map(|c| c.l).collect()).unwrap_or(0.0);
    let chroma = median(inside.iter().map(|c| c.a.hypot(c.b)).collect()).unwrap_or(0.0);
    let cavity = cavity(&inside, lips);
    let corners = (point(face, idx::MOUTH.0), point(face, idx::MOUTH.1));
    let gap = dark_gap(s.img, corners, &outline, step, lips * 0.5);
    let teeth = teeth(&inside, cheeks);
    let seam: Vec<(f32, f32)> = idx::SEAM
        .iter()
        .map(|&(up, down)| {
            let (a, b) = (point(face, up), point(face, down));
            ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
        })
        .collect();
    let width = (corners.1 .0 - corners.0 .0).hypot(corners.1 .1 - corners.0 .1);
    let toothy = tooth_seam(s.img, &seam, width, Lips { l: lips, chroma });
    Finding::new(Code::MouthClosed, "嘴唇自然闭合")
        .measured(
            face.mouth_opening,
            format!(
                "唇间距 {:.3}，口内暗区 {:.0}%，暗缝 {:.3}，露齿 {:.0}%，唇缝齿色 {:.0}%",
                face.mouth_opening,
                cavity * 100.0,
                gap,
                teeth * 100.0,
                toothy * 100.0
            ),
        )
        .limit(format!(
            "唇间距不大于 {}，暗区不超过 {:.0}%，暗缝不大于 {}，露齿不超过 {:.0}%，唇缝齿色不超过 {:.0}%",
            e.max_mouth_opening,
            e.max_mouth_cavity * 100.0,
            e.max_dark_gap,
            e.max_teeth * 100.0,
            e.max_tooth_seam * 100.0
        ))
        .fail_if(
            face.mouth_opening > e.max_mouth_opening
                || cavity > e.max_mouth_cavity
                || gap > e.max_dark_gap
                || teeth > e.max_teeth
                || toothy > e.max_tooth_seam,
            || "嘴巴张开或露齿：请嘴唇自然闭合，不要大笑".into(),
        )
}

/// How thick the dark gap between the lips is across the middle third of
/// the mouth: per column, the pixels inside the outline darker than `dark`
/// (half the outline's median L*, as for the cavity), median over the
/// columns, as a fraction of the mouth's width (between its `corners`).
/// The cavity's share is diluted by full lips; this reading is not. Closed
/// lips show only their thin seam.
fn dark_gap(
    img: &Rgb,
    (a, b): ((f32, f32), (f32, f32)),
    outline: &[(f32, f32)],
    step: u32,
    dark: f32,
) -> f32 {
    let width = (b.0 - a.0).hypot(b.1 - a.1);
    let third = (b.0 - a.0).abs() / 3.0;
    let first = (a.0.min(b.0) + third).max(0.0).ceil() as u32;
    // Columns on one grid for every row, `step` apart; never more than the
    // picture has, whatever the landmarks say.
    let columns = ((third / step as f32) as usize).min(img.width as usize);
    let mut counts = vec![0u32; columns];
    if counts.is_empty() {
        return 0.0;
    }
    img.polygon_spans(outline, step, |y, xs| {
        for (i, count) in counts.iter_mut().enumerate() {
            let x = first.saturating_add((i as u32).saturating_mul(step));
            if xs.contains(&x) && lab(img.at(x, y)).l < dark {
                *count += step;
            }
        }
    });
    median(counts.iter().map(|&c| c as f32).collect()).unwrap_or(0.0) / width
}

/// The share of the mouth's pixels darker than half `lips`, their median
/// L*: the cavity of an open mouth; closed lips show only their seam.
fn cavity(inside: &[Lab], lips: f32) -> f32 {
    share(inside, |c| c.l < lips * 0.5)
}

/// The lips' median lightness (L*) and chroma (C*ab), which a tooth on
/// their seam is told from.
#[derive(Clone, Copy)]
struct Lips {
    l: f32,
    chroma: f32,
}

impl Lips {
    /// Teeth at LFW's 250 px are two or three pixels high, and JPEG's halved
    /// colour resolution lends them the lips' red: their lightness stays.
    /// Teeth in a capture's shaded mouth are no lighter than the lips, but
    /// keep their own colour, next to none.
    fn tooth(self, c: Lab) -> bool {
        c.l >= self.l + SEAM_LIGHTER
            || (self.chroma >= MIN_LIP_CHROMA
                && c.a.hypot(c.b) <= SEAM_COLOURLESS * self.chroma
                && c.l >= SEAM_NOT_DARK * self.l)
    }
}

/// The share of a thin band along `seam` (the middle of the seam the mesh
/// draws, image-left to image-right) that looks like teeth against `lips`
/// ([`Lips::tooth`]). The mesh often closes its lips over a row of teeth.
/// Read in columns, `width` (the mouth's) sets the band's height.
fn tooth_seam(img: &Rgb, seam: &[(f32, f32)], width: f32, lips: Lips) -> f32 {
    let half = (SEAM_BAND * width).max(1.0);
    let bottom = img.height.saturating_sub(1);
    let (mut teeth, mut read) = (0u32, 0u32);
    for stretch in seam.windows(2) {
        let (a, b) = (stretch[0], stretch[1]);
        for k in 0..SEAM_STEPS {
            let t = k as f32 / SEAM_STEPS as f32;
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            // Also false for NaN: landmarks off the picture read nothing.
            if !(x >= 0.0 && x <= img.width as f32 - 1.0) {
                continue;
            }
            let (top, end) = ((y - half).max(0.0) as u32, ((y + half) as u32).min(bottom));
            for row in top..=end {
                read += 1;
                teeth += u32::from(lips.tooth(lab(img.at(x.round() as u32, row))));
            }
        }
    }
    if read == 0 {
        return 0.0;
    }
    teeth as f32 / read as f32
}

/// Share of the mouth's pixels that look like teeth: at least as light as
/// the cheeks, and with at most 0.3 of their redness (a*). Lips are redder
/// than skin, and the seam between closed lips is darker; teeth are neither,
/// under warm light or cool. 0 when the cheeks are too grey to compare with.
fn teeth(inside: &[Lab], cheeks: &[Lab]) -> f32 {
    let (Some(light), Some(red)) = (
        median(cheeks.iter().map(|c| c.l).collect()),
        median(cheeks.iter().map(|c| c.a).collect()),
    ) else {
        return 0.0;
    };
    if red < MIN_CHEEK_REDNESS {
        return 0.0;
    }
    share(inside, |c| c.l >= light && c.a <= red * 0.3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(l: f32, a: f32, b: f32) -> Lab {
        Lab { l, a, b }
    }

    /// Warm skin as the cheeks, lips redder and darker, a dark seam.
    fn closed_mouth() -> Vec<Lab> {
        let mut v = vec![lab(55.0, 28.0, 14.0); 80];
        v.extend(vec![lab(30.0, 20.0, 8.0); 10]);
        // A glossy highlight on the lower lip: light, but still red.
        v.extend(vec![lab(75.0, 18.0, 8.0); 4]);
        v
    }

    fn lips_median(m: &[Lab]) -> f32 {
        median(m.iter().map(|c| c.l).collect()).unwrap_or(0.0)
    }

    fn cheeks() -> Vec<Lab> {
        vec![lab(68.0, 16.0, 18.0); 40]
    }

    #[test]
    fn closed_lips_show_no_teeth_and_little_cavity() {
        let m = closed_mouth();
        assert_eq!(teeth(&m, &cheeks()), 0.0);
        assert!(cavity(&m, lips_median(&m)) < 0.2);
    }

    #[test]
    fn a_row_of_teeth_counts_whether_lit_or_in_warm_light() {
        let mut m = closed_mouth();
        // Teeth: light and hardly red; under warm light yellowish (b*).
        m.extend(vec![lab(80.0, 1.5, 6.0); 12]);
        m.extend(vec![lab(72.0, 4.0, 20.0); 8]);
        let t = teeth(&m, &cheeks());
        assert!((t - 20.0 / m.len() as f32).abs() < 1e-6, "{t}");
    }

    #[test]
    fn teeth_in_shadow_are_not_counted_as_teeth() {
        // Darker than the cheeks: the cavity's reading, not this one's.
        let mut m = closed_mouth();
        m.extend(vec![lab(50.0, 1.0, 5.0); 20]);
        assert_eq!(teeth(&m, &cheeks()), 0.0);
    }

    #[test]
    fn grey_cheeks_are_not_compared_by_redness() {
        let mut m = closed_mouth();
        m.extend(vec![lab(80.0, 0.5, 1.0); 20]);
        let grey = vec![lab(68.0, 1.0, 2.0); 40];
        assert_eq!(teeth(&m, &grey), 0.0);
        assert_eq!(teeth(&m, &[]), 0.0);
        assert_eq!(teeth(&[], &cheeks()), 0.0);
    }

    /// A 60×40 mouth of lips (L* about 50) between corners (20, 20) and
    /// (80, 20), with a dark band `gap` rows thick across its middle.
    fn mouth_picture(gap: u32) -> (Rgb, Vec<(f32, f32)>) {
        let img = Rgb::from_fn(100, 40, |_, y| {
            if (20 - gap / 2..20 - gap / 2 + gap).contains(&y) {
                [20, 10, 10]
            } else {
                [190, 90, 90]
            }
        });
        let outline = vec![(20.0, 20.0), (50.0, 2.0), (80.0, 20.0), (50.0, 38.0)];
        (img, outline)
    }

    #[test]
    fn the_dark_gap_is_the_band_s_thickness_over_the_mouth_s_width() {
        let corners = ((20.0, 20.0), (80.0, 20.0));
        for (gap, step) in [(0, 1), (2, 1), (6, 1), (6, 2), (12, 1)] {
            let (img, outline) = mouth_picture(gap);
            let g = dark_gap(&img, corners, &outline, step, 25.0);
            // Counted in sampled rows, `step` pixels each.
            let rows = gap.div_ceil(step) * step;
            assert!((g - rows as f32 / 60.0).abs() < 1e-6, "{gap} {step}: {g}");
        }
    }

    #[test]
    fn corners_nowhere_read_no_gap_and_allocate_nothing_large() {
        let (img, outline) = mouth_picture(6);
        for corners in [
            ((f32::NAN, 20.0), (80.0, 20.0)),
            ((f32::NEG_INFINITY, 20.0), (f32::INFINITY, 20.0)),
            ((-1e30, 20.0), (1e30, 20.0)),
            // Past the last column a u32 can name.
            ((5e9, 20.0), (5e9 + 4096.0, 20.0)),
            ((50.0, 20.0), (50.0, 20.0)),
        ] {
            let g = dark_gap(&img, corners, &outline, 1, 25.0);
            assert!(g.is_finite() && g >= 0.0, "{corners:?}: {g}");
        }
    }

    /// Lips (L* about 50) around a seam on row 20, with a band of `band`
    /// across rows `rows`.
    fn seam_picture(band: [u8; 3], rows: std::ops::Range<u32>) -> Rgb {
        Rgb::from_fn(100, 40, |_, y| {
            if rows.contains(&y) {
                band
            } else {
                [190, 90, 90]
            }
        })
    }

    const SEAM_LINE: [(f32, f32); 3] = [(35.0, 20.0), (50.0, 20.0), (65.0, 20.0)];

    /// The lips of `seam_picture`, as `finding` measures them.
    fn seam_lips() -> Lips {
        let c = crate::colour::lab([190, 90, 90]);
        Lips {
            l: c.l,
            chroma: c.a.hypot(c.b),
        }
    }

    #[test]
    fn teeth_on_the_seam_read_light_and_a_dark_seam_or_a_shine_below_does_not() {
        let lips = seam_lips();
        // Width 60: the band read is 1.8 px either side, rows 18..=21.
        let teeth = tooth_seam(
            &seam_picture([235, 225, 210], 18..22),
            &SEAM_LINE,
            60.0,
            lips,
        );
        assert_eq!(teeth, 1.0);
        let half = tooth_seam(
            &seam_picture([235, 225, 210], 20..22),
            &SEAM_LINE,
            60.0,
            lips,
        );
        assert_eq!(half, 0.5);
        let seam = tooth_seam(&seam_picture([60, 20, 20], 19..21), &SEAM_LINE, 60.0, lips);
        assert_eq!(seam, 0.0);
        // A glossy lower lip shines a few pixels below its seam.
        let shine = tooth_seam(
            &seam_picture([250, 220, 220], 25..29),
            &SEAM_LINE,
            60.0,
            lips,
        );
        assert_eq!(shine, 0.0);
    }

    #[test]
    fn shaded_teeth_count_by_their_lack_of_colour_and_a_grey_shadow_does_not() {
        let lips = seam_lips();
        // Greyish teeth in the mouth's shade: no lighter than the lips.
        let shaded = [112, 107, 103];
        assert!(crate::colour::lab(shaded).l < lips.l);
        let teeth = tooth_seam(&seam_picture(shaded, 18..22), &SEAM_LINE, 60.0, lips);
        assert_eq!(teeth, 1.0);
        // The cavity or the seam's shadow: colourless too, but dark.
        let dark = tooth_seam(&seam_picture([45, 43, 42], 18..22), &SEAM_LINE, 60.0, lips);
        assert_eq!(dark, 0.0);
        // Lips in their own shade keep their colour.
        let red = tooth_seam(&seam_picture([150, 70, 70], 18..22), &SEAM_LINE, 60.0, lips);
        assert_eq!(red, 0.0);
        // Grey lips: nothing to tell a tooth from by its colour.
        let grey = Lips {
            l: lips.l,
            chroma: MIN_LIP_CHROMA * 0.9,
        };
        let none = tooth_seam(&seam_picture(shaded, 18..22), &SEAM_LINE, 60.0, grey);
        assert_eq!(none, 0.0);
    }

    #[test]
    fn a_seam_nowhere_reads_nothing_and_stays_inside_the_picture() {
        let img = seam_picture([235, 225, 210], 18..22);
        for seam in [
            [(f32::NAN, 20.0), (50.0, f32::NAN), (65.0, 20.0)],
            [
                (f32::NEG_INFINITY, 20.0),
                (f32::INFINITY, 20.0),
                (65.0, 1e30),
            ],
            [(-1e30, -1e30), (1e30, 1e30), (5e9, 20.0)],
            [(99.4, 39.0), (99.6, 45.0), (120.0, -3.0)],
        ] {
            for width in [f32::NAN, f32::INFINITY, 0.0, 1e30] {
                let v = tooth_seam(&img, &seam, width, seam_lips());
                assert!((0.0..=1.0).contains(&v), "{seam:?} {width}: {v}");
            }
        }
    }

    #[test]
    fn an_open_mouth_is_mostly_dark() {
        let mut m = closed_mouth();
        m.extend(vec![lab(8.0, 5.0, 2.0); 60]);
        assert!(cavity(&m, lips_median(&m)) > 0.25);
        assert_eq!(cavity(&[], 0.0), 0.0);
    }
}
