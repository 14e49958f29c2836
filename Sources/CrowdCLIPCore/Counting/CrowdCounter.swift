import Foundation

/// CrowdCLIP's test stage: grid cut, progressive filtering with the base CLIP, counting with the fine-tuned
/// image encoder. Text features are computed once, at construction.
///
/// One counter may count on several threads at once: nothing in it changes after construction.
public final class CrowdCounter: Sendable {
    /// The grid, prompts and aggregation in use.
    public let configuration: CountingConfiguration
    /// The original CLIP (both towers) that filters patches and encodes the prompts.
    public let base: CLIPModel
    /// The image encoder that picks each kept patch's count (the fine-tuned one, or `base`).
    public let counter: CLIPModel
    private let crowdTexts: FrozenTensor, headsTexts: FrozenTensor, countTexts: FrozenTensor
    private let crowdTarget: Int, headsTarget: Int

    /// A counter for `configuration`; every prompt is encoded here, once.
    /// - Parameters:
    ///   - base: the original CLIP (both towers): filters patches and encodes every prompt.
    ///   - counter: the fine-tuned image encoder that picks the count prompt; the base one when nil.
    ///   - tokenizer: tokenizes the prompts (usually `CLIPTokenizer.standard()`).
    ///   - configuration: the grid, prompts and aggregation (the paper's by default).
    /// - Throws: `CountingError.invalidConfiguration` when the configuration or the models cannot work together.
    public init(base: CLIPModel, counter: CLIPModel? = nil, tokenizer: CLIPTokenizer,
                configuration: CountingConfiguration = .init()) throws {
        try configuration.validate()
        guard base.hasText, base.hasVision else {
            throw CountingError.invalidConfiguration(setting: "base", reason: "\(base.source) needs both the image and the text encoder")
        }
        let counter = counter ?? base
        guard counter.hasVision else { throw CountingError.invalidConfiguration(setting: "counter", reason: "\(counter.source) has no image encoder") }
        guard counter.config.embedDim == base.config.embedDim else {
            throw CountingError.invalidConfiguration(
                setting: "counter", reason: "\(counter.source) has \(counter.config.embedDim) features but the base \(base.config.embedDim)")
        }
        for model in [base, counter] where model.precision != configuration.precision {
            throw CountingError.invalidConfiguration(
                setting: "precision",
                reason: "does not match: \(model.source) was loaded in \(model.precision.rawValue), the configuration asks for \(configuration.precision.rawValue)")
        }
        for model in [base, counter] where model.imageSize != Preprocessing.outputSize {
            throw CountingError.invalidConfiguration(setting: model === base ? "base" : "counter", reason: "\(model.source) takes \(model.imageSize ?? 0)-pixel images; CrowdCLIP's patches are \(Preprocessing.outputSize)×\(Preprocessing.outputSize)")
        }
        self.base = base
        self.counter = counter
        self.configuration = configuration
        let c = configuration
        let textModel = counter.hasText ? counter : base  // CrowdCLIP's frozen text encoder
        crowdTexts = FrozenTensor(try base.encodeTexts(c.prompts(c.crowdTemplate, c.crowdClasses), tokenizer: tokenizer))
        headsTexts = FrozenTensor(try base.encodeTexts(c.prompts(c.headsTemplate, c.headsClasses), tokenizer: tokenizer))
        countTexts = FrozenTensor(try textModel.encodeTexts(c.countPrompts.texts, tokenizer: tokenizer))
        crowdTarget = c.crowdClasses.firstIndex(of: c.crowdTarget)!
        headsTarget = c.headsClasses.firstIndex(of: c.headsTarget)!
    }

    /// Counts the people in an image file.
    public func count(imageAt path: String) throws -> CountResult {
        try count(ImageIO.decode(path: path), name: path)
    }

    /// Counts the people in decoded pixels; `name` labels the result and any error.
    /// - Throws: `CountingError.imageTooSmall` when a side is shorter than the grid.
    public func count(_ original: RGBImage, name: String) throws -> CountResult {
        try count(prepare(original, name: name))
    }

