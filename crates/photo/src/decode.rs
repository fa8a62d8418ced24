//! Bytes to pixels, safely: the format comes from the content, the pixel count
//! from the header is checked against the spec's limit before anything is
//! allocated, and large JPEGs are decoded at a reduced DCT scale when the
//! caller needs fewer pixels (a 12 MP phone photo is analysed at 1/4 scale).
//! EXIF orientation is applied, so callers see the photo as the camera saw it.

use std::io::Cursor;

use crate::container::{self, Format, JpegInfo};
use crate::raster::Rgb;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("无法识别的图像格式")]
    UnsupportedFormat(Format),
    #[error("图像尺寸 {width}×{height} 超过上限（{limit} 像素）")]
    TooLarge { width: u32, height: u32, limit: u64 },
    #[error("图像数据不完整，文件可能在传输中被截断")]
    Truncated,
    #[error("图像无法解码：{0}")]
    Corrupt(String),
}

/// Pixels plus what the decoder learned about them.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Oriented image at `1/denominator` of the stored size.
    pub image: Rgb,
    pub denominator: u32,
    /// Stored size, before orientation and scaling.
    pub stored: (u32, u32),
    pub orientation: u8,
    /// Colour channels stored in the file (1 = greyscale, 4 = CMYK).
    pub channels: u8,
}

/// How large the caller needs the decoded image to be.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    /// The decoded image's shorter side should be at least this; the decoder
    /// picks the coarsest DCT scale that still gives it. 0: full size.
    pub min_short_side: u32,
    pub max_pixels: u64,
}

/// Header facts: format and stored dimensions, without decoding.
pub fn dimensions(bytes: &[u8]) -> Option<(Format, u32, u32, Option<JpegInfo>)> {
    match Format::sniff(bytes) {
        Format::Jpeg => {
            let info = container::read_jpeg(bytes).ok()?;
            Some((
                Format::Jpeg,
                u32::from(info.width),
                u32::from(info.height),
                Some(info),
            ))
        }
        Format::Png => {
            let (w, h) = container::png_dimensions(bytes)?;
            Some((Format::Png, w, h, None))
        }
        Format::WebP => {
            let d = image_webp::WebPDecoder::new(Cursor::new(bytes)).ok()?;
            let (w, h) = d.dimensions();
            Some((Format::WebP, w, h, None))
        }
        _ => None,
    }
}

pub fn decode(bytes: &[u8], want: Want) -> Result<Decoded, DecodeError> {
    let format = Format::sniff(bytes);
    let (_, w, h, info) = dimensions(bytes).ok_or_else(|| match format {
        Format::Jpeg | Format::Png | Format::WebP => match container::read_jpeg(bytes) {
            Err(container::ContainerError::Truncated(_)) => DecodeError::Truncated,
            _ => DecodeError::Corrupt("文件头损坏".into()),
        },
        other => DecodeError::UnsupportedFormat(other),
    })?;
    if w == 0 || h == 0 {
        return Err(DecodeError::Corrupt(format!("图像尺寸 {w}×{h} 无效")));
    }
    if u64::from(w) * u64::from(h) > want.max_pixels {
        return Err(DecodeError::TooLarge {
            width: w,
            height: h,
            limit: want.max_pixels,
        });
    }
    match format {
        Format::Jpeg => {
            let info = info.ok_or(DecodeError::Corrupt("文件头损坏".into()))?;
            decode_jpeg(bytes, &info, want)
        }
        Format::Png => decode_png(bytes, want),
        Format::WebP => decode_webp(bytes, want),
        other => Err(DecodeError::UnsupportedFormat(other)),
    }
}

/// The coarsest of 1, 1/2, 1/4, 1/8 keeping the short side at least `min`.
fn denominator(w: u32, h: u32, min: u32) -> u32 {
    if min == 0 {
        return 1;
    }
    [8, 4, 2]
        .into_iter()
        .find(|&d| w.min(h).div_ceil(d) >= min)
        .unwrap_or(1)
}

