//! What `fix` did to a capture, step by step: kept with the fixed photo and
//! shown, in Chinese, to the candidate and the reviewer.

use serde::{Deserialize, Serialize};

use crate::encode::Subsampling;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The source rectangle, in pixels of the (oriented) original.
    Crop {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
    /// Output pixels per original pixel (< 1 shrinks).
    Scale { factor: f32 },
    /// Frame pixels added by repeating the edge, per side.
    ExtendCanvas {
        top: u32,
        bottom: u32,
        left: u32,
        right: u32,
    },
    Encode {
        quality: u8,
        subsampling: Subsampling,
        bytes: usize,
    },
    /// One gain per channel in linear light for the whole image (white
    /// balance and exposure), from a near-neutral wall's colour.
    CorrectColour {
        gains: [f32; 3],
        /// The wall's CIELAB colour before and after.
        wall_before: [f32; 3],
        wall_after: [f32; 3],
    },
    /// The backdrop replaced by a reference colour, the person untouched.
    ReplaceBackground {
        colour: String,
        rgb: [u8; 3],
        /// Worst person-to-backdrop contrast around the head (CIE76).
        edge_contrast: f32,
    },
}

impl Step {
    /// The step in a sentence, for the reviewer and the command line.
    pub fn describe(&self) -> String {
        match self {
            Step::Crop { x, y, width, height } => {
                format!("裁剪：从原图 ({x:.0}, {y:.0}) 起 {width:.0}×{height:.0} 像素")
            }
            Step::Scale { factor } => format!("缩放：{factor:.3} 倍"),
            Step::ExtendCanvas { top, bottom, left, right } => format!(
                "延展画布（重复边缘的背景或衣物，未改动人像）：上 {top}、下 {bottom}、左 {left}、右 {right} 像素"
            ),
            Step::Encode { quality, subsampling, bytes } => {
                let sub = match subsampling {
                    Subsampling::S420 => "4:2:0",
                    Subsampling::S444 => "4:4:4",
                };
                format!("编码：基线 JPEG，品质 {quality}，{sub}，300 dpi，{bytes} 字节")
            }
            Step::CorrectColour { gains, wall_before: b, .. } => format!(
                "整体色彩与亮度校正（全图同一线性变换，未局部修改）：红 ×{:.2}、绿 ×{:.2}、蓝 ×{:.2}；原背景 L*{:.0} a*{:.1} b*{:.1} 校正为中性",
                gains[0], gains[1], gains[2], b[0], b[1], b[2]
            ),
            Step::ReplaceBackground { colour, edge_contrast, .. } => format!(
                "背景替换为{colour}（人像未改动；轮廓处人像与原背景色差 {edge_contrast:.0}）：请对照原始照片核对发丝与肩部边缘"
            ),
        }
    }
}
