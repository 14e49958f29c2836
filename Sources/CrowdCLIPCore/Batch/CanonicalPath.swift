import Foundation

/// The identity of an input file: its absolute path with `.`, `..` and symlinked folders resolved, and its own
/// name kept. A symlink to an image is therefore an input of its own, named by the link (ten links to one photo
/// are ten inputs), while `photos/a.jpg`, `./photos/a.jpg` and `/home/me/photos/a.jpg` are one.
package enum CanonicalPath {
    /// nil when the entry does not exist (a dangling symlink exists: it is an entry that fails to decode).
    package static func of(_ path: String) -> String? {
        var st = stat()
        guard !path.isEmpty, lstat(path, &st) == 0 else { return nil }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let name = (absolute as NSString).lastPathComponent
        if name == "." || name == ".." || name == "/" || (st.st_mode & S_IFMT) == S_IFDIR { return resolved(absolute) }
        guard let folder = resolved((absolute as NSString).deletingLastPathComponent) else { return nil }
        return folder == "/" ? "/" + name : folder + "/" + name
    }

    /// realpath(3): every symlink followed.
    package static func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
