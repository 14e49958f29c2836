extension CLIPModel {
    /// The towers with their fp32 weight products on `engine` (`crowdclip --engine`); bf16 always runs on oneDNN.
    /// Loads OpenBLAS first (the attention kernel's thread count and the fp32 default need it).
    /// - Throws: as `init(weights:headWidth:precision:)`, and for `.oneDNN` without libdnnl
    ///   `EncoderError.matrixLibraryUnavailable` saying what to install.
    convenience init(weights: WeightStore, headWidth: Int = 64, precision: Precision = .fp32,
                     engine: MatrixEngine) throws {
        try OpenBLAS.load()
        try self.init(weights: weights, headWidth: headWidth, precision: precision,
                      backend: try Self.backend(precision, engine: engine))
    }

    /// The backend, with the backends' internal refusal turned into the public `EncoderError` users can catch:
    /// a missing libdnnl is a missing matrix library (as OpenBLAS), anything else a precision this CPU cannot run.
    static func backend(_ precision: Precision, engine: MatrixEngine) throws -> MatrixBackend {
        do {
            return try MatrixBackend.for(precision, engine: engine)
        } catch let e as PrecisionUnavailable {
            if OneDNN.version == nil { throw EncoderError.matrixLibraryUnavailable(reason: e.description) }
            throw EncoderError.precisionUnavailable(precision: precision, reason: e.description)
        }
    }

    /// Loads any supported weights file or folder (see `WeightLoader`) with its fp32 products on `engine`.
    package convenience init(path: String, headWidth: Int = 64, precision: Precision = .fp32,
                             engine: MatrixEngine) throws {
        try self.init(weights: try WeightLoader.load(path: path), headWidth: headWidth, precision: precision,
                      engine: engine)
    }

    /// oneDNN's version and the kernel of its bf16 products, for the benchmark's header; nil where bf16 cannot run.
    package static var bf16KernelDescription: String? {
        OneDNN.bf16Kernel.map { "oneDNN \(OneDNN.version ?? "?"), kernel \($0)" }
    }
}
