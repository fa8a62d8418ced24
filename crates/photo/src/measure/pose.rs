//! Head pose (roll, yaw, pitch), level shoulders, and mirroring.

use super::geometry::Cut;
use super::segment::Label;
use super::{deg, Scene};
use crate::report::{Code, Finding, Measurements};

pub fn findings(s: &Scene, m: &mut Measurements) -> Vec<Finding> {
    let p = &s.spec.pose;
    let face = s.face;
    m.roll = Some(face.roll);
    m.yaw = Some(face.yaw);
    m.pitch = Some(face.pitch);
    // A face cut by a side edge reads as turned (the frontal base portrait
    // cut through a cheek measured 7-9° of yaw), and one cut at the top or
    // bottom drifts in pitch (up to 4.5° when a third of it is cut off).
    // `face.partial` already fails such a photo with the right advice, so
    // these angles go to the reviewer instead of telling the candidate to
    // turn. Roll comes from the eye line and stays.
    let cut = Cut::of(s.img, face);
    let angle = |code, rule: &str, v: f32, max: f32, advice: &str, trusted: bool| {
        let f = Finding::new(code, rule).limit(format!("不超过 ±{max}°"));
        if !trusted {
            return f
                .text(format!("面部超出照片边缘，读数 {} 不可靠", deg(v)))
                .for_reviewer(format!(
                    "面部超出照片边缘，{rule}无法可靠测量：请审核人员目测"
                ));
        }
        f.measured(v, deg(v)).fail_if(v.abs() > max, || {
            format!("{rule} {}，{advice}", deg(v.abs()))
        })
    };
    let mut out = vec![
        angle(
            Code::Roll,
            "头部倾斜（歪头）",
            face.roll,
            p.max_roll,
            "请保持头部端正，两眼在同一水平线上（系统不会旋转照片）",
            true,
        ),
        angle(
            Code::Yaw,
            "头部左右转动",
            face.yaw,
            p.max_yaw,
            "请正对镜头，两耳对称可见",
            !cut.side,
        ),
        angle(
            Code::Pitch,
            "头部抬头或低头",
            face.pitch,
            p.max_pitch,
            "请平视镜头，相机与眼睛同高",
            !cut.end,
        ),
    ];
    out.push(shoulders(s));
    out.push(
        Finding::new(Code::Mirrored, "未经镜像")
            .for_reviewer("机器无法从单张照片判断是否镜像（如前置摄像头自拍）：请审核人员对照身份证照片核对发型分缝、痣等特征的左右位置"),
    );
    out
}

/// Shoulder line from the person's outline: the highest person row at
/// symmetric distances either side of the face, below the chin.
fn shoulders(s: &Scene) -> Finding {
    let rule = Finding::new(Code::Shoulders, "左右肩膀平衡")
        .limit(format!("倾斜不超过 {}°", s.spec.pose.max_shoulder_tilt));
    let seg = s.seg;
    let f = seg.factor as f32;
    let face = s.face;
    let chin = (face.chin.1 / f) as u32;
    let side = |sign: f32| -> Option<(f32, f32)> {
        let mut ys = Vec::new();
        let mut xs = Vec::new();
        for k in [0.85, 0.95, 1.05] {
            let x = (face.centre_x + sign * k * face.face_width) / f;
            if x < 0.0 || x >= seg.width as f32 {
                return None;
            }
            let x = x as u32;
            let y = (chin..seg.height).find(|&y| seg.label(x, y) == Label::Person)?;
            if y + 1 >= seg.height {
                return None;
            }
            ys.push(y as f32 * f);
            xs.push(x as f32 * f);
        }
        Some((xs.iter().sum::<f32>() / 3.0, ys.iter().sum::<f32>() / 3.0))
    };
    match (side(-1.0), side(1.0)) {
        (Some((xl, yl)), Some((xr, yr))) => {
            let tilt = (yr - yl).atan2(xr - xl).to_degrees();
            rule.measured(tilt, deg(tilt)).fail_if(
                tilt.abs() > s.spec.pose.max_shoulder_tilt,
                || {
                    format!(
                        "两肩高低相差 {}：请坐正，双肩放平、正对镜头",
                        deg(tilt.abs())
                    )
                },
            )
        }
        _ => rule.text("未能测量").for_reviewer(
            "画面中双肩不完整或与背景难以区分，无法自动判断：请审核人员目测双肩是否平衡",
        ),
    }
}
