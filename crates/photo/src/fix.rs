//! `fix`: turn a capture into the delivered file by cropping and scaling only
//! (never mirroring, rotating or retouching), placing head top, eye line and
//! face width inside their ranges, then encoding to the file rules.
//!
//! Where the capture is framed too tightly, the canvas may be extended a
//! little (at most `spec.fix.max_extension` of the frame) by repeating the
//! edge: only where that edge is plain backdrop, or garment below the chin.
//! The steps taken are listed in the result so the reviewer sees them.

use crate::check::{self, Analysed, Input};
use crate::colour::{delta_e76, lab};
use crate::decode::{self, Want};
use crate::encode;
use crate::face::{Face, Models};
use crate::measure::geometry::hair_top;
use crate::measure::segment::{self, Label, Segmentation};
use crate::raster::Rgb;
use crate::report::{Code, Finding, Outcome, Report};
use crate::spec::{PhotoSpec, Range};
pub use crate::step::Step;
use crate::Stage;

/// Pixels kept between a placement and the edge of its allowed range, for the
/// measurement noise of the re-check.
const MARGIN: f32 = 8.0;
/// Enlargement of the analysed image tolerated before decoding finer.
const REUSE_UPSCALE: f32 = 1.15;

#[derive(Debug, Clone)]
pub struct Fixed {
    pub jpeg: Vec<u8>,
    pub steps: Vec<Step>,
}

/// Why a photo cannot be fixed: the capture's report and the findings that
/// cropping cannot repair.
#[derive(Debug, Clone)]
pub struct Unfixable {
    pub report: Box<Report>,
    pub reasons: Vec<Finding>,
}

/// Rules a crop, a scale or a re-encode repair; anything else failing stops `fix`.
fn repairable(code: Code) -> bool {
    let s = code.as_str();
    s.starts_with("file.") || s.starts_with("capture.") || s.starts_with("geometry.")
}

/// Rules about the backdrop alone, which replacing it repairs.
fn backdrop(code: Code) -> bool {
    matches!(
        code,
        Code::BackgroundColour | Code::BackgroundUniform | Code::BackgroundClutter
    )
}

pub(crate) fn run(models: &Models, bytes: &[u8], spec: &PhotoSpec) -> Result<Fixed, Unfixable> {
    let input = Input {
        bytes,
        name: None,
        stage: Stage::Capture,
    };
    let (report, analysed) = check::run(models, &input, spec);
    let reasons: Vec<Finding> = report
        .failures()
        .filter(|f| !repairable(f.code) || f.code == Code::FacePartial || blocks(f))
        .cloned()
        .collect();
    let unfixable = |reasons: Vec<Finding>, report: Report| Unfixable {
        report: Box::new(report),
        reasons,
    };
    // A cast of the light on a near-neutral wall: corrected first, and the
    // backdrop replaced only when that cannot be done.
    let cast = spec.fix.correct_colour_cast
        && !reasons.is_empty()
        && reasons
            .iter()
            .all(|f| matches!(f.code, Code::BackgroundColour | Code::Exposure));
    let replace = spec.fix.replace_background.as_ref().filter(|_| {
        // The head's top is found against the backdrop, so a cluttered one
        // can hide it; it is measured again on the new backdrop below.
        reasons.iter().any(|f| backdrop(f.code))
            && reasons
                .iter()
                .all(|f| backdrop(f.code) || f.code == Code::HeadTop)
    });
    let (Some(mut a), true) = (analysed, reasons.is_empty() || replace.is_some() || cast) else {
        return Err(unfixable(reasons, report));
    };
    let mut before = Vec::new();
    let correction = cast.then(|| correct_cast(&mut a, spec)).flatten();
    if let Some(c) = &correction {
        before.push(Step::CorrectColour {
            gains: c.gains,
            wall_before: [c.wall_before.l, c.wall_before.a, c.wall_before.b],
            wall_after: [c.wall_after.l, c.wall_after.a, c.wall_after.b],
        });
    } else if replace.is_none() && !reasons.is_empty() {
        return Err(unfixable(reasons, report));
    }
    let replace = replace.filter(|_| correction.is_none());
    if let (Some(colour), Some(face)) = (replace, a.face.as_ref()) {
        match crate::replace::replace(models, &a.img, face, colour.rgb) {
            Ok(r) => {
                a.seg = Some(r.seg);
                a.img = r.img;
                before.push(Step::ReplaceBackground {
                    colour: colour.name.clone(),
                    rgb: colour.rgb,
                    edge_contrast: r.edge_contrast,
                });
            }
            Err(why) => return Err(unfixable(vec![why.finding(&colour.name)], report)),
        }
    }
    let (Some(face), Some(seg)) = (a.face.as_ref(), a.seg.as_ref()) else {
        return Err(unfixable(report.failures().cloned().collect(), report));
    };
    let top = hair_top(&a.img, seg, face);
    let replaced = before
        .iter()
        .any(|s| matches!(s, Step::ReplaceBackground { .. }));
    if replaced && top.is_some_and(|t| t < 1.0) {
        // On the new backdrop the hair reaches the top edge: the head is cut off.
        let why = Finding::new(Code::HeadTop, "头顶距上边沿")
            .text("头顶被截掉")
            .fail("头顶被照片上边缘截掉：请把相机抬高或后退，头顶上方要留出空白");
        return Err(unfixable(vec![why], report));
    }
    let Some(top) = top else {
        let why = Finding::new(Code::HeadTop, "头顶距上边沿")
            .text("无法测量")
            .fail("背景不够单一，无法找到头顶，不能自动裁剪：请在浅色纯色墙前重拍");
        return Err(unfixable(vec![why], report));
    };
    let garment = garment_colour(&a.img, seg, face);
    let layout = match solve(spec, &a, face, seg, top) {
        Ok(l) => l,
        Err(why) => return Err(unfixable(vec![why], report)),
    };
    render(bytes, spec, &a, layout, garment, before, correction)
        .map_err(|why| unfixable(vec![why], report))
}

