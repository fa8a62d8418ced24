//! The halo a background replacement leaves: the old wall's colour kept
//! next to the person's outline, measured against the known truth of a
//! composed case (the same person, by the same matte, in front of the new
//! colour). Shared by the composed cases (`tests/replace.rs`) and the real
//! hair (`tests/replace_hair.rs`).

use photo::raster::Rgb;
use photo::replace::box_mean;

/// What is measured in the band within 3 px of the matte's 0.5 outline,
/// either side.
pub struct Halo {
    /// Mean of the old wall's colour left per band pixel: the difference
    /// from the truth projected on the direction from the new colour to the
    /// wall there, where positive (RGB units).
    pub halo: f32,
    /// Mean RGB distance from the truth in the band, whichever way.
    pub error: f32,
}

/// The halo of `got` against `truth`, for the person of `matte` composed on
/// `wall(x, y)` and put on `new`; only rows above `below` count.
pub fn measure(
    matte: &[f32],
    got: &Rgb,
    truth: &Rgb,
    wall: impl Fn(u32, u32) -> [u8; 3],
    new: [u8; 3],
    below: u32,
) -> Halo {
    let (w, h) = (got.width as usize, got.height as usize);
    let person: Vec<f32> = matte
        .iter()
        .map(|&a| if a >= 0.5 { 1.0 } else { 0.0 })
        .collect();
    let near = box_mean(&person, w, h, 3);
    let (mut sum, mut n, mut dist) = (0.0, 0usize, 0.0);
    for (k, &a) in near.iter().enumerate().take(w * h) {
        // Running sums drift by ~1e-6: strictly inside the band only.
        if a <= 1e-3 || a >= 1.0 - 1e-3 {
            continue;
        }
        let (x, y) = ((k % w) as u32, (k / w) as u32);
        if y >= below {
            continue;
        }
        let back = wall(x, y);
        let dir: [f32; 3] = std::array::from_fn(|i| f32::from(back[i]) - f32::from(new[i]));
        let len = dir.iter().map(|d| d * d).sum::<f32>().sqrt().max(1.0);
        let (g, t) = (got.at(x, y), truth.at(x, y));
        let along: f32 = (0..3)
            .map(|i| (f32::from(g[i]) - f32::from(t[i])) * dir[i] / len)
            .sum();
        sum += along.max(0.0);
        dist += (0..3)
            .map(|i| (f32::from(g[i]) - f32::from(t[i])).powi(2))
            .sum::<f32>()
            .sqrt();
        n += 1;
    }
    Halo {
        halo: sum / n.max(1) as f32,
        error: dist / n.max(1) as f32,
    }
}

/// A cluttered, warm room: shelves and a door as bands and blocks of colour.
pub fn room(x: u32, y: u32) -> [u8; 3] {
    match ((x / 37) + (y / 53)) % 4 {
        0 => [196, 160, 110],
        1 => [150, 110, 80],
        2 => [220, 205, 170],
        _ => [90, 80, 70],
    }
}
