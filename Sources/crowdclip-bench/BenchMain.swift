import CrowdCLIPCore
import Foundation

// Placeholder until the encoder benchmark lands.
enum BenchMain {
    static func run(arguments: [String]) { print("benchmarks not yet available") }
}
