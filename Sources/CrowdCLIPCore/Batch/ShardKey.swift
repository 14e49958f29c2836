/// The stable shard assignment: which of N shards an image belongs to.
///
/// The key is the image's path relative to the command-line argument it was found under (`photos/` and
/// `/mnt/a/photos/IMG_1.jpg` give `IMG_1.jpg`; a subfolder stays in it: `day1/IMG_1.jpg`); an image given as a
/// file argument is keyed by its file name. Nodes that mount the data at different prefixes therefore agree,
/// and an image's shard depends on nothing but its own key, so adding files never moves the others.
///
/// The hash is FNV-1a 64 over the key's UTF-8 bytes, passed through MurmurHash3's 64-bit finaliser (`fmix64`)
/// so that its low bits are mixed too, then reduced modulo N. It is fixed by this definition, unlike Swift's
/// `Hasher`, which is seeded anew in every process. `Tools/gen_shard_fixture.py` computes the same in Python.
package enum ShardKey {
    /// The shard, in 0..<count, of the image with this key.
    package static func shard(of key: String, count: Int) -> Int {
        precondition(count >= 1, "a shard count is at least 1")
        return Int(mix(fnv1a64(key)) % UInt64(count))
    }

    /// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over UTF-8 bytes.
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// MurmurHash3's fmix64: FNV-1a's low bits depend only on the bytes' low bits, and `% N` reads them.
    static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// The key of `image`, found under the command-line `argument` (a folder, or the image itself).
    package static func key(image: String, argument: String) -> String { Keyer(arguments: [argument]).key(image) }

    /// Keys images of a batch given as several arguments: each image is keyed under the longest argument that is
    /// a folder above it (all tasks get the same arguments, so they agree even where folders nest), and by its
    /// file name when none is (a file argument).
    package struct Keyer: Sendable {
        private let arguments: [[Substring]]

        /// A keyer for a batch given as these command-line arguments (folders or image files).
        package init(arguments: [String]) { self.arguments = arguments.map(ShardKey.components).sorted { $0.count > $1.count } }

        /// The shard key of `image`: its path below the longest argument folder containing it, else its file name.
        package func key(_ image: String) -> String {
            let parts = ShardKey.components(image)
            for argument in arguments where parts.count > argument.count && parts.starts(with: argument) {
                return parts.dropFirst(argument.count).joined(separator: "/")
            }
            return parts.last.map(String.init) ?? image
        }
    }

    /// Path components without empty and `.` parts, so `photos`, `photos/` and `./photos` agree.
    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/").filter { $0 != "." }
    }
}
