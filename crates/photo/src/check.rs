//! `check`: every rule of the standard, in order from the cheapest (the file's
//! header) to the dearest (the face models), and always a complete report:
//! when a stage cannot run (no face, unreadable file) the report says so with
//! a finding instead of stopping with an error.

use crate::container::{self, Format};
use crate::decode::{self, DecodeError, Want};
use crate::face::models::Outside;
use crate::face::{self, Face, Models};
use crate::measure::{self, segment, Scene};
use crate::raster::Rgb as Raster;
use crate::report::{Code, Finding, Measurements, Report};
use crate::spec::PhotoSpec;
use crate::Stage;

/// Shorter side of the image the face and background rules look at: enough
/// for the mesh and for one-pixel accuracy in the 480-wide frame.
pub(crate) const ANALYSIS_SHORT_SIDE: u32 = 640;

/// A second face counts when it is at least this fraction of the main face's
/// width and the detector is this sure of it. On the labelled real portraits
/// (`tests/real/`), with the backdrop looked at again, 0.62 flagged two
/// face-free backdrops and 0.66 none, while blurred or half-hidden faces
/// behind the candidate scored from 0.52 up.
const OTHER_FACE_SIZE: f32 = 0.3;
const OTHER_FACE_SCORE: f32 = 0.66;
/// A picture reflected in its edge is symmetric about it, and symmetry alone
/// looks like a face to the detector, so a face found there must be surer. On
/// the labelled set, reflected edge squares scored 0.83–0.94 on the faces cut
/// by the edge that only they find, and at most 0.76 on backdrops labelled
/// free of faces.
const REFLECTED_FACE_SCORE: f32 = 0.80;

pub struct Input<'a> {
    pub bytes: &'a [u8],
    /// The uploaded file's name, when there is one (for the extension rule).
    pub name: Option<&'a str>,
    pub stage: Stage,
}

/// The decoded photo and its face, kept for `fix`.
pub(crate) struct Analysed {
    pub img: crate::raster::Rgb,
    /// Stored pixels per analysed pixel (the DCT or block reduction).
    pub denominator: u32,
    pub face: Option<Face>,
    pub seg: Option<segment::Segmentation>,
}

