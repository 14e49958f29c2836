@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// Text through cleaning, pre-tokenization and BPE, as prompts and `crowdclip tokenize` use it.
let tokenizer = try! CLIPTokenizer.standard()

@_cdecl("fuzz_tokenizer_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count), as: UTF8.self)
    let row = tokenizer.tokenize([text])[0]
    precondition(row.count == CLIPTokenizer.defaultContextLength)
    _ = tokenizer.encode(text, maxTokens: 200)
    return 0
}