/// Corrects the analysed image's colour cast in place, when the backdrop is
/// a near-neutral wall the correction makes acceptable.
fn correct_cast(a: &mut Analysed, spec: &PhotoSpec) -> Option<crate::cast::Correction> {
    let (head, seg) = (segment::Head::of(a.face.as_ref()?), a.seg.as_ref()?);
    let c = crate::cast::plan(&a.img, seg, head.bounds(), &spec.background)?;
    a.img = c.apply(&a.img);
    a.seg = Some(segment::segment(&a.img, &head));
    Some(c)
}

/// File-level failures that no re-encoding repairs.
fn blocks(f: &Finding) -> bool {
    matches!(
        f.code,
        Code::FileUnreadable | Code::FileTruncated | Code::FileDecodeLimit
    ) || (f.code == Code::HeadTop && f.value.is_some_and(|v| v < 1.0))
}

/// Where the frame goes, in analysed-image pixels.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Frame pixels per analysed pixel.
    s: f32,
    ox: f32,
    oy: f32,
    /// Frame pixels of new canvas: top, bottom, left, right.
    extend: (f32, f32, f32, f32),
}

fn inner(r: &Range, margin: f32) -> (f32, f32) {
    let m = margin.min((r.max - r.min) / 4.0);
    (r.min + m, r.max - m)
}

/// Searches scale, then the best vertical and horizontal placement for that
/// scale, for the frame closest to the middle of every range with the least
/// new canvas. Wide margins first; narrower ones only when nothing fits.
fn solve(
    spec: &PhotoSpec,
    a: &Analysed,
    face: &Face,
    seg: &Segmentation,
    top: f32,
) -> Result<Layout, Finding> {
    let allowed = Extension::allowed(spec, seg, face, &a.img);
    for margin in [MARGIN, MARGIN / 2.0, 1.0] {
        if let Some(l) = solve_with(spec, a, face, top, &allowed, margin) {
            return Ok(l);
        }
    }
    Err(too_tight(spec, face, top, a))
}

