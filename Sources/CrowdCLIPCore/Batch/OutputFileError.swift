import Foundation

/// Why a results file cannot be used. Every case names the file; I/O cases carry the system's reason
/// (strerror: "No such file or directory", "No space left on device", "Read-only file system", …).
package enum OutputFileError: Error, CustomStringConvertible, Equatable {
    /// The file or its folder cannot be opened, written or replaced; `reason` is the system's message.
    case cannotWrite(file: String, reason: String)
    /// An existing file cannot be read (to resume or compact it); `reason` is the system's message.
    case cannotRead(file: String, reason: String)
    /// The output resolves to one of the inputs: writing it would destroy that input.
    case wouldOverwriteInput(file: String, input: String)
    /// `--resume` on a file written in another format (the file is left untouched).
    case formatMismatch(file: String, found: String, expected: CountOutputFormat)
    /// The output format cannot be inferred from the file's extension.
    case unknownExtension(file: String)

    /// The message shown to the user, starting with the file name.
    package var description: String {
        switch self {
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        case let .cannotRead(file, reason): return "\(file): cannot read: \(reason)"
        case let .wouldOverwriteInput(file, input):
            return "\(file): refused as output: it is the input \(input), which writing would destroy"
        case let .formatMismatch(file, found, expected):
            return "\(file): cannot resume: the file holds \(found), not \(expected.rawValue); it was left untouched "
                + "(resume with the format it holds, or write to another file)"
        case let .unknownExtension(file):
            return "\(file): cannot tell the output format from the extension; use .csv, .jsonl or .json, .txt or .tsv "
                + "(a table), or give --format"
        }
    }

    static func system(_ file: String, _ code: Int32 = errno, read: Bool = false) -> OutputFileError {
        let reason = String(cString: strerror(code))
        return read ? .cannotRead(file: file, reason: reason) : .cannotWrite(file: file, reason: reason)
    }
}
