import Foundation

/// The grid cut of the test stage: patch width `W / grid` and height `H / grid` rounded down, boxes
/// `(j·w, i·h, (j+1)·w, (i+1)·h)` in row-major order (the right and bottom remainders are not counted, as in
/// the official code).
enum PatchGrid {
    /// The `grid × grid` patch boxes of a `width × height` image, row by row.
    static func boxes(width: Int, height: Int, grid: Int) -> [PixelBox] {
        let w = width / grid, h = height / grid
        var out: [PixelBox] = []
        out.reserveCapacity(grid * grid)
        for i in 0..<grid {
            for j in 0..<grid { out.append(PixelBox(left: j * w, top: i * h, right: (j + 1) * w, bottom: (i + 1) * h)) }
        }
        return out
    }

    /// The image scaled (Pillow bilinear) so its longer side is at most `maxLongSide`, as the official UCF-QNRF
    /// preprocessing does; unchanged when already small enough.
    static func limitingLongSide(_ image: RGBImage, to maxLongSide: Int?) -> RGBImage {
        guard let m = maxLongSide, max(image.width, image.height) > m else { return image }
        let scale = Double(m) / Double(max(image.width, image.height))
        let w = max(1, Int((Double(image.width) * scale).rounded())), h = max(1, Int((Double(image.height) * scale).rounded()))
        return image.resized(width: w, height: h, filter: .bilinear)
    }
}
