#!/usr/bin/env bash
# `make install-check`: the installed crowdclip and a package that depends on CrowdCLIPCore by path both work
# once the checkout they were built from has moved away (nothing may be found through build-time paths).
#
# 1. copies this checkout's files (git ls-files: what a fresh clone has, plus uncommitted edits) to a temporary
#    folder and runs `make install PREFIX=…` there (a full release build);
# 2. builds a small package that depends on that copy by path and calls CLIPTokenizer.standard();
# 3. moves the copy away, then, from another directory and without CROWDCLIP_VOCAB, runs the installed binary
#    (tokenize, count with the tiny test models) and the package's executable; token ids are checked against
#    open_clip's (Tests/Fixtures/tokenizer/cases.json);
# 4. `make uninstall` must leave the prefix empty.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crowdclip-install-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset CROWDCLIP_VOCAB CROWDCLIP_WEIGHTS
fail() { echo "install-check FAILED: $*" >&2; exit 1; }
text="There are 20 persons in the crowd"

echo "== copying the checkout to $work/checkout"
mkdir -p "$work/checkout" "$work/keep" "$work/elsewhere"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
        [ -e "$f" ] && cp --parents -p "$f" "$work/checkout/"; done)
else  # an unpacked archive: everything but build products
    tar -C "$repo" --exclude=./.build --exclude=./out --exclude=./.venv -cf - . | tar -C "$work/checkout" -xf -
fi
# What the runs below need from the checkout, kept outside it.
cp "$repo/Tests/Fixtures/models/tiny-p16.safetensors" "$repo/Tests/Fixtures/counting/counter-visual.safetensors" \
   "$repo/Docs/samples/street-crowd.jpg" "$work/keep/"
expected=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["context8"][0], separators=(",", ":")))' \
    "$repo/Tests/Fixtures/tokenizer/cases.json")

echo "== make install PREFIX=$work/prefix (release build of the copy)"
make -C "$work/checkout" --no-print-directory install PREFIX="$work/prefix"

echo "== a package that depends on CrowdCLIPCore by path"
mkdir -p "$work/app/Sources/TokenizeApp"
cat > "$work/app/Package.swift" <<EOF
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "TokenizeApp",
    dependencies: [.package(path: "$work/checkout")],
    targets: [.executableTarget(name: "TokenizeApp", dependencies: [.product(name: "CrowdCLIPCore", package: "checkout")])]
)
EOF
cat > "$work/app/Sources/TokenizeApp/main.swift" <<'EOF'
import CrowdCLIPCore
let ids = try CLIPTokenizer.standard().tokenize([CommandLine.arguments[1]], contextLength: 8)[0]
print("[" + ids.map(String.init).joined(separator: ",") + "]")
EOF
(cd "$work/app" && swift build --product TokenizeApp 2>&1 | tail -n 3)
app="$work/app/.build/debug/TokenizeApp"

echo "== moving the checkout away"
mv "$work/checkout" "$work/moved"
[ ! -e "$work/checkout" ] || fail "the checkout is still there"
cd "$work/elsewhere"

got=$("$work/prefix/bin/crowdclip" tokenize --context-length 8 "$text") || fail "installed crowdclip tokenize"
[ "$got" = "$expected" ] || fail "installed crowdclip tokenize printed $got, open_clip gives $expected"
echo "installed crowdclip tokenize: $got"

counted=$("$work/prefix/bin/crowdclip" count --weights "$work/keep/tiny-p16.safetensors" --head-width 8 \
    --counter-weights "$work/keep/counter-visual.safetensors" --format jsonl "$work/keep/street-crowd.jpg") \
    || fail "installed crowdclip count"
case "$counted" in *'"count"'*) ;; *) fail "installed crowdclip count printed: $counted" ;; esac
echo "installed crowdclip count: ${counted:0:120}"

got=$("$app" "$text") || fail "the dependent package's executable"
[ "$got" = "$expected" ] || fail "the dependent package printed $got, open_clip gives $expected"
echo "package depending on CrowdCLIPCore by path: $got"

echo "== make uninstall"
make -C "$work/moved" --no-print-directory uninstall PREFIX="$work/prefix"
left=$(find "$work/prefix" -mindepth 1 -not -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install-check passed"
