import Foundation

/// One inflated zip entry. Tensors that view it keep it alive (it is their `ByteRegionOwner`).
/// Unchecked: its bytes are written once, while the archive inflates it, before any tensor views it.
final class InflatedEntry: ByteRegionOwner, @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    init(count: Int) { buffer = .allocate(byteCount: max(count, 1), alignment: 64); size = count }
    private let size: Int
    var region: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer.baseAddress, count: size) }
    deinit { buffer.deallocate() }
}
