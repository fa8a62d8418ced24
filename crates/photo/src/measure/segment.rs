//! Background and person, separated without a segmentation model: the
//! background is what can be reached from the image's upper border through
//! small colour steps while staying near the border's colour. A plain
//! backdrop (what the standard demands) segments cleanly; anything else shows
//! up as non-uniform, cluttered or unmeasurable, which is the right verdict.
//!
//! Works on a reduced copy (about 120 px wide for a 480×640 file); hair top is
//! then refined on the full image.

use std::collections::VecDeque;

use crate::colour::{delta_e76, lab, Lab};
use crate::raster::Rgb;

/// Colour step (CIE76, cheap enough per pixel) between neighbours that still
/// counts as the same backdrop.
const LOCAL_STEP: f32 = 5.0;
/// Distance from the seed colour beyond which nothing is backdrop.
const GLOBAL_REACH: f32 = 25.0;
/// Seed pixels further than this from the seeds' median are not backdrop.
const SEED_SPREAD: f32 = 10.0;

/// Fewest reduced cells of backdrop a square needs to be judged plain.
const PLAIN_MIN_CELLS: usize = 64;
/// A plain square's 98th-percentile colour distance from its median (CIE76).
/// On the labelled real portraits (`tests/real/`), every square in which the
/// detector found another person's face measured 13.4 or more, or had too
/// much of the person at head height to be judged; a plain wall with sensor
/// noise measures 2.5–5.
const PLAIN_SPREAD: f32 = 8.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Background,
    /// The connected non-background region holding the face.
    Person,
    /// Non-background, not connected to the person: objects, text, people.
    Other,
}

#[derive(Debug, Clone)]
pub struct Segmentation {
    /// Reduction factor from the analysed image to `labels`.
    pub factor: u32,
    pub width: u32,
    pub height: u32,
    pub labels: Vec<Label>,
    pub lab: Vec<Lab>,
    /// Mean colour of the seed region (upper corners and upper sides).
    pub seed: Lab,
}

impl Segmentation {
    /// Whether a square of the analysed image (centre and side in its
    /// pixels) is plain backdrop, where no other face can be: apart from the
    /// candidate (the body below the face box `face`, the hair within half a
    /// face width of it), its cells stay close to their median colour.
    /// Conservative: too few cells to judge, or any other part of the person's
    /// region at the head's height (a face behind the shoulder joins it), and
    /// it is not plain.
    pub fn is_plain_backdrop(&self, (cx, cy, side): (f32, f32, f32), face: [f32; 4]) -> bool {
        let hair = 0.5 * (face[2] - face[0]);
        let own = |x: f32, y: f32| y >= face[3] || (x > face[0] - hair && x < face[2] + hair);
        let f = self.factor as f32;
        let half = side / 2.0 / f;
        let (x0, y0) = (
            ((cx / f) - half).max(0.0) as u32,
            ((cy / f) - half).max(0.0) as u32,
        );
        let x1 = ((cx / f + half).max(0.0) as u32).min(self.width);
        let y1 = ((cy / f + half).max(0.0) as u32).min(self.height);
        let (mut cells, mut person_high, mut total) = (Vec::new(), 0usize, 0usize);
        for y in y0..y1 {
            for x in x0..x1 {
                total += 1;
                match self.label(x, y) {
                    Label::Person if own((x as f32 + 0.5) * f, (y as f32 + 0.5) * f) => {}
                    Label::Person => person_high += 1,
                    _ => cells.push(self.lab[(y * self.width + x) as usize]),
                }
            }
        }
        if cells.len() < PLAIN_MIN_CELLS || person_high * 50 > total {
            return false;
        }
        let centre = median_lab(&cells);
        let mut d: Vec<f32> = cells.iter().map(|c| delta_e76(*c, centre)).collect();
        d.sort_by(f32::total_cmp);
        d.get(d.len() * 98 / 100)
            .is_some_and(|&p98| p98 <= PLAIN_SPREAD)
    }

