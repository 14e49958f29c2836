import Foundation
import XCTest
@testable import CrowdCLIPCore

/// The fp32 engine choice (`MatrixEngine`, `--engine`): oneDNN's float32 matmul gives the features OpenBLAS and
/// the Python reference give, and without libdnnl it says what to install. Where libdnnl is absent the parity
/// tests assert that error instead.
final class EngineTests: XCTestCase {
    static var oneDNNPresent: Bool { OneDNN.version != nil }

    func check(_ name: String) throws {
        let ref = try EncoderParityTests.reference(name)
        let path = Fixtures.path("models/\(name).safetensors")
        guard Self.oneDNNPresent else {
            XCTAssertThrowsError(try CLIPModel(path: path, headWidth: ref.head_width, engine: .oneDNN)) { e in
                guard case .matrixLibraryUnavailable(let reason)? = e as? EncoderError else { return XCTFail("\(e)") }
                XCTAssertTrue(reason.contains("`--engine onednn`: cannot load oneDNN"), reason)
            }
            return
        }
        let openBLAS = try CLIPModel(path: path, headWidth: ref.head_width, engine: .openBLAS)
        let oneDNN = try CLIPModel(path: path, headWidth: ref.head_width, engine: .oneDNN)
        XCTAssertEqual(oneDNN.precision, .fp32)
        let images = EncoderParityTests.syntheticImages(ref.image_features.count)
        let (iBLAS, iDNN) = (try openBLAS.encodeImages(images), try oneDNN.encodeImages(images))
        let (tBLAS, tDNN) = (try openBLAS.encodeTexts(ref.tokens), try oneDNN.encodeTexts(ref.tokens))
        let differences = [
            EncoderParityTests.maxDifference(iDNN, BF16Tests.rows(iBLAS)), EncoderParityTests.maxDifference(iDNN, ref.image_features),
            EncoderParityTests.maxDifference(tDNN, BF16Tests.rows(tBLAS)), EncoderParityTests.maxDifference(tDNN, ref.text_features),
        ]
        let worst = differences.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, EncoderParityTests.featureTolerance, "\(name): oneDNN fp32 features differ by \(worst)")
        print("engine onednn \(name): worst difference \(worst) (OpenBLAS and reference, images and texts)")
    }

    func testTinyPatch16() throws { try check("tiny-p16") }
    func testTinyPatch32() throws { try check("tiny-p32") }

    /// The oneDNN engine really packs the weights into its own float32 layout (not bf16, not the tensor itself);
    /// the default packs nothing.
    func testTheEngineDecidesWhoPacksTheWeights() throws {
        guard Self.oneDNNPresent else { throw XCTSkip("libdnnl is not installed (the refusal is asserted by the parity tests)") }
        let path = Fixtures.path("models/tiny-p16.safetensors")
        let vision = try XCTUnwrap(try CLIPModel(path: path, headWidth: 8, engine: .oneDNN).vision)
        guard case let .oneDNN(w) = vision.blocks[0].inProj.packed else { return XCTFail("not packed by oneDNN") }
        XCTAssertFalse(w.isBFloat16)
        XCTAssertGreaterThanOrEqual(w.bytes, 4 * vision.blocks[0].inProj.inputs * vision.blocks[0].inProj.outputs)
        let plain = try XCTUnwrap(try CLIPModel(path: path, headWidth: 8).vision)
        guard case .float32 = plain.blocks[0].inProj.packed else { return XCTFail("the default engine is not OpenBLAS") }
    }

    /// `--engine onednn` end to end: the same JSON features as the default (to the printed digits' tolerance).
    func testTheCLIEmbedsWithTheOneDNNEngine() throws {
        guard Self.oneDNNPresent else { throw XCTSkip("libdnnl is not installed") }
        let args = ["embed", "text", "--weights", Fixtures.path("models/tiny-p16.safetensors"), "--head-width", "8", "a crowd"]
        let (plain, dnn) = (try CrowdCLIPProcess.run(args), try CrowdCLIPProcess.run(args + ["--engine", "onednn"]))
        XCTAssertEqual(plain.status, 0, plain.err)
        XCTAssertEqual(dnn.status, 0, dnn.err)
        func values(_ out: String) throws -> [Double] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [Any]).flatMap { ($0 as? [Double]) ?? [($0 as? Double)].compactMap { $0 } }
        }
        let (a, b) = (try values(plain.out), try values(dnn.out))
        XCTAssertEqual(a.count, b.count)
        XCTAssertFalse(a.isEmpty)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    /// Without libdnnl (here: pointed elsewhere), `--engine onednn` stops with exit status 3 and says what to
    /// install; `--engine openblas` with bf16 is refused as a contradiction.
    func testTheCLIRefusesTheEngineWithoutOneDNNAndWithBF16() throws {
        var env = CrowdCLIPProcess.environmentWithoutScheduler
        env["CROWDCLIP_ONEDNN"] = "/nonexistent/libdnnl.so.2"
        let args = ["embed", "text", "--weights", Fixtures.path("models/tiny-p16.safetensors"), "--head-width", "8", "a crowd"]
        let r = try CrowdCLIPProcess.run(args + ["--engine", "onednn"], environment: env)
        XCTAssertEqual(r.status, 3, r.err)  // a missing matrix library, as OpenBLAS
        XCTAssertTrue(r.err.contains("`--engine onednn`: cannot load oneDNN"), r.err)
        XCTAssertTrue(r.err.contains("libdnnl"), r.err)
        XCTAssertEqual(r.out, "")
        let both = try CrowdCLIPProcess.run(args + ["--precision", "bf16", "--engine", "openblas"])
        XCTAssertEqual(both.status, 2, both.err)
        XCTAssertTrue(both.err.contains("--engine openblas is for fp32 only"), both.err)
    }
}
