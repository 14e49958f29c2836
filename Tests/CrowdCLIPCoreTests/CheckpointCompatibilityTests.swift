import XCTest
@testable import CrowdCLIPCore

/// Checkpoint shapes users really have (Tools/gen_70_checkpoints.py): a deflated torch zip, Lightning files with
/// side entries PyTorch's weights_only refuses, a hostile pickle beside a state dict, and a tensor behind a
/// placeholder.
final class CheckpointCompatibilityTests: XCTestCase {
    func image(_ seed: Double) -> Tensor {
        let t = Tensor(zeros: [2, 3, 32, 32])
        for i in 0..<t.count { t[flat: i] = Float(sin(Double(i) * 0.013 + seed)) }
        return t
    }

    func testDeflatedTorchZipGivesTheSameFeaturesAsSafetensors() throws {
        let reference = try CLIPModel(path: Fixtures.path("weights/reference.safetensors"), headWidth: 8)
        // Loaded in a helper so the archive, its mapping and every other local are gone before the weights are
        // used: the tensors alone must keep the inflated bytes alive.
        func load() throws -> CLIPModel { try CLIPModel(path: Fixtures.path("weights/state_dict-deflated.pt"), headWidth: 8) }
        let deflated = try load()
        let store = try WeightLoader.load(path: Fixtures.path("weights/state_dict-deflated.pt"))
        XCTAssertTrue(try store.tensor("visual.conv1.weight").storage.isBorrowed, "float32 views the inflated entry, no copy")
        for _ in 0..<3 { _ = [UInt8](repeating: 0xAB, count: 1 << 20) }  // reuse of freed memory would show below
        let inputs = image(0.5)
        let a = try reference.encodeImages(inputs), b = try deflated.encodeImages(inputs)
        XCTAssertEqual(a.shape, b.shape)
        XCTAssertEqual(a.array, b.array, "same weights, same features, bit for bit")
        let ref = try WeightLoader.load(path: Fixtures.path("weights/reference.safetensors"))
        XCTAssertEqual(store.names, ref.names)
        for name in ref.names { XCTAssertEqual(try store.tensor(name).array, try ref.tensor(name).array, name) }
    }

    /// The counter in each Lightning checkpoint counts exactly as the same counter in safetensors.
    func testLightningSideEntriesLoadAndCountAsSafetensors() throws {
        let base = try CLIPModel(path: Fixtures.path("models/tiny-p16.safetensors"), headWidth: 8)
        let tokenizer = try CLIPTokenizer.standard()
        var cfg = CountingConfiguration()
        cfg.crowdClasses = ["crowd", "tree"]; cfg.headsTopK = 5; cfg.countPrompts.values = [10, 30, 60, 100]
        let safetensors = try CrowdCounter(base: base, counter: try CLIPModel(path: Fixtures.path("counting/counter-visual.safetensors"), headWidth: 8),
                                           tokenizer: tokenizer, configuration: cfg)
        let expected = try (0..<4).map { try safetensors.count(imageAt: Fixtures.path("counting/scene-\($0).png")) }
        XCTAssertGreaterThan(expected.flatMap(\.patches).filter(\.selected).count, 0, "the scenes must keep some patches")
        let reference = try WeightLoader.load(path: Fixtures.path("counting/counter-visual.safetensors"))
        for file in ["counter-counter.ckpt", "counter-namespace.ckpt", "counter-missing-module.ckpt"] {
            let store = try WeightLoader.load(path: Fixtures.path("counting/\(file)"))
            XCTAssertEqual(store.names, reference.names, file)
            let crowd = try CrowdCounter(base: base, counter: try CLIPModel(weights: store, headWidth: 8), tokenizer: tokenizer, configuration: cfg)
            for (k, want) in expected.enumerated() {
                let got = try crowd.count(imageAt: Fixtures.path("counting/scene-\(k).png"))
                XCTAssertEqual(got.count, want.count, "\(file) scene-\(k)")
                XCTAssertEqual(got.patches, want.patches, "\(file) scene-\(k)")
            }
        }
    }

    func testHostilePickleExecutesNothingAndTheStateDictBesideItLoads() throws {
        let marker = "/tmp/crowdclip-hostile-marker"
        try? FileManager.default.removeItem(atPath: marker)
        let store = try WeightLoader.load(path: Fixtures.path("weights/hostile-beside-state-dict.pt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "os.system must never run")
        let ref = try WeightLoader.load(path: Fixtures.path("weights/reference.safetensors"))
        XCTAssertEqual(store.names, ref.names)
        for name in ref.names {
            XCTAssertEqual(try store.tensor(name).array, try ref.tensor(name).array.map { Float(Float16($0)) }, name)
        }
        _ = try CLIPModel(weights: store, headWidth: 8).encodeImages(image(0))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testANeededTensorBehindAPlaceholderIsNamedWithItsKeyPath() throws {
        let path = Fixtures.path("weights/placeholder-tensor.pt")
        let store = try WeightLoader.load(path: path)  // the file loads: the placeholder only matters when used
        XCTAssertNoThrow(try store.tensor("visual.class_embedding"))
        let expected = WeightError.placeholderInsteadOfTensor(
            file: path, key: "visual.conv1.weight",
            placeholder: .init(global: "crowdclip_train_config.Quantized", keyPath: "state_dict → module.image_encoder.conv1.weight"))
        XCTAssertThrowsError(try store.tensor("visual.conv1.weight")) { XCTAssertEqual($0 as? WeightError, expected) }
        XCTAssertThrowsError(try CLIPModel(path: path, headWidth: 8)) { error in
            XCTAssertEqual(error as? WeightError, expected)
            XCTAssertTrue("\(error)".contains("state_dict → module.image_encoder.conv1.weight"), "\(error)")
        }
    }

    func testAPickleWithNothingButAPlaceholderNamesIt() {
        // malicious.pt: the whole pickle is os.system("touch …"); there is no tensor to load.
        XCTAssertThrowsError(try WeightLoader.load(path: Fixtures.path("weights/malicious.pt"))) { error in
            guard case let .corrupt(_, reason)? = error as? WeightError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("no tensors") && reason.contains("posix.system"), reason)
        }
    }
}
