import CCrowdShims
import Foundation

/// Reading and writing images: JPEG (baseline, progressive, grey, CMYK/YCCK) and PNG (any
/// bit depth and colour type) decode to 8-bit RGB with the same pixels as Pillow's
/// `Image.open(path).convert("RGB")`; PNG encoding for visualisations.
public enum ImageIO {
    /// Images with more pixels than this are refused before any pixel memory is allocated
    /// (Pillow's decompression-bomb error threshold, `2 * Image.MAX_IMAGE_PIXELS`).
    static let maxPixels: Int = 178_956_970

    /// Decodes the image file at `path` to RGB.
    public static func decode(path: String) throws -> RGBImage {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError.cannotRead(file: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw ImageError.cannotRead(file: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ImageError.cannotRead(file: path, reason: error.localizedDescription)
        }
        return try decode(data: data, name: path)
    }

    /// Decodes an in-memory JPEG or PNG; `name` is used in error messages.
    package static func decode(data: Data, name: String) throws -> RGBImage {
        try decode(data: data, name: name, maxPixels: maxPixels)
    }

    /// As `decode(data:name:)` with an explicit pixel limit.
    package static func decode(data: Data, name: String, maxPixels: Int) throws -> RGBImage {
        if data.isEmpty { throw ImageError.empty(file: name) }
        switch ImageFormat.sniff(data) {
        case .jpeg: return try JPEGDecoder.decode(data, name: name, maxPixels: maxPixels)
        case .png: return try PNGDecoder.decode(data, name: name, maxPixels: maxPixels)
        case nil:
            // A prefix of a signature is a truncated file, not an unknown format.
            if ImageFormat.isSignaturePrefix(data) {
                throw ImageError.truncated(file: name, reason: "only \(data.count) bytes")
            }
            throw ImageError.unknownFormat(file: name)
        }
    }

    /// Encodes `image` as an 8-bit RGB PNG.
    static func encodePNG(_ image: RGBImage) throws -> Data {
        try PNGEncoder.encode(image, name: "<png>")
    }

    /// Encodes `image` as PNG and writes it to `path` (atomically).
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        let data = try PNGEncoder.encode(image, name: path)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError.cannotWrite(file: path, reason: error.localizedDescription)
        }
    }
}
