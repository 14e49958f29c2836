import CCrowdShims
import CJPEG // links libjpeg for the shim (autolink from the module map)
import Foundation

/// JPEG to RGB through the libjpeg shim, converted as Pillow converts JPEG modes.
enum JPEGDecoder {
    static func decode(_ data: Data, name: String, maxPixels: Int) throws -> RGBImage {
        var image = crowd_jpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let code: Int32 = data.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            return crowd_jpeg_decode(base, raw.count, UInt64(maxPixels), &image, &message, message.count)
        }
        let reason = String(nulTerminated: message)
        switch code {
        case 0: break
        case 2: throw ImageError.truncated(file: name, reason: reason)
        case 3: throw ImageError.tooLarge(file: name, reason: reason)
        case 4: throw ImageError.unsupported(file: name, reason: reason)
        default: throw ImageError.corrupt(file: name, format: "JPEG", reason: reason)
        }
        defer { crowd_free(image.pixels) }
        let width = Int(image.width), height = Int(image.height)
        let count = width * height
        guard let src = image.pixels else {
            throw ImageError.corrupt(file: name, format: "JPEG", reason: "decoder returned no pixels")
        }
        var pixels = [UInt8](repeating: 0, count: count * 3)
        pixels.withUnsafeMutableBufferPointer { dst in
            guard let out = dst.baseAddress else { return }
            switch image.components {
            case 1:
                // Pillow: mode "L", convert("RGB") replicates the grey value.
                for i in 0..<count {
                    let v = src[i]
                    out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v
                }
            case 3:
                out.update(from: src, count: count * 3)
            default:
                // Pillow reads 4-component JPEGs as "CMYK;I" (Adobe's inverted CMYK), then
                // converts CMYK to RGB with cmyk2rgb: nk = 255 - K; X = clip(nk - nk*C/255).
                for i in 0..<count {
                    let p = src + 4 * i
                    let nk = Int32(p[3]) // 255 - (255 - k)
                    for c in 0..<3 {
                        let value = 255 - Int32(p[c])
                        out[3 * i + c] = clip8(nk - mulDiv255(value, nk))
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// Pillow's MULDIV255: round(a * b / 255) computed with shifts.
@inline(__always) func mulDiv255(_ a: Int32, _ b: Int32) -> Int32 {
    let t = a * b + 128
    return ((t >> 8) + t) >> 8
}

@inline(__always) func clip8(_ v: Int32) -> UInt8 {
    v <= 0 ? 0 : (v < 256 ? UInt8(v) : 255)
}
