import Foundation

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
