import Foundation

/// A minimal ZIP reader over a mapped file, enough for PyTorch's archives: the central directory (zip64 too),
/// stored entries as zero-copy slices and deflated ones inflated through zlib.
///
/// Nothing from the file is trusted before it is checked: the entry count against the directory's size, every
/// offset and size against the file, entries must not share bytes, and a deflated entry may not claim more than
/// deflate can produce from its compressed size. So the memory a file can make this reader use is bounded by
/// the file's own size.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    /// An entry's bytes and the object that keeps them valid (the mapping, or the inflated copy).
    struct Bytes {
        let bytes: UnsafeRawBufferPointer
        let owner: ByteRegionOwner
    }

    let file: MappedFile
    let entries: [String: Entry]
    private let inflated = InflatedCache()

    init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        func corrupt(_ why: String) -> WeightError { .corrupt(file: path, reason: why) }
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        let tail = min(file.size, 65_557)
        let region = try file.bytes(file.size - tail, tail, what: "zip trailer")
        var eocd = -1
        var i = tail - 22
        while i >= 0 {
            if region.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian == 0x0605_4B50 { eocd = file.size - tail + i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw corrupt("zip end-of-central-directory record not found (truncated file?)") }
        let rec = try file.bytes(eocd, 22, what: "zip end record")
        var count = Int(rec.loadUnaligned(fromByteOffset: 10, as: UInt16.self).littleEndian)
        var cdSize = Int(rec.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        var cdOffset = Int(rec.loadUnaligned(fromByteOffset: 16, as: UInt32.self).littleEndian)
        if eocd >= 20 {
            let loc = try file.bytes(eocd - 20, 20, what: "zip64 locator")
            if loc.loadUnaligned(as: UInt32.self).littleEndian == 0x0706_4B50 {
                let z64 = Self.int(loc.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian)
                let r = try file.bytes(z64, 56, what: "zip64 end record")
                guard r.loadUnaligned(as: UInt32.self).littleEndian == 0x0606_4B50 else { throw corrupt("bad zip64 end record") }
                count = Self.int(r.loadUnaligned(fromByteOffset: 32, as: UInt64.self).littleEndian)
                cdSize = Self.int(r.loadUnaligned(fromByteOffset: 40, as: UInt64.self).littleEndian)
                cdOffset = Self.int(r.loadUnaligned(fromByteOffset: 48, as: UInt64.self).littleEndian)
            }
        }
        let cd = try file.bytes(cdOffset, cdSize, what: "zip central directory")
        // Every directory entry takes at least 46 bytes: a larger count is a lie about the directory.
        guard count >= 0, count <= cd.count / 46 else {
            throw corrupt("zip directory claims \(count) entries in \(cd.count) bytes")
        }
        var entries: [String: Entry] = [:]
        var p = 0
        for _ in 0..<count {
            guard cd.count - p >= 46, cd.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian == 0x0201_4B50 else {
                throw corrupt("zip central directory entry \(entries.count) is damaged")
            }
            let method = cd.loadUnaligned(fromByteOffset: p + 10, as: UInt16.self).littleEndian
            var csize = Int(cd.loadUnaligned(fromByteOffset: p + 20, as: UInt32.self).littleEndian)
            var usize = Int(cd.loadUnaligned(fromByteOffset: p + 24, as: UInt32.self).littleEndian)
            let nameLen = Int(cd.loadUnaligned(fromByteOffset: p + 28, as: UInt16.self).littleEndian)
            let extraLen = Int(cd.loadUnaligned(fromByteOffset: p + 30, as: UInt16.self).littleEndian)
            let commentLen = Int(cd.loadUnaligned(fromByteOffset: p + 32, as: UInt16.self).littleEndian)
            var offset = Int(cd.loadUnaligned(fromByteOffset: p + 42, as: UInt32.self).littleEndian)
            guard nameLen + extraLen + commentLen <= cd.count - p - 46 else { throw corrupt("zip central directory runs past its end") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: cd[(p + 46)..<(p + 46 + nameLen)]), as: UTF8.self)
            // Zip64 extra field: the 8-byte values replace those stored as 0xFFFFFFFF, in order.
            var e = p + 46 + nameLen
            let extraEnd = e + extraLen
            while extraEnd - e >= 4 {
                let tag = cd.loadUnaligned(fromByteOffset: e, as: UInt16.self).littleEndian
                let len = Int(cd.loadUnaligned(fromByteOffset: e + 2, as: UInt16.self).littleEndian)
                if tag == 1 {
                    var q = e + 4
                    let fieldEnd = min(e + 4 + len, extraEnd)
                    func next() -> Int { defer { q += 8 }; return fieldEnd - q >= 8 ? Self.int(cd.loadUnaligned(fromByteOffset: q, as: UInt64.self).littleEndian) : -1 }
                    if usize == 0xFFFF_FFFF { usize = next() }
                    if csize == 0xFFFF_FFFF { csize = next() }
                    if offset == 0xFFFF_FFFF { offset = next() }
                }
                e += 4 + len
            }
            guard csize >= 0, usize >= 0, offset >= 0, offset <= file.size, csize <= file.size - offset else {
                throw corrupt("zip entry `\(name)` lies outside the file (offset \(offset), \(csize) bytes)")
            }
            switch method {
            case 0 where usize != csize:
                throw corrupt("stored zip entry `\(name)` claims \(usize) bytes but holds \(csize)")
            case 8 where usize / Zlib.maxRatio > csize + 1:
                throw corrupt("zip entry `\(name)` claims \(usize) bytes from \(csize) compressed bytes")
            default: break
            }
            entries[name] = Entry(name: name, method: method, compressedSize: csize, size: usize, localHeaderOffset: offset)
            p += 46 + nameLen + extraLen + commentLen
        }
        // Entries laid over the same bytes (one compressed block listed many times) would multiply what a small
        // file inflates to; a real archive never shares bytes between entries.
        let ordered = entries.values.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (a, b) in zip(ordered, ordered.dropFirst()) where b.localHeaderOffset - a.localHeaderOffset < 30 + a.compressedSize {
            throw corrupt("zip entries `\(a.name)` and `\(b.name)` overlap")
        }
        self.entries = entries
    }

    /// The entry's bytes: a view of the mapping when stored, an inflated copy (made once) when deflated.
    func data(_ name: String) throws -> Bytes {
        guard let entry = entries[name] else { throw WeightError.corrupt(file: file.path, reason: "zip entry `\(name)` is missing") }
        if let done = inflated.get(name) { return Bytes(bytes: done.region, owner: done) }
        let local = try file.bytes(entry.localHeaderOffset, 30, what: "zip local header of `\(name)`")
        guard local.loadUnaligned(as: UInt32.self).littleEndian == 0x0403_4B50 else {
            throw WeightError.corrupt(file: file.path, reason: "zip local header of `\(name)` is damaged")
        }
        let start = entry.localHeaderOffset + 30 + Int(local.loadUnaligned(fromByteOffset: 26, as: UInt16.self).littleEndian)
            + Int(local.loadUnaligned(fromByteOffset: 28, as: UInt16.self).littleEndian)
        let raw = try file.bytes(start, entry.compressedSize, what: "zip entry `\(name)`")
        switch entry.method {
        case 0: return Bytes(bytes: raw, owner: file)
        case 8:
            let buffer = try inflate(raw, size: entry.size, name: name)
            inflated.put(name, buffer)
            return Bytes(bytes: buffer.region, owner: buffer)
        default: throw WeightError.unsupported(file: file.path, reason: "zip entry `\(name)` uses compression method \(entry.method)")
        }
    }

    /// Inflates exactly `size` bytes (what the directory declares, already checked against deflate's ratio).
    private func inflate(_ src: UnsafeRawBufferPointer, size: Int, name: String) throws -> InflatedEntry {
        guard size < Int(UInt32.max), src.count < Int(UInt32.max) else {
            throw WeightError.unsupported(file: file.path, reason: "deflated zip entry `\(name)` is over 4 GiB")
        }
        let out = InflatedEntry(count: size)
        switch Zlib.inflate(src, wrapper: .raw, into: UnsafeMutableRawBufferPointer(start: out.buffer.baseAddress, count: size)) {
        case .success: return out
        case let .failure(f) where f.couldNotStart:
            throw WeightError.corrupt(file: file.path, reason: "zlib could not start")
        case .failure:
            throw WeightError.corrupt(file: file.path, reason: "zip entry `\(name)` does not inflate to its stated size")
        }
    }

    /// A 64-bit size or offset from the file as Int; values past Int.max become -1, which the checks refuse.
    static func int(_ v: UInt64) -> Int { Int(exactly: v) ?? -1 }
}
