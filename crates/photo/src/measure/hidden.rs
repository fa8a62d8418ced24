//! Clutter the colour segmentation hides in the person. The segmentation
//! (`segment.rs`) floods the backdrop from the top of the picture, and what
//! it cannot reach and that touches the person becomes the person: a flag
//! whose stripes run behind the head, an armchair behind the shoulders. The
//! selfie segmenter (`replace.rs`) knows a person from a chair. Cells the
//! colour segmentation gave the person, that the segmenter calls sure
//! backdrop all around them, are given back as clutter, so that
//! `background.clutter` counts them.

use super::segment::{Label, Segmentation};

/// Below this person probability a cell is sure backdrop.
const SURE_BACKDROP: f32 = 0.05;
/// Cells around each cell (in every direction) that must be sure backdrop
/// too: the segmenter's outline is soft, and hair is wispy.
const REACH: i64 = 2;

/// Relabels as [`Label::Other`] the person's cells above `lowest` (a picture
/// row) and outside `face` (its box, never given back) where `probability`
/// (the segmenter's person probability, over the whole picture stretched to
/// `side`×`side`) is sure backdrop in every cell within [`REACH`]. `size` is
/// the analysed picture's. Returns how many.
pub fn reassign(
    seg: &mut Segmentation,
    probability: &[f32],
    side: usize,
    size: (u32, u32),
    lowest: f32,
    face: [f32; 4],
) -> usize {
    if probability.len() != side * side || side == 0 {
        return 0;
    }
    let f = seg.factor as f32;
    let (w, h) = (seg.width as i64, seg.height as i64);
    // The segmenter's probability at a cell's centre.
    let at = |x: i64, y: i64| {
        let u = ((x as f32 + 0.5) * f / size.0.max(1) as f32 * side as f32) as usize;
        let v = ((y as f32 + 0.5) * f / size.1.max(1) as f32 * side as f32) as usize;
        probability[v.min(side - 1) * side + u.min(side - 1)]
    };
    let hidden: Vec<usize> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let (px, py) = ((x as f32 + 0.5) * f, (y as f32 + 0.5) * f);
            let in_face = px > face[0] && px < face[2] && py > face[1] && py < face[3];
            seg.label(x as u32, y as u32) == Label::Person
                && py < lowest
                && !in_face
                && (-REACH..=REACH).all(|dy| {
                    (-REACH..=REACH).all(|dx| {
                        let (nx, ny) = (x + dx, y + dy);
                        nx < 0 || ny < 0 || nx >= w || ny >= h || at(nx, ny) < SURE_BACKDROP
                    })
                })
        })
        .map(|(x, y)| (y * w + x) as usize)
        .collect();
    for &i in &hidden {
        seg.labels[i] = Label::Other;
    }
    hidden.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::colour::Lab;
    use crate::measure::border::Bands;

    /// A 20×20-cell segmentation (4 pixels a cell) that is all person.
    fn all_person() -> Segmentation {
        let grey = Lab {
            l: 50.0,
            a: 0.0,
            b: 0.0,
        };
        Segmentation {
            factor: 4,
            width: 20,
            height: 20,
            labels: vec![Label::Person; 400],
            lab: vec![grey; 400],
            seed: grey,
            bands: Bands::default(),
        }
    }

    /// The segmenter's grid (10×10 over the 80×80 picture): person, except a
    /// sure-backdrop block in the picture's upper left, 40×40 pixels.
    fn block() -> Vec<f32> {
        (0..100)
            .map(|i| if i % 10 < 5 && i / 10 < 5 { 0.01 } else { 0.9 })
            .collect()
    }

    /// `reassign` on [`block`] over an 80×80 picture.
    fn give_back(seg: &mut Segmentation, lowest: f32, face: [f32; 4]) -> usize {
        reassign(seg, &block(), 10, (80, 80), lowest, face)
    }

    #[test]
    fn the_inside_of_a_sure_backdrop_block_is_given_back_and_its_rim_is_not() {
        let mut seg = all_person();
        let n = give_back(&mut seg, 80.0, [60.0, 60.0, 70.0, 70.0]);
        // The block is 10×10 cells; within two cells of its inner edges the
        // segmenter is not sure all around, and beyond the picture counts as sure.
        assert_eq!(n, 8 * 8);
        assert_eq!(seg.label(0, 0), Label::Other);
        assert_eq!(seg.label(7, 7), Label::Other);
        assert_eq!(seg.label(8, 8), Label::Person);
        assert_eq!(seg.label(15, 15), Label::Person);
    }

    #[test]
    fn the_face_and_what_lies_below_the_limit_stay_the_person_s() {
        let mut seg = all_person();
        // Face box over the block's upper-left quarter; rows from 16 px down kept.
        let n = give_back(&mut seg, 16.0, [0.0, 0.0, 16.0, 16.0]);
        assert!(n > 0);
        assert_eq!(seg.label(1, 1), Label::Person);
        assert_eq!(seg.label(6, 5), Label::Person);
        assert_eq!(seg.label(6, 1), Label::Other);
    }

    #[test]
    fn a_grid_of_the_wrong_size_or_no_person_changes_nothing() {
        let mut seg = all_person();
        assert_eq!(
            reassign(&mut seg, &block()[..99], 10, (80, 80), 80.0, [0.0; 4]),
            0
        );
        assert_eq!(reassign(&mut seg, &[], 0, (80, 80), 80.0, [0.0; 4]), 0);
        seg.labels = vec![Label::Background; 400];
        assert_eq!(give_back(&mut seg, 80.0, [0.0; 4]), 0);
        // Sizes of zero and limits that are not numbers read nothing out of range.
        let mut seg = all_person();
        reassign(&mut seg, &block(), 10, (0, 0), f32::NAN, [f32::NAN; 4]);
        give_back(&mut seg, f32::INFINITY, [f32::NAN; 4]);
    }
}
