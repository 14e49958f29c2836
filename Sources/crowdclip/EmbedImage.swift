import ArgumentParser
import CrowdCLIPCore
import Foundation

struct EmbedImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Features of images (one line per image; a .npy [N,3,H,W] float32 array, already normalised, gives N lines).",
        discussion: """
            A file that cannot be read gives the line {"image": FILE, "error": "..."} in its place and the others go \
            on (exit status 1; 5 when no file could be read).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var precision: PrecisionOptions

    @Option(name: .long, help: "Pipeline for JPEG/PNG files: crowdclip (Resize 256, crop 224, ImageNet stats) or clip.")
    var preprocess: Preprocessing = .crowdclip

    @Argument(help: "JPEG, PNG or .npy files.")
    var files: [String]

    func run() throws {
        let clip = try model.load(precision: precision.precision, engine: precision.engine)
        let out = try CountOutputFile(standardOutputIn: .jsonl)
        var failed = 0
        for file in files {
            do {
                let features = try clip.encodeImages(try ImageInput.load(path: file, preprocessing: preprocess))
                for i in 0..<features.shape[0] { try out.write(jsonRow(features, i)) }
            } catch let error as OutputFileError {
                throw error
            } catch {
                failed += 1
                printError("\(error)")
                try out.write("{\"image\": \(JSONText.string(file)), \"error\": \(JSONText.string("\(error)"))}")
            }
        }
        let status = ExitStatus.forBatch(done: files.count - failed, failed: failed)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

extension Preprocessing: ExpressibleByArgument {}
