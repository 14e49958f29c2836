import Foundation

/// The image tower as training runs it: the inference forward pass (`VisionTransformer.forward`) over the
/// trainable parameters, recording into a `VisionTape`, and the backward beside it.
///
/// The tower views the parameter tensors themselves (no copy), so each optimiser step is seen by the next
/// forward: the one place where frozen weights change (see `FrozenTensor`), safe because this object, which is
/// not `Sendable`, keeps the tower to the training thread.
final class VisionBackprop {
    let parameters: VisionParameters
    let tower: VisionTransformer
    let tape: VisionTape

    init(parameters: VisionParameters, batch: Int) {
        self.parameters = parameters
        do {
            tower = try VisionTransformer(parameters.store(source: "training parameters"), config: parameters.config,
                                          embedDim: parameters.embedDim, activation: .quickGELU)
        } catch {
            // VisionParameters read these names and shapes from the same configuration, so this is a bug.
            preconditionFailure("training parameters do not form an image tower: \(error)")
        }
        tape = VisionTape(config: parameters.config, hidden: tower.blocks.first?.hidden ?? 4 * parameters.config.width,
                          batch: batch)
    }

    /// Image features `[N, E]` (not normalised) for normalised pixels `[N, 3, S, S]`, keeping activations.
    func forward(_ images: Tensor) -> Tensor {
        let s = parameters.config.imageSize
        precondition(images.shape == [tape.batch, 3, s, s], "batch shape \(images.shape)")
        return tower.forward(images, tape: tape)
    }

    /// Accumulates parameter gradients into `g` from d(features) `[N, E]` of the last `forward`.
    func backward(_ dFeatures: Tensor, into g: VisionParameters) {
        tower.backward(dFeatures, tape: tape, into: g)
    }
}
