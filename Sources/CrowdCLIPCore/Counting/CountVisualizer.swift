import Foundation

/// Draws a count result over its photo: the grid, kept patches tinted green, each kept patch's count in it,
/// and the total in the top-left corner.
public enum CountVisualizer {
    /// A copy of `image` (resized to the result's size when needed) with the grid, kept patches and counts drawn.
    public static func render(_ image: RGBImage, _ result: CountResult) -> RGBImage {
        var out = image.width == result.width && image.height == result.height
            ? image : image.resized(width: result.width, height: result.height, filter: .bilinear)
        let scale = max(1, min(out.width, out.height) / 200)
        for p in result.patches where p.selected { out.fill(p.box, color: (40, 220, 90), alpha: 0.28) }
        for p in result.patches {
            let b = p.box, t = max(1, scale / 2)
            for edge in [PixelBox(left: b.left, top: b.top, right: b.right, bottom: b.top + t),
                         PixelBox(left: b.left, top: b.bottom - t, right: b.right, bottom: b.bottom),
                         PixelBox(left: b.left, top: b.top, right: b.left + t, bottom: b.bottom),
                         PixelBox(left: b.right - t, top: b.top, right: b.right, bottom: b.bottom)] {
                out.fill(edge, color: (255, 255, 255), alpha: 0.8)
            }
            guard p.selected else { continue }
            let label = JSONText.number(p.count)
            let s = max(1, min(scale * 2, b.width / max(1, 6 * label.count + 2)))
            BitmapFont.draw(label, on: &out, x: b.left + (b.width - BitmapFont.width(label, scale: s)) / 2,
                            y: b.top + (b.height - 7 * s) / 2, scale: s, color: (255, 255, 255))
        }
        let total = "TOTAL " + JSONText.number(result.count)
        BitmapFont.draw(total, on: &out, x: 3 * scale, y: 3 * scale, scale: 2 * scale, color: (255, 230, 60))
        return out
    }
}
