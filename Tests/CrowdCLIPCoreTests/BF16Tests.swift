import Foundation
import XCTest
@testable import CrowdCLIPCore

/// `Precision.bf16` on the tiny models against fp32 and the Python reference (Tools/gen_11_models.py), and its
/// refusal where the CPU or oneDNN cannot run it. Which of the two is asserted depends on this machine: a CPU
/// with AVX512-BF16 or AMX-BF16 and libdnnl must give bf16 features; any other must give the error.
final class BF16Tests: XCTestCase {
    /// Whether bf16 runs here: oneDNN reports a bf16 kernel (so a CI with `ONEDNN_MAX_CPU_ISA` capped below bf16
    /// asserts the refusal). `testBF16RunsWhereTheCPUAndTheLibraryHaveIt` checks this against cpuid.
    static var bf16Expected: Bool { CLIPModel.bf16KernelDescription != nil }

    /// The tests' own view, from cpuid and the library, not the code's check: bf16 must run where the CPU has the
    /// instructions, libdnnl loads and nothing caps oneDNN's ISA or overrides the CPU.
    func testBF16RunsWhereTheCPUAndTheLibraryHaveIt() {
        let cpu = KernelSelection.cpu, env = ProcessInfo.processInfo.environment
        let flags = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"].allSatisfy(cpu.has) || cpu.has("amx_bf16")
        let capped = env["ONEDNN_MAX_CPU_ISA"] != nil || env[OneDNN.noBF16Variable] == "1"
        if flags && !capped && OneDNN.version != nil {
            XCTAssertNotNil(CLIPModel.bf16KernelDescription, "this CPU has bf16 and libdnnl loads, yet bf16 is refused")
        }
        if !flags || env[OneDNN.noBF16Variable] == "1" { XCTAssertNil(CLIPModel.bf16KernelDescription) }
    }

    /// Issue 12's target, cosine 0.999 (1 − cosine 1e-3); the worst achieved is 0.99992 (1 − cosine 8.2e-5, tiny-p16;
    /// p32 0.99995, p14 0.99998), so the limit leaves about 12× headroom (Docs/benchmarks.md, "bf16").
    static let minimumCosine: Float = 0.999

    static func cosines(_ a: Tensor, _ b: [[Float]]) -> [Float] {
        b.enumerated().map { i, row in
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for (j, v) in row.enumerated() { let x = a[flat: i * row.count + j]; dot += x * v; na += x * x; nb += v * v }
            return dot / (na.squareRoot() * nb.squareRoot())
        }
    }

    static func rows(_ t: Tensor) -> [[Float]] {
        (0..<t.shape[0]).map { i in (0..<t.shape[1]).map { t[flat: i * t.shape[1] + $0] } }
    }

    func check(_ name: String) throws {
        let ref = try EncoderParityTests.reference(name)
        let path = Fixtures.path("models/\(name).safetensors")
        guard Self.bf16Expected else {
            XCTAssertThrowsError(try CLIPModel(path: path, headWidth: ref.head_width, precision: .bf16)) { e in
                switch e as? EncoderError {
                case .matrixLibraryUnavailable(let reason)?:  // no libdnnl: a missing library, as OpenBLAS
                    XCTAssertNil(OneDNN.version)
                    XCTAssertTrue(reason.contains("libdnnl"), reason)
                case .precisionUnavailable(.bf16, let reason)?:
                    XCTAssertTrue(reason.contains("AVX512-BF16") || reason.contains("oneDNN"), reason)
                default: XCTFail("not a public EncoderError refusal: \(e)")
                }
            }
            return
        }
        let fp32 = try CLIPModel(path: path, headWidth: ref.head_width)
        let bf16 = try CLIPModel(path: path, headWidth: ref.head_width, precision: .bf16)
        XCTAssertEqual(bf16.precision, .bf16)
        let images = EncoderParityTests.syntheticImages(ref.image_features.count)
        let (i32, i16) = (try fp32.encodeImages(images), try bf16.encodeImages(images))
        let (t32, t16) = (try fp32.encodeTexts(ref.tokens), try bf16.encodeTexts(ref.tokens))
        let all = Self.cosines(i16, Self.rows(i32)) + Self.cosines(i16, ref.image_features)
            + Self.cosines(t16, Self.rows(t32)) + Self.cosines(t16, ref.text_features)
        let worst = all.min() ?? 0
        XCTAssertGreaterThanOrEqual(worst, Self.minimumCosine, "\(name): bf16 features at cosine \(worst)")
        // The products really ran in bf16: rounding moves the features, so they are not the fp32 ones.
        XCTAssertGreaterThan(EncoderParityTests.maxDifference(i16, Self.rows(i32)), 1e-5, "\(name): bf16 equals fp32")
        print("bf16 \(name): worst cosine \(worst) (fp32 and reference, images and texts)")
    }

