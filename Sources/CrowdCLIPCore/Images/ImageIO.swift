import CCrowdShims
import Foundation

/// Why an image could not be read or written. Every case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case cannotRead(file: String, reason: String)
    case empty(file: String)
    case unknownFormat(file: String)
    case corrupt(file: String, format: String, reason: String)
    case tooLarge(file: String, reason: String)
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason): return "\(file): cannot read image: \(reason)"
        case let .empty(file): return "\(file): the file is empty"
        case let .unknownFormat(file): return "\(file): not a JPEG or PNG image"
        case let .corrupt(file, format, reason): return "\(file): damaged \(format): \(reason)"
        case let .tooLarge(file, reason): return "\(file): refused: \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write image: \(reason)"
        }
    }
}

/// Decodes JPEG and PNG into 8-bit RGB with the same pixels as Pillow's `Image.open(f).convert("RGB")`,
/// and encodes PNG. The codecs run behind setjmp error managers (C shims), so a damaged file is an error,
/// never a crash or a process exit.
public enum ImageIO {
    /// Images above this many pixels are refused before memory is allocated (Pillow's own bomb limit is
    /// about 179 million pixels).
    public static let maxPixels = 178_956_970

    public static func decode(path: String) throws -> RGBImage {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImageError.cannotRead(file: path, reason: "no such file")
        }
        guard !isDir.boolValue else { throw ImageError.cannotRead(file: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError.cannotRead(file: path, reason: "permission denied or unreadable")
        }
        return try decode(data: data, name: path)
    }

    public static func decode(data: Data, name: String) throws -> RGBImage {
        guard !data.isEmpty else { throw ImageError.empty(file: name) }
        let bytes = [UInt8](data)
        let isJPEG = bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
        let isPNG = bytes.count >= 8 && bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        guard isJPEG || isPNG else { throw ImageError.unknownFormat(file: name) }
        var out: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBufferPointer { src in
            message.withUnsafeMutableBufferPointer { msg in
                isJPEG
                    ? crowd_jpeg_decode(src.baseAddress, src.count, Int64(maxPixels), &out, &w, &h, msg.baseAddress, msg.count)
                    : crowd_png_decode(src.baseAddress, src.count, Int64(maxPixels), &out, &w, &h, msg.baseAddress, msg.count)
            }
        }
        let reason = String(cString: message)
        let format = isJPEG ? "JPEG" : "PNG"
        guard rc == 0, let pixels = out else {
            if rc == -2 { throw ImageError.tooLarge(file: name, reason: reason) }
            throw ImageError.corrupt(file: name, format: format, reason: reason.isEmpty ? "decoder failed" : reason)
        }
        defer { crowd_free(pixels) }
        let count = Int(w) * Int(h) * 3
        return RGBImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    public static func encodePNG(_ image: RGBImage) throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeBufferPointer { src in
            message.withUnsafeMutableBufferPointer { msg in
                crowd_png_encode(src.baseAddress, Int32(image.width), Int32(image.height), &out, &size, msg.baseAddress, msg.count)
            }
        }
        guard rc == 0, let bytes = out else { throw ImageError.cannotWrite(file: "<memory>", reason: String(cString: message)) }
        defer { crowd_free(bytes) }
        return Data(bytes: bytes, count: size)
    }

    public static func writePNG(_ image: RGBImage, to path: String) throws {
        let data = try encodePNG(image)
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw ImageError.cannotWrite(file: path, reason: error.localizedDescription)
        }
    }
}
