import Foundation

/// A Hugging Face `CLIPModel` folder: `config.json` + `model.safetensors` (or `pytorch_model.bin`).
enum HuggingFaceFolder {
    static func load(path: String) throws -> WeightStore {
        let dir = URL(fileURLWithPath: path)
        let fm = FileManager.default
        let candidates = ["model.safetensors", "pytorch_model.bin", "open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
        guard let weights = candidates.map({ dir.appendingPathComponent($0).path }).first(where: { fm.fileExists(atPath: $0) }) else {
            throw WeightError.cannotOpen(file: path, reason: "folder holds none of \(candidates.joined(separator: ", "))")
        }
        var store = try WeightLoader.load(path: weights)
        let configPath = dir.appendingPathComponent("config.json").path
        if let data = fm.contents(atPath: configPath) {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw WeightError.corrupt(file: configPath, reason: "not a JSON object")
            }
            store.hints = hints(from: json)
        }
        return store.relabeled(source: path)
    }

    /// Activation and head counts from `config.json` (`vision_config` / `text_config`).
    static func hints(from json: [String: Any]) -> ModelHints {
        let vision = json["vision_config"] as? [String: Any] ?? [:]
        let text = json["text_config"] as? [String: Any] ?? [:]
        let act = (vision["hidden_act"] ?? text["hidden_act"]) as? String
        return ModelHints(activation: act == "gelu" ? "gelu" : (act == nil ? nil : "quick_gelu"),
                          visionHeads: vision["num_attention_heads"] as? Int ?? 12,
                          textHeads: text["num_attention_heads"] as? Int ?? 8)
    }
}
