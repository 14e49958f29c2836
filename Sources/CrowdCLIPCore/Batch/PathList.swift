import Foundation

/// Many paths in one byte buffer, each folder's path stored once: a folder of 100,000 images costs the bytes of
/// their names plus 4 bytes each, not a heap string per path, so a batch's memory hardly grows with its length.
package struct PathList: RandomAccessCollection, Sendable {
    /// A run of entries sharing a folder prefix ("" for paths appended whole), from entry `first` on.
    private struct Run: Sendable { let prefix: String; let first: Int }
    private var runs: [Run] = []
    private var bytes: [UInt8] = []
    private var ends: [UInt32] = []

    /// An empty list.
    package init() {}
    /// A list of `paths`, in order.
    package init<S: Sequence>(_ paths: S) where S.Element == String { for p in paths { append(p) } }

    /// Always 0.
    package var startIndex: Int { 0 }
    /// The number of paths.
    package var endIndex: Int { ends.count }

    /// The path at `i`, rebuilt as a string (folder prefix plus name); O(log runs).
    package subscript(i: Int) -> String {
        // The last run starting at or before i.
        var lo = 0, hi = runs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if runs[mid].first <= i { lo = mid } else { hi = mid - 1 }
        }
        return runs[lo].prefix + String(decoding: slice(i), as: UTF8.self)
    }

    /// Appends `path` whole (its folder is not shared with other entries).
    package mutating func append(_ path: String) { append(name: Array(path.utf8), in: "") }

    /// Appends `prefix + name`.
    mutating func append<C: Collection>(name: C, in prefix: String) where C.Element == UInt8 {
        if runs.last?.prefix != prefix { runs.append(Run(prefix: prefix, first: ends.count)) }
        bytes.append(contentsOf: name)
        ends.append(UInt32(bytes.count))
    }

    private func start(_ i: Int) -> Int { i == 0 ? 0 : Int(ends[i - 1]) }

    /// The bytes of entry `i` after its folder prefix.
    func slice(_ i: Int) -> ArraySlice<UInt8> { bytes[start(i)..<Int(ends[i])] }

    /// The order of the entries in natural order (IMG_2 before IMG_10), without building strings.
    func naturalOrder() -> [UInt32] {
        var order = (0..<UInt32(ends.count)).map { $0 }
        order.sort { NaturalOrder.less(slice(Int($0)), slice(Int($1))) }
        return order
    }
}
