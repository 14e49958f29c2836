import XCTest

/// The library exports its OpenBLAS kernel choice (`OPENBLAS_CORETYPE`) only when the user has not set one.
/// Each case runs `crowdclip info` in a fresh process, since OpenBLAS reads the variable once, when it loads.
final class KernelEnvironmentTests: XCTestCase {
    private func openBLASCore(_ coreType: String?) throws -> String {
        var environment = CrowdCLIPProcess.environmentWithoutScheduler
        environment["OPENBLAS_CORETYPE"] = coreType
        let output = try CrowdCLIPProcess.run(["info"], environment: environment)
        XCTAssertEqual(output.status, 0, output.err)
        let line = output.out.split(separator: "\n").first { $0.hasPrefix("openblas core: ") }
        return String(try XCTUnwrap(line).dropFirst("openblas core: ".count))
    }

    func testTheUsersCoreTypeIsKept() throws {
        #if arch(x86_64)
        // Prescott (SSE3) runs on every x86-64 CPU and is never what the feature rule picks.
        XCTAssertEqual(try openBLASCore("Prescott"), "Prescott (from OPENBLAS_CORETYPE=Prescott (user setting, kept))")
        #else
        throw XCTSkip("the OpenBLAS core names checked here are x86-64's")
        #endif
    }

    /// An empty value is the user's too: kept (OpenBLAS then decides), not replaced by our choice.
    func testAnEmptyCoreTypeIsTheUsersSetting() throws {
        let core = try openBLASCore("")
        XCTAssertTrue(core.hasSuffix("(from OPENBLAS_CORETYPE= (user setting, kept))"), core)
    }

    /// No OpenBLAS to load is a missing library like missing weights: exit 3 with the loader's message, not 1.
    func testAMissingOpenBLASExitsThree() throws {
        var environment = CrowdCLIPProcess.environmentWithoutScheduler
        environment["CROWDCLIP_OPENBLAS"] = "/nonexistent/libopenblas.so.0"
        let output = try CrowdCLIPProcess.run(["info"], environment: environment)
        XCTAssertEqual(output.status, 3, output.err)
        XCTAssertTrue(output.err.contains("/nonexistent/libopenblas.so.0"), output.err)
    }

    func testWithoutTheVariableTheKernelFollowsTheCPUFeatures() throws {
        let core = try openBLASCore(nil)
        let chosen = try XCTUnwrap(core.range(of: "(chosen from CPU features: "), core)
        let rule = core[chosen.upperBound...].dropLast()
        guard rule != "none (OpenBLAS decides)" else { throw XCTSkip("no feature rule applies to this CPU") }
        XCTAssertEqual(String(core[..<chosen.lowerBound]), "\(rule) ", "OpenBLAS did not load the kernel exported for it")
    }
}