fn solve_with(
    spec: &PhotoSpec,
    a: &Analysed,
    face: &Face,
    top: f32,
    allowed: &Extension,
    margin: f32,
) -> Option<Layout> {
    let g = &spec.geometry;
    let (fw, fh) = (spec.file.width as f32, spec.file.height as f32);
    let (wmin, wmax) = inner(&g.face_width, margin);
    let (emin, emax) = inner(&g.eye_line, margin);
    let (hmin, hmax) = inner(&g.head_top, margin);
    let shift = (g.max_centre_offset - margin).max(0.0);
    let max_scale = spec.fix.max_upscale * a.denominator as f32;
    let (iw, ih) = (a.img.width as f32, a.img.height as f32);
    let norm = |v: f32, r: &Range| (v - r.mid()).abs() / (r.max - r.min);
    let mut best: Option<(f32, Layout)> = None;
    const STEPS: u32 = 240;
    for i in 0..=STEPS {
        let s = (wmin + (wmax - wmin) * i as f32 / STEPS as f32) / face.face_width;
        if s > max_scale {
            break;
        }
        // Vertical: the eye and hair windows bound the frame's top edge.
        let lo = (face.eye_line - emax / s).max(top - hmax / s);
        let hi = (face.eye_line - emin / s).min(top - hmin / s);
        if lo > hi {
            continue;
        }
        let want = ((face.eye_line - g.eye_line.mid() / s) + (top - g.head_top.mid() / s)) / 2.0;
        // Prefer the placement needing the least canvas, then the middle.
        let fits_y = (ih - fh / s).max(0.0);
        let oy = if want >= 0.0 && want <= fits_y {
            want
        } else {
            want.clamp(0.0_f32.min(fits_y), fits_y)
        }
        .clamp(lo, hi);
        // Horizontal: centred, shifted within the tolerance to avoid new canvas.
        let centred = face.centre_x - fw / 2.0 / s;
        let ox = centred
            .clamp(0.0_f32.min(iw - fw / s), (iw - fw / s).max(0.0))
            .clamp(centred - shift / s, centred + shift / s);
        let ext = (
            (-oy * s).max(0.0),
            ((oy + fh / s - ih) * s).max(0.0),
            (-ox * s).max(0.0),
            ((ox + fw / s - iw) * s).max(0.0),
        );
        if !allowed.permits(ext) {
            continue;
        }
        let cost = norm(s * face.face_width, &g.face_width)
            + norm((face.eye_line - oy) * s, &g.eye_line)
            + norm((top - oy) * s, &g.head_top)
            + (centred - ox).abs() * s / 40.0
            + (ext.0 + 2.0 * ext.1 + ext.2 + ext.3) / 30.0;
        if best.as_ref().is_none_or(|(c, _)| cost < *c) {
            best = Some((
                cost,
                Layout {
                    s,
                    ox,
                    oy,
                    extend: ext,
                },
            ));
        }
    }
    best.map(|(_, l)| l)
}

/// Explains why no frame fits.
fn too_tight(spec: &PhotoSpec, face: &Face, top: f32, a: &Analysed) -> Finding {
    let g = &spec.geometry;
    let f = Finding::new(Code::FaceWidth, "自动裁剪");
    let needed = g.face_width.min / face.face_width / a.denominator as f32;
    if needed > spec.fix.max_upscale {
        return f.text("脸部太小").fail(format!(
            "照片中脸部太小，需放大 {needed:.1} 倍才够标准（最多 {:.1} 倍）：请靠近一些重拍，或使用更高像素拍摄",
            spec.fix.max_upscale
        ));
    }
    // Smallest allowed scale still makes hair-to-eye too tall for the frame.
    let span = (face.eye_line - top) * g.face_width.min / face.face_width;
    if span > g.eye_line.max - g.head_top.min {
        return f.text("头发过高").fail("头顶到眼睛的距离相对脸宽过大，无法同时满足头顶和眼睛位置的要求：请把头发压低或梳顺后重拍");
    }
    f.text("画面不足").fail("人像四周留白不足，裁剪后无法满足位置要求：请后退一些，头顶上方、两肩两侧和胸前都留出空间后重拍")
}

/// How much canvas each side may gain, in frame pixels.
struct Extension {
    top: f32,
    bottom: f32,
    left: f32,
    right: f32,
}

impl Extension {
    fn allowed(spec: &PhotoSpec, seg: &Segmentation, face: &Face, img: &Rgb) -> Extension {
        let max_w = spec.fix.max_extension * spec.file.width as f32;
        let max_h = spec.fix.max_extension * spec.file.height as f32;
        let f = seg.factor;
        let chin = (face.chin.1 / f as f32) as u32;
        let (w, h) = (seg.width, seg.height);
        let garment = garment_colour(img, seg, face);
        let near = |p: [u8; 3], c: [u8; 3]| delta_e76(lab(p), lab(c)) < GARMENT_DE;
        // Top: a backdrop row. Sides: backdrop down to the chin, then backdrop or garment.
        let plain_row = |y: u32| (0..w).all(|x| seg.label(x, y) == Label::Background);
        // Allow for the soft edge where backdrop meets shoulder.
        let plain_col = |x: u32| {
            let ok = (0..h)
                .filter(|&y| {
                    seg.label(x, y) == Label::Background
                        || (y > chin
                            && garment.is_some_and(|g| {
                                near(
                                    img.at((x * f).min(img.width - 1), (y * f).min(img.height - 1)),
                                    g,
                                )
                            }))
                })
                .count();
            (0..chin.min(h)).all(|y| seg.label(x, y) == Label::Background)
                && ok as f32 >= 0.97 * h as f32
        };
        Extension {
            top: if plain_row(0) { max_h } else { 0.0 },
            bottom: if garment.is_some() { max_h } else { 0.0 },
            left: if plain_col(0) { max_w } else { 0.0 },
            right: if plain_col(w.saturating_sub(1)) {
                max_w
            } else {
                0.0
            },
        }
    }

