//! A shadow cast on the wall beside the silhouette. A lamp to one side throws
//! the head's shadow as a band hugging the outline; the backdrop's cells far
//! from the person stay even, so the cell-to-cell uniformity rule misses it.
//! Here the wall's own shading is modelled (a quadratic surface of lightness
//! fitted to the backdrop away from the person, which absorbs gentle
//! gradients and vignetting) and the band next to the outline is compared
//! with that model, sector by sector around the head.

use crate::colour::Lab;
use crate::measure::segment::{Label, Segmentation};

/// The band next to the outline, and the margin beyond it before the wall
/// counts as "far", as shares of the segmentation's width.
const BAND: f32 = 0.05;
const GAP: f32 = 0.03;
/// A shadow is the wall darker, not another colour: its a*b* stay within
/// this of the wall's, and it is at most this much darker (hair is darker).
const SAME_HUE: f32 = 6.0;
const MAX_DEPTH: f32 = 35.0;
const SECTORS: usize = 16;
/// Fewest band cells for a sector to count (a sector of a few cells is a
/// stray hair, not a shadow).
const MIN_SECTOR_CELLS: usize = 6;

/// How far the darkest sector of the band next to the outline lies below
/// the wall's modelled shading, in CIELAB L* (0 when it is not below), or
/// `None` when too little wall is visible to model it.
pub fn depth(seg: &Segmentation, head_centre: (f32, f32)) -> Option<f32> {
    let (w, h) = (seg.width, seg.height);
    let band = (BAND * w as f32).ceil().max(2.0) as u32;
    let far = band + (GAP * w as f32).ceil().max(1.0) as u32;
    let dist = distance_to_person(seg, far + 1);
    let lab = |x: u32, y: u32| seg.lab[(y * w + x) as usize];
    let norm = |x: u32, y: u32| (x as f32 / w as f32, y as f32 / h as f32);

    let mut fit = Quadratic::default();
    let (mut a, mut b, mut n) = (0.0, 0.0, 0.0);
    for y in 0..h {
        for x in 0..w {
            if seg.label(x, y) == Label::Background && dist[(y * w + x) as usize] > far {
                let c = lab(x, y);
                fit.add(norm(x, y), c.l);
                (a, b, n) = (a + c.a, b + c.b, n + 1.0);
            }
        }
    }
    if n < 50.0 {
        return None;
    }
    let model = fit.solve()?;
    let wall_ab = (a / n, b / n);
    let (cx, cy) = (
        head_centre.0 / seg.factor as f32,
        head_centre.1 / seg.factor as f32,
    );
    let mut sectors = [(0f32, 0usize); SECTORS];
    for y in 0..h {
        for x in 0..w {
            let d = dist[(y * w + x) as usize];
            if d == 0 || d > band || seg.label(x, y) == Label::Person {
                continue;
            }
            let c = lab(x, y);
            let residual = c.l - model.at(norm(x, y));
            if !wall_like(c, wall_ab, residual) {
                continue;
            }
            let angle = (y as f32 + 0.5 - cy).atan2(x as f32 + 0.5 - cx);
            let k = (((angle + std::f32::consts::PI) / std::f32::consts::TAU) * SECTORS as f32)
                as usize;
            let s = &mut sectors[k.min(SECTORS - 1)];
            *s = (s.0 + residual, s.1 + 1);
        }
    }
    let darkest = sectors
        .iter()
        .filter(|(_, count)| *count >= MIN_SECTOR_CELLS)
        .map(|(sum, count)| sum / *count as f32)
        .fold(0f32, f32::min);
    Some((-darkest).max(0.0))
}

/// The wall, or the wall in shadow: its hue, at most a little darker.
fn wall_like(c: Lab, (a, b): (f32, f32), residual: f32) -> bool {
    let (da, db) = (c.a - a, c.b - b);
    da * da + db * db < SAME_HUE * SAME_HUE && residual > -MAX_DEPTH
}

/// Chessboard distance of every cell to the nearest person cell, capped.
fn distance_to_person(seg: &Segmentation, cap: u32) -> Vec<u32> {
    let (w, h) = (seg.width as usize, seg.height as usize);
    let mut dist = vec![cap; w * h];
    let mut queue = std::collections::VecDeque::new();
    for (i, l) in seg.labels.iter().enumerate() {
        if *l == Label::Person {
            dist[i] = 0;
            queue.push_back(i);
        }
    }
    while let Some(i) = queue.pop_front() {
        let (x, y) = (i % w, i / w);
        let next = dist[i] + 1;
        if next >= cap {
            continue;
        }
        for (dx, dy) in [
            (-1i64, -1i64),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ] {
            let (nx, ny) = (x as i64 + dx, y as i64 + dy);
            if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                continue;
            }
            let j = ny as usize * w + nx as usize;
            if dist[j] > next {
                dist[j] = next;
                queue.push_back(j);
            }
        }
    }
    dist
}

/// Least squares of L = c0 + c1·x + c2·y + c3·x² + c4·x·y + c5·y².
#[derive(Default)]
struct Quadratic {
    ata: [[f64; 6]; 6],
    atb: [f64; 6],
}

struct Surface([f64; 6]);

fn terms((x, y): (f32, f32)) -> [f64; 6] {
    let (x, y) = (f64::from(x), f64::from(y));
    [1.0, x, y, x * x, x * y, y * y]
}

impl Quadratic {
    fn add(&mut self, at: (f32, f32), value: f32) {
        let t = terms(at);
        for i in 0..6 {
            for j in 0..6 {
                self.ata[i][j] += t[i] * t[j];
            }
            self.atb[i] += t[i] * f64::from(value);
        }
    }

    /// Gaussian elimination with partial pivoting; `None` when singular
    /// (the far wall is a line, not an area).
    fn solve(&self) -> Option<Surface> {
        let mut m = self.ata;
        let mut v = self.atb;
        for col in 0..6 {
            let pivot = (col..6).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[pivot][col].abs() < 1e-9 {
                return None;
            }
            m.swap(col, pivot);
            v.swap(col, pivot);
            let (top, rest) = m.split_at_mut(col + 1);
            let pivot_row = &top[col];
            for (offset, row) in rest.iter_mut().enumerate() {
                let k = row[col] / pivot_row[col];
                for (r, p) in row.iter_mut().zip(pivot_row).skip(col) {
                    *r -= k * p;
                }
                v[col + 1 + offset] -= k * v[col];
            }
        }
        let mut c = [0f64; 6];
        for row in (0..6).rev() {
            let s: f64 = (row + 1..6).map(|j| m[row][j] * c[j]).sum();
            c[row] = (v[row] - s) / m[row][row];
        }
        Some(Surface(c))
    }
}

impl Surface {
    fn at(&self, p: (f32, f32)) -> f32 {
        terms(p)
            .iter()
            .zip(&self.0)
            .map(|(t, c)| t * c)
            .sum::<f64>() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quadratic_fit_recovers_a_known_surface() {
        let truth = Surface([80.0, -5.0, 3.0, 2.0, -1.0, 4.0]);
        let mut q = Quadratic::default();
        for y in 0..20 {
            for x in 0..20 {
                let p = (x as f32 / 20.0, y as f32 / 20.0);
                q.add(p, truth.at(p));
            }
        }
        let got = q.solve().expect("solvable");
        for (g, t) in got.0.iter().zip(truth.0) {
            assert!((g - t).abs() < 1e-3, "{:?}", got.0);
        }
    }

    #[test]
    fn too_few_points_are_singular() {
        let mut q = Quadratic::default();
        q.add((0.5, 0.5), 80.0);
        assert!(q.solve().is_none());
    }
}
