import CCrowdShims
import Foundation

/// Matrix products through OpenBLAS `cblas_sgemm`, row-major.
///
/// OpenBLAS is loaded on first use, after `KernelSelection` has chosen a kernel from the
/// CPU's features (Debian's 0.3.21 misjudges current CPUs). Loading changes the process
/// environment: the chosen kernel is exported as `OPENBLAS_CORETYPE` (`setenv`, before `dlopen`,
/// so child processes inherit it too), and only when that variable is unset; a user's value is
/// never changed.
package enum OpenBLAS {
    /// The outcome of loading OpenBLAS, computed once.
    private static let loadResult: Result<Void, EncoderError> = {
        let core = KernelSelection.chosenCore
        var message = [CChar](repeating: 0, count: 512)
        let rc = message.withUnsafeMutableBufferPointer { buf in
            crowd_blas_load(core, buf.baseAddress, buf.count)
        }
        if rc != 0 { return .failure(.matrixLibraryUnavailable(reason: String(nulTerminated: message))) }
        return .success(())
    }()

    /// Loads OpenBLAS now (it is also loaded lazily by the first product); throws
    /// `EncoderError.matrixLibraryUnavailable` when it cannot.
    package static func load() throws { try loadResult.get() }

    /// `C = alpha · op(A) · op(B) + beta · C` with row-major matrices; `op` transposes when asked.
    /// A is M×K after `op`, B is K×N after `op`, C is M×N.
    @inline(__always)
    package static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if crowd_blas_is_loaded() == 0 {
            // Callers that can fail (model loading) call `load()` first; reaching here unloaded is a bug.
            do { try load() } catch { fatalError("\(error)") }
        }
        crowd_sgemm(
            Int32(transA ? CROWD_TRANS : CROWD_NO_TRANS), Int32(transB ? CROWD_TRANS : CROWD_NO_TRANS),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The OpenBLAS core in use (for example "SkylakeX"), after loading.
    static var coreName: String { (try? load()) != nil ? String(cString: crowd_blas_corename()) : "not loaded" }
    /// OpenBLAS's build configuration string, after loading.
    static var config: String { (try? load()) != nil ? String(cString: crowd_blas_config()) : "not loaded" }
    /// Threads OpenBLAS uses (0 when not loaded).
    package static var threads: Int { (try? load()) != nil ? Int(crowd_blas_num_threads()) : 0 }
    /// Path of the OpenBLAS library that was opened.
    static var libraryPath: String { String(cString: crowd_blas_library_path()) }
    /// Sets the number of threads OpenBLAS uses.
    static func setThreads(_ n: Int) { if (try? load()) != nil { crowd_blas_set_num_threads(Int32(n)) } }
}
