import Foundation

/// An integer pixel rectangle with Pillow's box semantics: `left`/`top` inclusive,
/// `right`/`bottom` exclusive, so the size is `right - left` by `bottom - top`.
public struct PixelBox: Equatable, Hashable, Codable, Sendable, CustomStringConvertible {
    /// First column inside the box (inclusive).
    public var left: Int
    /// First row inside the box (inclusive).
    public var top: Int
    /// Column just past the box (exclusive).
    public var right: Int
    /// Row just past the box (exclusive).
    public var bottom: Int

    /// A box from its four edges, stored as given (not clamped or validated).
    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    /// Width in pixels, `right - left` (negative when the box is inverted).
    package var width: Int { right - left }
    /// Height in pixels, `bottom - top` (negative when the box is inverted).
    package var height: Int { bottom - top }

    /// `(left, top, right, bottom)`, as Pillow prints a box tuple.
    public var description: String { "(\(left), \(top), \(right), \(bottom))" }
}

extension RGBImage {
    /// Pillow's `Image.crop(box)`: the region `box`, with zeros (black) wherever the box
    /// lies outside the image. A box with `right < left` or `bottom < top` yields an
    /// empty image (Pillow raises there).
    package func cropped(to box: PixelBox) -> RGBImage {
        let outW = max(0, box.width), outH = max(0, box.height)
        var out = RGBImage(width: outW, height: outH)
        // Columns and rows of the box that overlap the image.
        let x0 = max(box.left, 0), x1 = min(box.right, width)
        let y0 = max(box.top, 0), y1 = min(box.bottom, height)
        guard x1 > x0, y1 > y0 else { return out }
        let rowBytes = (x1 - x0) * 3
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for y in y0..<y1 {
                    let from = s + (y * width + x0) * 3
                    let to = d + ((y - box.top) * outW + (x0 - box.left)) * 3
                    to.update(from: from, count: rowBytes)
                }
            }
        }
        return out
    }

    /// Mirror image left to right (Pillow's `FLIP_LEFT_RIGHT`).
    func flippedHorizontally() -> RGBImage {
        var out = RGBImage(width: width, height: height)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for y in 0..<height {
                    let rowIn = s + y * width * 3, rowOut = d + y * width * 3
                    for x in 0..<width {
                        let i = rowIn + x * 3, o = rowOut + (width - 1 - x) * 3
                        o[0] = i[0]; o[1] = i[1]; o[2] = i[2]
                    }
                }
            }
        }
        return out
    }
}
