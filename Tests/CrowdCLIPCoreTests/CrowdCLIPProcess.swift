import Foundation
import XCTest

/// Runs the `crowdclip` executable (or any other) as a user would, for the CLI tests: one helper for all of them.
enum CrowdCLIPProcess {
    struct Output {
        let status: Int32
        let out: String
        let err: String
    }

    /// The executable sits beside the test bundle in the build folder.
    static var executable: URL {
        var dir = Bundle(for: CLITests.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("crowdclip").path) {
            dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return dir.appendingPathComponent("crowdclip")
    }

    /// The environment of the tests without the variables `--shard auto` reads, so a test that runs inside a
    /// Slurm or Kubernetes job is not sharded by it.
    static var environmentWithoutScheduler: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") && $0.key != "JOB_COMPLETION_INDEX" }
    }

    /// Runs `crowdclip` with `arguments` in `directory`, with `environment` (nil: the tests' own); skips the test
    /// when the executable was not built.
    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("crowdclip executable not found beside the tests (\(executable.path))")
        }
        return try run(executable: executable, arguments, in: directory, environment: environment)
    }

    /// Runs any executable. Standard output and standard error are read at the same time, so a child that fills
    /// one pipe while the other is being read to its end cannot stall.
    static func run(executable: URL, _ arguments: [String], in directory: String? = nil,
                    environment: [String: String]? = nil) throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errors = Collected()
        let reader = Thread { errors.data = err.fileHandleForReading.readDataToEndOfFile(); errors.done.signal() }
        reader.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        errors.done.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: errors.data, as: UTF8.self))
    }

    /// What the reader thread hands back; `done` orders its write before the read.
    private final class Collected: @unchecked Sendable {
        var data = Data()
        let done = DispatchSemaphore(value: 0)
    }
}
