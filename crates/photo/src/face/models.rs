//! The bundled MediaPipe models (Apache-2.0; see `models/README.md` for
//! their source and the script that converted them to ONNX), loaded once:
//! the face detector and mesh into this crate's own runtime (`super::net`),
//! the selfie segmenter into a tract plan; with them the face cascade
//! (`super::cascade`, MIT); plus the helper that turns a rotated region of an
//! image into a model's input.

use tract_onnx::prelude::*;

use super::cascade::Cascade;
use super::net::Net;
use crate::raster::Rgb;

type Plan = Arc<TypedRunnableModel>;

static DETECTOR: &[u8] = include_bytes!("../../models/face_detection_short_range.onnx");
static MESH: &[u8] = include_bytes!("../../models/face_landmark.onnx");
static SEGMENTER: &[u8] = include_bytes!("../../models/selfie_segmentation.onnx");

#[derive(Debug, thiserror::Error)]
#[error("人脸模型加载失败：{0}")]
pub struct ModelError(String);

impl ModelError {
    pub(crate) fn new(detail: String) -> Self {
        ModelError(detail)
    }

    pub(crate) fn shape(model: &str) -> Self {
        ModelError(format!("{model} 模型输出形状不符"))
    }
}

/// Loaded models. Building one takes a few hundred milliseconds; keep it and
/// share it (it is `Send + Sync`, and running it takes `&self`).
#[derive(Clone)]
pub struct Models {
    pub(crate) detector: Arc<Net>,
    pub(crate) mesh: Arc<Net>,
    /// A second detector, for other people's faces in a busy backdrop.
    pub(crate) cascade: Arc<Cascade>,
    /// Person probability per pixel, for background replacement.
    pub(crate) segmenter: Plan,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Models")
    }
}

fn load(bytes: &[u8], shape: [usize; 4]) -> Result<Plan, ModelError> {
    let e = |e: TractError| ModelError(format!("{e:#}"));
    tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .map_err(e)?
        .with_input_fact(0, f32::fact(shape).into())
        .map_err(e)?
        .into_optimized()
        .map_err(e)?
        .into_runnable()
        .map_err(e)
}

impl Models {
    pub fn load() -> Result<Models, ModelError> {
        Ok(Models {
            detector: Arc::new(Net::load(DETECTOR, [1, 3, 128, 128])?),
            mesh: Arc::new(Net::load(MESH, [1, 3, 192, 192])?),
            cascade: Arc::new(Cascade::load()?),
            // Converted by tf2onnx, which keeps TFLite's channels-last layout.
            segmenter: load(SEGMENTER, [1, 256, 256, 3])?,
        })
    }
}

/// Runs a plan on one input tensor and returns its outputs as flat vectors.
pub(crate) fn run(plan: &Plan, input: Tensor) -> Result<Vec<Vec<f32>>, ModelError> {
    let outputs = plan
        .run(tvec!(input.into()))
        .map_err(|e| ModelError(format!("{e:#}")))?;
    super::net::clear_upper_state();
    outputs
        .iter()
        .map(|t| {
            t.try_as_plain_ram()
                .and_then(|view| view.as_slice::<f32>().map(|s| s.to_vec()))
                .map_err(|e| ModelError(format!("{e:#}")))
        })
        .collect()
}

/// What a region reaching beyond the image shows there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outside {
    Black,
    /// The image reflected in its edge: half a face cut by the edge becomes a
    /// whole, symmetric one.
    Reflected,
}

/// Points sampled together where a region lies inside the image.
const LANES: usize = 8;

/// A square region of an image, possibly rotated: centre and side in image
/// pixels, rotation in radians (the angle of the region's x axis).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
    pub rotation: f32,
}

impl Roi {
    /// Image coordinates of a point given in the region's own frame, where
    /// (0,0) is the top-left corner and (n,n) the bottom-right of an n×n grid.
    pub fn to_image(&self, u: f32, v: f32, n: f32) -> (f32, f32) {
        self.point_in_image(u, v, n, self.rotation.sin_cos())
    }

    /// `to_image` with the rotation's sine and cosine given: sampling a
    /// region computes them once, not once per pixel (the same numbers).
    fn point_in_image(&self, u: f32, v: f32, n: f32, (s, c): (f32, f32)) -> (f32, f32) {
        let lx = (u / n - 0.5) * self.side;
        let ly = (v / n - 0.5) * self.side;
        (self.cx + lx * c - ly * s, self.cy + lx * s + ly * c)
    }

