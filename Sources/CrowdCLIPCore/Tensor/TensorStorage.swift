import Foundation

/// Float32 memory behind a `Tensor`: either owned (allocated here) or borrowed from
/// something that outlives it (a memory-mapped weights file held by `owner`).
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let owned: Bool
    /// Keeps a borrowed region (for example a file mapping) alive while this storage lives.
    private let owner: AnyObject?

    /// Zero-initialised storage of `count` floats, 64-byte aligned for SIMD kernels.
    public init(count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        self.pointer = raw.assumingMemoryBound(to: Float.self)
        self.count = count
        self.owned = true
        self.owner = nil
    }

    /// Storage that views memory owned by `owner` (no copy). The memory must stay valid and
    /// must not be written through this storage unless the owner allows it.
    public init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owned = false
        self.owner = owner
    }

    /// True when this storage views memory owned elsewhere (a mapped weights file).
    public var isBorrowed: Bool { !owned }

    deinit {
        if owned { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