fn decode_jpeg(bytes: &[u8], info: &JpegInfo, want: Want) -> Result<Decoded, DecodeError> {
    use jpeg_decoder::PixelFormat;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size(usize::try_from(want.max_pixels * 4).unwrap_or(usize::MAX));
    d.read_info().map_err(jpeg_error)?;
    let denom = denominator(w, h, want.min_short_side);
    let mut stored = (w, h);
    if denom > 1 {
        let (sw, sh) = d
            .scale(w.div_ceil(denom) as u16, h.div_ceil(denom) as u16)
            .map_err(jpeg_error)?;
        stored = (u32::from(sw), u32::from(sh));
    }
    let pixels = d.decode().map_err(jpeg_error)?;
    let meta = d
        .info()
        .ok_or(DecodeError::Corrupt("缺少图像信息".into()))?;
    let (dw, dh) = (u32::from(meta.width), u32::from(meta.height));
    let n = dw as usize * dh as usize;
    let (data, channels) = match meta.pixel_format {
        PixelFormat::RGB24 => (pixels, 3),
        PixelFormat::L8 => (pixels.iter().flat_map(|&v| [v, v, v]).collect(), 1),
        PixelFormat::L16 => (
            pixels
                .chunks_exact(2)
                .flat_map(|v| [v[0], v[0], v[0]])
                .collect(),
            1,
        ),
        PixelFormat::CMYK32 => (cmyk_to_rgb(&pixels), 4),
    };
    if data.len() != n * 3 {
        return Err(DecodeError::Corrupt("像素数量与尺寸不符".into()));
    }
    let _ = stored;
    let orientation = info.orientation.unwrap_or(1);
    let image = Rgb {
        width: dw,
        height: dh,
        data,
    }
    .oriented(orientation);
    Ok(Decoded {
        image,
        denominator: denom,
        stored: (w, h),
        orientation,
        channels,
    })
}

/// jpeg-decoder undoes Adobe's inverted storage and returns plain CMYK; the
/// naive conversion (no colour profile) is enough for analysis, which only
/// has to see that the file is CMYK and roughly what it shows.
fn cmyk_to_rgb(p: &[u8]) -> Vec<u8> {
    p.chunks_exact(4)
        .flat_map(|c| {
            let k = 255 - u32::from(c[3]);
            [c[0], c[1], c[2]].map(|v| (((255 - u32::from(v)) * k + 127) / 255) as u8)
        })
        .collect()
}

fn jpeg_error(e: jpeg_decoder::Error) -> DecodeError {
    let text = e.to_string();
    if text.contains("fill whole buffer") || text.contains("unexpected EOF") || text.contains("eof")
    {
        DecodeError::Truncated
    } else {
        DecodeError::Corrupt(text)
    }
}

fn decode_png(bytes: &[u8], want: Want) -> Result<Decoded, DecodeError> {
    let limits = png::Limits {
        bytes: usize::try_from(want.max_pixels * 8).unwrap_or(usize::MAX),
    };
    let mut d = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = d.read_info().map_err(png_error)?;
    let size = reader
        .output_buffer_size()
        .ok_or(DecodeError::Corrupt("PNG 尺寸无效".into()))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(png_error)?;
    let (w, h) = (frame.width, frame.height);
    let line = frame.line_size;
    let (data, channels) = png_to_rgb(&buf, w, h, line, frame.color_type)?;
    let image = Rgb {
        width: w,
        height: h,
        data,
    };
    Ok(reduced(image, want, channels))
}

