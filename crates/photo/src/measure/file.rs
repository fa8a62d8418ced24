//! Rules about the file rather than the picture: format by content, name,
//! dimensions, density, colour mode, JPEG quality, size, coding process and
//! orientation tag; for a phone capture, its minimum size instead.

use crate::container::{estimate_quality, Coding, Format, JpegInfo};
use crate::report::{Code, FileFacts, Finding};
use crate::spec::PhotoSpec;
use crate::Stage;

pub fn facts(
    bytes: &[u8],
    format: Format,
    stored: Option<(u32, u32)>,
    jpeg: Option<&JpegInfo>,
) -> FileFacts {
    let (width, height) = stored.unwrap_or((0, 0));
    FileFacts {
        format: format.as_str().into(),
        bytes: bytes.len() as u64,
        width,
        height,
        quality: jpeg
            .and_then(|j| j.luma_table.as_ref())
            .map(estimate_quality),
        dpi: jpeg.and_then(JpegInfo::dpi),
        orientation: jpeg.and_then(|j| j.orientation),
    }
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// Findings about the file; `oriented` is the displayed size.
pub fn findings(
    spec: &PhotoSpec,
    stage: Stage,
    name: Option<&str>,
    format: Format,
    facts: &FileFacts,
    jpeg: Option<&JpegInfo>,
    oriented: Option<(u32, u32)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let fr = &spec.file;
    let wants_jpeg = stage == Stage::Delivery;
    let readable = matches!(format, Format::Jpeg | Format::Png | Format::WebP);
    let fmt = Finding::new(Code::FileFormat, "文件格式").text(format.label());
    out.push(if wants_jpeg {
        fmt.limit("JPEG").fail_if(format != Format::Jpeg, || {
            let shown = name
                .map(|n| format!("（文件名为 {n}）"))
                .unwrap_or_default();
            format!(
                "文件实际是 {} 格式{shown}，不是 JPEG：请用“一键修正”或相机重新保存为 JPEG",
                format.label()
            )
        })
    } else {
        fmt.limit("JPEG、PNG 或 WebP").fail_if(!readable, || {
            format!(
                "无法处理 {} 格式的照片：请用手机相机拍摄 JPEG 照片后上传",
                format.label()
            )
        })
    });

    if let Some(name) = name {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let ok = ext
            .as_ref()
            .is_some_and(|e| fr.extensions.iter().any(|x| x.eq_ignore_ascii_case(e)));
        if wants_jpeg {
            out.push(
                Finding::new(Code::FileExtension, "文件扩展名")
                    .text(ext.map(|e| format!(".{e}")).unwrap_or_else(|| "无".into()))
                    .limit(
                        fr.extensions
                            .iter()
                            .map(|e| format!(".{}", e.to_uppercase()))
                            .collect::<Vec<_>>()
                            .join("、"),
                    )
                    .fail_if(!ok, || {
                        "文件扩展名应为 .JPG：请把文件另存为 JPG 格式".into()
                    }),
            );
        }
    }

    match stage {
        Stage::Delivery => delivery(spec, facts, jpeg, oriented, &mut out),
        Stage::Capture => capture(spec, facts, oriented, &mut out),
    }
    out
}

fn delivery(
    spec: &PhotoSpec,
    facts: &FileFacts,
    jpeg: Option<&JpegInfo>,
    oriented: Option<(u32, u32)>,
    out: &mut Vec<Finding>,
) {
    let fr = &spec.file;
    let dims = Finding::new(Code::FileDimensions, "图像尺寸")
        .limit(format!("宽 {} × 高 {} 像素", fr.width, fr.height));
    out.push(match oriented {
        Some((w, h)) => dims.text(format!("宽 {w} × 高 {h} 像素")).fail_if(
            (w, h) != (fr.width, fr.height),
            || {
                format!(
                    "尺寸应为 {}×{} 像素：请使用“一键修正”自动裁剪缩放",
                    fr.width, fr.height
                )
            },
        ),
        None => dims
            .text("无法读取")
            .fail("无法读取图像尺寸：文件可能已损坏，请重新拍摄"),
    });

    let size = Finding::new(Code::FileSize, "文件大小")
        .measured(facts.bytes as f32 / 1024.0, kb(facts.bytes))
        .limit(format!("{}–{}", kb(fr.min_bytes), kb(fr.max_bytes)));
    out.push(size.fail_if(
        facts.bytes < fr.min_bytes || facts.bytes > fr.max_bytes,
        || {
            if facts.bytes < fr.min_bytes {
                "文件太小（压缩过度）：请使用“一键修正”按标准重新压缩".into()
            } else {
                "文件太大：请使用“一键修正”按标准重新压缩".into()
            }
        },
    ));

    let Some(j) = jpeg else { return };
    let dpi = Finding::new(Code::FileResolution, "分辨率").limit(format!("{} dpi", fr.dpi));
    out.push(match j.dpi() {
        Some((x, y)) => dpi
            .measured(f32::from(x), format!("{x}×{y} dpi"))
            .fail_if(x != fr.dpi || y != fr.dpi, || {
                format!("分辨率应为 {} dpi：请使用“一键修正”", fr.dpi)
            }),
        None => dpi.text("未标注").fail(format!(
            "文件未标注分辨率，应为 {} dpi：请使用“一键修正”",
            fr.dpi
        )),
    });

    let mode = Finding::new(Code::FileColourMode, "24 位真彩色").limit("RGB 三通道、每通道 8 位");
    out.push(match (j.components, j.precision) {
        (3, 8) if j.adobe_transform != Some(2) => mode.text("24 位彩色"),
        (1, _) => mode
            .text("灰度（黑白）")
            .fail("照片是黑白（灰度）图像：请提交彩色照片"),
        (4, _) => mode
            .text("CMYK 印刷色")
            .fail("照片是 CMYK 印刷色彩模式：请转换为 RGB 彩色后再提交，或使用“一键修正”"),
        (c, p) => mode
            .text(format!("{c} 通道 {p} 位"))
            .fail("色彩模式不是 24 位 RGB：请使用“一键修正”"),
    });

    let q = Finding::new(Code::FileQuality, "压缩品质").limit(format!("不低于 {}", fr.min_quality));
    out.push(match facts.quality {
        Some(v) => q
            .measured(f32::from(v), format!("约 {v}"))
            .fail_if(v < fr.min_quality, || {
                format!(
                    "压缩品质约为 {v}，低于 {}：压缩过度会产生马赛克，请使用原图或“一键修正”",
                    fr.min_quality
                )
            }),
        None => q.text("无法估计").fail("文件缺少量化表，无法确认压缩品质"),
    });

    let coding = Finding::new(Code::FileProgressive, "基线 JPEG 编码").limit("基线（顺序）编码");
    out.push(match j.coding {
        Coding::Baseline | Coding::ExtendedSequential => coding.text("基线"),
        Coding::Progressive if fr.baseline_only => coding
            .text("渐进式")
            .fail("照片是渐进式 JPEG，注册系统可能无法读取：请使用“一键修正”另存为基线 JPEG"),
        Coding::Progressive => coding.text("渐进式"),
        Coding::Other => coding
            .text("无损/算术编码")
            .fail("使用了不常见的 JPEG 编码方式：请使用“一键修正”"),
    });

    let tag =
        Finding::new(Code::FileOrientationTag, "无旋转标记").limit("无 EXIF 方向标记或方向为 1");
    out.push(match j.orientation {
        Some(o) if o != 1 => tag
            .measured(f32::from(o), format!("EXIF 方向 {o}"))
            .fail("照片依赖 EXIF 方向标记显示，注册系统会显示为横倒或颠倒：请使用“一键修正”"),
        _ => tag.text("无"),
    });

    out.push(
        Finding::new(Code::FileTruncated, "文件完整")
            .text(if j.has_eoi {
                "完整"
            } else {
                "缺少结束标记"
            })
            .fail_if(!j.has_eoi, || {
                "文件不完整（可能上传中断）：请重新上传".into()
            }),
    );
}

fn capture(
    spec: &PhotoSpec,
    facts: &FileFacts,
    oriented: Option<(u32, u32)>,
    out: &mut Vec<Finding>,
) {
    let c = &spec.capture;
    let dims = Finding::new(Code::CaptureDimensions, "采集照片像素")
        .limit(format!("不低于 {}×{}", c.min_width, c.min_height));
    out.push(match oriented {
        Some((w, h)) => {
            dims.text(format!("{w}×{h}"))
                .fail_if(w < c.min_width || h < c.min_height, || {
                    format!(
                        "照片像素太低（应不低于 {}×{}）：请使用手机后置摄像头拍摄，不要截图或压缩",
                        c.min_width, c.min_height
                    )
                })
        }
        None => dims
            .text("无法读取")
            .fail("无法读取照片：文件可能已损坏，请重新拍摄"),
    });
    out.push(
        Finding::new(Code::CaptureSize, "采集照片大小")
            .measured(facts.bytes as f32 / 1024.0, kb(facts.bytes))
            .limit(format!(
                "大于 {}，不超过 {}",
                kb(c.min_bytes),
                kb(c.max_bytes)
            ))
            .fail_if(
                facts.bytes <= c.min_bytes || facts.bytes > c.max_bytes,
                || {
                    if facts.bytes <= c.min_bytes {
                        "照片文件太小（应在 50KB 以上）：请用相机直接拍摄，不要压缩".into()
                    } else {
                        "照片文件过大：请用手机相机的标准设置重新拍摄".into()
                    }
                },
            ),
    );
}
