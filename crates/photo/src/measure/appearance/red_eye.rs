//! `lighting.red_eye`: a flash's reflection off the retina fills the pupil
//! with red. Read in a disc at the iris centre, not over the whole eye's
//! outline, where reddened lids, a pink inner corner, a tinted lens or the
//! skin of a squint are red too: on the labelled portraits the outline's
//! red share failed 19 of 206 photos, none with a red pupil.

use super::{region::patch, share};
use crate::face::eyes::Eye;
use crate::raster::Rgb;

/// The disc read, as a share of the iris's radius (`Eye::radius`): inside
/// the pupil of a red eye, which a flash catches dilated in dim light.
const PUPIL: f32 = 0.6;

/// Share of a pixel's red over its green and blue (each), and the most their
/// difference may be of the red's lead: red in hue (within about 12°), not
/// the orange of skin or a brown iris under warm light, which is as
/// saturated but has green well above blue.
const REDNESS: f32 = 1.8;
const HUE_SPREAD: f32 = 0.2;
/// A flash's reflection is bright (red over this), or where dim, deeply
/// saturated (red over this many times green and blue). The reddish
/// lashes and iris of a warm-lit news photo at 250 px ([118, 58, 47],
/// [126, 68, 56] in `lfw094`) are neither.
const BRIGHT: f32 = 150.0;
const DEEP: f32 = 2.5;

/// Strongly red, red in hue rather than orange or magenta, and bright or
/// deep.
fn is_red(p: &[u8; 3]) -> bool {
    let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
    let lead = g.max(b);
    r > 110.0
        && r > REDNESS * lead
        && (g - b).abs() <= HUE_SPREAD * (r - g.min(b))
        && (r > BRIGHT || r > DEEP * lead)
}

/// Share of the pupil's disc that is red; 0 where the disc holds no pixel.
pub(super) fn red_pupil(img: &Rgb, eye: &Eye) -> f32 {
    let radius = (eye.radius * PUPIL).max(1.0);
    share(&patch(img, eye.centre, radius, 1), is_red)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An eye whose iris (radius 6) is centred at (20, 20).
    fn eye() -> Eye {
        Eye {
            contour: vec![(8.0, 20.0), (20.0, 14.0), (32.0, 20.0), (20.0, 26.0)],
            centre: (20.0, 20.0),
            radius: 6.0,
            pixels: Vec::new(),
        }
    }

    /// Skin, with a disc of `pupil` (radius 4, the read disc's 3.6 inside
    /// it) at the iris centre and a ring of `around` beyond it.
    fn picture(pupil: [u8; 3], around: [u8; 3]) -> Rgb {
        Rgb::from_fn(40, 40, |x, y| {
            let d = (x as f32 - 20.0).hypot(y as f32 - 20.0);
            if d <= 4.0 {
                pupil
            } else if d <= 9.0 {
                around
            } else {
                [205, 160, 140]
            }
        })
    }

    #[test]
    fn a_red_pupil_is_red_eye() {
        // Deep, orange-red, pink-red, and dim but deep.
        for red in [[200, 30, 35], [230, 70, 60], [240, 100, 100], [130, 20, 25]] {
            let v = red_pupil(&picture(red, [70, 50, 40]), &eye());
            assert!(v > 0.9, "{red:?}: {v}");
        }
    }

    #[test]
    fn red_lids_around_a_dark_pupil_are_not() {
        assert_eq!(
            red_pupil(&picture([20, 15, 15], [190, 60, 60]), &eye()),
            0.0
        );
    }

    #[test]
    fn orange_skin_dim_lashes_or_a_brown_iris_under_warm_light_are_not_red() {
        // Measured on squinting and warm-lit faces of the labelled set.
        for orange in [
            [115, 43, 19],
            [122, 56, 21],
            [138, 72, 37],
            [118, 58, 47],
            [126, 68, 56],
        ] {
            assert!(!is_red(&orange), "{orange:?}");
        }
        let v = red_pupil(&picture([122, 56, 21], [115, 43, 19]), &eye());
        assert_eq!(v, 0.0);
    }

    #[test]
    fn an_eye_anywhere_reads_a_share() {
        let img = picture([200, 30, 35], [70, 50, 40]);
        for (centre, radius) in [
            ((f32::NAN, 20.0), 6.0),
            ((-50.0, -50.0), 6.0),
            ((1e9, 20.0), 6.0),
            ((20.0, 20.0), f32::NAN),
            ((20.0, 20.0), f32::INFINITY),
            ((20.0, 20.0), 0.0),
        ] {
            let e = Eye {
                centre,
                radius,
                ..eye()
            };
            let v = red_pupil(&img, &e);
            assert!((0.0..=1.0).contains(&v), "{centre:?} {radius}: {v}");
        }
    }
}
