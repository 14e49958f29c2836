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

/// Compares names with digit runs as numbers and ASCII letters without case.
enum NaturalOrder {
    static func less<C: Collection>(_ a: C, _ b: C) -> Bool where C.Element == UInt8, C.Index == Int {
        var i = a.startIndex, j = b.startIndex
        while i < a.endIndex && j < b.endIndex {
            let x = a[i], y = b[j]
            if isDigit(x) && isDigit(y) {
                var i2 = i, j2 = j
                while i2 < a.endIndex && a[i2] == 48 { i2 += 1 }
                while j2 < b.endIndex && b[j2] == 48 { j2 += 1 }
                var ie = i2, je = j2
                while ie < a.endIndex && isDigit(a[ie]) { ie += 1 }
                while je < b.endIndex && isDigit(b[je]) { je += 1 }
                if ie - i2 != je - j2 { return ie - i2 < je - j2 }
                for k in 0..<(ie - i2) where a[i2 + k] != b[j2 + k] { return a[i2 + k] < b[j2 + k] }
                i = ie; j = je
                continue
            }
            let lx = lower(x), ly = lower(y)
            if lx != ly { return lx < ly }
            i += 1; j += 1
        }
        if (a.endIndex - i) != (b.endIndex - j) { return a.endIndex - i < b.endIndex - j }
        return a.lexicographicallyPrecedes(b)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
}
