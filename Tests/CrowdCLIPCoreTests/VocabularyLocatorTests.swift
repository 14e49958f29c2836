import Foundation
import XCTest
@testable import CrowdCLIPCore

/// The vocabulary is found in SwiftPM's resource bundle, whatever the package part of its name, in the Linux and
/// the Apple layouts, and never through the source checkout. (Tools/check_install.sh covers an installed binary
/// and a dependent package with the checkout moved away.)
final class VocabularyLocatorTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("vocab-locator-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func place(_ relative: String) throws -> String {
        let file = dir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: file)
        return file.path
    }

    func testFindsTheBundleOfADependentPackage() throws {
        // As a dependency, the bundle takes the depending package's identity for this package's name.
        let path = try place("checkout_CrowdCLIPCore.resources/bpe_simple_vocab_16e6.txt.gz")
        XCTAssertEqual(VocabularyLocator.vocabulary(inBundlesUnder: dir), path)
    }

    func testPrefersThisPackagesOwnBundleAndReadsTheAppleLayout() throws {
        _ = try place("other_CrowdCLIPCore.bundle/Contents/Resources/bpe_simple_vocab_16e6.txt.gz")
        XCTAssertEqual(VocabularyLocator.vocabulary(inBundlesUnder: dir)?.hasSuffix("Contents/Resources/bpe_simple_vocab_16e6.txt.gz"), true)
        let own = try place("CrowdCLIP_CrowdCLIPCore.resources/bpe_simple_vocab_16e6.txt.gz")
        XCTAssertEqual(VocabularyLocator.vocabulary(inBundlesUnder: dir), own)
    }

    func testIgnoresOtherBundlesAndEmptyOnes() throws {
        _ = try place("CrowdCLIP_crowdclip.resources/bpe_simple_vocab_16e6.txt.gz")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("CrowdCLIP_CrowdCLIPCore.resources"),
                                                withIntermediateDirectories: true)
        XCTAssertNil(VocabularyLocator.vocabulary(inBundlesUnder: dir))
    }

    func testSearchesBesideTheExecutableAndTheInstallLayoutOnly() throws {
        let dirs = VocabularyLocator.searchDirectories().map(\.path)
        let exe = try XCTUnwrap(VocabularyLocator.executableDirectories().first).standardizedFileURL
        XCTAssertEqual(dirs.first, exe.path)
        XCTAssertTrue(dirs.contains(exe.deletingLastPathComponent().appendingPathComponent("share/crowdclip").path), "\(dirs)")
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources").path
        XCTAssertFalse(dirs.contains { $0.hasPrefix(sources) }, "\(dirs)")
    }

    func testTheStandardTokenizerLoadsTheShippedVocabulary() throws {
        guard ProcessInfo.processInfo.environment["CROWDCLIP_VOCAB"] == nil else { throw XCTSkip("CROWDCLIP_VOCAB is set") }
        let found = try VocabularyLocator.find()
        XCTAssertTrue(found.contains("_CrowdCLIPCore.resources/") || found.contains("_CrowdCLIPCore.bundle/"), found)
        XCTAssertEqual(try CLIPTokenizer(vocabularyPath: found).vocabularySize, 49408)
    }
}