    fn permits(&self, e: (f32, f32, f32, f32)) -> bool {
        e.0 <= self.top && e.1 <= self.bottom && e.2 <= self.left && e.3 <= self.right
    }
}

/// Colour difference within which a pixel is the garment.
const GARMENT_DE: f32 = 18.0;

/// The garment's colour: the median of the bottom row's person pixels that
/// are not skin. `None` when the bottom row shows no garment (then the
/// bottom may not grow).
fn garment_colour(img: &Rgb, seg: &Segmentation, face: &Face) -> Option<[u8; 3]> {
    let skin = crate::colour::mean_lab((0..9).map(|k| {
        let (x, y) = (
            face.centre_x + (k as f32 - 4.0) * face.face_width * 0.05,
            face.eye_line + (face.chin.1 - face.eye_line) * 0.45,
        );
        img.at_clamped(x as i64, y as i64)
    }))?;
    let y = img.height - 1;
    let sy = (y / seg.factor).min(seg.height - 1);
    let mut px: Vec<[u8; 3]> = (0..img.width)
        .filter(|&x| seg.label((x / seg.factor).min(seg.width - 1), sy) == Label::Person)
        .map(|x| img.at(x, y))
        .filter(|p| delta_e76(lab(*p), skin) > 25.0)
        .collect();
    if px.len() < img.width as usize / 4 {
        return None;
    }
    px.sort_by_key(|p| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]));
    Some(px[px.len() / 2])
}

/// New rows below the original fade from its last row into the garment's
/// colour, so a neckline closes instead of stretching into a strip of skin.
/// Backdrop columns stay backdrop.
fn close_bottom(
    out: &mut Rgb,
    l: &Layout,
    ih: f32,
    garment: [u8; 3],
    backdrop: crate::colour::Lab,
) {
    let first_new = ((ih - l.oy) * l.s).floor().max(0.0) as u32;
    for y in first_new..out.height {
        let t = ((y - first_new) as f32 / FADE_ROWS).min(1.0);
        for x in 0..out.width {
            let p = out.at(x, y);
            if delta_e76(lab(p), backdrop) < BACKDROP_DE {
                continue;
            }
            let mix = |a: u8, b: u8| (f32::from(a) * (1.0 - t) + f32::from(b) * t).round() as u8;
            out.put(
                x,
                y,
                [
                    mix(p[0], garment[0]),
                    mix(p[1], garment[1]),
                    mix(p[2], garment[2]),
                ],
            );
        }
    }
}

/// New columns beside the original continue the shoulder's slope: above the
/// extrapolated shoulder line the row's backdrop, below it the garment as it
/// meets the edge. Replicating the edge column alone would leave a step.
fn extend_sides(out: &mut Rgb, l: &Layout, backdrop: crate::colour::Lab) {
    let (w, h) = (out.width as i64, out.height as i64);
    let left = l.extend.2.ceil() as i64;
    let right = l.extend.3.ceil() as i64;
    for (new, edge, inward) in [(left, left, 1i64), (right, w - 1 - right, -1i64)] {
        if new <= 0 || edge <= 0 || edge >= w - 1 {
            continue;
        }
        let is_backdrop = |img: &Rgb, x: i64, y: i64| {
            delta_e76(lab(img.at_clamped(x, y)), backdrop) < BACKDROP_DE
        };
        // First non-backdrop row from the bottom-most backdrop run at a column.
        let shoulder =
            |img: &Rgb, x: i64| (0..h).rev().take_while(|&y| !is_backdrop(img, x, y)).last();
        let (Some(y0), Some(y1)) = (
            shoulder(out, edge),
            shoulder(out, edge + inward * SLOPE_SPAN),
        ) else {
            continue;
        };
        let slope = ((y0 - y1) as f32 / SLOPE_SPAN as f32).clamp(0.0, 2.0);
        for k in 1..=new {
            let x = edge - inward * k;
            if x < 0 || x >= w {
                break;
            }
            let boundary = y0 as f32 + slope * k as f32;
            for y in 0..h {
                let above = out.at_clamped(edge, (y0 - 2).max(0).min(y));
                let below = out.at_clamped(edge, y.max(y0 + 2));
                let t = (y as f32 - boundary + 0.5).clamp(0.0, 1.0);
                let mix =
                    |a: u8, b: u8| (f32::from(a) * (1.0 - t) + f32::from(b) * t).round() as u8;
                out.put(
                    x as u32,
                    y as u32,
                    [
                        mix(above[0], below[0]),
                        mix(above[1], below[1]),
                        mix(above[2], below[2]),
                    ],
                );
            }
        }
    }
}

