import Foundation

/// Memory that tensors may view without copying (a mapped file, an inflated zip entry). It stays valid exactly
/// as long as the object lives, so a storage that keeps its owner keeps its bytes.
package protocol ByteRegionOwner: AnyObject {
    /// The owner's bytes; they must stay valid and unchanged for as long as the object lives.
    var region: UnsafeRawBufferPointer { get }
}

/// Float32 memory behind a `Tensor`: either owned (allocated here) or borrowed from the `ByteRegionOwner` whose
/// region holds every byte it points into (a memory-mapped weights file, an inflated zip entry).
/// Unchecked: its own fields never change, and the floats it points to are written only through a `Tensor`
/// (not `Sendable`), never once frozen (`FrozenTensor`); a borrowed owner is read-only.
package final class TensorStorage: @unchecked Sendable {
    /// First float; owned memory is freed, and a borrowed owner released, when this storage is deallocated.
    package let pointer: UnsafeMutablePointer<Float>
    /// Number of floats at `pointer`.
    package let count: Int
    private let owned: Bool
    /// Keeps a borrowed region (for example a file mapping) alive while this storage lives.
    private let owner: ByteRegionOwner?

    /// Zero-initialised storage of `count` floats, 64-byte aligned for SIMD kernels.
    package init(count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        self.pointer = raw.assumingMemoryBound(to: Float.self)
        self.count = count
        self.owned = true
        self.owner = nil
    }

    /// Storage that views `count` floats at `pointer` inside `owner.region` (no copy). Ownership is decided
    /// here: the view must lie wholly inside the region of the object it keeps alive. Borrowed memory is
    /// read-only (a file mapped `PROT_READ`).
    package init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: ByteRegionOwner) {
        let region = owner.region
        let start = UnsafeRawPointer(pointer), base = region.baseAddress.map { UnsafeRawPointer($0) }
        precondition(count >= 0 && count <= Int.max / 4 && base != nil && start >= base!
                     && start - base! <= region.count - count * 4, "a borrowed tensor must lie inside its owner's bytes")
        self.pointer = pointer
        self.count = count
        self.owned = false
        self.owner = owner
    }

    /// True when this storage views memory owned elsewhere (a mapped weights file).
    var isBorrowed: Bool { !owned }

    deinit {
        if owned { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
