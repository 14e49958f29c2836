import CCrowdShims
import Foundation

/// Chooses the OpenBLAS kernel ("core type") from the CPU's features.
///
/// Debian's OpenBLAS 0.3.21 picks kernels by CPU model and falls back to slow ones
/// (SSE3 "Prescott" on recent Xeons). Features tell the truth: AVX-512 with bf16 →
/// Cooperlake, AVX-512 F/BW/VL/DQ → SkylakeX, AVX2+FMA → Haswell, AVX → Sandybridge.
enum KernelSelection {
    /// What cpuid reports about this processor.
    package struct CPU: Sendable {
        /// Vendor string ("GenuineIntel", "AuthenticAMD").
        let vendor: String
        /// Marketing name of the processor.
        let brand: String
        /// Display family.
        let family: Int
        /// Display model.
        package let model: Int
        /// Feature names that are present, in a stable order.
        package let features: [String]
        /// Whether a feature (for example "avx2" or "avx512_bf16", as in `features`) is present.
        package func has(_ name: String) -> Bool { features.contains(name) }
    }

    /// This machine's processor, read once.
    static let cpu: CPU = {
        var f = crowd_cpu_features()
        crowd_cpuid(&f)
        let vendor = withUnsafeBytes(of: f.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let brand = withUnsafeBytes(of: f.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let flags: [(String, Int32)] = [
            ("sse3", f.sse3), ("ssse3", f.ssse3), ("sse4.1", f.sse41), ("sse4.2", f.sse42),
            ("avx", f.avx), ("avx2", f.avx2), ("fma", f.fma),
            ("avx512f", f.avx512f), ("avx512bw", f.avx512bw), ("avx512vl", f.avx512vl),
            ("avx512dq", f.avx512dq), ("avx512cd", f.avx512cd), ("avx512_bf16", f.avx512_bf16),
            ("avx512_vnni", f.avx512_vnni), ("amx_bf16", f.amx_bf16),
        ]
        return CPU(vendor: vendor, brand: brand.trimmingCharacters(in: .whitespaces),
                   family: Int(f.family), model: Int(f.model),
                   features: flags.filter { $0.1 != 0 }.map { $0.0 })
    }()

    /// The core our feature rule picks for `cpu`, or nil to let OpenBLAS decide.
    static func recommendedCore(for cpu: CPU) -> String? {
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(cpu.has)
        if avx512 && cpu.has("avx512_bf16") { return "Cooperlake" }
        if avx512 { return "SkylakeX" }
        if cpu.has("avx2") && cpu.has("fma") { return "Haswell" }
        if cpu.has("avx") { return "Sandybridge" }
        return nil
    }

    /// The user's `OPENBLAS_CORETYPE` when set, even to "" (the loader keeps an empty value too, and OpenBLAS
    /// then picks its own kernel); nil when unset. Read once, before the loader exports our choice into it.
    static let userCore: String? = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]

    /// What is passed to the loader: nil when the user set the variable (it is left as is).
    static var chosenCore: String? { userCore == nil ? recommendedCore(for: cpu) : nil }
}
