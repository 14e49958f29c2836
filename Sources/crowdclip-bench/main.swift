import CrowdCLIPCore
import Foundation

// `make bench`: throughput and memory figures, printed as a table (see Docs/benchmarks.md).
BenchMain.run(arguments: Array(CommandLine.arguments.dropFirst()))
