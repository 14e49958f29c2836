import Foundation

/// An 8-bit RGB image, rows top to bottom, pixels interleaved (R, G, B).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "pixel buffer does not match \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }
}

/// An integer box with Pillow's semantics: left/top inclusive, right/bottom exclusive.
public struct PixelBox: Sendable, Equatable, Hashable, Codable {
    public var left, top, right, bottom: Int
    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left; self.top = top; self.right = right; self.bottom = bottom
    }
    public var width: Int { right - left }
    public var height: Int { bottom - top }
}

extension RGBImage {
    /// Pillow's `Image.crop(box)`: areas outside the image are black; an empty box gives an empty image.
    public func cropped(to box: PixelBox) -> RGBImage {
        let w = max(0, box.width), h = max(0, box.height)
        var out = RGBImage(width: w, height: h)
        let x0 = max(box.left, 0), x1 = min(box.right, width)
        guard x1 > x0 else { return out }
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in max(box.top, 0)..<max(min(box.bottom, height), max(box.top, 0)) {
                    let from = (y * width + x0) * 3, to = ((y - box.top) * w + (x0 - box.left)) * 3
                    (dst.baseAddress! + to).update(from: src.baseAddress! + from, count: (x1 - x0) * 3)
                }
            }
        }
        return out
    }

    /// Mirror image left to right.
    public func flippedHorizontally() -> RGBImage {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                let s = (y * width + (width - 1 - x)) * 3, d = (y * width + x) * 3
                out.pixels[d] = pixels[s]; out.pixels[d + 1] = pixels[s + 1]; out.pixels[d + 2] = pixels[s + 2]
            }
        }
        return out
    }
}
