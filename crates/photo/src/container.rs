//! What a file is, read from its bytes before any pixel is decoded: the format
//! by magic number (never by extension), and for JPEG the facts the standard
//! cares about: coding process, components, dimensions, quantisation tables,
//! JFIF density, EXIF orientation, and whether the stream ends properly.
//!
//! This parser walks marker segments only; entropy-coded data is skipped. It
//! must never panic or allocate in proportion to a length field it has not
//! checked against the input: every read is bounds-checked.

/// Image formats recognised by their leading bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
    Gif,
    Bmp,
    Tiff,
    Heif,
    Unknown,
}

impl Format {
    pub fn sniff(b: &[u8]) -> Format {
        match b {
            [0xFF, 0xD8, 0xFF, ..] => Format::Jpeg,
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Format::Png,
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Format::WebP,
            [b'G', b'I', b'F', b'8', ..] => Format::Gif,
            [b'B', b'M', ..] => Format::Bmp,
            [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => Format::Tiff,
            [_, _, _, _, b'f', b't', b'y', b'p', rest @ ..]
                if rest.starts_with(b"hei")
                    || rest.starts_with(b"mif1")
                    || rest.starts_with(b"msf1")
                    || rest.starts_with(b"avif") =>
            {
                Format::Heif
            }
            _ => Format::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Heif => "heif",
            Format::Unknown => "unknown",
        }
    }

    /// How a person would name it in a message.
    pub fn label(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
            Format::Heif => "HEIC/HEIF",
            Format::Unknown => "未知格式",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Baseline,
    ExtendedSequential,
    Progressive,
    /// Lossless, hierarchical or arithmetic-coded: valid JPEG that almost
    /// nothing decodes.
    Other,
}

/// Facts from a JPEG's marker segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegInfo {
    pub coding: Coding,
    pub width: u16,
    pub height: u16,
    pub precision: u8,
    /// 1 = greyscale, 3 = YCbCr (or RGB), 4 = CMYK/YCCK.
    pub components: u8,
    /// Luminance quantisation table in zig-zag order, if present.
    pub luma_table: Option<[u16; 64]>,
    /// JFIF density: (unit, x, y); unit 1 = dots per inch, 2 = per cm.
    pub jfif_density: Option<(u8, u16, u16)>,
    /// EXIF orientation (1–8).
    pub orientation: Option<u8>,
    /// Adobe APP14 transform flag (0 = none/CMYK/RGB, 1 = YCbCr, 2 = YCCK).
    pub adobe_transform: Option<u8>,
    /// An EOI marker closes the file (a missing one means truncation).
    pub has_eoi: bool,
}

impl JpegInfo {
    /// Density in dots per inch, converting per-centimetre values.
    pub fn dpi(&self) -> Option<(u16, u16)> {
        match self.jfif_density? {
            (1, x, y) => Some((x, y)),
            (2, x, y) => Some((
                (f32::from(x) * 2.54).round() as u16,
                (f32::from(y) * 2.54).round() as u16,
            )),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    #[error("不是 JPEG 文件")]
    NotJpeg,
    #[error("文件在第 {0} 字节处提前结束")]
    Truncated(usize),
    #[error("JPEG 结构损坏：{0}")]
    Corrupt(&'static str),
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Reads a JPEG's marker segments up to the first scan, then looks for EOI at
/// the end of the data.
pub fn read_jpeg(b: &[u8]) -> Result<JpegInfo, ContainerError> {
    if Format::sniff(b) != Format::Jpeg {
        return Err(ContainerError::NotJpeg);
    }
    let mut info = JpegInfo {
        coding: Coding::Baseline,
        width: 0,
        height: 0,
        precision: 8,
        components: 0,
        luma_table: None,
        jfif_density: None,
        orientation: None,
        adobe_transform: None,
        has_eoi: false,
    };
    let mut seen_frame = false;
    let mut at = 2;
    loop {
        // Markers may be preceded by fill bytes 0xFF.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (b.get(at), b.get(at + 1)) else {
            return Err(if at + 1 >= b.len() {
                ContainerError::Truncated(b.len())
            } else {
                ContainerError::Corrupt("缺少段标记")
            });
        };
        at += 2;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 => return Err(ContainerError::Corrupt("图像数据之前出现结束标记")),
            _ => {}
        }
        let len = usize::from(be16(b, at).ok_or(ContainerError::Truncated(at))?);
        if len < 2 {
            return Err(ContainerError::Corrupt("段长度无效"));
        }
        let seg = b
            .get(at + 2..at + len)
            .ok_or(ContainerError::Truncated(b.len()))?;
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                info.coding = match marker {
                    0xC0 => Coding::Baseline,
                    0xC1 => Coding::ExtendedSequential,
                    0xC2 => Coding::Progressive,
                    _ => Coding::Other,
                };
                read_frame(seg, &mut info)?;
                seen_frame = true;
            }
            0xDB => read_quant_tables(seg, &mut info)?,
            0xE0 => read_jfif(seg, &mut info),
            0xE1 => {
                if let Some(tiff) = seg.strip_prefix(b"Exif\0\0") {
                    info.orientation = exif_orientation(tiff);
                }
            }
            0xEE if seg.starts_with(b"Adobe") => {
                info.adobe_transform = seg.get(11).copied();
            }
            0xDA => {
                if !seen_frame {
                    return Err(ContainerError::Corrupt("扫描数据之前没有帧头"));
                }
                info.has_eoi = ends_with_eoi(b);
                return Ok(info);
            }
            _ => {}
        }
        at += len;
    }
}

fn read_frame(seg: &[u8], info: &mut JpegInfo) -> Result<(), ContainerError> {
    let bad = ContainerError::Corrupt("帧头损坏");
    info.precision = *seg.first().ok_or(bad.clone())?;
    info.height = be16(seg, 1).ok_or(bad.clone())?;
    info.width = be16(seg, 3).ok_or(bad.clone())?;
    info.components = *seg.get(5).ok_or(bad.clone())?;
    if info.width == 0 || info.components == 0 {
        return Err(bad);
    }
    Ok(())
}

fn read_quant_tables(mut seg: &[u8], info: &mut JpegInfo) -> Result<(), ContainerError> {
    while let Some((&pq_tq, rest)) = seg.split_first() {
        let precision16 = pq_tq >> 4 == 1;
        let id = pq_tq & 0x0F;
        let size = if precision16 { 128 } else { 64 };
        let data = rest
            .get(..size)
            .ok_or(ContainerError::Corrupt("量化表损坏"))?;
        if id == 0 {
            let mut t = [0u16; 64];
            for (i, v) in t.iter_mut().enumerate() {
                *v = if precision16 {
                    u16::from_be_bytes([data[2 * i], data[2 * i + 1]])
                } else {
                    u16::from(data[i])
                };
            }
            info.luma_table = Some(t);
        }
        seg = &rest[size..];
    }
    Ok(())
}

fn read_jfif(seg: &[u8], info: &mut JpegInfo) {
    if seg.len() >= 12 && seg.starts_with(b"JFIF\0") {
        let unit = seg[7];
        if let (Some(x), Some(y)) = (be16(seg, 8), be16(seg, 10)) {
            info.jfif_density = Some((unit, x, y));
        }
    }
}

/// The orientation tag (0x0112) of IFD0 in a TIFF structure.
pub fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let le = match tiff.get(..4)? {
        [b'I', b'I', 0x2A, 0x00] => true,
        [b'M', b'M', 0x00, 0x2A] => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = [*tiff.get(at)?, *tiff.get(at + 1)?];
        Some(if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = [
            *tiff.get(at)?,
            *tiff.get(at + 1)?,
            *tiff.get(at + 2)?,
            *tiff.get(at + 3)?,
        ];
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd.checked_add(2 + 12 * i)?;
        if u16_at(entry)? == 0x0112 {
            let value = u16_at(entry + 8)?;
            return (1..=8).contains(&value).then_some(value as u8);
        }
    }
    None
}

/// Whether the file ends with EOI, allowing trailing padding some cameras add.
fn ends_with_eoi(b: &[u8]) -> bool {
    let tail = &b[b.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// The IJG quality factor whose scaled Annex K luminance table is closest to
/// `table` (zig-zag order). Exact for files written by libjpeg-style encoders;
/// a best fit for others.
pub fn estimate_quality(table: &[u16; 64]) -> u8 {
    let mut best = (u64::MAX, 1u8);
    for q in 1..=100u8 {
        let scale = if q < 50 {
            5000 / u32::from(q)
        } else {
            200 - 2 * u32::from(q)
        };
        let err: u64 = ANNEX_K_LUMA_ZIGZAG
            .iter()
            .zip(table)
            .map(|(&base, &actual)| {
                let expected = ((u32::from(base) * scale + 50) / 100).clamp(1, 255);
                let d = i64::from(expected) - i64::from(actual);
                (d * d) as u64
            })
            .sum();
        // Ties go to the higher quality: flat tables (q ≥ 98) all clamp to 1.
        if err <= best.0 {
            best = (err, q);
        }
    }
    best.1
}

/// JPEG Annex K luminance table, in zig-zag order (as stored in DQT).
const ANNEX_K_LUMA_ZIGZAG: [u16; 64] = [
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37,
    29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81,
    87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/// Width and height from a PNG's IHDR, without decoding.
pub fn png_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled_table(q: u32) -> [u16; 64] {
        let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
        ANNEX_K_LUMA_ZIGZAG.map(|b| ((u32::from(b) * scale + 50) / 100).clamp(1, 255) as u16)
    }

    #[test]
    fn quality_is_recovered_from_ijg_tables() {
        for q in [30, 50, 60, 75, 85, 92] {
            assert_eq!(estimate_quality(&scaled_table(q)), q as u8);
        }
    }

    #[test]
    fn formats_are_sniffed_by_content() {
        assert_eq!(Format::sniff(b"\xFF\xD8\xFF\xE0rest"), Format::Jpeg);
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Format::WebP);
        assert_eq!(Format::sniff(b"\0\0\0\x18ftypheic"), Format::Heif);
        assert_eq!(Format::sniff(b"GIF89a"), Format::Gif);
        assert_eq!(Format::sniff(b""), Format::Unknown);
    }

    #[test]
    fn exif_orientation_reads_both_byte_orders() {
        let mut le = b"II\x2A\x00\x08\x00\x00\x00\x01\x00".to_vec();
        le.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        assert_eq!(exif_orientation(&le), Some(6));
        let mut be = b"MM\x00\x2A\x00\x00\x00\x08\x00\x01".to_vec();
        be.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0]);
        assert_eq!(exif_orientation(&be), Some(8));
        assert_eq!(exif_orientation(b"II\x2A\x00\xFF\xFF\xFF\xFF"), None);
    }

    #[test]
    fn truncated_and_garbage_headers_are_errors_not_panics() {
        assert_eq!(
            read_jpeg(b"\xFF\xD8\xFF"),
            Err(ContainerError::Truncated(3))
        );
        assert!(read_jpeg(b"\xFF\xD8\xFF\xDB\xFF\xFF").is_err());
        assert!(read_jpeg(b"\xFF\xD8\xFF\xC0\x00\x02\xFF\xDA\x00\x02").is_err());
    }
}