    pub fn label(&self, x: u32, y: u32) -> Label {
        self.labels[(y * self.width + x) as usize]
    }
    pub fn count(&self, l: Label) -> usize {
        self.labels.iter().filter(|&&v| v == l).count()
    }
    /// Mean background colour of the whole backdrop.
    pub fn background_mean(&self) -> Option<Lab> {
        let n = self.count(Label::Background);
        if n == 0 {
            return None;
        }
        let (mut l, mut a, mut b) = (0.0, 0.0, 0.0);
        for (lab, _) in self
            .lab
            .iter()
            .zip(&self.labels)
            .filter(|(_, &lbl)| lbl == Label::Background)
        {
            l += lab.l;
            a += lab.a;
            b += lab.b;
        }
        let n = n as f32;
        Some(Lab {
            l: l / n,
            a: a / n,
            b: b / n,
        })
    }
}

/// `head` is the face's box in analysed-image pixels (x0, y0, x1, y1): the
/// seed avoids it, and the person is the component that overlaps it.
pub fn segment(img: &Rgb, head: (f32, f32, f32, f32)) -> Segmentation {
    let factor = (img.width / 120).max(1);
    let small = img.reduce(factor);
    let (w, h) = (small.width, small.height);
    let lab: Vec<Lab> = small
        .data
        .chunks_exact(3)
        .map(|p| lab([p[0], p[1], p[2]]))
        .collect();
    let f = factor as f32;
    let (hx0, hx1) = (head.0 / f, head.2 / f);
    let head_w = (hx1 - hx0).max(1.0);
    // Seeds: the top rows, and the upper sides beside the head. Hair may touch
    // the top and a shoulder the side, so seed pixels far from the seeds'
    // median colour are dropped before the seed colour is taken.
    let is_seed = |x: u32, y: u32| {
        let xf = x as f32 + 0.5;
        let beside = xf < hx0 - 0.1 * head_w || xf > hx1 + 0.1 * head_w;
        let top = y < (h / 40).max(1);
        let upper_side = (x < (w / 12).max(1) || x >= w - (w / 12).max(1)) && y < h / 3;
        top || (upper_side && beside)
    };
    let candidates: Vec<Lab> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| is_seed(x, y))
        .map(|(x, y)| lab[(y * w + x) as usize])
        .collect();
    let centre = median_lab(&candidates);
    let seed = mean_of(
        candidates
            .iter()
            .filter(|c| delta_e76(**c, centre) < SEED_SPREAD),
    );
    let mut labels = vec![Label::Other; (w * h) as usize];
    let mut queue = VecDeque::new();
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            if is_seed(x, y) && delta_e76(lab[i], seed) < SEED_SPREAD {
                labels[i] = Label::Background;
                queue.push_back((x, y));
            }
        }
    }
    while let Some((x, y)) = queue.pop_front() {
        let here = lab[(y * w + x) as usize];
        for (nx, ny) in neighbours(x, y, w, h) {
            let j = (ny * w + nx) as usize;
            if labels[j] == Label::Background {
                continue;
            }
            if delta_e76(lab[j], here) < LOCAL_STEP && delta_e76(lab[j], seed) < GLOBAL_REACH {
                labels[j] = Label::Background;
                queue.push_back((nx, ny));
            }
        }
    }
    mark_person(&mut labels, w, h, head, f);
    Segmentation {
        factor,
        width: w,
        height: h,
        labels,
        lab,
        seed,
    }
}

fn median_lab(v: &[Lab]) -> Lab {
    let pick = |f: fn(&Lab) -> f32| {
        let mut xs: Vec<f32> = v.iter().map(f).collect();
        xs.sort_by(f32::total_cmp);
        xs.get(xs.len() / 2).copied().unwrap_or(0.0)
    };
    Lab {
        l: pick(|c| c.l),
        a: pick(|c| c.a),
        b: pick(|c| c.b),
    }
}

fn mean_of<'a>(v: impl Iterator<Item = &'a Lab>) -> Lab {
    let (mut s, mut n) = ((0.0, 0.0, 0.0), 0.0);
    for c in v {
        s = (s.0 + c.l, s.1 + c.a, s.2 + c.b);
        n += 1.0;
    }
    if n == 0.0 {
        return Lab::default();
    }
    Lab {
        l: s.0 / n,
        a: s.1 / n,
        b: s.2 / n,
    }
}

