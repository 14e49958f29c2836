import Foundation

/// The globals this reader interprets, and how names are spelled. The list follows PyTorch's `weights_only`
/// unpickler (`torch/_weights_only_unpickler.py`, `_get_allowed_globals`); Docs/formats.md shows both side by side.
enum PickleAllowList {
    static let storageTypes: [String: WeightDType] = [
        "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.DoubleStorage": .f64, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ShortStorage": .i16, "torch.CharStorage": .i8, "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
        "torch.float32": .f32, "torch.float16": .f16, "torch.bfloat16": .bf16, "torch.float64": .f64,
        "torch.int64": .i64, "torch.int32": .i32, "torch.int16": .i16, "torch.int8": .i8, "torch.uint8": .u8, "torch.bool": .bool,
    ]

    /// Classes whose instances only hold attributes that may contain the model's tensors (TorchScript and
    /// `nn.Module` objects, Lightning modules): the tensor walk enters them. Other placeholders are opaque.
    static let containerPrefixes = [
        "__torch__.", "torch.nn.modules.", "pytorch_lightning.", "lightning.", "lightning_fabric.", "clip.model.", "open_clip.",
    ]

    static func isContainer(_ name: String) -> Bool { containerPrefixes.contains { name.hasPrefix($0) } }

    /// Python 2 names as Python 3's pickle maps them (`__builtin__.set` → `builtins.set`).
    static func canonical(module: String, name: String) -> String {
        switch module {
        case "__builtin__": return "builtins.\(name)"
        case "copy_reg": return "copyreg.\(name)"
        default: return "\(module).\(name)"
        }
    }
}
