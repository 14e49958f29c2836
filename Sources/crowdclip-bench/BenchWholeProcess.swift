import CrowdCLIPCore
import Foundation

/// The whole-process section of `make bench`: seconds for a fresh process that loads the ViT-B/16 weights and embeds
/// 9 preprocessed 224×224 images (one `.npy` [9,3,224,224] written here): `crowdclip embed image` on each engine
/// against Python processes doing the same with open_clip (fp32, bf16 autocast) and ONNX Runtime
/// (`Tools/bench_reference.py --whole-process`). Processes run in alternation, best of `rounds` each.
struct WholeProcessBench {
    let options: BenchOptions

    /// A timed command; `skipped` says why it cannot run here instead.
    struct Command {
        let name: String, executable: String, arguments: [String], skipped: String?
    }

    func run() throws {
        let dir = (options.weights as NSString).deletingLastPathComponent
        let input = (dir as NSString).appendingPathComponent("whole-process-9.npy")
        try Self.writeNPY(EncoderBench.syntheticImages(9), to: input)
        print("== whole process: load \(options.weights) and embed 9 images (\(input)), each process started fresh")
        let (ours, notes) = crowdclipCommands(input: input)
        var references: [Command] = []
        if options.pythonAvailable, let python = options.python {
            let onnx = (dir as NSString).appendingPathComponent("vit-b-16-visual.onnx")
            var onnxSkipped: String?
            if !FileManager.default.fileExists(atPath: onnx) {
                do { _ = try EncoderBench.runProcess(python, ["Tools/bench_reference.py", "--weights", options.weights, "--write-onnx", onnx]) } catch {
                    onnxSkipped = "ONNX export failed: \(error)"
                }
            }
            let script = ["Tools/bench_reference.py", "--weights", options.weights, "--input", input, "--whole-process"]
            references = [
                Command(name: "PyTorch", executable: python, arguments: script + ["torch"], skipped: nil),
                Command(name: "PyTorch bf16", executable: python, arguments: script + ["torch-bf16"], skipped: nil),
                Command(name: "ONNX Runtime", executable: python, arguments: script + ["ort", "--onnx", onnx], skipped: onnxSkipped),
            ]
        } else {
            let why = "no venv python (\(options.python ?? "--python not given"))"
            references = ["PyTorch", "PyTorch bf16", "ONNX Runtime"].map { Command(name: $0, executable: "", arguments: [], skipped: why) }
        }
        let commands = ours + references
        let rounds = options.quick ? 1 : 3
        var best = [Double?](repeating: nil, count: commands.count)
        var failures: [String: String] = [:]
        for _ in 0..<rounds {
            for (i, command) in commands.enumerated() where command.skipped == nil && failures[command.name] == nil {
                do { best[i] = min(best[i] ?? .infinity, try Self.time(command)) } catch { failures[command.name] = "\(error)" }
            }
        }
        for (i, command) in commands.enumerated() where failures[command.name] != nil { best[i] = nil }
        let refs = Array(best[ours.count...])
        let rows = ours.indices.map { ComparisonTable.Row("seconds per process, \(ours[$0].name)", best[$0], refs) }
        print("== results (best of \(rounds) alternated processes; lower is better, ratios are how many times faster crowdclip is)")
        let table = ComparisonTable(references: references.map(\.name), rows: rows, lowerIsBetter: true)
        table.printHeader()
        table.printRows()
        for command in commands {
            if let why = command.skipped ?? failures[command.name] { print("note: \(command.name): – \(why)") }
        }
        notes.forEach { print("note: \($0)") }
    }

    /// `crowdclip embed image` on fp32 OpenBLAS, fp32 oneDNN and bf16 (skipped with a note where it cannot run).
    private func crowdclipCommands(input: String) -> ([Command], [String]) {
        let names = ["crowdclip fp32 OpenBLAS", "crowdclip fp32 oneDNN", "crowdclip bf16 oneDNN"]
        let flags: [[String]] = [[], ["--engine", "onednn"], ["--precision", "bf16"]]
        guard let binary = Self.crowdclipBinary() else {
            let why = "no crowdclip binary next to crowdclip-bench or at .build/release/crowdclip (build it: swift build -c release)"
            return (names.map { Command(name: $0, executable: "", arguments: [], skipped: why) }, [])
        }
        let bf16Skip = CLIPModel.bf16KernelDescription == nil ? "bf16 cannot run here (needs AVX512-BF16 or AMX-BF16 and libdnnl)" : nil
        let commands = zip(names, flags).map { name, extra in
            Command(name: name, executable: binary, arguments: ["embed", "image", "--weights", options.weights] + extra + [input],
                    skipped: extra.contains("bf16") ? bf16Skip : nil)
        }
        return (commands, ["crowdclip is \(binary)"])
    }

    /// The `crowdclip` built with this benchmark: beside its executable, else the release build in the current folder.
    static func crowdclipBinary() -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("crowdclip").path
        return [beside, ".build/release/crowdclip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Seconds from launch to exit of one process; it must print one feature line per image.
    static func time(_ command: Command) throws -> Double {
        let t0 = BenchTimer.now()
        let out = try EncoderBench.runProcess(command.executable, command.arguments)
        let seconds = BenchTimer.now() - t0
        let lines = out.split(separator: "\n").filter { $0.hasPrefix("[") || $0.hasPrefix("{") }
        guard lines.count == 9 else { throw BenchError("printed \(lines.count) feature lines, not 9") }
        return seconds
    }

    /// `x` as a version 1.0 little-endian float32 `.npy` (the library's own writer is not visible to this target).
    static func writeNPY(_ x: Tensor, to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(x.shape.map(String.init).joined(separator: ", ")),), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        let p = x.pointer
        for i in 0..<x.shape.reduce(1, *) { withUnsafeBytes(of: p[i].bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