/// Columns over which the shoulder's slope is measured.
const SLOPE_SPAN: i64 = 16;

/// Colour difference within which a pixel is backdrop.
const BACKDROP_DE: f32 = 10.0;

/// Frame rows over which the last original row fades into the garment.
const FADE_ROWS: f32 = 12.0;

fn render(
    bytes: &[u8],
    spec: &PhotoSpec,
    a: &Analysed,
    l: Layout,
    garment: Option<[u8; 3]>,
    before: Vec<Step>,
    correction: Option<crate::cast::Correction>,
) -> Result<Fixed, Finding> {
    let (fw, fh) = (spec.file.width, spec.file.height);
    // Decode finer when the analysed image would be enlarged noticeably (not
    // after a replacement: the finer pixels would bring the old backdrop back).
    let replaced = before
        .iter()
        .any(|s| matches!(s, Step::ReplaceBackground { .. }));
    let mut fresh = false;
    let (src, unit) = if l.s > REUSE_UPSCALE && a.denominator > 1 && !replaced {
        let want = Want {
            min_short_side: ((a.img.width.min(a.img.height) as f32) * l.s).ceil() as u32,
            max_pixels: spec.capture.max_pixels,
        };
        match decode::decode(bytes, want) {
            Ok(d) => {
                fresh = true;
                let ratio = a.denominator as f32 / d.denominator as f32;
                (d.image, ratio)
            }
            Err(_) => (a.img.clone(), 1.0),
        }
    } else {
        (a.img.clone(), 1.0)
    };
    let rect = (
        l.ox * unit,
        l.oy * unit,
        fw as f32 / l.s * unit,
        fh as f32 / l.s * unit,
    );
    let mut out: Rgb = src.resample(rect, fw, fh);
    if let (true, Some(c)) = (fresh, &correction) {
        // The finer pixels come from the file, before the correction.
        c.apply_in_place(&mut out);
    }
    let backdrop = a.seg.as_ref().map(|s| s.seed).unwrap_or_default();
    if l.extend.2 > 0.0 || l.extend.3 > 0.0 {
        extend_sides(&mut out, &l, backdrop);
    }
    if l.extend.1 > 0.0 {
        if let Some(g) = garment {
            close_bottom(&mut out, &l, a.img.height as f32, g, backdrop);
        }
    }
    let encoded = encode::to_spec(&out, spec).map_err(|e| {
        Finding::new(Code::FileSize, "文件大小")
            .text("无法压缩到标准大小")
            .fail(format!("{e}：请在光线充足处重拍，减少噪点"))
    })?;
    let original = a.denominator as f32;
    let mut steps = before;
    steps.extend([
        Step::Crop {
            x: l.ox * original,
            y: l.oy * original,
            width: fw as f32 / l.s * original,
            height: fh as f32 / l.s * original,
        },
        Step::Scale {
            factor: l.s / original,
        },
    ]);
    let e = l.extend;
    if e.0 + e.1 + e.2 + e.3 > 0.5 {
        steps.push(Step::ExtendCanvas {
            top: e.0.round() as u32,
            bottom: e.1.round() as u32,
            left: e.2.round() as u32,
            right: e.3.round() as u32,
        });
    }
    steps.push(Step::Encode {
        quality: encoded.quality,
        subsampling: encoded.subsampling,
        bytes: encoded.bytes.len(),
    });
    Ok(Fixed {
        jpeg: encoded.bytes,
        steps,
    })
}

impl Unfixable {
    /// The reasons as Chinese sentences for the person who took the photo.
    pub fn advice(&self) -> Vec<String> {
        self.reasons
            .iter()
            .filter(|f| f.outcome == Outcome::Fail)
            .map(|f| f.advice.clone())
            .collect()
    }
}
