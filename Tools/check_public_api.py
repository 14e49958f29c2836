#!/usr/bin/env python3
"""Counts CrowdCLIPCore's public declarations and fails above the limit (issue 14: a library a user can hold
in their head).

A public declaration is each `public` or `open` modifier in the module's Swift code, outside comments and string
literals: a type, an extension member, a property, function, initialiser, subscript or typealias counts once
(members included; `public private(set) var` once; `public let a: Int, b: Int` once). Enum cases and protocol
requirements take their access from their type and are not counted apart. `public extension` is refused: its
members would be public without saying so.

Usage: Tools/check_public_api.py [--list] [--limit N] [SOURCES_DIR]
"""
import pathlib
import re
import sys

LIMIT = 150
MODIFIER = re.compile(r"\bpublic\b|\bopen(?=\s+(?:[a-z]+\s+)*(?:class|func|var|subscript)\b)")


def code_only(text: str) -> str:
    """The text with comments and string literals blanked (newlines kept, so line numbers stay right)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('"""', i):
            j = text.find('"""', i + 3)
            j = n if j < 0 else j + 3
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def main() -> int:
    args = sys.argv[1:]
    listing = "--list" in args
    limit = LIMIT
    if "--limit" in args:
        limit = int(args[args.index("--limit") + 1])
        del args[args.index("--limit"):args.index("--limit") + 2]
    args = [a for a in args if a != "--list"]
    root = pathlib.Path(args[0] if args else "Sources/CrowdCLIPCore")
    found, refused = [], []
    for path in sorted(root.rglob("*.swift")):
        code = code_only(path.read_text(encoding="utf-8"))
        for number, line in enumerate(code.splitlines(), 1):
            if re.search(r"\bpublic\s+extension\b", line):
                refused.append(f"{path}:{number}: `public extension` (mark each member instead)")
            found += [f"{path}:{number}: {line.strip()}" for _ in MODIFIER.finditer(line)]
    if listing:
        print("\n".join(found))
    for problem in refused:
        print(problem, file=sys.stderr)
    print(f"{root}: {len(found)} public declarations (limit {limit})")
    if len(found) > limit:
        print(f"error: more than {limit} public declarations; make what only the CLI or bench uses `package`",
              file=sys.stderr)
        return 1
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
