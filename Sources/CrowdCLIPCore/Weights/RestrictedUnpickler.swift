import Foundation

/// A pickle reader that builds values and never executes anything from the file.
///
/// Python's pickle calls whatever callable a file names; this machine instead knows a short allow-list:
/// PyTorch's tensor builders (turned into `TensorRef`s), `collections.OrderedDict`, TorchScript's list/type-tag
/// helpers, and inert placeholder classes for module/config objects whose only role is to hold attributes.
/// Any other global (`os.system`, `builtins.eval`, `subprocess.Popen`, …) stops the read with an error.
struct RestrictedUnpickler {
    let file: String
    let data: UnsafeRawBufferPointer

    private static let storageTypes: [String: DType] = [
        "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.DoubleStorage": .f64, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ShortStorage": .i16, "torch.CharStorage": .i8, "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
        "torch.float32": .f32, "torch.float16": .f16, "torch.bfloat16": .bf16, "torch.float64": .f64,
        "torch.int64": .i64, "torch.int32": .i32, "torch.int16": .i16, "torch.int8": .i8, "torch.uint8": .u8, "torch.bool": .bool,
    ]
    private static let builders: Set<String> = [
        "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state", "collections.OrderedDict", "builtins.set", "builtins.frozenset",
        "builtins.slice", "builtins.list", "builtins.dict", "builtins.tuple",
        "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensor_from_id",
        "torch.device", "_codecs.encode",
    ]
    /// Module prefixes whose classes may appear as inert attribute holders.
    private static let placeholderPrefixes = [
        "__torch__.", "torch.nn.modules.", "torch.nn.parameter.", "pytorch_lightning.", "lightning.", "lightning_fabric.",
        "omegaconf.", "argparse.Namespace", "typing.", "mmcv.utils.config.", "crowdclip.", "clip.model.", "open_clip.",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "torch.optim.", "torch.Size", "enum.", "pathlib.",
    ]

    func isAllowed(_ name: String) -> Bool {
        Self.builders.contains(name) || Self.storageTypes[name] != nil || Self.placeholderPrefixes.contains { name.hasPrefix($0) }
    }