pub(crate) fn run(models: &Models, input: &Input, spec: &PhotoSpec) -> (Report, Option<Analysed>) {
    let format = Format::sniff(input.bytes);
    let jpeg = (format == Format::Jpeg).then(|| container::read_jpeg(input.bytes));
    let jpeg_info = jpeg.as_ref().and_then(|r| r.as_ref().ok());
    let header = decode::dimensions(input.bytes);
    let stored = header.as_ref().map(|h| (h.1, h.2));
    let facts = measure::file::facts(input.bytes, format, stored, jpeg_info);
    let finish = |findings: Vec<Finding>, m: Measurements| {
        Report::new(&spec.name, facts.clone(), findings, m)
    };

    let mut findings = Vec::new();
    if input.bytes.len() as u64 > spec.capture.max_bytes {
        findings.push(
            Finding::new(Code::FileDecodeLimit, "文件大小上限")
                .text(format!("{:.1} MB", input.bytes.len() as f64 / 1_048_576.0))
                .fail("文件过大，无法处理：请用手机相机的标准设置重新拍摄"),
        );
        return (finish(findings, Measurements::default()), None);
    }
    let want = Want {
        min_short_side: if input.stage == Stage::Delivery {
            0
        } else {
            ANALYSIS_SHORT_SIDE
        },
        max_pixels: spec.capture.max_pixels,
    };
    let decoded = match decode::decode(input.bytes, want) {
        Ok(d) => d,
        Err(e) => {
            findings.extend(measure::file::findings(
                spec,
                input.stage,
                input.name,
                format,
                &facts,
                jpeg_info,
                None,
            ));
            findings.retain(|f| f.code != Code::FileTruncated);
            findings.push(decode_failure(&e));
            return (finish(findings, Measurements::default()), None);
        }
    };
    let oriented = match decoded.orientation {
        5..=8 => (decoded.stored.1, decoded.stored.0),
        _ => decoded.stored,
    };
    findings.extend(measure::file::findings(
        spec,
        input.stage,
        input.name,
        format,
        &facts,
        jpeg_info,
        Some(oriented),
    ));
    if decoded.channels == 1 && format != Format::Jpeg {
        findings.push(
            Finding::new(Code::FileColourMode, "24 位真彩色")
                .text("灰度（黑白）")
                .fail("照片是黑白（灰度）图像：请提交彩色照片"),
        );
    }

    let img = decoded.image;
    let mut analysed = Analysed {
        img,
        denominator: decoded.denominator,
        face: None,
        seg: None,
    };
    let mut m = Measurements::default();
    // The detector's and the segmentation's reductions, in one pass when they nest.
    let (for_detector, for_segment) = analysed.img.reduce_nested(
        face::detector::reduction(&analysed.img),
        segment::reduction(&analysed.img),
    );
    let analysis = match face::analyse_reduced(models, &analysed.img, &for_detector) {
        Ok(a) => a,
        Err(e) => {
            findings.push(
                Finding::new(Code::FaceNone, "检测到人脸")
                    .text("分析失败")
                    .fail(format!("人脸分析出错：{e}")),
            );
            return (finish(findings, m), Some(analysed));
        }
    };
    let Some(face) = analysis.face else {
        findings.push(
            Finding::new(Code::FaceNone, "检测到人脸")
                .text("未检测到")
                .fail("照片中没有检测到正面人脸：请正对镜头，保证光线充足、脸部完整清晰"),
        );
        return (finish(findings, m), Some(analysed));
    };
    findings.push(Finding::new(Code::FaceNone, "检测到人脸").text("1 张"));
    let seg = segment::segment_reduced(&analysed.img, &for_segment, &segment::Head::of(&face));
    let mut others = analysis.detections.clone();
    let (beside, busy) = backdrop_detections(models, &analysed.img, &seg, &face.detection);
    others.extend(beside);
    let for_clutter = busy
        .then(|| with_hidden_clutter(models, &analysed.img, &seg, &face.detection))
        .flatten();
    let confirmed = if busy {
        cascade_detections(models, &analysed.img, &face.detection)
    } else {
        Vec::new()
    };
    findings.push(other_faces(
        &others,
        &confirmed,
        &face.detection,
        (analysed.img.width, analysed.img.height),
    ));

    let to_frame = spec.frame_scale(analysed.img.width);
    let scene = Scene {
        spec,
        img: &analysed.img,
        to_frame,
        face: &face,
        seg: &seg,
        clutter_seg: for_clutter.as_ref().unwrap_or(&seg),
    };
    let mut geometry = measure::geometry::findings(&scene, &mut m);
    if input.stage == Stage::Capture {
        // A capture is cropped and scaled by `fix`; only what cropping cannot repair counts here.
        geometry.retain(|f| {
            matches!(f.code, Code::FacePartial)
                || (f.code == Code::HeadTop && f.value.is_some_and(|v| v < 1.0))
        });
    }
    findings.extend(geometry);
    findings.extend(measure::pose::findings(&scene, &mut m));
    findings.extend(measure::appearance::findings(&scene));
    findings.extend(measure::background::findings(&scene));
    analysed.face = Some(face);
    analysed.seg = Some(seg);
    (finish(findings, m), Some(analysed))
}

/// Most squares of backdrop looked at again for other faces beside the head,
/// besides those centred on each side edge. Each is one detector run (5–11 ms
/// on one core, timed one by one), so squares of plain wall are skipped.
const BACKDROP_SQUARES: usize = 6;
/// Side of the square centred on each side edge, in the candidate's face widths.
const EDGE_SQUARE: f32 = 1.6;
/// A second edge square, at the top of the picture, is looked at when its
/// centre lies more than this share of a side above the head-height one's.
/// On the labelled set it finds `lfw105`'s face, cut by the top and left
/// edges (0.83), and flags nothing else.
const EDGE_SQUARES_APART: f32 = 0.2;

