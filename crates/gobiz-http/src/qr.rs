//! Draws a QR code as a PNG (spec §7.5): black modules on white, a 4-module quiet zone, at
//! least 256 × 256 pixels. The `qrcode` crate encodes; the `png` crate writes the image.

use qrcode::{Color, QrCode};

/// PNG bytes of a QR code for `payload`.
pub fn png(payload: &str) -> Result<Vec<u8>, String> {
    let code = QrCode::new(payload.as_bytes()).map_err(|e| e.to_string())?;
    let modules = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let total = modules + 2 * quiet;
    let scale = 256usize.div_ceil(total).max(4);
    let side = total * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if colors[y * modules + x] == Color::Dark {
                for dy in 0..scale {
                    let row = (y + quiet) * scale + dy;
                    let start = row * side + (x + quiet) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let side32 = u32::try_from(side).map_err(|e| e.to_string())?;
        let mut enc = png::Encoder::new(&mut out, side32, side32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_a_png_of_at_least_256_pixels() {
        let bytes = super::png("00020101021226610014COM.GO-JEK.WWW").unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        assert!(width >= 256, "{width}");
    }
}
