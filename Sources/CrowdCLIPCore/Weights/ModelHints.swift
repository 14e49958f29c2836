import Foundation

/// Hints a format may carry beside the tensors (a Hugging Face `config.json`).
package struct ModelHints: Sendable, Equatable {
    /// "quick_gelu" or "gelu"; nil means the OpenAI default, QuickGELU.
    var activation: String?
    /// Attention heads in the vision tower; nil lets `CLIPConfig.infer` use width / `headWidth` (64 by default).
    var visionHeads: Int?
    /// Attention heads in the text tower; nil lets `CLIPConfig.infer` use width / `headWidth` (64 by default).
    var textHeads: Int?
    /// Hints with the given values; all nil (the default) means the OpenAI defaults.
    package init(activation: String? = nil, visionHeads: Int? = nil, textHeads: Int? = nil) {
        self.activation = activation
        self.visionHeads = visionHeads
        self.textHeads = textHeads
    }
}
