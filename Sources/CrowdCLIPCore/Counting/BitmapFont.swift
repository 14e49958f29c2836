import Foundation

/// A 5×7 pixel font for digits and the few symbols the pictures need, drawn scaled onto RGB images.
enum BitmapFont {
    /// Each glyph: 7 rows of 5 bits, most significant bit on the left.
    static let glyphs: [Character: [UInt8]] = [
        "0": [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E], "1": [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "2": [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F], "3": [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        "4": [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], "5": [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        "6": [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], "7": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        "8": [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E], "9": [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        ".": [0, 0, 0, 0, 0, 0x0C, 0x0C], "=": [0, 0, 0x1F, 0, 0x1F, 0, 0], " ": [0, 0, 0, 0, 0, 0, 0],
        "T": [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04], "O": [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        "A": [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11], "L": [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        "-": [0, 0, 0, 0x1F, 0, 0, 0],
    ]

    /// Width in pixels of `text` at `scale` (one blank column between glyphs).
    static func width(_ text: String, scale: Int) -> Int { text.count * 6 * scale - scale }

    /// Draws `text` with its top-left corner at (x, y), on a dark box for legibility.
    static func draw(_ text: String, on image: inout RGBImage, x: Int, y: Int, scale: Int, color: (UInt8, UInt8, UInt8)) {
        let w = width(text, scale: scale), h = 7 * scale
        image.fill(PixelBox(left: x - scale, top: y - scale, right: x + w + scale, bottom: y + h + scale), color: (0, 0, 0), alpha: 0.6)
        for (k, ch) in text.enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (r, bits) in rows.enumerated() {
                for c in 0..<5 where bits & (0x10 >> UInt8(c)) != 0 {
                    let px = x + (k * 6 + c) * scale, py = y + r * scale
                    image.fill(PixelBox(left: px, top: py, right: px + scale, bottom: py + scale), color: color, alpha: 1)
                }
            }
        }
    }
}

extension RGBImage {
    /// Blends `color` over the box (clipped to the image) with opacity `alpha`.
    mutating func fill(_ box: PixelBox, color: (UInt8, UInt8, UInt8), alpha: Double) {
        let x0 = max(0, box.left), x1 = min(width, box.right), y0 = max(0, box.top), y1 = min(height, box.bottom)
        guard x1 > x0, y1 > y0 else { return }
        let c = [Double(color.0), Double(color.1), Double(color.2)]
        for y in y0..<y1 {
            for x in x0..<x1 {
                let i = (y * width + x) * 3
                for k in 0..<3 { pixels[i + k] = UInt8((Double(pixels[i + k]) * (1 - alpha) + c[k] * alpha).rounded()) }
            }
        }
    }
}
