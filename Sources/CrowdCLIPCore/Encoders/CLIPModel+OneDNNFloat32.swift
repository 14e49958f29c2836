extension CLIPModel {
    /// The model in float32 on oneDNN's matmul instead of OpenBLAS, for `crowdclip-bench` (Docs/benchmarks.md,
    /// "bf16 kernel": which fp32 engine a user would pick); not offered in the CLI.
    package static func oneDNNFloat32(path: String, headWidth: Int = 64) throws -> CLIPModel {
        try BLAS.load()
        try OneDNN.load()
        return try CLIPModel(weights: try WeightLoader.load(path: path), headWidth: headWidth, precision: .fp32,
                             backend: .oneDNNFloat32)
    }

    /// oneDNN's version and the kernel of its bf16 products, for the benchmark's header; nil where bf16 cannot run.
    package static var bf16KernelDescription: String? {
        OneDNN.bf16Kernel.map { "oneDNN \(OneDNN.version ?? "?"), kernel \($0)" }
    }
}
