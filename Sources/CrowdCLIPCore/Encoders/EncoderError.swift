import Foundation

/// What an encoder refuses: input of the wrong shape, a tower the weights do not have, a machine without the
/// matrix library, or a precision this CPU cannot run.
public enum EncoderError: Error, CustomStringConvertible {
    /// The input tensor or token ids do not fit the model; `reason` says what was expected.
    case badInput(reason: String)
    /// The image or text `tower` was asked for but the weights `file` do not hold it.
    case missingTower(file: String, tower: String)
    /// A `.npy` input cannot be read, or is not a float32 `[3, H, W]` or `[N, 3, H, W]` array; `reason` says why.
    case unusableArray(file: String, reason: String)
    /// OpenBLAS could not be loaded or lacks `cblas_sgemm`, or oneDNN (`libdnnl`, needed by `Precision.bf16` and
    /// `MatrixEngine.oneDNN`) could not be loaded; `reason` says which and how to install it.
    case matrixLibraryUnavailable(reason: String)
    /// `precision` cannot run on this CPU: bf16 needs AVX512-BF16 or AMX-BF16 and a bf16 kernel from oneDNN
    /// (not capped by `ONEDNN_MAX_CPU_ISA`); `reason` says which is missing. fp32 always runs.
    case precisionUnavailable(precision: Precision, reason: String)

    /// The message, naming the weights, the file or the shapes involved.
    public var description: String {
        switch self {
        case let .badInput(reason): return reason
        case let .missingTower(file, tower): return "\(file) has no \(tower)"
        case let .unusableArray(file, reason): return "\(file): not a usable .npy image array: \(reason)"
        case let .matrixLibraryUnavailable(reason): return reason
        case let .precisionUnavailable(_, reason): return reason
        }
    }
}
