import CCrowdShims
import Foundation

/// oneDNN (`libdnnl`, dlopen'ed on first use) and the checks that `Precision.bf16` runs at bf16 speed here.
enum OneDNN {
    /// Set to 1 to make this CPU count as one without bf16 instructions (tests the refusal on any machine).
    static let noBF16Variable = "CROWDCLIP_CPU_NO_BF16"

    /// Why oneDNN could not be loaded (nil once it is), computed once.
    private static let loadFailure: String? = {
        var message = [CChar](repeating: 0, count: 512)
        let rc = message.withUnsafeMutableBufferPointer { crowd_dnnl_load($0.baseAddress, $0.count) }
        return rc == 0 ? nil : String(nulTerminated: message)
    }()

    /// Loads oneDNN now; the error names `feature` (the option that needs it) and says what to install.
    static func load(for feature: String = "`--precision bf16`") throws {
        if let loadFailure { throw PrecisionUnavailable(description: "\(feature): \(loadFailure)") }
    }

    /// oneDNN's version ("2.6.3"), or nil when it cannot be loaded.
    static var version: String? { (try? load()) != nil ? String(cString: crowd_dnnl_version()) : nil }

    /// Whether `cpu` has the instructions oneDNN's bf16 kernels need (unless the override says it has not).
    static func cpuHasBF16(_ cpu: KernelSelection.CPU, environment: [String: String]) -> Bool {
        if environment[noBF16Variable] == "1" { return false }
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(cpu.has)
        return (avx512 && cpu.has("avx512_bf16")) || cpu.has("amx_bf16")
    }

    /// Checks, once per process, that bf16 products run on bf16 instructions here: the CPU has them, oneDNN
    /// loads, and the kernel oneDNN picks for a small product is a bf16 one (never a silently slow path).
    static func checkBF16() throws { _ = try bf16Check.get() }

    /// The kernel oneDNN picks for bf16 products ("brg:avx512_core_bf16"), nil where bf16 cannot run.
    static var bf16Kernel: String? { try? bf16Check.get() }

    private static let bf16Check: Result<String, PrecisionUnavailable> = {
        guard cpuHasBF16(KernelSelection.cpu, environment: ProcessInfo.processInfo.environment) else {
            return .failure(PrecisionUnavailable(description:
                "`--precision bf16` needs a CPU with AVX512-BF16 or AMX-BF16; this CPU has neither (use fp32)"))
        }
        do { try load() } catch let e as PrecisionUnavailable { return .failure(e) } catch { fatalError("\(error)") }
        let probe = FrozenTensor(Tensor(zeros: [64, 64]))
        let weight: OneDNNWeight
        do { weight = try OneDNNWeight(probe, layout: .outIn, bf16: true) } catch let e as PrecisionUnavailable {
            // A oneDNN kept below AVX512-BF16 (ONEDNN_MAX_CPU_ISA=AVX2) refuses bf16 weights outright.
            return .failure(noBF16Kernel(e.description))
        } catch { fatalError("\(error)") }
        let kernel = weight.kernelName(rows: 16)
        guard kernel.contains("bf16") || kernel.contains("amx") else {
            return .failure(noBF16Kernel("it picked the kernel \"\(kernel)\", not a bf16 one"))
        }
        return .success(kernel)
    }()

    /// The refusal when the CPU has bf16 instructions but oneDNN will not use them; `detail` is what oneDNN did.
    private static func noBF16Kernel(_ detail: String) -> PrecisionUnavailable {
        let environment = ProcessInfo.processInfo.environment
        let limit = ["ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"].first { environment[$0] != nil }
        let cause = limit.map { "oneDNN limited by \($0)=\(environment[$0]!); unset it or use fp32" } ?? "\(detail); use fp32"
        return PrecisionUnavailable(description: "`--precision bf16` needs oneDNN's AVX512-BF16 or AMX-BF16 kernels; "
            + "oneDNN \(version ?? "") has none here (\(cause))")
    }
}

/// A weight packed by oneDNN, once, into the layout its matmul reads (bf16 or float32), with the compiled
/// products cached per row count. Unchecked Sendable: `handle` is an opaque C pointer the compiler cannot see
/// into; it is never reassigned, and the C side makes sharing it safe (the packed weight is read-only after
/// `crowd_dnnl_pack`, the per-row-count primitive cache is changed under a mutex and a primitive is freed only when
/// no thread runs it, streams, input buffers and oneDNN scratchpads are per thread; see dnnl_loader.c).
final class OneDNNWeight: @unchecked Sendable {
    private let handle: OpaquePointer
    let inputs: Int, outputs: Int
    /// Whether the packed values are bfloat16 (else float32).
    let isBFloat16: Bool

    init(_ weight: FrozenTensor, layout: PackedWeight.Layout, bf16: Bool) throws {
        try OneDNN.load(for: bf16 ? "`--precision bf16`" : "`--engine onednn`")
        let outputs = layout == .outIn ? weight.shape[0] : weight.shape[1]
        let inputs = layout == .outIn ? weight.shape[1] : weight.shape[0]
        (self.outputs, self.inputs, isBFloat16) = (outputs, inputs, bf16)
        var message = [CChar](repeating: 0, count: 512)
        let packed = message.withUnsafeMutableBufferPointer {
            crowd_dnnl_pack(weight.pointer, inputs, outputs, layout == .outIn ? 1 : 0, bf16 ? 1 : 0, $0.baseAddress, $0.count)
        }
        guard let packed else { throw PrecisionUnavailable(description: String(nulTerminated: message)) }
        handle = packed
    }

    deinit { crowd_dnnl_weight_free(handle) }

    /// Bytes of the packed weight (half the float32 size for bf16, more if oneDNN pads blocks).
    var bytes: Int { crowd_dnnl_weight_bytes(handle) }

    /// oneDNN's name for the kernel of a `rows`-row product ("brg:avx512_core_bf16").
    func kernelName(rows: Int) -> String {
        var name = [CChar](repeating: 0, count: 64)
        _ = name.withUnsafeMutableBufferPointer { crowd_dnnl_kernel_name(handle, rows, $0.baseAddress, $0.count) }
        return String(nulTerminated: name)
    }

    /// `y = x · Wᵀ + bias + beta · y` (beta 0 or 1) in one oneDNN primitive: the bias is added while each output
    /// tile is still in registers, and the residual add (beta 1) as it is stored. A failure here is a oneDNN that
    /// passed the load-time probe and then refused a shape: a bug to report, not an input error.
    @inline(__always)
    func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>? = nil, beta: Float,
                  into y: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { message in
            message[0] = 0
            if crowd_dnnl_multiply(handle, x, rows, bias, beta, y, message.baseAddress, message.count) != 0 {
                fatalError(String(cString: message.baseAddress!))
            }
        }
    }
}
