import Foundation

/// The image encoder's parameters as owned, writable tensors under their OpenAI names, in a fixed order
/// (the order of gradients and optimiser state too).
final class VisionParameters {
    /// The image tower's geometry.
    let config: CLIPConfig.Vision
    /// Size of the projected features.
    let embedDim: Int
    /// OpenAI names of the parameters, in the fixed order.
    package let names: [String]
    /// The parameters, in the order of `names`.
    package let tensors: [Tensor]
    private let index: [String: Int]

    /// The names of one block's parameters, in the order `BlockParameters` expects them.
    static let blockFields = ["ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias",
                              "attn.out_proj.weight", "attn.out_proj.bias", "ln_2.weight", "ln_2.bias",
                              "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]

    static func parameterNames(layers: Int) -> [String] {
        var names = ["visual.conv1.weight", "visual.class_embedding", "visual.positional_embedding",
                     "visual.ln_pre.weight", "visual.ln_pre.bias"]
        for l in 0..<layers { names += blockFields.map { "visual.transformer.resblocks.\(l).\($0)" } }
        return names + ["visual.ln_post.weight", "visual.ln_post.bias", "visual.proj"]
    }

    /// Copies the visual weights out of `store` (checked against the configuration read from it).
    package init(store: WeightStore, headWidth: Int = 64) throws {
        let c = try CLIPConfig.infer(from: store, headWidth: headWidth)
        guard let v = c.vision else { throw EncoderError.missingTower(file: store.source, tower: "image encoder to train") }
        config = v
        embedDim = c.embedDim
        names = Self.parameterNames(layers: v.layers)
        tensors = try names.map { try store.tensor($0).copy() }
        index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let mlpWidths: Set<Int> = Set((0..<v.layers).map { (layer: Int) -> Int in tensors[5 + 12 * layer + 9].count })
        guard mlpWidths.count == 1 else {
            throw TrainingError.unsupportedWeights(file: store.source, reason: "the image encoder's blocks have different MLP widths")
        }
        guard c.activation == .quickGELU else {
            throw TrainingError.unsupportedWeights(file: store.source, reason: "the model uses GELU; training supports QuickGELU models (OpenAI layout)")
        }
    }

    init(config: CLIPConfig.Vision, embedDim: Int, names: [String], tensors: [Tensor]) {
        self.config = config
        self.embedDim = embedDim
        self.names = names
        self.tensors = tensors
        index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// Zero tensors of the same shapes (gradients, optimiser moments).
    init(zerosLike other: VisionParameters) {
        config = other.config
        embedDim = other.embedDim
        names = other.names
        tensors = other.tensors.map { Tensor(zeros: $0.shape) }
        index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// The parameter with this OpenAI name (it must exist).
    package subscript(name: String) -> Tensor { tensors[index[name]!] }
    var conv: Tensor { tensors[0] }
    var classEmbedding: Tensor { tensors[1] }
    var positional: Tensor { tensors[2] }
    var lnPre: (Tensor, Tensor) { (tensors[3], tensors[4]) }
    func block(_ l: Int) -> BlockParameters { BlockParameters(t: Array(tensors[(5 + 12 * l)..<(5 + 12 * l + 12)])) }
    var lnPost: (Tensor, Tensor) { let n = tensors.count; return (tensors[n - 3], tensors[n - 2]) }
    var proj: Tensor { tensors[tensors.count - 1] }

    /// Total number of scalars.
    var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Sets every value to 0 (gradients before a step).
    package func zero() { for t in tensors { t.pointer.update(repeating: 0, count: t.count) } }

    /// The parameters as a weight store (for `CLIPModel`, validation and checkpoints).
    package func store(source: String) -> WeightStore {
        WeightStore(tensors: Dictionary(uniqueKeysWithValues: zip(names, tensors)), source: source)
    }
}

extension VisionParameters {
    /// A set holding one free tensor (optimiser tests).
    convenience init(single: Tensor) {
        self.init(config: .init(width: 0, layers: 0, heads: 1, patchSize: 1, imageSize: 1), embedDim: 0, names: ["p"], tensors: [single])
    }
}