/// The whole-image detection sees the image at 128 pixels across, where a
/// blurred face behind the candidate's shoulder is a few pixels and is lost.
/// The backdrop beside the head, at the head's height, is looked at again in
/// squares a little larger than the candidate's face, each at the detector's
/// full resolution, nearest the head first. Also says whether any square
/// was busy (not plain wall), where other faces are worth a second detector.
fn backdrop_detections(
    models: &Models,
    img: &Raster,
    seg: &segment::Segmentation,
    main: &face::Detection,
) -> (Vec<face::Detection>, bool) {
    let w = main.width();
    let side = (1.3 * w).max(24.0);
    let step = 0.75 * side;
    let margin = 0.2 * w;
    let top = (main.bbox[1] - 0.5 * w).max(0.0);
    let bottom = (main.bbox[3] + 0.5 * w).min(img.height as f32);
    // Columns of square centres on each side, from the head outward.
    let columns = |near: f32, far: f32| -> Vec<f32> {
        let span = (far - near).abs();
        if span < 0.35 * w {
            return Vec::new();
        }
        let dir = (far - near).signum();
        let first = near + dir * span.min(side) / 2.0;
        (0..)
            .map(|k| first + dir * step * k as f32)
            .take_while(|c| (c - near) * dir <= span - span.min(side) / 2.0 + 0.5)
            .collect()
    };
    let left = columns(main.bbox[0] - margin, 0.0);
    let right = columns(main.bbox[2] + margin, img.width as f32);
    let mut squares = Vec::new();
    for k in 0..left.len().max(right.len()) {
        for cx in [left.get(k), right.get(k)].into_iter().flatten() {
            let mut y = top + side / 2.0;
            while y - side / 2.0 < bottom {
                squares.push(((*cx, y, side), Outside::Black));
                y += step;
            }
        }
    }
    squares.truncate(BACKDROP_SQUARES);
    // A face cut by the picture's side edge is half a face to the detector.
    // A square centred on the edge, with the picture reflected in the edge,
    // shows it whole again (see `REFLECTED_FACE_SCORE`). One at the head's
    // height, and one at the top of the picture for a taller person behind,
    // unless the two nearly coincide.
    let edge_side = EDGE_SQUARE * w;
    let head_y = (main.bbox[1] + main.bbox[3]) / 2.0;
    let top_y = edge_side / 2.0;
    let heights = if head_y - top_y > EDGE_SQUARES_APART * edge_side {
        vec![head_y, top_y]
    } else {
        vec![head_y]
    };
    for cx in [0.0, img.width as f32] {
        if (cx - main.bbox[0]).abs().min((cx - main.bbox[2]).abs()) > 0.35 * w {
            for &cy in &heights {
                squares.push(((cx, cy, edge_side), Outside::Reflected));
            }
        }
    }
    // A plain wall hides no face: the detector runs only where the
    // backdrop has something in it (a compliant capture skips them all).
    squares.retain(|&(sq, _)| !seg.is_plain_backdrop(sq, main.bbox));
    let busy = !squares.is_empty();
    let own = own_face(main);
    let found = squares
        .into_iter()
        .filter_map(|(sq, outside)| {
            let found = face::detector::detect_in(models, img, sq, outside).ok()?;
            Some(match outside {
                Outside::Black => found,
                Outside::Reflected => found
                    .into_iter()
                    .filter(|d| is_cut_by_side_edge(d, img.width as f32))
                    .collect(),
            })
        })
        .flatten()
        // Half of the candidate's own face seen at a square's edge is not another person.
        .filter(|d| !face::centred_in(&d.bbox, &own))
        .collect();
    (found, busy)
}

/// The segmentation for `background.clutter` alone, when a busy backdrop
/// the colour segmentation joined to the person is given back as clutter
/// where the selfie segmenter is sure it is backdrop (`measure::hidden`),
/// down to half a face width below the chin: the shoulders' outline is the
/// segmenter's least sure. The other rules keep the colour segmentation,
/// whose person outline they were measured on. None when nothing was given
/// back, or the segmenter failed.
fn with_hidden_clutter(
    models: &Models,
    img: &Raster,
    seg: &segment::Segmentation,
    main: &face::Detection,
) -> Option<segment::Segmentation> {
    let probability = crate::replace::segment(models, img).ok()?;
    let mut given_back = seg.clone();
    let lowest = main.bbox[3] + 0.5 * main.width();
    let size = (img.width, img.height);
    let side = crate::replace::SIDE;
    let n = measure::hidden::reassign(&mut given_back, &probability, side, size, lowest, main.bbox);
    (n > 0).then_some(given_back)
}

/// The cascade (`face::cascade`) is looked at for faces down to this share
/// of the candidate's face width: the pyramid then starts at about half the
/// size of a 250-pixel portrait, where it was measured.
const CASCADE_MIN_FACE: f32 = 0.24;
/// The most of the cascade's faces (surest first) shown to the bundled
/// detector: each is one more run of it (5–11 ms on one core).
const MAX_CONFIRMED: usize = 4;

