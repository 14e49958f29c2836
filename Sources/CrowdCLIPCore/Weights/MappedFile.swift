import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only: reads come straight from the page cache, and a stray write through a tensor
/// that views it faults instead of changing weights silently.
/// Unchecked: every field is a constant and the mapping is read-only, so any thread may read it.
final class MappedFile: ByteRegionOwner, @unchecked Sendable {
    /// The path the file was opened from, used in error messages.
    package let path: String
    /// Start of the read-only mapping; valid until this object is deallocated, which unmaps it.
    package let base: UnsafeMutableRawPointer
    /// Length of the file and of the mapping, in bytes (always > 0).
    package let size: Int

    /// Opens and maps the whole file read-only (`MAP_PRIVATE`, `PROT_READ`); the descriptor is closed at once.
    /// - Throws: `WeightError.cannotOpen` when the file cannot be opened, is a directory or cannot be mapped;
    ///   `WeightError.corrupt` when it is empty.
    package init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WeightError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw WeightError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw WeightError.cannotOpen(file: path, reason: "is a directory") }
        size = Int(st.st_size)
        guard size > 0 else { throw WeightError.corrupt(file: path, reason: "the file is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw WeightError.cannotOpen(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = p
    }

    deinit { munmap(base, size) }

    /// The whole mapping as a byte buffer; it stays valid only while this object is alive.
    package var region: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// The bytes `[offset, offset + count)`, or an error when they fall outside the file.
    package func bytes(_ offset: Int, _ count: Int, what: String) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw WeightError.corrupt(file: path, reason: "\(what) at \(offset)+\(count) lies beyond the end (\(size) bytes)")
        }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}
