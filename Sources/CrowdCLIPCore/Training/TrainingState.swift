import Foundation

/// What `state.json` records after each epoch, so a run can resume exactly.
struct TrainingState: Codable {
    var epoch: Int           // epochs completed
    var step: Int            // optimiser steps taken
    var optimizerStep: Int
    var bestMAE: Double?
    var weights = "last.safetensors"          // the checkpoint set state.json commits to (see Trainer.checkpoint)
    var optimizerState = "optimizer.safetensors"
    var seed: UInt64
    var learningRate: Float
    var optimizer: String
}
