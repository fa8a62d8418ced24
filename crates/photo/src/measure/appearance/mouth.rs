//! `mouth.closed`: four readings of the same mouth, because the face mesh
//! often draws a speaking or smiling mouth nearly closed. The lip gap is the
//! mesh's own; the cavity, the dark gap and the teeth are read from the
//! pixels inside the lips' outer outline, which the mesh places well even
//! when it closes the gap.

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

/// `cheeks` is the cheeks' pixels in CIELAB, the skin the teeth are told from.
pub(super) fn finding(s: &Scene, cheeks: &[Lab], step: u32) -> Finding {
    let (face, e) = (s.face, &s.spec.expression);
    let outline: Vec<(f32, f32)> = idx::OUTER_LIPS.iter().map(|&i| point(face, i)).collect();
    let inside = lab_all(&polygon_pixels(s.img, &outline, step));
    let (cavity, dark) = cavity(&inside);
    let corners = (point(face, idx::MOUTH.0), point(face, idx::MOUTH.1));
    let gap = dark_gap(s.img, corners, &outline, step, dark);
    let teeth = teeth(&inside, cheeks);
    Finding::new(Code::MouthClosed, "嘴唇自然闭合")
        .measured(
            face.mouth_opening,
            format!(
                "唇间距 {:.3}，口内暗区 {:.0}%，暗缝 {:.3}，露齿 {:.0}%",
                face.mouth_opening,
                cavity * 100.0,
                gap,
                teeth * 100.0
            ),
        )
        .limit(format!(
            "唇间距不大于 {}，暗区不超过 {:.0}%，暗缝不大于 {}，露齿不超过 {:.0}%",
            e.max_mouth_opening,
            e.max_mouth_cavity * 100.0,
            e.max_dark_gap,
            e.max_teeth * 100.0
        ))
        .fail_if(
            face.mouth_opening > e.max_mouth_opening
                || cavity > e.max_mouth_cavity
                || gap > e.max_dark_gap
                || teeth > e.max_teeth,
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

/// The share of the mouth's pixels darker than half their median L* (the
/// cavity of an open mouth; closed lips show only their seam), and that
/// darkness threshold.
fn cavity(inside: &[Lab]) -> (f32, f32) {
    let dark = median(inside.iter().map(|c| c.l).collect()).map_or(0.0, |mid| mid * 0.5);
    (share(inside, |c| c.l < dark), dark)
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

    fn cheeks() -> Vec<Lab> {
        vec![lab(68.0, 16.0, 18.0); 40]
    }

    #[test]
    fn closed_lips_show_no_teeth_and_little_cavity() {
        let m = closed_mouth();
        assert_eq!(teeth(&m, &cheeks()), 0.0);
        assert!(cavity(&m).0 < 0.2, "{:?}", cavity(&m));
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

    #[test]
    fn an_open_mouth_is_mostly_dark() {
        let mut m = closed_mouth();
        m.extend(vec![lab(8.0, 5.0, 2.0); 60]);
        assert!(cavity(&m).0 > 0.25, "{:?}", cavity(&m));
        assert_eq!(cavity(&[]).0, 0.0);
    }
}
