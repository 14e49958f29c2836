import Foundation

/// One training step on synthetic crops, for benchmarks: the same work as `Trainer.step` without image decoding.
package final class TrainingBenchStep {
    let parameters: VisionParameters, gradients: VisionParameters, optimizer: Optimizer
    let crops: Tensor, texts: Tensor
    private lazy var net = VisionBackprop(parameters: parameters, batch: NestedCrops.count)

    /// Loads the image encoder of `path` and prepares synthetic crops and prompts.
    package init(weights path: String, headWidth: Int = 64) throws {
        parameters = try VisionParameters(store: try WeightLoader.load(path: path), headWidth: headWidth)
        gradients = VisionParameters(zerosLike: parameters)
        optimizer = Optimizer(settings: OptimizerSettings(), like: parameters)
        let s = parameters.config.imageSize, e = parameters.embedDim
        crops = Tensor(zeros: [NestedCrops.count, 3, s, s])
        for i in 0..<crops.count { crops[flat: i] = Float(sin(Double(i) * 0.001)) }
        texts = Tensor(zeros: [NestedCrops.count, e])
        for i in 0..<texts.count { texts[flat: i] = Float(cos(Double(i) * 0.7)) }
        TensorOps.l2NormalizeRows(texts.pointer, rows: NestedCrops.count, cols: e)
    }

    /// Forward, loss, backward and an RAdam update; returns the loss.
    @discardableResult
    package func run() throws -> Float {
        gradients.zero()
        let result = RankingLoss.evaluate(features: net.forward(crops), texts: texts)
        net.backward(result.featureGradient, into: gradients)
        optimizer.update(parameters, gradients: gradients, lr: 1e-6)
        return result.loss
    }
}