    func testTinyPatch16() throws { try check("tiny-p16") }
    func testTinyPatch32() throws { try check("tiny-p32") }
    func testTinyPatch14() throws { try check("tiny-p14") }

    /// The weights are converted once, at load, to bf16 (the layers' packed form); the projection stays fp32.
    func testWeightsAreConvertedAtLoad() throws {
        guard Self.bf16Expected else { throw XCTSkip("bf16 cannot run here (the refusal is asserted by the parity tests)") }
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p16.safetensors"), headWidth: 8, precision: .bf16)
        let vision = try XCTUnwrap(model.vision), text = try XCTUnwrap(model.text)
        for linear in [vision.patchEmbedding, vision.blocks[0].inProj, vision.blocks[1].proj, text.blocks[0].fc] {
            guard case let .oneDNN(w) = linear.packed else { return XCTFail("\(linear.weight.shape) is not packed by oneDNN") }
            XCTAssertTrue(w.isBFloat16)
            // Two bytes a value, padded to oneDNN's blocks (the tiny models' 16-wide layers are padded a lot).
            XCTAssertGreaterThanOrEqual(w.bytes, 2 * linear.inputs * linear.outputs)
            XCTAssertEqual(w.kernelName(rows: 5), OneDNN.bf16Kernel)
        }
        for linear in [vision.projection, text.projection] {
            guard case .float32 = linear.packed else { return XCTFail("the projection is not float32") }
        }
    }

    /// One bf16 model used from several threads at once, with batch sizes (row counts) compiled concurrently, gives
    /// each thread the features it gets alone: the primitive cache, streams and input buffers are thread-safe.
    func testOneModelEncodesFromSeveralThreadsAtOnce() throws {
        guard Self.bf16Expected else { throw XCTSkip("bf16 cannot run here") }
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p32.safetensors"), headWidth: 8, precision: .bf16)
        // Each thread makes its own batch (a Tensor is not Sendable); the images are the same on every call.
        let batchSizes = Array(1...6)
        final class Results: @unchecked Sendable {  // written under `lock`
            let lock = NSLock()
            var features = [Tensor?](repeating: nil, count: 6)
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: batchSizes.count) { i in
            let f = try? model.encodeImages(EncoderParityTests.syntheticImages(batchSizes[i]))
            results.lock.withLock { results.features[i] = f }
        }
        for (i, size) in batchSizes.enumerated() {
            let alone = try model.encodeImages(EncoderParityTests.syntheticImages(size))
            let together = try XCTUnwrap(results.features[i], "batch \(i + 1) failed on its thread")
            XCTAssertEqual(together.array, alone.array, "batch \(i + 1)")
        }
    }

