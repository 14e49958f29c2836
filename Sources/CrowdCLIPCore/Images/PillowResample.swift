import Foundation

/// Resampling filters with Pillow's support widths.
public enum ResampleFilter: Sendable {
    case bilinear, bicubic

    var support: Double { self == .bilinear ? 1 : 2 }

    func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .bilinear: return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// Pillow's `ImagingResample` for 8-bit images, reproduced so that resized pixels are identical:
/// separable passes, the filter widened by the downscale factor (antialiasing), coefficients normalised then
/// fixed to 22 fractional bits, 8-bit rounding and clipping after each pass, horizontal pass first over only
/// the rows the vertical pass will read.
enum PillowResample {
    static let precisionBits = 32 - 8 - 2

    struct Coefficients {
        let kernelSize: Int
        let bounds: [(min: Int, count: Int)]
        let weights: [Int32]
    }

    static func coefficients(inSize: Int, outSize: Int, filter: ResampleFilter) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(Int, Int)] = []
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var ww = 0.0
            for x in 0..<xmax {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<xmax {
                let v = ww != 0 ? k[x] / ww : k[x]
                let scaled = v * Double(1 << precisionBits)
                weights[xx * ksize + x] = Int32(v < 0 ? Int(-0.5 + scaled) : Int(0.5 + scaled))
            }
            bounds.append((xmin, max(xmax, 0)))
        }
        return Coefficients(kernelSize: ksize, bounds: bounds, weights: weights)
    }

    @inline(__always)
    static func clip8(_ v: Int32) -> UInt8 {
        if v >= Int32((1 << precisionBits) << 8) { return 255 }
        if v <= 0 { return 0 }
        return UInt8(v >> Int32(precisionBits))
    }

    static func resize(_ image: RGBImage, width outW: Int, height outH: Int, filter: ResampleFilter) -> RGBImage {
        if outW == image.width && outH == image.height { return image }
        guard outW > 0, outH > 0, image.width > 0, image.height > 0 else { return RGBImage(width: max(outW, 0), height: max(outH, 0)) }
        let horiz = coefficients(inSize: image.width, outSize: outW, filter: filter)
        let vert = coefficients(inSize: image.height, outSize: outH, filter: filter)
        // Pillow 13 runs the reducing vertical pass first when the width grows and the height shrinks
        // (observed against its output; earlier releases always went horizontal first).
        if outW > image.width && outH < image.height {
            let short = vertical(image, vert, outH: outH, rowOffset: 0)
            return horizontal(short, horiz, outW: outW, firstRow: 0, rows: outH)
        }
        var source = image
        var rowOffset = 0
        if outW != image.width {
            // Only rows [first, last) feed the vertical pass.
            let first = vert.bounds.first!.min
            let last = outH == image.height ? image.height : vert.bounds.last!.min + vert.bounds.last!.count
            let rows = outH == image.height ? image.height : last - first
            let start = outH == image.height ? 0 : first
            source = horizontal(image, horiz, outW: outW, firstRow: start, rows: rows)
            rowOffset = start
        }
        if outH != image.height {
            source = vertical(source, vert, outH: outH, rowOffset: rowOffset)
        }
        return source
    }

    private static func horizontal(_ im: RGBImage, _ c: Coefficients, outW: Int, firstRow: Int, rows: Int) -> RGBImage {
        var out = RGBImage(width: outW, height: rows)
        let inW = im.width, ks = c.kernelSize
        let half = Int32(1 << (precisionBits - 1))
        im.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { kk in
                    for y in 0..<rows {
                        let row = src.baseAddress! + (y + firstRow) * inW * 3
                        let orow = dst.baseAddress! + y * outW * 3
                        for xx in 0..<outW {
                            let (xmin, n) = c.bounds[xx]
                            let k = kk.baseAddress! + xx * ks
                            var s0 = half, s1 = half, s2 = half
                            for x in 0..<n {
                                let p = row + (x + xmin) * 3
                                s0 &+= Int32(p[0]) &* k[x]; s1 &+= Int32(p[1]) &* k[x]; s2 &+= Int32(p[2]) &* k[x]
                            }
                            orow[xx * 3] = clip8(s0); orow[xx * 3 + 1] = clip8(s1); orow[xx * 3 + 2] = clip8(s2)
                        }
                    }
                }
            }
        }
        return out
    }

    private static func vertical(_ im: RGBImage, _ c: Coefficients, outH: Int, rowOffset: Int) -> RGBImage {
        let w = im.width, ks = c.kernelSize
        var out = RGBImage(width: w, height: outH)
        let half = Int32(1 << (precisionBits - 1))
        im.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { kk in
                    for yy in 0..<outH {
                        let (ymin, n) = c.bounds[yy]
                        let k = kk.baseAddress! + yy * ks
                        let orow = dst.baseAddress! + yy * w * 3
                        for i in 0..<(w * 3) {
                            var s = half
                            for y in 0..<n { s &+= Int32(src[(y + ymin - rowOffset) * w * 3 + i]) &* k[y] }
                            orow[i] = clip8(s)
                        }
                    }
                }
            }
        }
        return out
    }
}

extension RGBImage {
    /// Pillow's `Image.resize((width, height), filter)` for RGB images, pixel for pixel.
    public func resized(width: Int, height: Int, filter: ResampleFilter) -> RGBImage {
        PillowResample.resize(self, width: width, height: height, filter: filter)
    }
}
