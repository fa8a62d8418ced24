//! The backdrop: its colour against the standard's reference colours, its
//! uniformity (gradients, shadows), anything in it (objects, text, another
//! person), and bands added around the picture (found by [`super::border`]).

use super::segment::{Label, Segmentation};
use super::Scene;
use crate::colour::{delta_e2000, lab, Lab};
use crate::report::{Code, Finding};
use crate::spec::BackgroundRules;

/// Grid of cells over which the backdrop's uniformity is measured.
const CELLS_X: u32 = 6;
const CELLS_Y: u32 = 8;
/// A cell speaks for the backdrop when this share of it is backdrop.
const CELL_COVER: f32 = 0.7;

pub fn findings(s: &Scene) -> Vec<Finding> {
    let rules = &s.spec.background;
    let seg = s.seg;
    let cells = cell_means(seg);
    let mut out = Vec::new();

    let colour = Finding::new(Code::BackgroundColour, "背景颜色").limit(
        rules
            .references
            .iter()
            .map(|r| format!("{} RGB({},{},{})", r.name, r.rgb[0], r.rgb[1], r.rgb[2]))
            .collect::<Vec<_>>()
            .join("、"),
    );
    out.push(match seg.background_mean() {
        Some(mean) => colour_finding(colour, mean, rules),
        None => colour.fail("找不到背景：人像四周应留有单一颜色的背景，请在浅色纯色墙前重拍"),
    });

    let spread = max_pairwise(&cells);
    let uniform =
        Finding::new(Code::BackgroundUniform, "背景均匀（无渐变、无阴影）").limit(format!(
            "各处色差 ΔE00 不超过 {}，轮廓旁阴影 ΔL* 不超过 {}",
            rules.max_patch_delta_e, rules.max_shadow_depth
        ));
    let head = (s.face.centre_x, s.face.eye_line);
    let shadow = super::shadow::depth(seg, head).unwrap_or(0.0);
    out.push(match spread {
        Some(d) if shadow > rules.max_shadow_depth => uniform
            .measured(d, format!("最大色差 ΔE00 {d:.1}，轮廓旁阴影 ΔL* {shadow:.1}"))
            .fail("人像旁边的墙上有阴影：请让光线从正面照射，人离墙面 0.5 米以上，避免侧面的灯光把影子投在墙上"),
        Some(d) => uniform
            .measured(d, format!("最大色差 ΔE00 {d:.1}，轮廓旁阴影 ΔL* {shadow:.1}"))
            .fail_if(d > rules.max_patch_delta_e, || {
                "背景明暗或颜色不均匀（渐变或阴影）：请让光线均匀照亮背景，人离墙面 0.5 米以上以免投下阴影".into()
            }),
        None => uniform.fail("可见的背景太少，无法判断是否均匀：请后退一些，让头部四周露出背景"),
    });

    let clutter = clutter_share(s.clutter_seg);
    out.push(
        Finding::new(Code::BackgroundClutter, "背景无其他人或物体、文字")
            .measured(clutter, format!("{:.1}%", clutter * 100.0))
            .limit(format!("不超过 {:.1}%", rules.max_clutter * 100.0))
            .fail_if(clutter > rules.max_clutter, || {
                "背景中有其他物体、文字、图案或人：请在没有杂物的纯色墙前重拍".into()
            }),
    );

    out.push(match seg.bands.side() {
        Some(side) => Finding::new(Code::Border, "无边框")
            .text(format!("{side}有边框或直线色带"))
            .fail("照片边缘有添加的边框或色带：请提交未经加框的原始照片"),
        None => Finding::new(Code::Border, "无边框").text("未发现"),
    });
    out
}

fn colour_finding(f: Finding, mean: Lab, rules: &BackgroundRules) -> Finding {
    let measured = format!("L*{:.0} a*{:.1} b*{:.1}", mean.l, mean.a, mean.b);
    let f = f.text(measured);
    if accepts_colour(mean, rules) {
        return f;
    }
    let advice = if mean.l < 60.0 {
        "背景太暗：请在光线充足处、浅色墙前拍摄"
    } else if mean.b > 6.0 {
        "背景偏黄：请避开暖色灯光和米黄色墙面，使用白色、浅灰或浅蓝色背景"
    } else {
        "背景颜色不符合要求：应为浅蓝、白色或浅灰色的纯色背景"
    };
    f.fail(advice)
}