fn neighbours(x: u32, y: u32, w: u32, h: u32) -> impl Iterator<Item = (u32, u32)> {
    let x = i64::from(x);
    let y = i64::from(y);
    [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
        .into_iter()
        .filter(move |&(a, b)| a >= 0 && b >= 0 && a < i64::from(w) && b < i64::from(h))
        .map(|(a, b)| (a as u32, b as u32))
}

/// Flood-fills the non-background component under the face's centre.
fn mark_person(labels: &mut [Label], w: u32, h: u32, head: (f32, f32, f32, f32), f: f32) {
    let cx = (((head.0 + head.2) / 2.0 / f) as u32).min(w.saturating_sub(1));
    let cy = (((head.1 + head.3) / 2.0 / f) as u32).min(h.saturating_sub(1));
    let start = (cy * w + cx) as usize;
    if labels.get(start) != Some(&Label::Other) {
        return;
    }
    let mut queue = VecDeque::from([(cx, cy)]);
    labels[start] = Label::Person;
    while let Some((x, y)) = queue.pop_front() {
        for (nx, ny) in neighbours(x, y, w, h) {
            let j = (ny * w + nx) as usize;
            if labels[j] == Label::Other {
                labels[j] = Label::Person;
                queue.push_back((nx, ny));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disc_on_a_plain_backdrop_is_the_person_and_a_square_is_other() {
        let img = Rgb::from_fn(240, 320, |x, y| {
            let (dx, dy) = (x as i32 - 120, y as i32 - 200);
            if dx * dx + dy * dy < 60 * 60 {
                [150, 100, 80]
            } else if (10..30).contains(&x) && (250..270).contains(&y) {
                [20, 20, 200]
            } else {
                [240, 240, 240]
            }
        });
        let s = segment(&img, (80.0, 150.0, 160.0, 250.0));
        assert_eq!(s.label(60, 100), Label::Person);
        assert_eq!(s.label(0, 0), Label::Background);
        assert_eq!(s.label(10, 130), Label::Other);
        let bg = s.background_mean().unwrap();
        assert!((bg.l - lab([240, 240, 240]).l).abs() < 0.5);
    }

    /// A head (disc) with shoulders below it on a wall with a little noise;
    /// `extra` paints more on top.
    fn portrait(extra: impl Fn(u32, u32) -> Option<[u8; 3]>) -> Rgb {
        Rgb::from_fn(480, 640, |x, y| {
            if let Some(p) = extra(x, y) {
                return p;
            }
            let (dx, dy) = (x as i32 - 240, y as i32 - 260);
            if dx * dx + dy * dy < 90 * 90 || y > 420 {
                [150, 100, 80]
            } else {
                let n = ((x * 7 + y * 13) % 5) as u8;
                [232 + n, 232 + n, 228 + n]
            }
        })
    }

    #[test]
    fn a_square_of_plain_wall_beside_the_head_is_plain_and_one_with_a_face_is_not() {
        let face = [170.0, 190.0, 310.0, 350.0];
        let head_box = (150.0, 150.0, 330.0, 350.0);
        // Beside the head, down over the shoulder: wall and the candidate's own body.
        let square = (420.0, 330.0, 180.0);
        let plain = segment(&portrait(|_, _| None), head_box);
        assert!(plain.is_plain_backdrop(square, face));
        // Another person's face there: skin, dark hair and eyes.
        let other = |x: u32, y: u32| {
            let (dx, dy) = (x as i32 - 430, y as i32 - 300);
            let hair_or_skin = if dy < -15 {
                [40, 30, 25]
            } else {
                [190, 140, 120]
            };
            (dx * dx + dy * dy < 40 * 40).then_some(hair_or_skin)
        };
        let seg = segment(&portrait(other), head_box);
        assert!(!seg.is_plain_backdrop(square, face));
        // The same face touching the candidate's head joins the person's
        // region, and is still not taken for plain wall.
        let touching = |x: u32, y: u32| {
            ((300..440).contains(&x) && (240..300).contains(&y)).then_some([190, 140, 120])
        };
        let seg = segment(&portrait(touching), head_box);
        assert_eq!(seg.label(420 / seg.factor, 270 / seg.factor), Label::Person);
        assert!(!seg.is_plain_backdrop(square, face));
    }
}
