/// The number format of the encoders' weight products (every `Linear` layer but the final projection).
///
/// LayerNorm, softmax, the residual stream, the attention products and the final projection are float32 in
/// both; only the inputs and weights of the layer products are rounded in `bf16`, and they accumulate in float32.
public enum Precision: String, Sendable, CaseIterable {
    /// float32 throughout, on OpenBLAS (the default).
    case fp32
    /// bfloat16 weight products on oneDNN (`libdnnl`), which uses AVX512-BF16 or AMX-BF16; about twice the
    /// throughput of fp32, features within cosine 0.999 of it. Refused with `EncoderError.precisionUnavailable` on
    /// a CPU without those instructions, and with `EncoderError.matrixLibraryUnavailable` without the library.
    /// Inference only: training stays fp32.
    ///
    /// Loading oneDNN sets `OMP_WAIT_POLICY=passive` when it is unset, so that oneDNN's idle OpenMP threads sleep
    /// instead of spinning on the cores OpenBLAS and the attention kernel need; a value the user set is kept. The
    /// variable is set in the process environment, so child processes started afterwards inherit it.
    case bf16
}

/// Why `Precision.bf16` or the oneDNN engine cannot run here: the CPU lacks the instructions or oneDNN is missing;
/// the message says which. Internal to the matrix backends: `CLIPModel` throws it to users as `EncoderError`
/// (`.matrixLibraryUnavailable` without libdnnl, `.precisionUnavailable` otherwise).
package struct PrecisionUnavailable: Error, CustomStringConvertible {
    package let description: String
}
