import Foundation

/// A 128-bit fingerprint of a path, so a resume index over 100,000 images costs 16 bytes per image instead of a
/// string each. Two independent 64-bit hashes (FNV-1a with different bases, each finished by a SplitMix mix);
/// the chance that two of a million paths collide is below 1e-26.
struct PathKey: Hashable, Comparable, Sendable {
    let high: UInt64, low: UInt64

    /// The fingerprint of `path`'s UTF-8 bytes (deterministic across processes).
    package init(_ path: String) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in path.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 ^ 0x9E37_79B9_7F4A_7C15
        }
        high = Self.mix(a)
        low = Self.mix(b &+ UInt64(path.utf8.count))
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An arbitrary but fixed total order, so keys can be sorted and binary-searched.
    package static func < (l: PathKey, r: PathKey) -> Bool { (l.high, l.low) < (r.high, r.low) }
}
