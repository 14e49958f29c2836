import Foundation

/// Float32 tensors under canonical OpenAI/open_clip names (`visual.conv1.weight`, `token_embedding.weight`, …),
/// whatever format they came from. See Docs/formats.md.
public struct WeightStore {
    /// Where the tensors came from, for error messages.
    let source: String
    /// Format-level hints (activation, head counts) used when building a `CLIPConfig`.
    var hints: ModelHints
    private var tensors: [String: Tensor]
    /// Names (canonical, or a prefix of canonical names) where the file holds a placeholder instead of a tensor.
    private var placeholders: [String: WeightError.Placeholder] = [:]

    /// A store over `tensors`, which must already use canonical names; `source` is the path named in errors.
    package init(tensors: [String: Tensor], source: String, hints: ModelHints = .init()) {
        self.tensors = tensors
        self.source = source
        self.hints = hints
    }

    /// All tensor names, sorted.
    package var names: [String] { tensors.keys.sorted() }
    /// Whether a tensor named `name` is present (a placeholder does not count).
    package func contains(_ name: String) -> Bool { tensors[name] != nil }
    /// The tensor named `name`, or nil when it is absent.
    func tensorIfPresent(_ name: String) -> Tensor? { tensors[name] }

    /// The tensor named `name`.
    /// - Throws: `WeightError.placeholderInsteadOfTensor` when the file stores a non-tensor object there,
    ///   otherwise `WeightError.missingKey` when it is absent.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else {
            if let p = placeholder(for: name) { throw WeightError.placeholderInsteadOfTensor(file: source, key: name, placeholder: p) }
            throw WeightError.missingKey(file: source, key: name)
        }
        return t
    }

    /// The placeholder standing where tensor `name` should be: at that name, or at a module above it.
    func placeholder(for name: String) -> WeightError.Placeholder? {
        guard !placeholders.isEmpty, tensors[name] == nil else { return nil }
        var n = Substring(name)
        while true {
            if let p = placeholders[String(n)] { return p }
            guard let dot = n.lastIndex(of: ".") else { return placeholders[""] }
            n = n[..<dot]
        }
    }

    mutating func addPlaceholder(canonicalName: String, global: String, keyPath: String) {
        placeholders[canonicalName] = WeightError.Placeholder(global: global, keyPath: keyPath)
    }

    /// The tensor, checked against the expected shape (a scalar may be stored as shape [] or [1]).
    func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let t = try tensor(name)
        if t.shape == shape { return t }
        if t.count == shape.reduce(1, *) && (shape.isEmpty || t.shape.isEmpty || shape == [1]) { return t.reshaped(shape) }
        throw WeightError.shapeMismatch(file: source, key: name, expected: shape, found: t.shape)
    }

    /// The same tensors reported under another source (a folder rather than the file inside it).
    func relabeled(source: String) -> WeightStore {
        var s = WeightStore(tensors: tensors, source: source, hints: hints)
        s.placeholders = placeholders
        return s
    }

    /// Adds or replaces the tensor named `name`.
    package mutating func set(_ name: String, _ tensor: Tensor) { tensors[name] = tensor }
    /// Removes the tensor named `name`, if present.
    mutating func remove(_ name: String) { tensors[name] = nil }
}
