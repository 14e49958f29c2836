import Foundation

/// The element reader over one region of a byte buffer (the file, or an inflated compressed element). Nested
/// readers share the buffer and narrow the region, so nesting never copies bytes.
struct MATReader {
    let bytes: [UInt8]
    let bigEndian: Bool
    let file: String
    let depth: Int
    var position: Int
    let end: Int
    let budget: Budget

    /// What one file may cost, whatever its elements claim: inflated bytes and decoded values (8 bytes each).
    /// Dataset annotations are kilobytes; these limits are far above any real one.
    final class Budget {
        static let maxInflatedBytes = 256 << 20
        static let maxValues = 32 << 20
        var inflated = 0
        var values = 0
    }

    init(bytes: [UInt8], range: Range<Int>, bigEndian: Bool, file: String, depth: Int, budget: Budget) {
        self.bytes = bytes; self.bigEndian = bigEndian; self.file = file; self.depth = depth; self.budget = budget
        position = range.lowerBound
        end = range.upperBound
    }

    enum DataType: UInt32 {
        case int8 = 1, uint8, int16, uint16, int32, uint32, single, double = 9, int64 = 12, uint64, matrix, compressed, utf8, utf16, utf32
    }

    func fail(_ why: String) -> MATFile.FormatError { .invalid(file: file, reason: why) }

    func u32(at p: Int) throws -> UInt32 {
        guard p >= 0, p <= end - 4 else { throw fail("element header runs past the end") }
        let v = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
        return bigEndian ? v.byteSwapped : v
    }

    /// Reads one tag: (type, data range); advances past the element and its padding.
    mutating func readTag() throws -> (UInt32, Range<Int>) {
        let first = try u32(at: position)
        if first >> 16 != 0 {  // small data element: size and type share the first word, data in the second
            let size = Int(first >> 16), type = first & 0xFFFF
            guard size <= 4 else { throw fail("small element claims \(size) bytes") }
            let start = position + 4
            guard start <= end - 4 else { throw fail("element runs past the end") }
            position += 8
            return (type, start..<(start + size))
        }
        let size = Int(try u32(at: position + 4))
        let start = position + 8
        guard size <= end - start else { throw fail("element of \(size) bytes runs past the end of the data") }
        position = first == DataType.compressed.rawValue ? start + size : start + ((size + 7) & ~7)
        position = min(position, end)
        return (first, start..<(start + size))
    }

    mutating func readTopLevelElement() throws -> (String, MATValue)? {
        let (type, range) = try readTag()
        switch DataType(rawValue: type) {
        case .compressed?:
            let inflated = try inflate(Array(bytes[range]))
            var inner = MATReader(bytes: inflated, range: 0..<inflated.count, bigEndian: bigEndian, file: file, depth: depth, budget: budget)
            let (t, r) = try inner.readTag()
            guard t == DataType.matrix.rawValue else { return nil }
            return try inner.readMatrix(r)
        case .matrix?:
            return try readMatrix(range)
        default:
            return nil  // not a variable (e.g. subsystem data): skipped
        }
    }

    /// Inflates a compressed element, no further than its inner tag declares (8 + size bytes), than deflate can
    /// honestly produce from it, and than the file's budget has left.
    private func inflate(_ src: [UInt8]) throws -> [UInt8] {
        let left = Budget.maxInflatedBytes - budget.inflated
        let bigEndian = self.bigEndian
        let declared: (ArraySlice<UInt8>) -> Int? = { head in
            let b = Array(head)
            var size = UInt32(b[4]) | UInt32(b[5]) << 8 | UInt32(b[6]) << 16 | UInt32(b[7]) << 24
            if bigEndian { size = size.byteSwapped }
            var first = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
            if bigEndian { first = first.byteSwapped }
            return first >> 16 != 0 ? 8 : 8 + ((Int(size) + 7) & ~7)
        }
        switch Zlib.inflate(src, wrapper: .zlibHeader, limit: left, declared: declared) {
        case let .success(bytes):
            budget.inflated += bytes.count
            return bytes
        case let .failure(f) where f.code == -5:
            throw fail("a compressed element inflates past the size it declares (or past \(Budget.maxInflatedBytes >> 20) MiB for the file)")
        case let .failure(f): throw fail("a compressed element is damaged (zlib error \(f.code))")
        }
    }

