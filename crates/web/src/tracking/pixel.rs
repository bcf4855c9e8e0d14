//! The open pixel: a 1×1 transparent GIF, encoded once with the `image` crate.

use std::sync::LazyLock;

use bytes::Bytes;
use image::codecs::gif::GifEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgba, RgbaImage};

/// The GIF bytes, built on first use and shared by every response.
pub(crate) static PIXEL: LazyLock<Bytes> = LazyLock::new(|| {
    let image = RgbaImage::from_pixel(1, 1, Rgba([0, 0, 0, 0]));
    let mut out = Vec::with_capacity(64);
    GifEncoder::new(&mut out)
        .write_image(image.as_raw(), 1, 1, ExtendedColorType::Rgba8)
        .expect("a 1x1 RGBA image always encodes");
    Bytes::from(out)
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pixel_is_a_transparent_one_by_one_gif() {
        assert!(PIXEL.starts_with(b"GIF89a"));
        let decoded = image::load_from_memory_with_format(&PIXEL, image::ImageFormat::Gif)
            .expect("decodes")
            .to_rgba8();
        assert_eq!(decoded.dimensions(), (1, 1));
        assert_eq!(decoded.get_pixel(0, 0)[3], 0, "transparent");
    }
}