    func testTheOverrideMakesACPUCountAsWithoutBF16() {
        let cpu = KernelSelection.CPU(vendor: "x", brand: "x", family: 0, model: 0,
                                      features: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"])
        XCTAssertTrue(OneDNN.cpuHasBF16(cpu, environment: [:]))
        XCTAssertFalse(OneDNN.cpuHasBF16(cpu, environment: [OneDNN.noBF16Variable: "1"]))
        let amx = KernelSelection.CPU(vendor: "x", brand: "x", family: 0, model: 0, features: ["amx_bf16"])
        XCTAssertTrue(OneDNN.cpuHasBF16(amx, environment: [:]))
        let avx2 = KernelSelection.CPU(vendor: "x", brand: "x", family: 0, model: 0, features: ["avx2", "fma", "avx512f"])
        XCTAssertFalse(OneDNN.cpuHasBF16(avx2, environment: [:]))
    }

    /// The CLI stops with exit status 2 and the message, on any machine, under the override.
    func testTheCLIRefusesBF16WithoutTheInstructions() throws {
        var env = CrowdCLIPProcess.environmentWithoutScheduler
        env[OneDNN.noBF16Variable] = "1"
        let r = try CrowdCLIPProcess.run(["embed", "text", "--weights", Fixtures.path("models/tiny-p16.safetensors"),
                                          "--head-width", "8", "--precision", "bf16", "a crowd"], environment: env)
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("`--precision bf16` needs a CPU with AVX512-BF16 or AMX-BF16; this CPU has neither"), r.err)
        XCTAssertEqual(r.out, "")
    }

    /// Without libdnnl (here: pointed elsewhere), bf16 says what to install (status 3); fp32 still runs.
    func testTheCLISaysWhatToInstallWithoutOneDNN() throws {
        var env = CrowdCLIPProcess.environmentWithoutScheduler
        env["CROWDCLIP_ONEDNN"] = "/nonexistent/libdnnl.so.2"
        let args = ["embed", "text", "--weights", Fixtures.path("models/tiny-p16.safetensors"), "--head-width", "8", "a crowd"]
        let bf16 = try CrowdCLIPProcess.run(args + ["--precision", "bf16"], environment: env)
        // The CPU is checked first: without bf16 instructions it is status 2 (what was asked cannot run here),
        // else the missing library is status 3, as a missing OpenBLAS.
        if OneDNN.cpuHasBF16(KernelSelection.cpu, environment: env) {
            XCTAssertEqual(bf16.status, 3, bf16.err)
            XCTAssertTrue(bf16.err.contains("libdnnl"), bf16.err)
        } else {
            XCTAssertEqual(bf16.status, 2, bf16.err)
            XCTAssertTrue(bf16.err.contains("needs a CPU with AVX512-BF16"), bf16.err)
        }
        XCTAssertEqual(try CrowdCLIPProcess.run(args, environment: env).status, 0)
    }

    /// `crowdclip info` names oneDNN's version and the bf16 kernel here, or why bf16 cannot run.
    func testInfoShowsOneDNNAndTheBF16Kernel() throws {
        func line(_ key: String, _ out: String) -> String? {
            out.split(separator: "\n").first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
        }
        let env = CrowdCLIPProcess.environmentWithoutScheduler
        let plain = try CrowdCLIPProcess.run(["info"], environment: env)
        XCTAssertEqual(plain.status, 0, plain.err)
        if let version = OneDNN.version {
            XCTAssertEqual(line("onednn", plain.out), version, plain.out)
        } else {
            XCTAssertTrue(line("onednn", plain.out)?.hasPrefix("unavailable: ") ?? false, plain.out)
        }
        if Self.bf16Expected, let kernel = OneDNN.bf16Kernel {
            XCTAssertEqual(line("bf16 kernel", plain.out), kernel, plain.out)
            XCTAssertTrue(kernel.contains("bf16") || kernel.contains("amx"), kernel)
        } else {
            XCTAssertTrue(line("bf16 kernel", plain.out)?.hasPrefix("unavailable: ") ?? false, plain.out)
        }
        var noBF16 = env
        noBF16[OneDNN.noBF16Variable] = "1"
        let refused = try CrowdCLIPProcess.run(["info"], environment: noBF16)
        XCTAssertEqual(refused.status, 0, refused.err)
        let reason = try XCTUnwrap(line("bf16 kernel", refused.out), refused.out)
        XCTAssertTrue(reason.hasPrefix("unavailable: ") && reason.contains("needs a CPU with AVX512-BF16 or AMX-BF16"), reason)
        var noLibrary = env
        noLibrary["CROWDCLIP_ONEDNN"] = "/nonexistent/libdnnl.so.2"
        let missing = try CrowdCLIPProcess.run(["info"], environment: noLibrary)
        XCTAssertEqual(missing.status, 0, missing.err)
        let why = try XCTUnwrap(line("onednn", missing.out), missing.out)
        XCTAssertTrue(why.hasPrefix("unavailable: ") && why.contains("libdnnl"), why)
        XCTAssertTrue(line("bf16 kernel", missing.out)?.hasPrefix("unavailable: ") ?? false, missing.out)
    }

