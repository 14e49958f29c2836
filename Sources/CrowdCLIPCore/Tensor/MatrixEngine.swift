/// Which library runs the fp32 weight products: OpenBLAS (the default) or oneDNN's float32 matmul, packed once
/// at build like bf16. bf16 always runs on oneDNN, so the choice applies to fp32 only.
///
/// `package`, not public: issue 14 caps the public API at 150 declarations and this is a tuning knob, so it is
/// offered by the `crowdclip` CLI (`--engine openblas|onednn`) and the benchmark through
/// `CLIPModel(path:headWidth:precision:engine:)`; a library user gets OpenBLAS fp32 or `Precision.bf16`.
package enum MatrixEngine: String, Sendable, CaseIterable {
    /// OpenBLAS's `cblas_sgemm`, the weights used where they lie.
    case openBLAS = "openblas"
    /// oneDNN's float32 matmul (`libdnnl`, opened on first use); each weight reordered once into its layout.
    case oneDNN = "onednn"
}
