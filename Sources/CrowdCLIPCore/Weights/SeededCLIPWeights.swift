import Foundation

/// A full CLIP (image and text towers, OpenAI/open_clip names and shapes) filled by `SeededStream` at CLIP's own
/// init scales, bit for bit what Tools/seeded_weights.py makes for open_clip. The parity test builds ViT-B/16 from
/// it in memory; `crowdclip-bench` writes it when no weights file exists. Docs/encoders.md, "Seeded weights".
package struct SeededCLIPWeights: Sendable {
    /// Width and depth of one tower.
    struct Tower: Sendable {
        var width: Int
        var layers: Int
    }

    var seed: UInt64
    var vision: Tower
    var patchSize: Int
    var imageSize: Int
    var text: Tower
    var vocabSize: Int
    var contextLength: Int
    var embedDim: Int

    /// open_clip's `ViT-B-16`.
    package static func vitB16(seed: UInt64) -> SeededCLIPWeights {
        SeededCLIPWeights(seed: seed, vision: Tower(width: 768, layers: 12), patchSize: 16, imageSize: 224,
                          text: Tower(width: 512, layers: 12), vocabSize: 49408, contextLength: 77, embedDim: 512)
    }

    /// ln(100) rounded to float32: exp(logit_scale) = 100, as in OpenAI's released models.
    static let logitScale: Float = 4.6051702

    /// Every tensor of the model, in open_clip's state-dict order.
    var shapes: [(name: String, shape: [Int])] {
        let vw = vision.width, tw = text.width, grid = imageSize / patchSize
        var list: [(name: String, shape: [Int])] = [
            ("positional_embedding", [contextLength, tw]), ("text_projection", [tw, embedDim]), ("logit_scale", []),
            ("visual.class_embedding", [vw]), ("visual.positional_embedding", [grid * grid + 1, vw]),
            ("visual.proj", [vw, embedDim]), ("visual.conv1.weight", [vw, 3, patchSize, patchSize]),
            ("visual.ln_pre.weight", [vw]), ("visual.ln_pre.bias", [vw]),
        ]
        list += Self.blocks("visual.transformer.resblocks.", vision)
        list += [("visual.ln_post.weight", [vw]), ("visual.ln_post.bias", [vw])]
        list += Self.blocks("transformer.resblocks.", text)
        list += [("token_embedding.weight", [vocabSize, tw]), ("ln_final.weight", [tw]), ("ln_final.bias", [tw])]
        return list
    }

    private static func blocks(_ prefix: String, _ tower: Tower) -> [(name: String, shape: [Int])] {
        let w = tower.width
        return (0..<tower.layers).flatMap { l -> [(name: String, shape: [Int])] in
            let p = "\(prefix)\(l)."
            return [
                (p + "ln_1.weight", [w]), (p + "ln_1.bias", [w]),
                (p + "attn.in_proj_weight", [3 * w, w]), (p + "attn.in_proj_bias", [3 * w]),
                (p + "attn.out_proj.weight", [w, w]), (p + "attn.out_proj.bias", [w]),
                (p + "ln_2.weight", [w]), (p + "ln_2.bias", [w]),
                (p + "mlp.c_fc.weight", [4 * w, w]), (p + "mlp.c_fc.bias", [4 * w]),
                (p + "mlp.c_proj.weight", [w, 4 * w]), (p + "mlp.c_proj.bias", [w]),
            ]
        }
    }

    /// Mean and standard deviation of tensor `name`: open_clip's init (width^-½ embeddings and attention, residual
    /// projections also over √(2·layers)), LayerNorm gains 1 ± 0.1 and biases ± 0.02 so every term is exercised.
    func scale(of name: String) -> (mean: Float, std: Double) {
        let tower = name.hasPrefix("visual.") ? vision : text
        let parts = name.split(separator: ".")
        let last = parts.last ?? "", parent = parts.count > 1 ? parts[parts.count - 2] : ""
        func invSqrt(_ n: Int) -> Double { 1 / Double(n).squareRoot() }
        switch name {
        case "logit_scale": return (Self.logitScale, 0)
        case _ where last == "weight" && parent.hasPrefix("ln_"): return (1, 0.1)
        case _ where last.hasSuffix("bias"): return (0, 0.02)
        case "visual.conv1.weight": return (0, invSqrt(3 * patchSize * patchSize))
        case "visual.class_embedding", "visual.positional_embedding", "visual.proj", "text_projection":
            return (0, invSqrt(tower.width))
        case "token_embedding.weight": return (0, 0.02)
        case "positional_embedding": return (0, 0.01)
        case _ where name.hasSuffix("attn.in_proj_weight"): return (0, invSqrt(tower.width))
        case _ where name.hasSuffix("attn.out_proj.weight") || name.hasSuffix("mlp.c_proj.weight"):
            return (0, invSqrt(tower.width * 2 * tower.layers))
        case _ where name.hasSuffix("mlp.c_fc.weight"): return (0, invSqrt(2 * tower.width))
        default: preconditionFailure("no seeded scale for \(name)")
        }
    }

    /// Tensor `name` of `shape` (one of `shapes`) at its `scale(of:)`.
    func tensor(_ name: String, shape: [Int]) -> Tensor {
        let s = scale(of: name)
        return input(name, shape: shape, mean: s.mean, std: s.std)
    }

    /// Stream `name` of this seed at an explicit mean and std: model inputs, such as normalised pixels.
    func input(_ name: String, shape: [Int], mean: Float, std: Double) -> Tensor {
        let t = Tensor(zeros: shape)
        SeededStream(seed: seed, name: name).fill(t.buffer, mean: mean, std: std)
        return t
    }

    /// All tensors, in `shapes` order.
    package func tensors() -> [(String, Tensor)] {
        shapes.map { ($0.name, tensor($0.name, shape: $0.shape)) }
    }

    /// The model's weights in memory, ready for `CLIPModel(weights:)`.
    func store() -> WeightStore {
        WeightStore(tensors: Dictionary(uniqueKeysWithValues: tensors()), source: "seeded CLIP weights (seed \(seed))")
    }
}