    func load() throws -> PickleValue {
        var stack: [PickleValue] = []
        var memo: [Int: PickleValue] = [:]
        var p = 0
        let n = data.count

        func fail(_ why: String) -> WeightError { .corrupt(file: file, reason: "pickle: \(why) at byte \(p)") }
        func need(_ k: Int) throws { guard k >= 0, p + k <= n else { throw fail("data ends early") } }
        func u8() throws -> Int { try need(1); defer { p += 1 }; return Int(data[p]) }
        func u16() throws -> Int { try need(2); defer { p += 2 }; return Int(data.loadUnaligned(fromByteOffset: p, as: UInt16.self).littleEndian) }
        func u32() throws -> Int { try need(4); defer { p += 4 }; return Int(data.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian) }
        func i32() throws -> Int { try need(4); defer { p += 4 }; return Int(data.loadUnaligned(fromByteOffset: p, as: Int32.self).littleEndian) }
        func u64() throws -> Int {
            try need(8); defer { p += 8 }
            let v = data.loadUnaligned(fromByteOffset: p, as: UInt64.self).littleEndian
            guard v < UInt64(Int.max) else { throw fail("length too large") }
            return Int(v)
        }
        func bytes(_ k: Int) throws -> [UInt8] { try need(k); defer { p += k }; return Array(data[p..<(p + k)]) }
        func text(_ k: Int) throws -> String { String(decoding: try bytes(k), as: UTF8.self) }
        func line() throws -> String {
            var e = p
            while e < n && data[e] != 0x0A { e += 1 }
            guard e < n else { throw fail("unterminated line") }
            defer { p = e + 1 }
            return String(decoding: data[p..<e], as: UTF8.self)
        }
        func pop() throws -> PickleValue { guard let v = stack.popLast() else { throw fail("stack underflow") }; return v }
        func popMark() throws -> [PickleValue] {
            guard let m = stack.lastIndex(where: { if case .mark = $0 { return true }; return false }) else { throw fail("no MARK") }
            let items = Array(stack[(m + 1)...])
            stack.removeSubrange(m...)
            return items
        }
        func global(_ module: String, _ name: String) throws -> PickleValue {
            let full = "\(module).\(name)"
            guard isAllowed(full) else { throw WeightError.forbiddenGlobal(file: file, name: full) }
            return .global(full)
        }

        while true {
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()                                   // PROTO
            case 0x95: _ = try u64()                                  // FRAME
            case 0x2E: return try pop()                               // STOP
            case 0x28: stack.append(.mark)                            // MARK
            case 0x4E: stack.append(.none)                            // NONE
            case 0x88: stack.append(.bool(true))                      // NEWTRUE
            case 0x89: stack.append(.bool(false))                     // NEWFALSE
            case 0x4B: stack.append(.int(try u8()))                   // BININT1
            case 0x4D: stack.append(.int(try u16()))                  // BININT2
            case 0x4A: stack.append(.int(try i32()))                  // BININT
            case 0x8A:                                                // LONG1
                let k = try u8()
                let b = try bytes(k)
                guard k <= 8 else { throw fail("integer wider than 64 bits") }
                var v: Int64 = 0
                for (i, byte) in b.enumerated() { v |= Int64(byte) << (8 * Int64(i)) }
                if k > 0 && k < 8 && b[k - 1] & 0x80 != 0 { v -= Int64(1) << (8 * Int64(k)) }
                stack.append(.int(Int(v)))
            case 0x47:                                                // BINFLOAT (big-endian)
                try need(8)
                let bits = data.loadUnaligned(fromByteOffset: p, as: UInt64.self).bigEndian
                p += 8
                stack.append(.float(Double(bitPattern: bits)))
            case 0x49:                                                // INT (text)
                let s = try line()
                if s == "01" { stack.append(.bool(true)) } else if s == "00" { stack.append(.bool(false)) }
                else { guard let v = Int(s) else { throw fail("bad INT") }; stack.append(.int(v)) }
            case 0x4C:                                                // LONG (text)
                let s = try line().replacingOccurrences(of: "L", with: "")
                guard let v = Int(s) else { throw fail("bad LONG") }
                stack.append(.int(v))
            case 0x46:                                                // FLOAT (text)
                guard let v = Double(try line()) else { throw fail("bad FLOAT") }
                stack.append(.float(v))
            case 0x58: stack.append(.string(try text(try u32())))     // BINUNICODE
            case 0x8C: stack.append(.string(try text(try u8())))      // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try text(try u64())))     // BINUNICODE8
            case 0x54: stack.append(.string(try text(try u32())))     // BINSTRING
            case 0x55: stack.append(.string(try text(try u8())))      // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(try bytes(try u32())))     // BINBYTES
            case 0x43: stack.append(.bytes(try bytes(try u8())))      // SHORT_BINBYTES
            case 0x8E: stack.append(.bytes(try bytes(try u64())))     // BINBYTES8
            case 0x56: stack.append(.string(try line()))              // UNICODE (raw-unicode-escape; ASCII here)
            case 0x53:                                                // STRING (quoted)
                var s = try line()
                if s.count >= 2 { s = String(s.dropFirst().dropLast()) }
                stack.append(.string(s))
            case 0x7D: stack.append(.dict(PickleDict()))              // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))              // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))                       // EMPTY_TUPLE
            case 0x8F: stack.append(.list(PickleList()))              // EMPTY_SET (as a list)
            case 0x74: stack.append(.tuple(try popMark()))            // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))              // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))          // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x6C: stack.append(.list(PickleList(try popMark())))                          // LIST
            case 0x64:                                                                         // DICT
                let items = try popMark()
                let d = PickleDict()
                var i = 0
                while i + 1 < items.count { d.set(items[i], items[i + 1]); i += 2 }
                stack.append(.dict(d))
            case 0x91: stack.append(.list(PickleList(try popMark()))) // FROZENSET
            case 0x90:                                                // ADDITEMS
                let items = try popMark()
                guard case let .list(l)? = stack.last else { throw fail("ADDITEMS without a set") }
                l.items += items
            case 0x61:                                                // APPEND
                let v = try pop()
                guard case let .list(l)? = stack.last else { throw fail("APPEND without a list") }
                l.items.append(v)
            case 0x65:                                                // APPENDS
                let items = try popMark()
                guard case let .list(l)? = stack.last else { throw fail("APPENDS without a list") }
                l.items += items
            case 0x73:                                                // SETITEM
                let v = try pop(), k = try pop()
                try setItems(stack.last, [k, v], fail)
            case 0x75:                                                // SETITEMS
                let items = try popMark()
                try setItems(stack.last, items, fail)
            case 0x71: guard let v = stack.last else { throw fail("empty stack") }; memo[try u8()] = v      // BINPUT
            case 0x72: guard let v = stack.last else { throw fail("empty stack") }; memo[try u32()] = v     // LONG_BINPUT
            case 0x94: guard let v = stack.last else { throw fail("empty stack") }; memo[memo.count] = v    // MEMOIZE
            case 0x70: guard let v = stack.last, let k = Int(try line()) else { throw fail("bad PUT") }; memo[k] = v
            case 0x68: guard let v = memo[try u8()] else { throw fail("unknown memo") }; stack.append(v)   // BINGET
            case 0x6A: guard let v = memo[try u32()] else { throw fail("unknown memo") }; stack.append(v)  // LONG_BINGET
            case 0x67: guard let k = Int(try line()), let v = memo[k] else { throw fail("unknown memo") }; stack.append(v)
            case 0x30: _ = try pop()                                  // POP
            case 0x31: _ = try popMark()                              // POP_MARK
            case 0x32: guard let v = stack.last else { throw fail("empty stack") }; stack.append(v)        // DUP
            case 0x63:                                                // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.string, let nm = name.string else { throw fail("STACK_GLOBAL needs strings") }
                stack.append(try global(m, nm))
            case 0x52:                                                // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try call(callable, args.tupleItems ?? [args], fail))
            case 0x81:                                                // NEWOBJ
                let args = try pop(), cls = try pop()
                stack.append(try call(cls, args.tupleItems ?? [], fail))
            case 0x92:                                                // NEWOBJ_EX
                _ = try pop()
                let args = try pop(), cls = try pop()
                stack.append(try call(cls, args.tupleItems ?? [], fail))
            case 0x62:                                                // BUILD
                let state = try pop()
                guard let target = stack.last else { throw fail("BUILD without an object") }
                switch target {
                case let .object(o): o.state = state
                case let .dict(d):
                    if case let .dict(s) = state { for (k, v) in zip(s.keys, s.values) { d.set(k, v) } }
                default: break  // tensors' BUILD carries hooks and metadata we do not need
                }
            case 0x51:                                                // BINPERSID
                let pid = try pop()
                stack.append(try persistent(pid, fail))
            case 0x50:                                                // PERSID (text)
                stack.append(try persistent(.tuple([.string(try line())]), fail))
            default:
                throw fail(String(format: "unsupported opcode 0x%02X", op))
            }
        }
    }

    private func setItems(_ target: PickleValue?, _ items: [PickleValue], _ fail: (String) -> WeightError) throws {
        var i = 0
        switch target {
        case let .dict(d)?: while i + 1 < items.count { d.set(items[i], items[i + 1]); i += 2 }
        case let .object(o)?:
            let d: PickleDict
            if case let .dict(existing) = o.state { d = existing } else { d = PickleDict(); o.state = .dict(d) }
            while i + 1 < items.count { d.set(items[i], items[i + 1]); i += 2 }
        default: throw fail("SETITEMS without a dict")
        }
    }

    /// PyTorch's persistent id: ('storage', storage type, key, location, numel).
    private func persistent(_ pid: PickleValue, _ fail: (String) -> WeightError) throws -> PickleValue {
        guard let t = pid.tupleItems, t.count >= 5, t[0].string == "storage" else { throw fail("unknown persistent id") }
        guard case let .global(typeName) = t[1], let dtype = Self.storageTypes[typeName] else {
            throw WeightError.unsupported(file: file, reason: "storage type \(t[1])")
        }
        guard let key = t[2].string ?? t[2].int.map(String.init), let count = t[4].int, count >= 0 else { throw fail("bad storage id") }
        return .storage(StorageRef(dtype: dtype, key: key, count: count))
    }

    /// Applies an allowed callable to arguments, building data only.
    private func call(_ callable: PickleValue, _ args: [PickleValue], _ fail: (String) -> WeightError) throws -> PickleValue {
        guard case let .global(name) = callable else {
            // Calling a placeholder instance (e.g. a TorchScript type tag) just yields another placeholder.
            if case let .object(o) = callable { return .object(PickleObject(className: o.className, args: args)) }
            throw fail("call of a non-callable value")
        }
        switch name {
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard args.count >= 4, case let .storage(s) = args[0], let offset = args[1].int,
                  let shape = args[2].tupleItems?.compactMap(\.int), let stride = args[3].tupleItems?.compactMap(\.int),
                  shape.count == stride.count
            else { throw fail("malformed tensor record") }
            return .tensor(TensorRef(storage: s, offset: offset, shape: shape, stride: stride))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            return args.first ?? .none
        case "collections.OrderedDict", "builtins.dict":
            return .dict(PickleDict())
        case "builtins.set", "builtins.frozenset", "builtins.list", "builtins.tuple":
            return .list(PickleList(args.first?.tupleItems ?? []))
        case "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_tensorlist",
             "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist":
            return args.first ?? .none
        default:
            return .object(PickleObject(className: name, args: args))
        }
    }
}
