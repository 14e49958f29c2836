import Foundation

/// Turns command-line inputs into image paths: files as given, folders expanded to their JPEG/PNG files
/// (not recursive) in natural order (IMG_2 before IMG_10).
public enum ImageInputs {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    public static func expand(_ inputs: [String]) -> (images: [String], problems: [(String, String)]) {
        var images: [String] = [], problems: [(String, String)] = []
        let fm = FileManager.default
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else { problems.append((input, "no such file or folder")); continue }
            guard isDir.boolValue else { images.append(input); continue }
            guard let names = try? fm.contentsOfDirectory(atPath: input) else { problems.append((input, "cannot list the folder")); continue }
            let found = names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
                .sorted(by: naturalOrder)
            if found.isEmpty { problems.append((input, "the folder holds no .jpg, .jpeg or .png image")) }
            images += found.map { (input as NSString).appendingPathComponent($0) }
        }
        return (images, problems)
    }

    /// Compares names with digit runs as numbers.
    public static func naturalOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric, .caseInsensitive]) == .orderedAscending
    }
}

/// Which images an earlier run already wrote to an output file (JSON lines or CSV), so `--resume` can skip
/// them. Failed images are tried again.
public enum ResumeIndex {
    public static func completedImages(in path: String) -> Set<String> {
        // Decoded leniently: a run killed mid-write can leave a cut-off character or line at the end.
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var done: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("{") {
                guard let data = line.data(using: .utf8),
                      let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let image = obj["image"] as? String, obj["count"] != nil else { continue }
                done.insert(image)
            } else if let fields = CSVLine.parse(String(line)), fields.count >= 4, fields[0] != "image", !fields[1].isEmpty, fields[3].isEmpty {
                done.insert(fields[0])
            }
        }
        return done
    }
}

/// Splits one CSV line (quoted fields with doubled quotes).
public enum CSVLine {
    public static func parse(_ line: String) -> [String]? {
        var fields: [String] = [], current = "", quoted = false, i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex && line[next] == "\"" { current.append("\""); i = next } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
            i = line.index(after: i)
        }
        fields.append(current)
        return quoted ? nil : fields
    }
}