    /// The region sampled on an n×n grid as flat NCHW values (the face
    /// models' input), mapped to `range`; outside the image counts as black,
    /// or with `Outside::Reflected` as the image reflected in its nearest edge.
    pub fn pixels(&self, img: &Rgb, n: usize, range: (f32, f32), outside: Outside) -> Vec<f32> {
        let plane = n * n;
        let mut data = vec![0f32; 3 * plane];
        let scale = (range.1 - range.0) / 255.0;
        let turn = self.rotation.sin_cos();
        let at = |u: usize, v: usize| {
            let (x, y) = self.point_in_image(u as f32 + 0.5, v as f32 + 0.5, n as f32, turn);
            match outside {
                Outside::Reflected => (reflect(x, img.width), reflect(y, img.height)),
                Outside::Black => (x, y),
            }
        };
        for v in 0..n {
            let mut u = 0;
            while u < n {
                let i = v * n + u;
                if u + LANES <= n {
                    // `at` for each lane, written so that the lanes run as one
                    // vector: the same operations, so the same numbers.
                    let (mut xs, mut ys) = ([0.0; LANES], [0.0; LANES]);
                    for l in 0..LANES {
                        let ul = (u + l) as u32 as f32 + 0.5;
                        (xs[l], ys[l]) = self.point_in_image(ul, v as f32 + 0.5, n as f32, turn);
                    }
                    if outside == Outside::Reflected {
                        for l in 0..LANES {
                            (xs[l], ys[l]) =
                                (reflect(xs[l], img.width), reflect(ys[l], img.height));
                        }
                    }
                    if let Some(p) = img.sample_lanes(&xs, &ys) {
                        for (c, lanes) in p.iter().enumerate() {
                            let dst = &mut data[c * plane + i..c * plane + i + LANES];
                            for (d, &p) in dst.iter_mut().zip(lanes) {
                                *d = range.0 + p * scale;
                            }
                        }
                        u += LANES;
                        continue;
                    }
                }
                // Near an edge, and the row's last few: one at a time.
                let end = (u + LANES).min(n);
                for u in u..end {
                    let (x, y) = at(u, v);
                    let p = img.sample(x, y).unwrap_or([0.0; 3]);
                    for c in 0..3 {
                        data[c * plane + v * n + u] = range.0 + p[c] * scale;
                    }
                }
                u = end;
            }
        }
        data
    }
}

/// A coordinate outside `0..=len` reflected in the nearest edge.
fn reflect(v: f32, len: u32) -> f32 {
    let len = len as f32;
    if v < 0.0 {
        -v
    } else if v > len {
        2.0 * len - v
    } else {
        v
    }
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x.clamp(-80.0, 80.0)).exp())
}

#[cfg(test)]
mod tests {
    use super::{reflect, Outside, Roi};
    use crate::raster::Rgb;

    /// Sampling a region eight points at a time gives each point what
    /// sampling it alone gives, to the bit: rotated or not, inside the image
    /// and across its edges, black or reflected outside.
    #[test]
    fn a_region_sampled_in_lanes_is_each_point_sampled_alone() {
        let img = Rgb::from_fn(97, 83, |x, y| {
            [
                (x * 37 + y * 11) as u8,
                (x * y * 5) as u8,
                (255 - y * 3) as u8,
            ]
        });
        let n = 24;
        let rois = [
            (48.3, 40.1, 50.0, 0.07),
            (48.0, 41.5, 64.0, 0.0),
            (5.0, 70.0, 60.0, -0.4),
            (60.0, 30.0, 200.0, 3.0),
        ];
        for (cx, cy, side, rotation) in rois {
            let roi = Roi {
                cx,
                cy,
                side,
                rotation,
            };
            for outside in [Outside::Black, Outside::Reflected] {
                let got = roi.pixels(&img, n, (-1.0, 1.0), outside);
                let turn = rotation.sin_cos();
                for (v, u) in (0..n).flat_map(|v| (0..n).map(move |u| (v, u))) {
                    let (u_c, v_c) = (u as f32 + 0.5, v as f32 + 0.5);
                    let (x, y) = roi.point_in_image(u_c, v_c, n as f32, turn);
                    let (x, y) = match outside {
                        Outside::Reflected => (reflect(x, img.width), reflect(y, img.height)),
                        Outside::Black => (x, y),
                    };
                    let p = img.sample(x, y).unwrap_or([0.0; 3]);
                    for (c, p) in p.iter().enumerate() {
                        let want = -1.0 + p * (2.0 / 255.0);
                        let at = c * n * n + v * n + u;
                        assert_eq!(got[at].to_bits(), want.to_bits(), "{roi:?} {u} {v}");
                    }
                }
            }
        }
    }

    /// A square centred on the left edge of a picture whose red rises to the
    /// right: reflected, the square is symmetric about its middle; black,
    /// its left half is the range's floor.
    #[test]
    fn a_region_beyond_the_edge_is_black_or_the_picture_reflected() {
        let img = Rgb::from_fn(40, 40, |x, _| [(x * 6) as u8, 0, 0]);
        let roi = Roi {
            cx: 0.0,
            cy: 20.0,
            side: 32.0,
            rotation: 0.0,
        };
        let n = 16;
        let red = |outside| {
            let v = roi.pixels(&img, n, (0.0, 1.0), outside);
            // Channel 0 (red), the middle row.
            v[n / 2 * n..(n / 2 + 1) * n].to_vec()
        };
        let reflected = red(Outside::Reflected);
        for u in 0..n {
            assert!(
                (reflected[u] - reflected[n - 1 - u]).abs() < 1e-4,
                "{reflected:?}"
            );
        }
        assert!(reflected[0] > 0.2, "{reflected:?}");
        let black = red(Outside::Black);
        assert!(black[..n / 2].iter().all(|&r| r == 0.0), "{black:?}");
        assert_eq!(black[n / 2..], reflected[n / 2..]);
    }
}
