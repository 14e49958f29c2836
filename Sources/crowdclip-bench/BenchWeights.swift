import CrowdCLIPCore
import Foundation

/// Random full-size ViT-B/16 CLIP weights under OpenAI names, for when no Python is available to write the
/// open_clip ones. Normal-ish values (sum of uniforms) at CLIP-like scales; deterministic.
enum RandomCLIPWeights {
    struct Generator {
        var state: UInt64
        mutating func next() -> Float {
            // xorshift64*; a sum of 4 uniforms, variance-scaled to 1, approximates a normal well enough here.
            var s: Float = 0
            for _ in 0..<4 {
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                s += Float((state &* 2685821657736338717) >> 40) / Float(1 << 24)
            }
            return (s - 2) * 1.7320508
        }
    }

    static func write(to path: String) throws {
        var g = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var tensors: [(String, Tensor)] = []
        func add(_ name: String, _ shape: [Int], std: Float, mean: Float = 0) {
            let t = Tensor(zeros: shape)
            for i in 0..<t.count { t[flat: i] = mean + std * g.next() }
            tensors.append((name, t))
        }
        func blocks(_ prefix: String, width: Int, layers: Int) {
            for l in 0..<layers {
                let p = "\(prefix)\(l)."
                add(p + "ln_1.weight", [width], std: 0.1, mean: 1); add(p + "ln_1.bias", [width], std: 0.02)
                add(p + "attn.in_proj_weight", [3 * width, width], std: 1 / Float(width).squareRoot())
                add(p + "attn.in_proj_bias", [3 * width], std: 0.02)
                add(p + "attn.out_proj.weight", [width, width], std: 1 / Float(width).squareRoot())
                add(p + "attn.out_proj.bias", [width], std: 0.02)
                add(p + "ln_2.weight", [width], std: 0.1, mean: 1); add(p + "ln_2.bias", [width], std: 0.02)
                add(p + "mlp.c_fc.weight", [4 * width, width], std: 1 / Float(width).squareRoot())
                add(p + "mlp.c_fc.bias", [4 * width], std: 0.02)
                add(p + "mlp.c_proj.weight", [width, 4 * width], std: 1 / Float(4 * width).squareRoot())
                add(p + "mlp.c_proj.bias", [width], std: 0.02)
            }
        }
        let vw = 768, tw = 512, embed = 512
        add("visual.conv1.weight", [vw, 3, 16, 16], std: 1 / Float(3 * 16 * 16).squareRoot())
        add("visual.class_embedding", [vw], std: 1 / Float(vw).squareRoot())
        add("visual.positional_embedding", [197, vw], std: 1 / Float(vw).squareRoot())
        add("visual.ln_pre.weight", [vw], std: 0.1, mean: 1); add("visual.ln_pre.bias", [vw], std: 0.02)
        blocks("visual.transformer.resblocks.", width: vw, layers: 12)
        add("visual.ln_post.weight", [vw], std: 0.1, mean: 1); add("visual.ln_post.bias", [vw], std: 0.02)
        add("visual.proj", [vw, embed], std: 1 / Float(vw).squareRoot())
        add("token_embedding.weight", [49408, tw], std: 0.02)
        add("positional_embedding", [77, tw], std: 0.01)
        blocks("transformer.resblocks.", width: tw, layers: 12)
        add("ln_final.weight", [tw], std: 0.1, mean: 1); add("ln_final.bias", [tw], std: 0.02)
        add("text_projection", [tw, embed], std: 1 / Float(tw).squareRoot())
        add("logit_scale", [], std: 0, mean: Float(Foundation.log(100.0)))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors, metadata: ["written-by": "crowdclip-bench (random)"], to: path)
    }
}
