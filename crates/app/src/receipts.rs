//! Receipts as proof at a counter: a verified receipt's one-line text
//! ([`lifecert_domain::api::Receipt::to_text`]) drawn as a QR code, which a
//! pensioner shows at a bank or agency counter and `certd verify-receipt`
//! checks offline with the agency's public key.

use image::{GrayImage, ImageFormat, Luma};
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per QR module: 6 makes a ~400 px code, readable from a phone screen.
const MODULE_PX: u32 = 6;
/// The blank border a scanner needs, in modules.
const QUIET_ZONE: u32 = 4;

/// `text` as a QR code in a PNG, black on white; empty if it does not fit
/// in a QR code (receipts are a few hundred characters; the limit is ~2300).
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn receipt_qr_png(text: String) -> Vec<u8> {
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return vec![];
    };
    let width = code.width() as u32;
    let side = (width + 2 * QUIET_ZONE) * MODULE_PX;
    let colors = code.to_colors();
    let img = GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
        let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + width).contains(&my);
        let dark = inside
            && colors[((my - QUIET_ZONE) * width + (mx - QUIET_ZONE)) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, ImageFormat::Png)
        .expect("a PNG in memory");
    png.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_line_becomes_a_square_black_and_white_png() {
        let text = format!("LCR1.{}.{}.k1", "A".repeat(340), "B".repeat(88));
        let png = receipt_qr_png(text);
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(img.width(), img.height());
        assert!(img.width() >= 300, "{} px", img.width());
        assert!(img.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
        // The quiet zone is white, the finder pattern's corner is black.
        assert_eq!(img.get_pixel(0, 0).0[0], 255);
        let corner = QUIET_ZONE * MODULE_PX;
        assert_eq!(img.get_pixel(corner, corner).0[0], 0);
    }

    #[test]
    fn text_too_long_for_any_qr_code_gives_no_picture() {
        assert!(receipt_qr_png("x".repeat(5000)).is_empty());
    }
}
