import ArgumentParser
import CrowdCLIPCore

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print CLIP token ids, one JSON array per text (the same ids as open_clip.tokenize).")

    @Option(name: .long, help: "Row length: ids are cut (keeping the end token) or zero-padded to it.")
    var contextLength: Int = 77

    @Argument(help: "Texts to tokenize.")
    var texts: [String]

    func validate() throws {
        guard (2...10_000).contains(contextLength) else { throw ValidationError("--context-length must be between 2 and 10000 (CLIP uses 77)") }
    }

    func run() throws {
        let tokenizer = try CLIPTokenizer.standard()
        for row in tokenizer.tokenize(texts, contextLength: contextLength) {
            print("[" + row.map(String.init).joined(separator: ",") + "]")
        }
    }
}
