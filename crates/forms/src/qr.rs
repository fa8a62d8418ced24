//! The QR code on the form: the office scans it at the on-site review to open
//! the application. Drawn as SVG (crisp at any print resolution) with
//! medium error correction, which survives a folded or smudged print.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::FormError;

pub fn svg(payload: &str) -> Result<String, FormError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|_| FormError::QrCode)?;
    Ok(code
        .render::<svg::Color>()
        .quiet_zone(true)
        .min_dimensions(200, 200)
        .build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lookup_url_becomes_an_svg() {
        let s = super::svg("https://biye.example.gov.cn/onsite/lookup?ref=12.abcdef").unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"));
        assert!(super::svg(&"x".repeat(5000)).is_err());
    }
}
