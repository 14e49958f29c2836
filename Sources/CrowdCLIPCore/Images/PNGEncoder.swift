import CCrowdShims
import Foundation

/// 8-bit RGB PNG encoding through the libpng shim.
enum PNGEncoder {
    static func encode(_ image: RGBImage, name: String) throws -> Data {
        guard image.width > 0, image.height > 0 else {
            throw ImageError.cannotWrite(file: name, reason: "empty image \(image.width)x\(image.height)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let code = image.pixels.withUnsafeBufferPointer { px in
            crowd_png_encode_rgb(px.baseAddress, Int32(image.width), Int32(image.height),
                                 &out, &size, &message, message.count)
        }
        guard code == 0, let bytes = out else {
            throw ImageError.cannotWrite(file: name, reason: String(nulTerminated: message))
        }
        defer { crowd_free(bytes) }
        return Data(bytes: bytes, count: size)
    }
}
