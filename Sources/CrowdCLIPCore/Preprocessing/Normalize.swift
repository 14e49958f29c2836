import Foundation

extension Preprocessing {
    /// `ToTensor` + `Normalize(mean, std)`: [3, H, W] float32 with
    /// `(Float(v) / 255 - mean[c]) / std[c]`, the same float32 operations as torch.
    static func normalizedTensor(_ image: RGBImage, mean: [Float], std: [Float]) -> Tensor {
        let out = Tensor(zeros: [3, image.height, image.width])
        writeNormalized(image, mean: mean, std: std, into: out.pointer)
        return out
    }

    /// Writes the CHW normalised planes of `image` at `out` (3 * H * W floats).
    static func writeNormalized(_ image: RGBImage, mean: [Float], std: [Float], into out: UnsafeMutablePointer<Float>) {
        precondition(mean.count == 3 && std.count == 3, "mean and std need 3 values")
        // Each channel maps 256 byte values; a table computed with the torch formula
        // gives identical floats to computing per pixel.
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                let x: Float = Float(v) / 255
                table[c * 256 + v] = (x - mean[c]) / std[c]
            }
        }
        let count = image.width * image.height
        image.pixels.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                guard let s = src.baseAddress, let t = lut.baseAddress else { return }
                let r = out, g = out + count, b = out + 2 * count
                let tr = t, tg = t + 256, tb = t + 512
                for i in 0..<count {
                    let p = s + 3 * i
                    r[i] = tr[Int(p[0])]
                    g[i] = tg[Int(p[1])]
                    b[i] = tb[Int(p[2])]
                }
            }
        }
    }
}
