import Foundation

/// Maps the names different trainers give CLIP's tensors onto OpenAI/open_clip names.
///
/// - wrappers: `module.`, `model.`, `clip_model.`, `_orig_mod.` prefixes are removed;
/// - CrowdCLIP (Lightning): `module.image_encoder.*` → `visual.*`, `module.text_encoder.*` → `*`;
/// - Hugging Face `CLIPModel` names (`vision_model.*`, `text_model.*`) → see `HuggingFaceNames`.
/// Tensors that are not model weights (OpenAI's `input_resolution`, `context_length`, `vocab_size`, attention
/// masks) are dropped.
enum CanonicalNames {
    static func normalize(_ tensors: [String: Tensor], file: String) -> [String: Tensor] {
        if tensors.keys.contains(where: { $0.contains("vision_model.") || $0.contains("text_model.") }) {
            return HuggingFaceNames.toOpenAI(tensors)
        }
        var out: [String: Tensor] = [:]
        for (name, t) in tensors {
            if let n = canonical(name) { out[n] = t }
        }
        return out
    }

    /// The canonical name of one (non-Hugging Face) tensor name, or nil for tensors that are not model weights.
    static func canonical(_ name: String) -> String? {
        var n = name
        var changed = true
        while changed {
            changed = false
            for p in ["module.", "model.", "clip_model.", "_orig_mod.", "clip."] where n.hasPrefix(p) {
                n.removeFirst(p.count); changed = true
            }
        }
        if n.hasPrefix("image_encoder.") { n = "visual." + n.dropFirst("image_encoder.".count) }
        else if n == "image_encoder" { n = "visual" }
        if n.hasPrefix("text_encoder.") { n = String(n.dropFirst("text_encoder.".count)) }
        if ["input_resolution", "context_length", "vocab_size", "attn_mask"].contains(n) || n.hasSuffix(".attn_mask") { return nil }
        return n
    }
}
