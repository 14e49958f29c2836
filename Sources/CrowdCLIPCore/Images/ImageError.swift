import Foundation

/// Why an image could not be read or written. Every case names the file (or the `name`
/// given for in-memory data) so a message alone says what failed where.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be read.
    case cannotRead(file: String, reason: String)
    /// The file is empty.
    case empty(file: String)
    /// Neither a JPEG nor a PNG signature.
    case unknownFormat(file: String)
    /// The data ends before the image is complete.
    case truncated(file: String, reason: String)
    /// The codec rejected the data (bad CRC, corrupt entropy data, bad header, ...).
    case corrupt(file: String, format: String, reason: String)
    /// The header declares more pixels than `ImageIO.maxPixels`; refused before allocating.
    case tooLarge(file: String, reason: String)
    /// A layout the decoder does not handle (for example a 2-component JPEG).
    case unsupported(file: String, reason: String)
    /// Encoding or writing an image failed.
    case cannotWrite(file: String, reason: String)

    /// A one-line message that starts with the file name.
    public var description: String {
        switch self {
        case let .cannotRead(file, reason): return "\(file): cannot read image file: \(reason)"
        case let .empty(file): return "\(file): image file is empty"
        case let .unknownFormat(file): return "\(file): not a JPEG or PNG image (unrecognised signature)"
        case let .truncated(file, reason): return "\(file): image file is truncated: \(reason)"
        case let .corrupt(file, format, reason): return "\(file): corrupt \(format) data: \(reason)"
        case let .tooLarge(file, reason): return "\(file): image too large: \(reason)"
        case let .unsupported(file, reason): return "\(file): unsupported image: \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write image: \(reason)"
        }
    }
}