    /// Cuts `original` into its grid and preprocesses the first batch of patches: the part of counting that needs
    /// no encoder, so that a batch can do it for the next image while the encoders run on this one.
    /// - Throws: `CountingError.imageTooSmall` when a side is shorter than the grid.
    package func prepare(_ original: RGBImage, name: String) throws -> PreparedImage {
        let c = configuration
        let image = PatchGrid.limitingLongSide(original, to: c.maxLongSide)
        guard image.width >= c.grid, image.height >= c.grid else {
            throw CountingError.imageTooSmall(image: name, width: image.width, height: image.height, grid: c.grid)
        }
        let boxes = PatchGrid.boxes(width: image.width, height: image.height, grid: c.grid)
        let first = Self.inputs(image, boxes, Array(0..<min(batchSize, boxes.count)))
        return PreparedImage(name: name, image: image, boxes: boxes, firstBatch: first)
    }

    /// Counts a prepared image. Patches are preprocessed one batch at a time and only their features are kept,
    /// so memory does not grow with the grid; the batches are the same as if every patch had been prepared first.
    package func count(_ prepared: PreparedImage) throws -> CountResult {
        let c = configuration
        let boxes = prepared.boxes
        let baseFeatures = try encode(Array(boxes.indices), of: prepared, with: base)
        let (kept, filterMargins) = ProgressiveFilter.keep(
            imageFeatures: baseFeatures, firstTexts: crowdTexts, firstTarget: crowdTarget,
            secondTexts: headsTexts, secondTarget: headsTarget, secondTopK: c.headsTopK)
        let keptIndices = kept.indices.filter { kept[$0] }
        var counts = [Double](repeating: 0, count: boxes.count)
        var margins = filterMargins
        if !keptIndices.isEmpty {
            let features = counter === base ? rows(baseFeatures, keptIndices) : try encode(keptIndices, of: prepared, with: counter)
            let (values, countMargins) = ProgressiveFilter.counts(
                imageFeatures: features, countTexts: countTexts, values: c.countPrompts.values,
                logitScale: counter.logitScale, aggregation: c.aggregation)
            for (k, i) in keptIndices.enumerated() { counts[i] = values[k]; margins[i] = min(margins[i], countMargins[k]) }
        }
        let results = boxes.enumerated().map { i, box in
            PatchResult(row: i / c.grid, col: i % c.grid, box: box, selected: kept[i], count: counts[i], margin: margins[i])
        }
        return CountResult(image: prepared.name, width: prepared.image.width, height: prepared.image.height,
                           count: counts.reduce(0, +), patches: results)
    }

    /// Patches per encoder call (16 by default, which bounds memory for large grids).
    private var batchSize: Int { max(1, configuration.batchSize ?? 16) }

    /// Features `[patches.count, E]` of the given patches, encoded `batchSize` at a time. Each batch's inputs are
    /// made just before its call (the prepared first batch is reused) and dropped after it.
    private func encode(_ patches: [Int], of prepared: PreparedImage, with model: CLIPModel) throws -> Tensor {
        let out = Tensor(zeros: [patches.count, model.config.embedDim])
        let ready = prepared.firstBatch.shape[0]
        var start = 0
        while start < patches.count {
            let chunk = Array(patches[start..<min(start + batchSize, patches.count)])
            let input = chunk.allSatisfy { $0 < ready } ? rows(prepared.firstBatch, chunk) : Self.inputs(prepared.image, prepared.boxes, chunk)
            let f = try model.encodeImages(input)
            (out.pointer + start * model.config.embedDim).update(from: f.pointer, count: f.count)
            start += chunk.count
        }
        return out
    }

    /// The network inputs `[n, 3, 224, 224]` of the patches `indices` of `image`.
    private static func inputs(_ image: RGBImage, _ boxes: [PixelBox], _ indices: [Int]) -> Tensor {
        Preprocessing.crowdclip.batch(count: indices.count) { image.cropped(to: boxes[indices[$0]]) }
    }

    /// Rows `indices` of `t`, contiguous (`t` itself when they are all of its rows, in order).
    private func rows(_ t: Tensor, _ indices: [Int]) -> Tensor {
        if indices == Array(0..<t.shape[0]) { return t }
        let per = t.count / max(t.shape[0], 1)
        let out = Tensor(zeros: [indices.count] + Array(t.shape.dropFirst()))
        for (k, r) in indices.enumerated() { (out.pointer + k * per).update(from: t.pointer + r * per, count: per) }
        return out
    }
}
