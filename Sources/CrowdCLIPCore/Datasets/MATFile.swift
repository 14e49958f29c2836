import Foundation

/// Reads MATLAB Level-5 MAT-files (what `save` writes by default before v7.3, and what scipy writes):
/// compressed elements, the small-element form, every numeric class, char, cell and struct arrays, nested,
/// either byte order. Every length is bounds-checked; v7.3 (HDF5) and sparse arrays are refused by name.
package struct MATFile {
    /// The path given, or the `name` of in-memory data; used in error messages.
    package let path: String
    /// Every top-level variable by name (an element without a name is skipped).
    let variables: [String: MATValue]

    /// Why a MAT-file could not be read.
    package enum FormatError: Error, CustomStringConvertible {
        /// `reason` says what is wrong: too short, v7.3/HDF5 or v4, a sparse array, a length beyond the data, bad zlib data.
        case invalid(file: String, reason: String)
        /// `<file>: not a readable MAT-file: <reason>`.
        package var description: String {
            switch self { case let .invalid(file, reason): return "\(file): not a readable MAT-file: \(reason)" }
        }
    }

    /// Reads the whole file at `path` into memory and parses it.
    /// - Throws: `FormatError.invalid` when the file is missing or unreadable, or is not a Level-5 MAT-file this
    ///   reader handles.
    package init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError.invalid(file: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read it" : "no such file")
        }
        try self.init(data: data, name: path)
    }

    /// Parses a MAT-file held in memory; `name` labels errors and becomes `path`.
    /// - Throws: `FormatError.invalid` naming `name`.
    package init(data: Data, name: String) throws {
        path = name
        let bytes = [UInt8](data)
        func fail(_ why: String) -> FormatError { .invalid(file: name, reason: why) }
        guard bytes.count >= 128 else { throw fail("shorter than the 128-byte header") }
        if bytes.starts(with: Array("MATLAB 7.3".utf8)) || bytes.starts(with: [0x89, 0x48, 0x44, 0x46]) {
            throw fail("MATLAB v7.3 (HDF5) files are not supported; re-save with `save(..., '-v7')`")
        }
        let bigEndian: Bool
        switch (bytes[126], bytes[127]) {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): bigEndian = false
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): bigEndian = true
        default: throw fail("no Level-5 header (MAT v4 files are not supported)")
        }
        var reader = MATReader(bytes: bytes, range: 128..<bytes.count, bigEndian: bigEndian, file: name, depth: 0,
                               budget: MATReader.Budget())
        var vars: [String: MATValue] = [:]
        while reader.end - reader.position >= 8 {
            if let (varName, value) = try reader.readTopLevelElement() { vars[varName] = value }
        }
        variables = vars
    }

    /// The top-level variable called `name`, or nil.
    package subscript(name: String) -> MATValue? { variables[name] }
}
