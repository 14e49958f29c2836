import Foundation

/// The container formats recognised by their leading bytes.
enum ImageFormat {
    case jpeg, png

    static let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func sniff(_ data: Data) -> ImageFormat? {
        if data.starts(with: jpegMagic) { return .jpeg }
        if data.starts(with: pngMagic) { return .png }
        return nil
    }

    static func isSignaturePrefix(_ data: Data) -> Bool {
        (data.count < jpegMagic.count && jpegMagic.starts(with: data))
            || (data.count < pngMagic.count && pngMagic.starts(with: data))
    }
}