fn png_to_rgb(
    buf: &[u8],
    w: u32,
    h: u32,
    line: usize,
    colour: png::ColorType,
) -> Result<(Vec<u8>, u8), DecodeError> {
    use png::ColorType::*;
    let per = match colour {
        Grayscale => 1,
        GrayscaleAlpha => 2,
        Rgb => 3,
        Rgba => 4,
        Indexed => return Err(DecodeError::Corrupt("PNG 调色板未展开".into())),
    };
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h as usize {
        let row = buf
            .get(y * line..y * line + w as usize * per)
            .ok_or(DecodeError::Truncated)?;
        for px in row.chunks_exact(per) {
            // Transparent parts are shown over white, as a browser would.
            let (rgb, a) = match per {
                1 => ([px[0]; 3], 255),
                2 => ([px[0]; 3], px[1]),
                3 => ([px[0], px[1], px[2]], 255),
                _ => ([px[0], px[1], px[2]], px[3]),
            };
            let a = u32::from(a);
            out.extend(rgb.map(|v| ((u32::from(v) * a + 255 * (255 - a) + 127) / 255) as u8));
        }
    }
    Ok((out, if per <= 2 { 1 } else { 3 }))
}

fn png_error(e: png::DecodingError) -> DecodeError {
    match e {
        png::DecodingError::IoError(_) => DecodeError::Truncated,
        png::DecodingError::LimitsExceeded => DecodeError::Corrupt("PNG 超过解码内存上限".into()),
        other => DecodeError::Corrupt(other.to_string()),
    }
}

fn decode_webp(bytes: &[u8], want: Want) -> Result<Decoded, DecodeError> {
    let mut d = image_webp::WebPDecoder::new(Cursor::new(bytes))
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    d.set_memory_limit(usize::try_from(want.max_pixels * 4).unwrap_or(usize::MAX));
    let (w, h) = d.dimensions();
    let size = d
        .output_buffer_size()
        .ok_or(DecodeError::Corrupt("WebP 尺寸无效".into()))?;
    let mut buf = vec![0; size];
    d.read_image(&mut buf).map_err(|e| match e {
        image_webp::DecodingError::IoError(_) => DecodeError::Truncated,
        other => DecodeError::Corrupt(other.to_string()),
    })?;
    let data = if d.has_alpha() {
        png_to_rgb(&buf, w, h, w as usize * 4, png::ColorType::Rgba)?.0
    } else {
        buf
    };
    let image = Rgb {
        width: w,
        height: h,
        data,
    };
    Ok(reduced(image, want, 3))
}

/// Formats without DCT scaling are reduced by whole blocks after decoding.
fn reduced(image: Rgb, want: Want, channels: u8) -> Decoded {
    let stored = (image.width, image.height);
    let denom = denominator(image.width, image.height, want.min_short_side);
    Decoded {
        image: image.reduce(denom),
        denominator: denom,
        stored,
        orientation: 1,
        channels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarsest_scale_keeps_enough_pixels() {
        assert_eq!(denominator(4000, 3000, 640), 4);
        assert_eq!(denominator(480, 640, 640), 1);
        assert_eq!(denominator(480, 640, 0), 1);
        assert_eq!(denominator(8000, 6000, 640), 8);
    }

    #[test]
    fn cmyk_decodes_to_the_colour_it_encodes() {
        // Orange: R 230, G 120, B 40 as C 0, M 110, Y 190, K 25.
        let data: Vec<u8> = [0u8, 110, 190, 25].repeat(16 * 16);
        let mut bytes = Vec::new();
        jpeg_encoder::Encoder::new(&mut bytes, 95)
            .encode(&data, 16, 16, jpeg_encoder::ColorType::Cmyk)
            .unwrap();
        let d = decode(
            &bytes,
            Want {
                min_short_side: 0,
                max_pixels: 1 << 20,
            },
        )
        .unwrap();
        assert_eq!(d.channels, 4);
        let p = d.image.at(8, 8);
        assert!(p[0] > 200 && p[1] > 100 && p[1] < 140 && p[2] < 70, "{p:?}");
    }

    #[test]
    fn a_bomb_header_is_refused_before_decoding() {
        // A PNG header promising 30000×30000 pixels and nothing else.
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&30000u32.to_be_bytes());
        b.extend_from_slice(&30000u32.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let e = decode(
            &b,
            Want {
                min_short_side: 0,
                max_pixels: 50_000_000,
            },
        )
        .unwrap_err();
        assert!(
            matches!(e, DecodeError::TooLarge { width: 30000, .. }),
            "{e:?}"
        );
    }
}
