import Foundation

/// A tensor whose values no longer change: a built model's weights, a counter's prompt features.
///
/// It can only be read, so it is `Sendable` and the compiler checks that whatever holds only frozen tensors and
/// other constants (`CLIPModel`, `CrowdCounter`) is too. `Tensor`, the mutable buffer it is frozen from, is not.
/// Freezing shares the storage, so it is a promise by the code that freezes: nothing writes the tensor after.
/// Weights from a `WeightStore` are never written (mapped ones cannot be). The one exception is training's own
/// tower (`VisionBackprop`): it views the trainable parameters, which the optimiser changes between steps on the
/// same thread, and it is never shared.
struct FrozenTensor: Sendable {
    /// Sizes of the dimensions, outermost first.
    let shape: [Int]
    private let storage: TensorStorage

    /// `tensor`'s values, from now on read only (see the type's promise).
    init(_ tensor: Tensor) {
        shape = tensor.shape
        storage = tensor.storage
    }

    /// Number of elements.
    var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    var rank: Int { shape.count }
    /// The first value (row-major, contiguous); valid while the tensor lives.
    var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }
    /// The values as a Swift array (a copy).
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The same values seen with another shape of equal element count.
    func reshaped(_ newShape: [Int]) -> FrozenTensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return FrozenTensor(Tensor(shape: newShape, storage: storage))
    }
}

extension WeightStore {
    /// The tensor `name`, checked against `shape`, frozen: a weight of the model being built.
    func frozen(_ name: String, shape: [Int]) throws -> FrozenTensor { FrozenTensor(try tensor(name, shape: shape)) }
}

extension Tensor {
    /// `self · otherᵀ` for row-major matrices [M,K] and [N,K] → [M,N].
    func matmulTransposed(_ other: FrozenTensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[1])
        let out = Tensor(zeros: [shape[0], other.shape[0]])
        OpenBLAS.sgemm(transB: true, m: shape[0], n: other.shape[0], k: shape[1],
                   a: pointer, lda: shape[1], b: other.pointer, ldb: shape[1], c: out.pointer, ldc: other.shape[0])
        return out
    }
}
