//! Where the person sits in the frame: head top, eye line, face width,
//! horizontal centring, and whether the face is whole.

use super::segment::{Label, Segmentation};
use super::{px, range_px, Scene};
use crate::colour::{delta_e76, lab};
use crate::face::Face;
use crate::raster::Rgb;
use crate::report::{Code, Finding, Measurements};

/// A pixel differs from the backdrop above it by at least this (CIE76) to be
/// hair: dark hair on a light backdrop differs by 40 or more, blond hair on
/// white by about 15.
const HAIR_STEP: f32 = 12.0;

/// How far above the mesh's forehead point a head's top can lie, in face
/// widths. On the labelled set the hair measured over it reached at most
/// 0.95 (median 0.54), and 1.31 on a head tilted 20° with long hair, only
/// raised arms more. A person region touching the top edge further above
/// the forehead than this is not the head cut off by the frame.
const MAX_HAIR_ABOVE_FOREHEAD: f32 = 1.5;

/// Top of the hair in analysed-image pixels: the first row, scanning down the
/// columns over the head, that leaves the backdrop. `None` when the backdrop
/// above the head is not plain enough to tell, or when what reaches the top
/// edge over the head lies further above the forehead than a head can.
pub fn hair_top(img: &Rgb, seg: &Segmentation, face: &Face) -> Option<f32> {
    let f = seg.factor;
    let half = face.face_width * 0.6;
    let x0 = (face.centre_x - half).max(0.0) as u32;
    let x1 = ((face.centre_x + half) as u32).min(img.width.saturating_sub(1));
    let forehead = face.forehead.1.max(0.0) as u32;
    // Coarse: the first person row over the head in the segmentation.
    let coarse = (x0 / f..=x1 / f)
        .filter(|&sx| sx < seg.width)
        .filter_map(|sx| (0..seg.height).find(|&sy| seg.label(sx, sy) == Label::Person))
        .min()?;
    if coarse == 0 {
        // Person at the top edge over the head: the hair, if the head could
        // reach that far; else something the segmentation joined to it (a
        // flag, a shelf, someone behind), which says nothing of the head.
        let reach = face.forehead.1 / face.face_width.max(1.0);
        return (reach <= MAX_HAIR_ABOVE_FOREHEAD).then_some(0.0);
    }
    // The backdrop must be plain right above the head for the fine scan to mean anything.
    let start = (coarse.saturating_sub(2)) * f;
    let mut hits: Vec<u32> = Vec::new();
    for x in x0..=x1 {
        let reference = lab(img.at(x, start.saturating_sub(1).min(img.height - 1)));
        let mut run = 0;
        for y in start..forehead.min(img.height) {
            if delta_e76(lab(img.at(x, y)), reference) > HAIR_STEP {
                run += 1;
                if run == 2 {
                    hits.push(y - 1);
                    break;
                }
            } else {
                run = 0;
            }
        }
    }
    if hits.len() < ((x1 - x0) / 8) as usize {
        return None;
    }
    hits.sort_unstable();
    // A robust minimum: ignore the few topmost columns (noise, a stray hair).
    Some(hits[hits.len() / 50] as f32)
}

/// Which edges of the image the face reaches beyond. The mesh still places
/// every landmark of a cut face, by extrapolation, so what it reads from the
/// missing part (the depth of a cut-off cheek) is a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Beyond the left or right edge.
    pub side: bool,
    /// Beyond the top or bottom edge.
    pub end: bool,
}

impl Cut {
    pub fn of(img: &Rgb, face: &Face) -> Cut {
        let margin = -0.5;
        let (w, h) = (img.width as f32 - margin, img.height as f32 - margin);
        let mesh = &face.landmarks.mesh;
        Cut {
            side: mesh.iter().any(|p| p.x < margin || p.x > w),
            end: mesh.iter().any(|p| p.y < margin || p.y > h),
        }
    }

    pub fn any(self) -> bool {
        self.side || self.end
    }
}

pub fn findings(s: &Scene, m: &mut Measurements) -> Vec<Finding> {
    let g = &s.spec.geometry;
    let t = s.to_frame;
    let face = s.face;
    let mut out = Vec::new();

    let whole = Finding::new(Code::FacePartial, "面部完整");
    out.push(if Cut::of(s.img, face).any() {
        whole.fail("面部超出照片边缘：请后退一些，让整个头部和双肩都在画面内")
    } else {
        whole
    });

    let rule = Finding::new(Code::HeadTop, "头顶距上边沿").limit(range_px(&g.head_top));
    out.push(match hair_top(s.img, s.seg, face) {
        Some(top) => {
            let v = top * t;
            m.head_top = Some(v);
            let rule = rule.measured(v, px(v));
            if v < 1.0 {
                rule.fail("头顶被照片上边缘截掉：请把相机抬高或后退，头顶上方要留出空白")
            } else if v < g.head_top.min {
                rule.fail(format!(
                    "头顶距上边沿 {} 像素，应为 {}：请把相机稍微抬高或后退",
                    v.round(),
                    range_px(&g.head_top)
                ))
            } else if v > g.head_top.max {
                rule.fail(format!(
                    "头顶距上边沿 {} 像素，应为 {}：头顶上方空白过多，请把相机稍微放低或靠近",
                    v.round(),
                    range_px(&g.head_top)
                ))
            } else {
                rule
            }
        }
        None => rule.warn("背景不够单一，无法测出头顶位置：请在纯色墙前重拍，或由审核人员目测"),
    });

    let eye = face.eye_line * t;
    m.eye_line = Some(eye);
    out.push(
        Finding::new(Code::EyeLine, "眼睛距上边沿")
            .measured(eye, px(eye))
            .limit(range_px(&g.eye_line))
            .fail_if(!g.eye_line.contains(eye), || {
                let dir = if eye < g.eye_line.min {
                    "偏高"
                } else {
                    "偏低"
                };
                format!(
                    "眼睛距上边沿 {} 像素，应为 {}：人像在画面中{dir}，请调整相机高度",
                    eye.round(),
                    range_px(&g.eye_line)
                )
            }),
    );

    let width = face.face_width * t;
    m.face_width = Some(width);
    out.push(
        Finding::new(Code::FaceWidth, "脸部宽度（两脸颊之间）")
            .measured(width, px(width))
            .limit(range_px(&g.face_width))
            .fail_if(!g.face_width.contains(width), || {
                if width < g.face_width.min {
                    format!("脸部宽度 {} 像素，太小：请靠近镜头", width.round())
                } else {
                    format!("脸部宽度 {} 像素，太大：请离镜头远一些", width.round())
                }
            }),
    );

    let offset = (face.centre_x * t - g_centre(s)).abs();
    m.centre_offset = Some(offset);
    out.push(
        Finding::new(Code::Centred, "人像水平居中")
            .measured(offset, format!("偏离中线 {}", px(offset)))
            .limit(format!("不超过 {}", px(g.max_centre_offset)))
            .fail_if(offset > g.max_centre_offset, || {
                "人像没有水平居中：请站到画面正中，或让系统自动裁剪".into()
            }),
    );
    out
}

/// The frame's horizontal centre in frame pixels (of the analysed image's width).
fn g_centre(s: &Scene) -> f32 {
    s.img.width as f32 * s.to_frame / 2.0
}
