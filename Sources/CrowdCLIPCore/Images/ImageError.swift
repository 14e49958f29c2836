import Foundation

/// Why an image could not be read or written. Every case names the file (or the `name`
/// given for in-memory data) so a message alone says what failed where.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be read.
    case unreadable(file: String, reason: String)
    /// The file is empty.
    case empty(file: String)
    /// Neither a JPEG nor a PNG signature.
    case unknownFormat(file: String)
    /// The data ends before the image is complete.
    case truncated(file: String, detail: String)
    /// The codec rejected the data (bad CRC, corrupt entropy data, bad header, ...).
    case corrupt(file: String, format: String, detail: String)
    /// The header declares more pixels than `ImageIO.maxPixels`; refused before allocating.
    case tooLarge(file: String, detail: String)
    /// A layout the decoder does not handle (for example a 2-component JPEG).
    case unsupported(file: String, detail: String)
    /// Encoding or writing an image failed.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read image file: \(reason)"
        case let .empty(file): return "\(file): image file is empty"
        case let .unknownFormat(file): return "\(file): not a JPEG or PNG image (unrecognised signature)"
        case let .truncated(file, detail): return "\(file): image file is truncated: \(detail)"
        case let .corrupt(file, format, detail): return "\(file): corrupt \(format) data: \(detail)"
        case let .tooLarge(file, detail): return "\(file): image too large: \(detail)"
        case let .unsupported(file, detail): return "\(file): unsupported image: \(detail)"
        case let .writeFailed(file, reason): return "\(file): cannot write image: \(reason)"
        }
    }
}