/// Other faces two detectors agree on: a face the cascade finds counts when
/// the bundled detector, shown it in a square twice its size, reports a face
/// there too. Each alone is as unsure of a small or blurred face behind the
/// candidate as of a face that is not there, but they are not unsure of the
/// same false ones: on the labelled set the bundled detector reported
/// nothing at the cascade's faces on photos without another (up to 0.90, or
/// 0.93 with the photos enlarged), and agreed on two faces nothing else
/// found (`docs/benchmarks.md`). Run only when the backdrop beside the head
/// is busy, so a compliant capture (plain wall) pays nothing for it.
fn cascade_detections(
    models: &Models,
    img: &Raster,
    main: &face::Detection,
) -> Vec<face::Detection> {
    let w = main.width();
    let own = own_face(main);
    models
        .cascade
        .detect(img, CASCADE_MIN_FACE * w, Some(own))
        .into_iter()
        .filter(|f| !face::centred_in(&f.bbox, &own))
        .take(MAX_CONFIRMED)
        .filter_map(|f| {
            let side = 2.0 * (f.bbox[2] - f.bbox[0]).max(f.bbox[3] - f.bbox[1]);
            let centre = face::box_centre(&f.bbox);
            let seen =
                face::detector::detect_in(models, img, (centre.0, centre.1, side), Outside::Black)
                    .ok()?;
            let best = seen
                .into_iter()
                .filter(|d| face::box_iou(&d.bbox, &f.bbox) > 0.3)
                .max_by(|a, b| a.score.total_cmp(&b.score))?;
            (best.width() >= OTHER_FACE_SIZE * w).then_some(best)
        })
        .collect()
}

/// The candidate's face with a fifth of its width around it: what a second
/// look finds centred there is (part of) the candidate.
fn own_face(main: &face::Detection) -> [f32; 4] {
    let m = 0.2 * main.width();
    let b = main.bbox;
    [b[0] - m, b[1] - m, b[2] + m, b[3] + m]
}

/// A face found in a reflected edge square is one the edge cuts: sure enough
/// (`REFLECTED_FACE_SCORE`), and centred near the edge. A face that is whole
/// inside the picture has its reflection centred half a face or more beyond
/// the edge, and is found in the picture itself.
fn is_cut_by_side_edge(d: &face::Detection, width: f32) -> bool {
    let (cx, _) = face::box_centre(&d.bbox);
    let slack = 0.25 * d.width();
    d.score >= REFLECTED_FACE_SCORE && cx > -slack && cx < width + slack
}

/// `all` is every face the bundled detector found, the candidate's among
/// them; `confirmed`, the other faces two detectors agree on, which count
/// whatever the bundled one scored. `size` is the picture's, to say where
/// the other faces are: the candidate retakes knowing what to leave out.
fn other_faces(
    all: &[face::Detection],
    confirmed: &[face::Detection],
    main: &face::Detection,
    size: (u32, u32),
) -> Finding {
    let main_w = main.width();
    let mut counted: Vec<&face::Detection> = Vec::new();
    for d in all
        .iter()
        .filter(|d| d.score >= OTHER_FACE_SCORE && d.width() >= OTHER_FACE_SIZE * main_w)
        .chain(confirmed)
    {
        // The same face found by the whole-image pass and by a backdrop square counts once.
        if !counted.iter().any(|c| face::centred_in(&d.bbox, &c.bbox)) {
            counted.push(d);
        }
    }
    // The candidate's own face is the one centred in the main detection's
    // box; it need not be among those counted, if the detector scored it
    // under `OTHER_FACE_SCORE`.
    let others: Vec<&face::Detection> = counted
        .into_iter()
        .filter(|d| !face::centred_in(&d.bbox, &main.bbox))
        .collect();
    let mut places: Vec<&str> = Vec::new();
    for d in &others {
        let p = place(&d.bbox, size);
        if !places.contains(&p) {
            places.push(p);
        }
    }
    // Every other face has a place, so there are places exactly when the
    // rule fails.
    let (faces, at) = (others.len() + 1, places.join("、"));
    let measured = if at.is_empty() {
        format!("{faces} 张人脸")
    } else {
        format!("{faces} 张人脸（画面{at}）")
    };
    Finding::new(Code::FaceMultiple, "只有本人一张人脸")
        .measured(faces as f32, measured)
        .limit("1 张")
        .fail_if(faces > 1, || {
            format!("画面{at}有其他人的脸：请单独拍摄，背景中不要有其他人或人像")
        })
}

