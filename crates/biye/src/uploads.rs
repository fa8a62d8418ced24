//! Uploaded images other than the certificate photo (ID-card attachments,
//! record-correction evidence): accepted by content, not by name or declared
//! type, within a byte limit, and re-encoded before storage so that nothing
//! of the original file survives but its pixels — no EXIF (location, device),
//! no appended data (a ZIP or HTML after the image), no second image.
//! CPU work: callers run it on the blocking pool.

use photo::container::Format;
use photo::decode::{self, Want};
use photo::encode::{self, Subsampling};

/// The notice's limit for ID attachments: "大小应小于1M".
pub const MAX_BYTES: usize = 1024 * 1024;
/// Stored attachments are scaled down to this longer side (enough to read an ID card).
const MAX_SIDE: u32 = 2000;
/// Decoding refuses images claiming more pixels than this (decompression bombs).
const MAX_PIXELS: u64 = 40_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("请选择要上传的图片")]
    Empty,
    #[error("文件大小为 {0} KB，应小于 1 MB（1024 KB）。请压缩或重新拍摄后上传")]
    TooLarge(usize),
    #[error("附件应为 JPG、PNG 或 JPEG 格式，这个文件是 {0}")]
    Format(&'static str),
    #[error("图片无法读取（{0}），请重新拍摄后上传")]
    Unreadable(String),
    #[error("上传未完成或内容不完整，请重新上传")]
    Broken,
}

/// A re-encoded image ready to store.
#[derive(Debug, Clone)]
pub struct Clean {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks an attachment by its content and re-encodes it as a plain JPEG.
pub fn attachment(bytes: &[u8]) -> Result<Clean, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() >= MAX_BYTES {
        return Err(UploadError::TooLarge(bytes.len().div_ceil(1024)));
    }
    let format = Format::sniff(bytes);
    if !matches!(format, Format::Jpeg | Format::Png) {
        return Err(UploadError::Format(format.label()));
    }
    let decoded = decode::decode(
        bytes,
        Want {
            min_short_side: u32::MAX,
            max_pixels: MAX_PIXELS,
        },
    )
    .map_err(|e| UploadError::Unreadable(e.to_string()))?;
    let mut img = decoded.image;
    let longer = img.width.max(img.height);
    if longer > MAX_SIDE {
        let scale = MAX_SIDE as f32 / longer as f32;
        let (w, h) = (
            ((img.width as f32 * scale).round() as u32).max(1),
            ((img.height as f32 * scale).round() as u32).max(1),
        );
        img = img.resample((0.0, 0.0, img.width as f32, img.height as f32), w, h);
    }
    let jpeg = encode::jpeg(&img, 85, Subsampling::S420, 72)
        .map_err(|e| UploadError::Unreadable(e.to_string()))?;
    Ok(Clean {
        jpeg,
        width: img.width,
        height: img.height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use photo::raster::Rgb;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = Rgb::from_fn(w, h, |x, y| [(x % 256) as u8, (y % 256) as u8, 128]);
        encode::jpeg(&img, 80, Subsampling::S420, 72).unwrap()
    }

    #[test]
    fn images_are_taken_by_content_and_come_out_clean() {
        let mut file = jpeg(640, 400);
        // Something appended after the image (a polyglot) does not survive.
        file.extend_from_slice(b"PK\x03\x04 a zip archive <html><script>alert(1)</script>");
        let clean = attachment(&file).unwrap();
        assert_eq!((clean.width, clean.height), (640, 400));
        assert!(clean.jpeg.starts_with(&[0xFF, 0xD8]));
        assert!(!clean.jpeg.windows(2).any(|w| w == b"PK"));
        assert!(!clean.jpeg.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn wrong_formats_large_files_and_garbage_are_refused_in_chinese() {
        assert!(matches!(attachment(b""), Err(UploadError::Empty)));
        let e = attachment(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").unwrap_err();
        assert!(
            e.to_string().starts_with("附件应为 JPG、PNG 或 JPEG 格式"),
            "{e}"
        );
        let big = vec![0xFFu8; MAX_BYTES];
        assert!(matches!(attachment(&big), Err(UploadError::TooLarge(1024))));
        let mut truncated = jpeg(640, 400);
        truncated.truncate(300);
        assert!(matches!(
            attachment(&truncated),
            Err(UploadError::Unreadable(_))
        ));
    }

    proptest::proptest! {
        /// Whatever the bytes, an answer and never a panic.
        #[test]
        fn any_bytes_get_an_answer(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
            let _ = attachment(&bytes);
        }
    }
}
