import Foundation

/// Writes a file through a temporary sibling, `fsync` and `rename`, which is atomic on POSIX file systems: a reader
/// (or a crash) sees the old file or the whole new one, never a part. The one such writer: weights, training state,
/// compacted results and merged shards all go through it.
package enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same folder, then renames it over `path`.
    /// - Throws: `OutputFileError.cannotWrite` naming `path` with the system's reason ("No space left on
    ///   device", …) when the temporary file cannot be created, written, synced or renamed (it is then removed).
    package static func write(_ data: Data, to path: String) throws {
        try write(to: path) { try $0.write(data) }
    }

    /// Streams what `body` writes into a temporary file beside `path`, syncs it and renames it over `path`, so a
    /// large file need not be held in memory whole. `keepingMode`: the new file takes the permissions of the file
    /// it replaces. On any error the temporary file is removed and `path` is left as it was.
    /// - Throws: what `body` throws, or `failure(path)` when the file cannot be written, synced or renamed.
    package static func write(to path: String, keepingMode: Bool = false, _ body: (Writer) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        do {
            let writer = Writer(fd: fd, path: path)
            try body(writer)
            try writer.flush()
            var st = stat()
            if keepingMode && stat(path, &st) == 0 { fchmod(fd, st.st_mode & 0o7777) }
            guard fsync(fd) == 0, rename(temporary, path) == 0 else { throw failure(path) }
        } catch {
            let code = errno  // kept for callers that report the system's reason
            unlink(temporary)
            errno = code
            throw error
        }
    }

    /// The error for a file this type could not write (the one place that says what that error is): `path` with
    /// the system's reason, read from `errno` at the failing call.
    static func failure(_ path: String) -> Error {
        OutputFileError.system(path)
    }

    /// Buffers what is written and passes it on to the temporary file in 1 MiB writes.
    package final class Writer {
        private let fd: Int32, path: String
        private var buffer = Data()

        fileprivate init(fd: Int32, path: String) { self.fd = fd; self.path = path }

        /// Small pieces are gathered; a large one (a weights file) goes straight out, never copied.
        package func write(_ data: Data) throws {
            guard buffer.count + data.count >= 1 << 20 else { buffer.append(data); return }
            try flush()
            try writeAll(data)
        }

        /// `line` and a newline.
        package func writeLine(_ line: String) throws {
            try write(Data(line.utf8))
            try write(Data([0x0A]))
        }

        fileprivate func flush() throws {
            try writeAll(buffer)
            buffer.removeAll(keepingCapacity: true)
        }

        private func writeAll(_ data: Data) throws {
            var done = 0
            while done < data.count {
                let n = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, $0.count - done) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw AtomicFile.failure(path) }
                done += n
            }
        }
    }
}
