import Foundation

/// Output folders made with mkdir(2), so a failure carries the system's reason ("Permission denied",
/// "Not a directory", "Read-only file system") rather than a generic Foundation message.
enum Folders {
    /// Creates `path` and any missing parents, then checks it is writable. `what` starts the reason
    /// ("cannot create the picture folder").
    static func create(_ path: String, what: String) throws {
        if let code = make(path) ?? (access(path, W_OK) == 0 ? nil : errno) {
            throw OutputFileError.cannotWrite(file: path, reason: "\(what): \(String(cString: strerror(code)))")
        }
    }

    /// nil on success, else the errno.
    private static func make(_ path: String) -> Int32? {
        var st = stat()
        if stat(path, &st) == 0 { return (st.st_mode & S_IFMT) == S_IFDIR ? nil : ENOTDIR }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path, let code = make(parent) { return code }
        return mkdir(path, 0o755) == 0 || errno == EEXIST ? nil : errno
    }
}
