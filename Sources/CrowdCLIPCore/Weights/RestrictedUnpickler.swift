import Foundation

/// A pickle reader that builds values and never executes anything from the file.
///
/// Python's pickle imports and calls whatever the file names. This machine imports nothing and calls nothing:
/// - the globals PyTorch's `weights_only` unpickler allows (`PickleAllowList`) are interpreted: tensor
///   builders become `TensorRef`s, `OrderedDict`/`Counter` dicts, `set`/`frozenset` lists, `torch.Size` tuples;
/// - every other global (a module class, `argparse.Namespace`, a training package's config, `os.system`) becomes
///   an inert placeholder; REDUCE, NEWOBJ and BUILD on it give another placeholder holding the arguments.
/// Whether a placeholder matters is decided later: only when a tensor the model needs passes through one
/// (see `TorchCheckpoint` and `WeightStore.tensor`).
struct RestrictedUnpickler {
    let file: String
    let data: UnsafeRawBufferPointer
    /// Owns the containers built; the caller releases it once it has taken the tensors out.
    let arena: PickleArena

    func load() throws -> PickleValue {
        var stack: [PickleValue] = []
        var memo: [Int: PickleValue] = [:]
        var p = 0
        let n = data.count
        // Copying work (BUILD merging a dict, Counter/set copies) is charged against a budget that grows with the
        // file, so re-using one large value through the memo cannot make a small pickle run for minutes.
        var work = 0
        let workBudget = n + (1 << 16)

        func fail(_ why: String) -> WeightError { .corrupt(file: file, reason: "pickle: \(why) at byte \(p)") }
        func need(_ k: Int) throws { guard k >= 0, k <= n - p else { throw fail("data ends early") } }
        func charge(_ k: Int) throws {
            work += k
            guard work <= workBudget else { throw fail("the pickle copies far more data than it holds") }
        }
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
        // Invalid UTF-8 is an error, as in Python's unpickler: replacing it would load a damaged key silently.
        func text(_ k: Int) throws -> String {
            guard let s = String(validating: try bytes(k), as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
            return s
        }
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
        func setItems(_ items: [PickleValue]) throws {
            guard let target = stack.last else { throw fail("SETITEMS without a dict") }
            let d: PickleDict
            switch target {
            case let .dict(existing): d = existing
            case let .object(o):  // a placeholder's attributes, as pickle's SETITEMS on an instance dict
                if case let .dict(existing) = o.state { d = existing } else { d = arena.dict(); o.state = .dict(d) }
            default: throw fail("SETITEMS without a dict")
            }
            var i = 0
            while i + 1 < items.count { d.set(items[i], items[i + 1]); i += 2 }
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
            case 0x96: stack.append(.bytes(try bytes(try u64())))     // BYTEARRAY8
            case 0x56: stack.append(.string(try line()))              // UNICODE (raw-unicode-escape; ASCII here)
            case 0x53:                                                // STRING (quoted)
                var s = try line()
                if s.count >= 2 { s = String(s.dropFirst().dropLast()) }
                stack.append(.string(s))
            case 0x7D: stack.append(.dict(arena.dict()))              // EMPTY_DICT
            case 0x5D: stack.append(.list(arena.list()))              // EMPTY_LIST
            case 0x29: stack.append(.tuple(arena.list()))             // EMPTY_TUPLE
            case 0x8F: stack.append(.list(arena.list()))              // EMPTY_SET (as a list)
            case 0x74: stack.append(.tuple(arena.list(try popMark())))  // TUPLE
            case 0x85: stack.append(.tuple(arena.list([try pop()])))    // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple(arena.list([a, b])))          // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple(arena.list([a, b, c])))  // TUPLE3
            case 0x6C: stack.append(.list(arena.list(try popMark())))                                       // LIST
            case 0x64:                                                                                       // DICT
                let items = try popMark()
                let d = arena.dict()
                var i = 0
                while i + 1 < items.count { d.set(items[i], items[i + 1]); i += 2 }
                stack.append(.dict(d))
            case 0x91: stack.append(.list(arena.list(try popMark())))  // FROZENSET
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
                try setItems([k, v])
            case 0x75:                                                // SETITEMS
                try setItems(try popMark())
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
                stack.append(.global(PickleAllowList.canonical(module: module, name: name)))
            case 0x93:                                                // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.string, let nm = name.string else { throw fail("STACK_GLOBAL needs strings") }
                stack.append(.global(PickleAllowList.canonical(module: m, name: nm)))
            case 0x52:                                                // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try call(callable, args.tupleItems ?? [args], fail, charge))
            case 0x81:                                                // NEWOBJ
                let args = try pop(), cls = try pop()
                stack.append(try call(cls, args.tupleItems ?? [], fail, charge))
            case 0x92:                                                // NEWOBJ_EX
                _ = try pop()
                let args = try pop(), cls = try pop()
                stack.append(try call(cls, args.tupleItems ?? [], fail, charge))
            case 0x62:                                                // BUILD
                let state = try pop()
                guard let target = stack.last else { throw fail("BUILD without an object") }
                switch target {
                case let .object(o): o.state = state
                case let .dict(d):
                    if case let .dict(s) = state {
                        try charge(s.keys.count)
                        for (k, v) in zip(s.keys, s.values) { d.set(k, v) }
                    }
                default: break  // tensors' BUILD carries hooks and metadata we do not need
                }
            case 0x51:                                                // BINPERSID
                let pid = try pop()
                stack.append(try persistent(pid, fail))
            case 0x50:                                                // PERSID (text)
                stack.append(try persistent(.tuple(arena.list([.string(try line())])), fail))
            default:
                throw fail(String(format: "unsupported opcode 0x%02X", op))
            }
        }
    }

