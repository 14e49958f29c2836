import Foundation

/// Turns command-line inputs into image paths: files as given, folders expanded to their JPEG/PNG files in
/// natural order (IMG_2 before IMG_10), subfolders too with `recursive` (each folder's entries in natural
/// order, a subfolder where its name sorts). The same file named twice (`a.jpg ./a.jpg`, a folder given
/// twice) is one input.
package enum ImageInputs {
    /// The lowercase file extensions taken as images when a folder is expanded (matched without case).
    static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The result of `expand`: the images found, in order, and the inputs that gave none.
    package struct Expansion: Sendable {
        /// The image paths, in the order a run counts them.
        package var images = PathList()
        /// An input that gives no image, and why (each becomes an error record).
        package var problems: [(input: String, reason: String)] = []
    }

    /// Expands `inputs` (files and folders) into image paths, once per file; with `recursive`, subfolders too
    /// (symlinked subfolders are not followed). Missing inputs, unlistable or image-less folders and non-UTF-8 names
    /// go to `problems`.
    package static func expand(_ inputs: [String], recursive: Bool = false) -> Expansion {
        var out = Expansion()
        var files: Set<String> = [], folders: Set<String> = []
        for input in inputs {
            var st = stat()
            guard stat(input, &st) == 0 || lstat(input, &st) == 0 else {
                let reason = input.unicodeScalars.contains("\u{FFFD}")
                    ? "no such file or folder; the name as received is not valid UTF-8 (shown with �), so it cannot be opened: rename it"
                    : "no such file or folder"
                out.problems.append((input, reason))
                continue
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                let identity = CanonicalPath.of(input) ?? input
                if files.insert(identity).inserted && !expanded(identity, folders: folders, recursive: recursive) { out.images.append(input) }
                continue
            }
            let identity = CanonicalPath.resolved(input) ?? input
            guard !(recursive && expanded(identity + "/", folders: folders, recursive: true)), folders.insert(identity).inserted else { continue }
            let before = out.images.count
            if let why = walk(input, recursive: recursive, skipping: files, folders: &folders, into: &out) {
                out.problems.append((input, why))
            } else if out.images.count == before {
                out.problems.append((input, recursive || !anyImage(under: input)
                    ? "the folder holds no .jpg, .jpeg or .png image"
                    : "the folder holds no .jpg, .jpeg or .png image of its own, but its subfolders do: add --recursive"))
            }
        }
        return out
    }

    /// Appends the folder's images; returns why the folder itself cannot be listed.
    private static func walk(_ folder: String, recursive: Bool, skipping files: Set<String>, folders: inout Set<String>,
                             into out: inout Expansion) -> String? {
        guard let dir = opendir(folder) else { return "cannot list the folder: \(String(cString: strerror(errno)))" }
        var names = PathList(), isFolder: [Bool] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            guard name.first != UInt8(ascii: ".") else { continue }  // hidden files, `.` and `..`
            var folderEntry = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var st = stat()
                folderEntry = lstat(folder + "/" + String(decoding: name, as: UTF8.self), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            // Symlinked folders are not followed (no cycles); symlinked files are images like any other.
            if folderEntry ? recursive : hasImageExtension(name) {
                names.append(name: name, in: "")
                isFolder.append(folderEntry)
            }
        }
        closedir(dir)
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        for i in names.naturalOrder().lazy.map(Int.init) {
            let name = names.slice(i)
            guard let text = String(validating: name, as: UTF8.self) else {
                let shown = prefix + name.map { $0 < 0x80 ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
                out.problems.append((shown, "the file name is not valid UTF-8 (bytes shown as \\xNN), which the output formats cannot name: rename it"))
                continue
            }
            let path = prefix + text
            if isFolder[i] {
                // A subfolder also given on its own is listed once.
                guard folders.insert(CanonicalPath.resolved(path) ?? path).inserted else { continue }
                if let why = walk(path, recursive: true, skipping: files, folders: &folders, into: &out) { out.problems.append((path, why)) }
            } else if files.isEmpty || !files.contains(CanonicalPath.of(path) ?? path) {
                out.images.append(name: name, in: prefix)
            }
        }
        return nil
    }

    /// Whether a folder expanded earlier already gave this file (or, for a path ending in "/", this folder).
    private static func expanded(_ file: String, folders: Set<String>, recursive: Bool) -> Bool {
        let name = (file as NSString).lastPathComponent
        guard file.hasSuffix("/") || (!name.hasPrefix(".") && hasImageExtension(Array(name.utf8))) else { return false }
        var folder = (file as NSString).deletingLastPathComponent
        while true {
            if folders.contains(folder) { return true }
            guard recursive, folder != "/", !folder.isEmpty else { return false }
            folder = (folder as NSString).deletingLastPathComponent
        }
    }

    /// Whether any image lies in a subfolder (stops at the first), for the hint to add --recursive.
    private static func anyImage(under folder: String) -> Bool {
        var probe = Expansion(), seen: Set<String> = []
        _ = walk(folder, recursive: true, skipping: [], folders: &seen, into: &probe)
        return !probe.images.isEmpty
    }

    static func hasImageExtension(_ name: [UInt8]) -> Bool {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")) else { return false }
        let ext = String(decoding: name[(dot + 1)...].map { NaturalOrder.lower($0) }, as: UTF8.self)
        return extensions.contains(ext)
    }

    /// Compares names with digit runs as numbers (IMG_2 before IMG_10).
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        NaturalOrder.less(Array(a.utf8), Array(b.utf8))
    }
}