    /// A miMATRIX element's content: flags, dimensions, name, then data by class.
    mutating func readMatrix(_ range: Range<Int>) throws -> (String, MATValue) {
        guard depth < 32 else { throw fail("arrays nested too deeply") }
        var sub = MATReader(bytes: bytes, range: range, bigEndian: bigEndian, file: file, depth: depth + 1, budget: budget)
        if range.isEmpty { return ("", .numeric(shape: [0, 0], values: [])) }
        let (_, flagsRange) = try sub.readTag()
        guard flagsRange.count >= 4 else { throw fail("array flags are missing") }
        let flags = try sub.u32(at: flagsRange.lowerBound)
        let cls = flags & 0xFF
        let (_, dimRange) = try sub.readTag()
        let dims = try sub.integers(dimRange, type: .int32)
        guard !dims.isEmpty, dims.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else { throw fail("bad array dimensions \(dims)") }
        let (elementCount, overflow) = dims.reduce((1, false)) { acc, d in
            let (m, o) = acc.0.multipliedReportingOverflow(by: d); return (m, acc.1 || o)
        }
        guard !overflow, elementCount < 1 << 31 else { throw fail("array of \(dims) is too large") }
        let (_, nameRange) = try sub.readTag()
        let name = String(decoding: sub.bytes[nameRange], as: UTF8.self)
        // Every cell or struct element takes at least an 8-byte tag, so the count is bounded by the data left
        // (a tiny file must not be able to ask for billions of elements).
        if cls == 1 || cls == 2 || cls == 3, elementCount > max(sub.end - sub.position, 0) / 8 + 1 {
            throw fail("array \(name) claims \(elementCount) elements in \(sub.end - sub.position) bytes")
        }
        switch cls {
        case 1:  // cell
            var items: [MATValue] = []
            for _ in 0..<elementCount {
                let (t, r) = try sub.readTag()
                guard t == DataType.matrix.rawValue else { throw fail("cell \(name) holds a non-array element") }
                items.append(try sub.readMatrix(r).1)
            }
            return (name, .cell(shape: dims, items: items))
        case 2, 3:  // struct, object (class name first, then as a struct)
            if cls == 3 { _ = try sub.readTag() }
            let (_, lenRange) = try sub.readTag()
            let fieldLength = try sub.integers(lenRange, type: .int32).first ?? 0
            let (_, namesRange) = try sub.readTag()
            guard fieldLength > 0 else { return (name, .structure(shape: dims, elements: Array(repeating: [:], count: elementCount))) }
            let raw = Array(sub.bytes[namesRange])
            let fields = stride(from: 0, to: raw.count - fieldLength + 1, by: fieldLength).map {
                String(decoding: raw[$0..<($0 + fieldLength)].prefix { $0 != 0 }, as: UTF8.self)
            }
            var elements: [[String: MATValue]] = []
            for _ in 0..<elementCount {
                var element: [String: MATValue] = [:]
                for field in fields {
                    let (t, r) = try sub.readTag()
                    guard t == DataType.matrix.rawValue else { throw fail("struct \(name).\(field) is not an array") }
                    element[field] = try sub.readMatrix(r).1
                }
                elements.append(element)
            }
            return (name, .structure(shape: dims, elements: elements))
        case 4:  // char
            let (t, r) = try sub.readTag()
            let chars: String
            switch DataType(rawValue: t) {
            case .utf8?, .int8?, .uint8?: chars = String(decoding: sub.bytes[r], as: UTF8.self)
            default:
                let units = try sub.integers(r, type: DataType(rawValue: t) == .utf32 ? .uint32 : .uint16)
                chars = String(String.UnicodeScalarView(units.compactMap { Unicode.Scalar(UInt32(truncatingIfNeeded: $0)) }))
            }
            return (name, .char(chars))
        case 5: throw fail("sparse array \(name) is not supported")
        case 6...15:
            let (t, r) = try sub.readTag()
            guard let type = DataType(rawValue: t) else { throw fail("array \(name) has unknown data type \(t)") }
            let values = try sub.numbers(r, type: type)
            guard values.count == elementCount else { throw fail("array \(name) has \(values.count) values for shape \(dims)") }
            return (name, .numeric(shape: dims, values: values))
        default:
            throw fail("array \(name) has unsupported class \(cls)")
        }
    }

    func integers(_ r: Range<Int>, type: DataType) throws -> [Int] { try numbers(r, type: type).map { Int($0) } }

    /// Decodes a numeric data element into Doubles, honouring the file's byte order.
    func numbers(_ r: Range<Int>, type: DataType) throws -> [Double] {
        let size: Int
        switch type {
        case .int8, .uint8, .utf8: size = 1
        case .int16, .uint16, .utf16: size = 2
        case .int32, .uint32, .single, .utf32: size = 4
        case .double, .int64, .uint64: size = 8
        default: throw fail("data type \(type) is not numeric")
        }
        guard r.count % size == 0 else { throw fail("data of \(r.count) bytes is not a whole number of \(size)-byte values") }
        budget.values += r.count / size
        guard budget.values <= Budget.maxValues else { throw fail("more than \(Budget.maxValues) values in one file") }
        var out = [Double]()
        out.reserveCapacity(r.count / size)
        var p = r.lowerBound
        while p < r.upperBound {
            var raw: UInt64 = 0
            for k in 0..<size { raw |= UInt64(bytes[p + k]) << (8 * UInt64(bigEndian ? size - 1 - k : k)) }
            switch type {
            case .int8: out.append(Double(Int8(truncatingIfNeeded: raw)))
            case .uint8, .utf8: out.append(Double(UInt8(truncatingIfNeeded: raw)))
            case .int16: out.append(Double(Int16(truncatingIfNeeded: raw)))
            case .uint16, .utf16: out.append(Double(UInt16(truncatingIfNeeded: raw)))
            case .int32: out.append(Double(Int32(truncatingIfNeeded: raw)))
            case .uint32, .utf32: out.append(Double(UInt32(truncatingIfNeeded: raw)))
            case .single: out.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))))
            case .double: out.append(Double(bitPattern: raw))
            case .int64: out.append(Double(Int64(bitPattern: raw)))
            case .uint64: out.append(Double(raw))
            default: break
            }
            p += size
        }
        return out
    }
}