    /// PyTorch's persistent id: ('storage', storage type, key, location, numel). A storage type this reader cannot
    /// convert (complex, quantized) gives a placeholder, which only matters if a needed tensor uses it.
    private func persistent(_ pid: PickleValue, _ fail: (String) -> WeightError) throws -> PickleValue {
        guard let t = pid.tupleItems, t.count >= 5, t[0].string == "storage" else { throw fail("unknown persistent id") }
        guard let key = t[2].string ?? t[2].int.map(String.init), let count = t[4].int, count >= 0 else { throw fail("bad storage id") }
        guard case let .global(typeName) = t[1], let dtype = PickleAllowList.storageTypes[typeName] else {
            let name: String
            if case let .global(g) = t[1] { name = g } else { name = "an unnamed storage type" }
            return .object(arena.object(name, [.string(key)]))
        }
        return .storage(StorageRef(dtype: dtype, key: key, count: count))
    }

    /// Applies a callable to arguments, building data only. Nothing is imported or run: allowed builders are
    /// interpreted here, and any other callable (or a placeholder called again) gives a placeholder.
    private func call(_ callable: PickleValue, _ args: [PickleValue], _ fail: (String) -> WeightError,
                      _ charge: (Int) throws -> Void) throws -> PickleValue {
        let name: String
        switch callable {
        case let .global(g): name = g
        case let .object(o): return .object(arena.object(o.className, args))
        default: throw fail("call of a non-callable value")
        }
        switch name {
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v3":
            guard args.count >= 4, let offset = args[1].int,
                  let shape = args[2].tupleItems?.compactMap(\.int), let stride = args[3].tupleItems?.compactMap(\.int),
                  shape.count == stride.count
            else { throw fail("malformed tensor record") }
            switch args[0] {
            case let .storage(s): return .tensor(TensorRef(storage: s, offset: offset, shape: shape, stride: stride))
            case let .object(o): return .object(arena.object(o.className, args))  // a storage we cannot convert
            default: throw fail("malformed tensor record")
            }
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
             "torch._utils._rebuild_device_tensor_from_cpu_tensor", "torch.nn.parameter.Parameter":
            return args.first ?? .none
        case "torch._tensor._rebuild_from_type_v2":  // (func, subclass, args, state): the tensor func(*args) builds
            guard args.count >= 3, let inner = args[2].tupleItems else { throw fail("malformed tensor subclass record") }
            return try call(args[0], inner, fail, charge)
        case "collections.OrderedDict", "builtins.dict":
            return .dict(arena.dict())
        case "collections.Counter":  // Counter(mapping): MultiStepLR's milestones
            let d = arena.dict()
            if case let .dict(src)? = args.first {
                try charge(src.keys.count)
                for (k, v) in zip(src.keys, src.values) { d.set(k, v) }
            }
            return .dict(d)
        case "builtins.set", "builtins.frozenset", "builtins.list":
            let items = args.first?.tupleItems ?? []
            try charge(items.count)
            return .list(arena.list(items))
        case "builtins.tuple", "torch.Size":
            let items = args.first?.tupleItems ?? []
            try charge(items.count)
            return .tuple(arena.list(items))
        case "builtins.complex":
            return .tuple(arena.list(Array(args.prefix(2))))
        case "builtins.bytearray":
            if case let .bytes(b)? = args.first { return .bytes(b) }
            return .bytes([])
        case "_codecs.encode":  // how protocol 2 stores bytes: (text, "latin1")
            guard let s = args.first?.string else { return .bytes([]) }
            return .bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        case "torch.device", "torch.serialization._get_layout":
            return args.first ?? .none
        case "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_tensorlist",
             "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist":
            return args.first ?? .none
        default:
            return .object(arena.object(name, args))
        }
    }
}
