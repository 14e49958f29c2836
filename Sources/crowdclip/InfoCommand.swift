import ArgumentParser
import CrowdCLIPCore

/// `crowdclip info`: the CPU, the OpenBLAS kernel in use and why, oneDNN and its bf16 kernel (or why bf16 cannot
/// run), and optionally a model's configuration.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the CPU, the OpenBLAS kernel and threads, oneDNN and its bf16 kernel, and (with --weights) the model configuration.")

    @Option(name: .long, help: "Also describe this weights file or folder.")
    var weights: String?

    @Option(name: .long, help: "Attention head width used to infer head counts.")
    var headWidth: Int = 64

    func run() throws {
        let info = try SystemInfo.current()
        for (key, value) in info.lines { print("\(key): \(value)") }
        if let weights {
            let model = try CLIPModel(path: weights, headWidth: headWidth)
            for (key, value) in model.describe() { print("\(key): \(value)") }
        }
    }
}
