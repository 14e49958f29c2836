import Foundation

/// Pillow's ImagingResample for 8-bit images: separable passes (order chosen as Pillow
/// 13 chooses it, see `verticalFirst`), filter support scaled by the downscale
/// factor, coefficients normalised to sum 1 and converted to 22-bit fixed point, 8-bit
/// rounding and clipping after each pass.
enum PillowResampler {
    static let precisionBits: Int32 = 32 - 8 - 2

    /// Per output position: first source index, tap count, and `ksize` fixed-point weights.
    struct Coefficients {
        var ksize: Int
        var bounds: [Int]      // [xmin, count] per output index
        var weights: [Int32]   // outSize * ksize
    }

    /// Pillow's precompute_coeffs + normalize_coeffs_8bpc.
    static func coefficients(inSize: Int, in0: Float, in1: Float, outSize: Int,
                             filter: ResampleFilter) -> Coefficients {
        let scale = Double(in1 - in0) / Double(outSize)
        let filterscale = scale < 1.0 ? 1.0 : scale
        let support = filter.support * filterscale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        let invFilterscale = 1.0 / filterscale
        let one = Double(Int32(1) << precisionBits)
        for xx in 0..<outSize {
            let center = Double(in0) + (Double(xx) + 0.5) * scale
            var ww = 0.0
            var xmin = Int(center - support + 0.5)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            if xmax < 0 { xmax = 0 }
            for x in 0..<ksize { k[x] = 0 }
            for x in 0..<min(xmax, ksize) {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * invFilterscale)
                k[x] = w
                ww += w
            }
            if ww != 0.0 {
                for x in 0..<min(xmax, ksize) { k[x] /= ww }
            }
            for x in 0..<ksize {
                let v = k[x]
                weights[xx * ksize + x] = v < 0 ? Int32(-0.5 + v * one) : Int32(0.5 + v * one)
            }
            bounds[2 * xx] = xmin
            bounds[2 * xx + 1] = min(xmax, ksize)
        }
        return Coefficients(ksize: ksize, bounds: bounds, weights: weights)
    }

    /// Pillow's clip8 on a fixed-point accumulator.
    @inline(__always) static func clip(_ ss: Int32) -> UInt8 {
        let v = ss >> precisionBits
        return v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v))
    }

    /// Pillow (13.0) runs the vertical pass first when the height shrinks by more than twice
    /// as many pixels as the width does (measured from the whole source image, not the box) (fewer rows for the horizontal pass); otherwise the
    /// horizontal pass first, over only the source rows the vertical pass reads. The order
    /// matters for exactness because each pass rounds to 8 bits.
    static func verticalFirst(inWidth: Int, inHeight: Int, width: Int, height: Int) -> Bool {
        height < inHeight && 2 * (inWidth - width) < inHeight - height
    }

    static func resample(_ image: RGBImage, width: Int, height: Int, filter: ResampleFilter,
                         box: (Float, Float, Float, Float)) -> RGBImage {
        let needHorizontal = width != image.width || box.0 != 0 || box.2 != Float(width)
        let needVertical = height != image.height || box.1 != 0 || box.3 != Float(height)
        var vert = coefficients(inSize: image.height, in0: box.1, in1: box.3, outSize: height, filter: filter)
        let horiz = coefficients(inSize: image.width, in0: box.0, in1: box.2, outSize: width, filter: filter)

        if verticalFirst(inWidth: image.width, inHeight: image.height, width: width, height: height) {
            var current = image
            if needVertical { current = verticalPass(current, height: height, coefficients: vert) }
            if needHorizontal {
                current = horizontalPass(current, rows: 0..<current.height, width: width, coefficients: horiz)
            }
            return current
        }

        let yFirst = vert.bounds[0]
        let yLast = vert.bounds[2 * height - 2] + vert.bounds[2 * height - 1]
        var current = image
        if needHorizontal {
            if needVertical {
                for i in 0..<height { vert.bounds[2 * i] -= yFirst }
            }
            current = horizontalPass(image, rows: yFirst..<yLast, width: width, coefficients: horiz)
        }
        if needVertical {
            current = verticalPass(current, height: height, coefficients: vert)
        }
        return current
    }

    /// Resamples each row of `rows` to `width` columns.
    static func horizontalPass(_ image: RGBImage, rows: Range<Int>, width: Int,
                               coefficients c: Coefficients) -> RGBImage {
        var out = RGBImage(width: width, height: rows.count)
        let inWidth = image.width
        let half: Int32 = 1 << (precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { kk in
                    c.bounds.withUnsafeBufferPointer { bounds in
                        guard let s = src.baseAddress, let d = dst.baseAddress, let kw = kk.baseAddress,
                              let b = bounds.baseAddress else { return }
                        for (yy, y) in rows.enumerated() {
                            let lineIn = s + y * inWidth * 3
                            let lineOut = d + yy * width * 3
                            for xx in 0..<width {
                                let xmin = b[2 * xx], n = b[2 * xx + 1]
                                let k = kw + xx * c.ksize
                                var s0 = half, s1 = half, s2 = half
                                var p = lineIn + xmin * 3
                                for x in 0..<n {
                                    let w = k[x]
                                    s0 = s0 &+ Int32(p[0]) &* w
                                    s1 = s1 &+ Int32(p[1]) &* w
                                    s2 = s2 &+ Int32(p[2]) &* w
                                    p += 3
                                }
                                let o = lineOut + xx * 3
                                o[0] = clip(s0); o[1] = clip(s1); o[2] = clip(s2)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Resamples each column to `height` rows.
    static func verticalPass(_ image: RGBImage, height: Int, coefficients c: Coefficients) -> RGBImage {
        let width = image.width
        var out = RGBImage(width: width, height: height)
        let half: Int32 = 1 << (precisionBits - 1)
        let stride = width * 3
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { kk in
                    c.bounds.withUnsafeBufferPointer { bounds in
                        guard let s = src.baseAddress, let d = dst.baseAddress, let kw = kk.baseAddress,
                              let b = bounds.baseAddress else { return }
                        for yy in 0..<height {
                            let ymin = b[2 * yy], n = b[2 * yy + 1]
                            let k = kw + yy * c.ksize
                            let lineOut = d + yy * stride
                            let base = s + ymin * stride
                            for i in 0..<stride {
                                var acc = half
                                var p = base + i
                                for y in 0..<n {
                                    acc = acc &+ Int32(p[0]) &* k[y]
                                    p += stride
                                }
                                lineOut[i] = clip(acc)
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