    func testTheCounterRefusesModelsOfAnotherPrecision() throws {
        guard Self.bf16Expected else { throw XCTSkip("bf16 cannot run here") }
        let base = try CLIPModel(path: Fixtures.path("models/tiny-p16.safetensors"), headWidth: 8, precision: .bf16)
        XCTAssertThrowsError(try CrowdCounter(base: base, tokenizer: try CLIPTokenizer.standard())) { e in
            XCTAssertTrue("\(e)".contains("loaded in bf16"), "\(e)")
        }
        var c = CountingConfiguration()
        c.precision = .bf16
        XCTAssertNoThrow(try CrowdCounter(base: base, tokenizer: try CLIPTokenizer.standard(), configuration: c))
    }

    /// Issue 12's decision check on the shared mini-crowd photos (both splits) with the tiny models: every patch
    /// whose fp32 margin exceeds 0.01 gets the same decision (kept or not, and its count) in bf16; how many below
    /// it differ is printed. Two setups: `MiniCrowdEvaluationTests`' (the paper's configuration, which keeps no
    /// patch with these random models) and `make demo-tiny`'s (two crowd classes, heads top-4: some are kept and
    /// counted). Skipped without ../shared or without bf16 here.
    func testMiniCrowdDecisionsAboveTheMarginAreTheSame() throws {
        try checkMiniCrowd(CountingConfiguration(), name: "paper's configuration")
        var demo = CountingConfiguration()
        demo.crowdClasses = ["crowd", "tree"]
        demo.headsTopK = 4
        try checkMiniCrowd(demo, name: "demo-tiny configuration")
    }

    func checkMiniCrowd(_ configuration: CountingConfiguration, name: String) throws {
        guard let root = Fixtures.miniCrowd else { throw XCTSkip("../shared/data/mini-crowd not present") }
        guard Self.bf16Expected else { throw XCTSkip("bf16 cannot run here") }
        let tokenizer = try CLIPTokenizer.standard()
        func counter(_ precision: Precision) throws -> CrowdCounter {
            var c = configuration
            c.precision = precision
            return try CrowdCounter(
                base: try CLIPModel(path: Fixtures.path("models/tiny-p16.safetensors"), headWidth: 8, precision: precision),
                counter: try CLIPModel(path: Fixtures.path("counting/counter-visual.safetensors"), headWidth: 8, precision: precision),
                tokenizer: tokenizer, configuration: c)
        }
        let (fp32, bf16) = (try counter(.fp32), try counter(.bf16))
        let images = try ["test_data", "train_data"].flatMap { split in
            try FileManager.default.contentsOfDirectory(atPath: root.path + "/\(split)/images").sorted()
                .filter { $0.hasSuffix(".jpg") }.map { root.path + "/\(split)/images/" + $0 }
        }
        var patches = 0, above = 0, differAbove = 0, differBelow = 0, kept = 0
        for path in images {
            let (a, b) = (try fp32.count(imageAt: path), try bf16.count(imageAt: path))
            for (p, q) in zip(a.patches, b.patches) {
                patches += 1
                if p.selected { kept += 1 }
                let differs = p.selected != q.selected || p.count != q.count
                if p.margin > 0.01 { above += 1; if differs { differAbove += 1 } } else if differs { differBelow += 1 }
            }
        }
        XCTAssertGreaterThan(above, patches / 2, "most patches should be decided by more than 0.01 (\(name))")
        XCTAssertEqual(differAbove, 0, "\(differAbove) of \(above) patches with fp32 margin > 0.01 changed decision in bf16 (\(name))")
        print("bf16 mini-crowd, \(name): \(images.count) photos, \(patches) patches (\(kept) kept in fp32); margin > 0.01: \(above), "
              + "differ \(differAbove); margin <= 0.01: \(patches - above), differ \(differBelow)")
    }
}
