import Foundation

/// What `crowdclip info` and the benchmark report about the machine, the OpenBLAS in use and oneDNN's bf16.
package struct SystemInfo: Sendable {
    /// Ordered `(key, value)` pairs, ready to print.
    package let lines: [(String, String)]

    /// Loads OpenBLAS (an error, not a crash, when it is missing) and describes it.
    package static func current() throws -> SystemInfo {
        try OpenBLAS.load()
        let cpu = KernelSelection.cpu
        let recommended = KernelSelection.recommendedCore(for: cpu) ?? "none (OpenBLAS decides)"
        let origin: String
        if let user = KernelSelection.userCore {
            origin = "from OPENBLAS_CORETYPE=\(user) (user setting, kept)"
        } else {
            origin = "chosen from CPU features: \(recommended)"
        }
        return SystemInfo(lines: [
            ("cpu", cpu.brand.isEmpty ? "unknown" : cpu.brand),
            ("cpu vendor/family/model", "\(cpu.vendor) family \(cpu.family) model \(cpu.model)"),
            ("cpu features", cpu.features.joined(separator: " ")),
            ("logical cpus", "\(ProcessInfo.processInfo.activeProcessorCount)"),
            ("openblas library", OpenBLAS.libraryPath),
            ("openblas core", "\(OpenBLAS.coreName) (\(origin))"),
            ("openblas threads", "\(OpenBLAS.threads)"),
            ("openblas config", OpenBLAS.config),
            ("onednn", oneDNN),
            ("bf16 kernel", bf16Kernel),
        ])
    }

    /// oneDNN's version, or why it cannot be loaded (the message says what to install).
    static var oneDNN: String {
        do {
            try OneDNN.load(for: "`--precision bf16` and `--engine onednn`")
            return OneDNN.version ?? "unavailable"
        } catch {
            return "unavailable: \(error)"
        }
    }

    /// The kernel oneDNN runs `--precision bf16` on, or why bf16 cannot run here (no libdnnl, a CPU without bf16).
    static var bf16Kernel: String {
        do {
            try OneDNN.checkBF16()
            return OneDNN.bf16Kernel ?? "unavailable"
        } catch {
            return "unavailable: \(error)"
        }
    }
}
