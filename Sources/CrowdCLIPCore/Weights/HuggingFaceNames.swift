import Foundation

/// Hugging Face CLIP names → OpenAI names. q/k/v projections are concatenated into `in_proj`, and the
/// `nn.Linear` projections (`[embed, width]`) are transposed into OpenAI's `[width, embed]` matrices.
enum HuggingFaceNames {
    static func toOpenAI(_ hf: [String: Tensor]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        var pending: [String: [String: Tensor]] = [:]  // in_proj prefix → q/k/v parts
        for (name, t) in hf {
            var n = name
            if n.hasPrefix("model.") { n.removeFirst("model.".count) }
            let tower: String
            if n.hasPrefix("vision_model.") { tower = "visual."; n.removeFirst("vision_model.".count) }
            else if n.hasPrefix("text_model.") { tower = ""; n.removeFirst("text_model.".count) }
            else {
                switch n {
                case "visual_projection.weight": out["visual.proj"] = transposed(t)
                case "text_projection.weight": out["text_projection"] = transposed(t)
                case "logit_scale": out["logit_scale"] = t
                default: break
                }
                continue
            }
            if n.hasPrefix("encoder.layers.") {
                let rest = n.dropFirst("encoder.layers.".count)
                guard let dot = rest.firstIndex(of: ".") else { continue }
                let layer = rest[..<dot], part = String(rest[rest.index(after: dot)...])
                let p = "\(tower)transformer.resblocks.\(layer)."
                let map = ["self_attn.out_proj.weight": "attn.out_proj.weight", "self_attn.out_proj.bias": "attn.out_proj.bias",
                           "layer_norm1.weight": "ln_1.weight", "layer_norm1.bias": "ln_1.bias",
                           "layer_norm2.weight": "ln_2.weight", "layer_norm2.bias": "ln_2.bias",
                           "mlp.fc1.weight": "mlp.c_fc.weight", "mlp.fc1.bias": "mlp.c_fc.bias",
                           "mlp.fc2.weight": "mlp.c_proj.weight", "mlp.fc2.bias": "mlp.c_proj.bias"]
                if let m = map[part] { out[p + m] = t; continue }
                for qkv in ["q", "k", "v"] {
                    for kind in ["weight", "bias"] where part == "self_attn.\(qkv)_proj.\(kind)" {
                        pending[p + "attn.in_proj_\(kind)", default: [:]][qkv] = t
                    }
                }
                continue
            }
            let map: [String: String] = tower == "visual."
                ? ["embeddings.patch_embedding.weight": "conv1.weight", "embeddings.class_embedding": "class_embedding",
                   "embeddings.position_embedding.weight": "positional_embedding",
                   "pre_layrnorm.weight": "ln_pre.weight", "pre_layrnorm.bias": "ln_pre.bias",
                   "post_layernorm.weight": "ln_post.weight", "post_layernorm.bias": "ln_post.bias"]
                : ["embeddings.token_embedding.weight": "token_embedding.weight",
                   "embeddings.position_embedding.weight": "positional_embedding",
                   "final_layer_norm.weight": "ln_final.weight", "final_layer_norm.bias": "ln_final.bias"]
            if let m = map[n] { out[tower + m] = t }
        }
        for (name, parts) in pending {
            // Stacking needs a leading row dimension; scalar parts (a damaged file) are left out and reported missing.
            guard let q = parts["q"], let k = parts["k"], let v = parts["v"], q.rank >= 1, q.shape == k.shape, q.shape == v.shape else { continue }
            out[name] = concatenated([q, k, v])
        }
        return out
    }

    static func transposed(_ t: Tensor) -> Tensor {
        guard t.rank == 2 else { return t }
        let r = t.shape[0], c = t.shape[1]
        let out = Tensor(zeros: [c, r])
        for i in 0..<r { for j in 0..<c { out.pointer[j * r + i] = t.pointer[i * c + j] } }
        return out
    }

    /// Stacks tensors of one shape (rank ≥ 1) along their first dimension.
    static func concatenated(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.rank >= 1 && $0.shape == parts[0].shape }, "parts must share a shape of rank ≥ 1")
        let rows = parts.reduce(0) { $0 + ($1.shape.first ?? 0) }
        let out = Tensor(zeros: [rows] + Array(parts[0].shape.dropFirst()))
        var offset = 0
        for p in parts { (out.pointer + offset).update(from: p.pointer, count: p.count); offset += p.count }
        return out
    }
}
