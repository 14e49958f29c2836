import Foundation

/// A dense float32 tensor: a shape and contiguous row-major storage.
///
/// Tensors have reference semantics, like PyTorch's: copying a `Tensor` value shares its
/// storage. Use `copy()` for an independent tensor. Weight tensors that view a mapped file
/// are read-only.
///
/// A tensor is a mutable buffer, so it is not `Sendable`; a model keeps its weights frozen instead (read only,
/// `Sendable`), which is how the compiler knows that one `CLIPModel` or `CrowdCounter` may serve many threads.
public struct Tensor {
    /// Sizes of the dimensions, outermost first.
    public let shape: [Int]
    /// The shared, 64-byte aligned values.
    let storage: TensorStorage

    /// A zero-filled tensor.
    package init(zeros shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// A view of `storage` (which must hold at least the shape's element count), sharing it.
    package init(shape: [Int], storage: TensorStorage) {
        precondition(storage.count >= shape.reduce(1, *), "storage smaller than shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor holding a copy of `values`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer.update(from: base, count: values.count) }
        }
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    var rank: Int { shape.count }
    /// The first value (row-major, contiguous); valid while the tensor lives.
    package var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    /// All values as a buffer; valid while the tensor lives.
    var buffer: UnsafeMutableBufferPointer<Float> { .init(start: storage.pointer, count: count) }

    /// The values as a Swift array (a copy; for tests and small outputs, not hot paths).
    public var array: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The same storage seen with another shape of equal element count.
    func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    /// An independent copy.
    func copy() -> Tensor {
        let out = Tensor(zeros: shape)
        out.pointer.update(from: pointer, count: count)
        return out
    }

    /// Row `i` of the leading dimension, as a copy with the remaining shape.
    package func row(_ i: Int) -> Tensor {
        precondition(rank >= 1 && i >= 0 && i < shape[0])
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        let out = Tensor(zeros: inner)
        out.pointer.update(from: pointer + i * n, count: n)
        return out
    }

    /// Element access by flat index (tests and small loops only).
    package subscript(flat index: Int) -> Float {
        get { storage.pointer[index] }
        nonmutating set { storage.pointer[index] = newValue }
    }
}