/// Where a box lies in the picture, by thirds, as the candidate sees the
/// photo: "左上方" to "右下方", "中间" in the middle.
fn place(bbox: &[f32; 4], (w, h): (u32, u32)) -> &'static str {
    let third = |v: f32, len: u32| {
        let t = (3.0 * v / len.max(1) as f32).floor();
        // Also 1 for NaN: a face nowhere is said to be in the middle.
        if t < 1.0 {
            0
        } else if t >= 2.0 {
            2
        } else {
            1
        }
    };
    let (cx, cy) = face::box_centre(bbox);
    let (col, row) = (third(cx, w), third(cy, h));
    [
        ["左上方", "上方", "右上方"],
        ["左侧", "中间", "右侧"],
        ["左下方", "下方", "右下方"],
    ][row][col]
}

fn decode_failure(e: &DecodeError) -> Finding {
    match e {
        DecodeError::TooLarge {
            width,
            height,
            limit,
        } => Finding::new(Code::FileDecodeLimit, "图像像素上限")
            .text(format!("{width}×{height}"))
            .limit(format!("不超过 {limit} 像素"))
            .fail("照片像素数超出系统处理上限：请用手机相机的标准设置（1200 万像素左右）重新拍摄"),
        DecodeError::Truncated => Finding::new(Code::FileTruncated, "文件完整")
            .text("数据不完整")
            .fail("文件不完整（可能上传中断）：请重新上传"),
        DecodeError::UnsupportedFormat(f) => Finding::new(Code::FileUnreadable, "能否读取")
            .text(f.label())
            .fail(format!("无法读取 {} 格式：请上传 JPEG 照片", f.label())),
        DecodeError::Corrupt(detail) => Finding::new(Code::FileUnreadable, "能否读取")
            .text(detail.clone())
            .fail("照片文件已损坏，无法读取：请重新拍摄上传"),
    }
}

#[cfg(test)]
mod tests {
    use super::{other_faces, place};
    use crate::face::Detection;
    use crate::report::Outcome;

    fn detection(score: f32, bbox: [f32; 4]) -> Detection {
        Detection {
            score,
            bbox,
            keypoints: [(0.0, 0.0); 6],
        }
    }

    #[test]
    fn another_face_counts_even_when_the_candidate_s_own_scored_low() {
        let main = detection(0.55, [100.0, 100.0, 200.0, 200.0]);
        let other = detection(0.9, [10.0, 10.0, 50.0, 50.0]);
        let f = other_faces(&[main.clone(), other], &[], &main, (400, 400));
        assert_eq!(f.outcome, Outcome::Fail);
        assert_eq!(f.measured, "2 张人脸（画面左上方）");
        let alone = other_faces(std::slice::from_ref(&main), &[], &main, (400, 400));
        assert_eq!(
            (alone.outcome, alone.measured.as_str()),
            (Outcome::Pass, "1 张人脸")
        );
    }

    #[test]
    fn a_face_is_placed_by_thirds_of_the_picture() {
        let size = (300, 600);
        assert_eq!(place(&[0.0, 0.0, 20.0, 20.0], size), "左上方");
        assert_eq!(place(&[140.0, 10.0, 160.0, 30.0], size), "上方");
        assert_eq!(place(&[250.0, 250.0, 290.0, 290.0], size), "右侧");
        assert_eq!(place(&[10.0, 500.0, 60.0, 590.0], size), "左下方");
        // Beyond the picture, as an edge square can find it: the nearest third.
        assert_eq!(place(&[-40.0, -30.0, -10.0, 0.0], size), "左上方");
        assert_eq!(place(&[310.0, 700.0, 340.0, 720.0], size), "右下方");
        // A box that is not a number is said to be in the middle; the size never divides by 0.
        assert_eq!(place(&[f32::NAN; 4], (0, 0)), "中间");
        assert_eq!(
            place(&[f32::INFINITY, f32::NAN, f32::INFINITY, f32::NAN], size),
            "右侧"
        );
    }
}
