import CCrowdShims
import CPNG // links libpng for the shim (autolink from the module map)
import Foundation

/// PNG to RGB through the libpng shim. libpng unpacks sub-byte samples, removes interlacing, drops alpha and
/// cuts 16-bit samples other than grey to their high byte (so a large 16-bit RGBA image is held at 3 bytes per
/// pixel, not 8); the conversion follows Pillow's PNG modes and `convert("RGB")`:
/// grey 1/2/4-bit scaled to 0...255, 16-bit grey clipped (Pillow's "I;16" to RGB gives
/// 255 for any value above 255), other 16-bit samples keep their high byte, palette
/// looked up (tRNS ignored), alpha dropped. Gamma and colour chunks are ignored, as in Pillow.
enum PNGDecoder {
    static func decode(_ data: Data, name: String, maxPixels: Int) throws -> RGBImage {
        var image = crowd_png_image()
        var message = [CChar](repeating: 0, count: 256)
        let code: Int32 = data.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            return crowd_png_decode(base, raw.count, UInt64(maxPixels), &image, &message, message.count)
        }
        let reason = String(nulTerminated: message)
        switch code {
        case 0: break
        case 2: throw ImageError.truncated(file: name, reason: reason)
        case 3: throw ImageError.tooLarge(file: name, reason: reason)
        case 4: throw ImageError.unknownFormat(file: name)
        default: throw ImageError.corrupt(file: name, format: "PNG", reason: reason)
        }
        defer { crowd_free(image.pixels) }
        guard let src = image.pixels else {
            throw ImageError.corrupt(file: name, format: "PNG", reason: "decoder returned no pixels")
        }
        let width = Int(image.width), height = Int(image.height)
        let depth = Int(image.bit_depth), channels = Int(image.channels)
        let rowBytes = image.row_bytes
        let bytesPerSample = depth == 16 ? 2 : 1
        guard rowBytes >= width * channels * bytesPerSample else {
            throw ImageError.corrupt(file: name, format: "PNG", reason: "row size \(rowBytes) too small")
        }
        let palette: [UInt8] = withUnsafeBytes(of: image.palette) { Array($0.prefix(256 * 3)) }
        let paletteSize = Int(image.palette_size)
        let colorType = Int(image.color_type)

        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { dst in
            guard let out = dst.baseAddress else { return }
            // Scale for sub-byte grey ("1", "L;2", "L;4" unpackers).
            let greyScale: Int = depth == 1 ? 255 : depth == 2 ? 85 : depth == 4 ? 17 : 1
            for y in 0..<height {
                let row = src + y * rowBytes
                let o = out + y * width * 3
                for x in 0..<width {
                    let p = row + x * channels * bytesPerSample
                    var r: UInt8, g: UInt8, b: UInt8
                    switch colorType {
                    case 3: // palette; indices past the palette read Pillow's zero-filled entries
                        let index = Int(p[0])
                        if index < paletteSize {
                            r = palette[3 * index]; g = palette[3 * index + 1]; b = palette[3 * index + 2]
                        } else {
                            r = 0; g = 0; b = 0
                        }
                    case 0, 4: // grey, grey + alpha
                        let v: UInt8
                        if depth == 16 {
                            // "I;16" (grey) clips; "LA;16B" (grey+alpha) keeps the high byte.
                            v = colorType == 0 ? (p[0] == 0 ? p[1] : 255) : p[0]
                        } else {
                            v = UInt8(truncatingIfNeeded: Int(p[0]) * greyScale)
                        }
                        r = v; g = v; b = v
                    default: // RGB, RGBA: high byte of 16-bit samples
                        r = p[0]; g = p[bytesPerSample]; b = p[2 * bytesPerSample]
                    }
                    o[3 * x] = r; o[3 * x + 1] = g; o[3 * x + 2] = b
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