/// Neutral references accept a band of lightness (a white wall photographed
/// indoors is grey) with little chroma; coloured references a CIEDE2000 radius.
pub fn accepts_colour(mean: Lab, rules: &BackgroundRules) -> bool {
    if let Some((lo, hi)) = neutral_band(rules) {
        let l_ok = mean.l >= lo && mean.l <= hi + 0.5;
        if l_ok && mean.chroma() <= rules.neutral_chroma_tolerance {
            return true;
        }
    }
    let refs: Vec<Lab> = rules.references.iter().map(|r| lab(r.rgb)).collect();
    refs.iter()
        .filter(|r| r.chroma() >= 2.0)
        .any(|r| delta_e2000(mean, *r) <= rules.coloured_delta_e)
}

/// The lightness band (CIELAB L*) the neutral references accept: from the
/// darkest of them less the tolerance to the lightest; `None` without a
/// neutral reference.
pub fn neutral_band(rules: &BackgroundRules) -> Option<(f32, f32)> {
    let neutral = rules
        .references
        .iter()
        .map(|r| lab(r.rgb))
        .filter(|l| l.chroma() < 2.0)
        .map(|l| l.l);
    let (lo, hi) = neutral.fold(None, |band: Option<(f32, f32)>, l| {
        Some(band.map_or((l, l), |(lo, hi)| (lo.min(l), hi.max(l))))
    })?;
    Some((lo - rules.neutral_lightness_tolerance, hi))
}

/// Mean colour of every grid cell that is mostly backdrop.
fn cell_means(seg: &Segmentation) -> Vec<Lab> {
    let mut out = Vec::new();
    for cy in 0..CELLS_Y {
        for cx in 0..CELLS_X {
            let (x0, x1) = (cx * seg.width / CELLS_X, (cx + 1) * seg.width / CELLS_X);
            let (y0, y1) = (cy * seg.height / CELLS_Y, (cy + 1) * seg.height / CELLS_Y);
            let (mut sum, mut n, mut total) = ((0.0, 0.0, 0.0), 0u32, 0u32);
            for y in y0..y1 {
                for x in x0..x1 {
                    total += 1;
                    if seg.label(x, y) == Label::Background {
                        let c = seg.lab[(y * seg.width + x) as usize];
                        sum = (sum.0 + c.l, sum.1 + c.a, sum.2 + c.b);
                        n += 1;
                    }
                }
            }
            if total > 0 && n as f32 >= CELL_COVER * total as f32 {
                let k = n as f32;
                out.push(Lab {
                    l: sum.0 / k,
                    a: sum.1 / k,
                    b: sum.2 / k,
                });
            }
        }
    }
    out
}

fn max_pairwise(cells: &[Lab]) -> Option<f32> {
    if cells.len() < 3 {
        return None;
    }
    let mut worst = 0f32;
    for (i, a) in cells.iter().enumerate() {
        for b in &cells[i + 1..] {
            worst = worst.max(delta_e2000(*a, *b));
        }
    }
    Some(worst)
}

/// Share of the non-person area taken by things that are neither backdrop nor
/// attached to the person, ignoring specks next to the person (stray hair).
fn clutter_share(seg: &Segmentation) -> f32 {
    let (w, h) = (seg.width as i64, seg.height as i64);
    let near_person = |x: i64, y: i64| {
        (-2..=2).any(|dy| {
            (-2..=2).any(|dx| {
                let (nx, ny) = (x + dx, y + dy);
                nx >= 0
                    && ny >= 0
                    && nx < w
                    && ny < h
                    && seg.label(nx as u32, ny as u32) == Label::Person
            })
        })
    };
    let (mut other, mut area) = (0u32, 0u32);
    for y in 0..h {
        for x in 0..w {
            match seg.label(x as u32, y as u32) {
                Label::Person | Label::Border => {}
                Label::Background => area += 1,
                Label::Other => {
                    area += 1;
                    if !near_person(x, y) {
                        other += 1;
                    }
                }
            }
        }
    }
    other as f32 / area.max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::PhotoSpec;

    #[test]
    fn reference_colours_and_a_real_grey_backdrop_are_accepted() {
        let rules = PhotoSpec::certificate().background;
        for rgb in [
            [255, 255, 255],
            [240, 240, 240],
            [100, 197, 255],
            [208, 210, 214],
        ] {
            assert!(accepts_colour(lab(rgb), &rules), "{rgb:?}");
        }
        // The shared samples' backdrop, per photo-notes.md.
        assert!(accepts_colour(
            Lab {
                l: 85.0,
                a: -0.8,
                b: -2.0
            },
            &rules
        ));
    }

    #[test]
    fn yellow_dark_and_saturated_backdrops_are_refused() {
        let rules = PhotoSpec::certificate().background;
        for rgb in [
            [240, 228, 190],
            [120, 120, 120],
            [0, 90, 200],
            [200, 60, 60],
            [150, 220, 150],
        ] {
            assert!(!accepts_colour(lab(rgb), &rules), "{rgb:?}");
        }
    }
}
