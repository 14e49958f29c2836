#!/usr/bin/env python3
"""Downloads and verifies CLIP ViT-B/16 weights for `make weights` (Python standard library only).

Sources, tried in order until one succeeds:
  hf        Hugging Face openai/clip-vit-base-patch16: config.json + model.safetensors
            -> Weights/clip-vit-base-patch16/
  openclip  open_clip's timm/vit_base_patch16_clip_224.openai: open_clip_model.safetensors
            -> Weights/vit_base_patch16_clip_224.openai.safetensors
  openai    OpenAI's ViT-B-16.pt (the CDN URL carries its SHA-256) -> Weights/ViT-B-16.pt

Hugging Face files are checked against the hashes the hub publishes at download time (LFS SHA-256 for large
files, the git blob id for small ones), read from its API and printed. Every download goes to a `.part` file
that is renamed only once its hash matches, so an interrupted or corrupt download never counts as weights.
`HF_ENDPOINT` selects a Hugging Face mirror; `https_proxy` is honoured.
"""
import argparse
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

OPENAI_SHA256 = "5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f"
OPENAI_URL = f"https://openaipublic.azureedge.net/clip/models/{OPENAI_SHA256}/ViT-B-16.pt"
HF_REPO = "openai/clip-vit-base-patch16"
HF_FOLDER = "clip-vit-base-patch16"
OPENCLIP_REPO = "timm/vit_base_patch16_clip_224.openai"
OPENCLIP_FILE = "vit_base_patch16_clip_224.openai.safetensors"
TIMEOUT = 30
CHUNK = 1 << 20
TINY_COMMAND = "make demo-tiny"


class SourceFailed(Exception):
    """One source could not deliver verified weights; the message says why."""


def say(*parts):
    print(*parts, file=sys.stderr, flush=True)


def why(error):
    """A short reason from a urllib / socket / http.client error."""
    reason = getattr(error, "reason", None) or error
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return f"{text} (no network?)" if "Name or service not known" in text or "resolution" in text else text


def hf_endpoint():
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def open_url(url):
    request = urllib.request.Request(url, headers={"User-Agent": "crowdclip-make-weights"})
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        raise SourceFailed(f"{url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        raise SourceFailed(f"{url}: {why(e)}") from None


def hub_files(repo):
    """The repository's commit and {file name: sibling record} from the hub API (sizes and hashes)."""
    url = f"{hf_endpoint()}/api/models/{repo}/revision/main?blobs=true"
    with open_url(url) as response:
        try:
            info = json.load(response)
        except ValueError:
            raise SourceFailed(f"{url}: the answer is not JSON") from None
    commit = info.get("sha")
    siblings = {s.get("rfilename"): s for s in info.get("siblings", [])}
    if not commit or not siblings:
        raise SourceFailed(f"{url}: no commit or file list in the answer")
    return commit, siblings


def expected_hash(repo, record):
    """('sha256', hex) for an LFS file, ('git-blob', hex) for a small one: what the hub publishes."""
    lfs = record.get("lfs") or {}
    if lfs.get("sha256"):
        return "sha256", lfs["sha256"].lower(), lfs.get("size", record.get("size"))
    if record.get("blobId"):
        return "git-blob", record["blobId"].lower(), record.get("size")
    raise SourceFailed(f"{repo}/{record.get('rfilename')}: the hub publishes no hash for it")


def download(url, destination, kind, digest, size):
    """Streams `url` to `destination.part`, checks its hash, then renames it; removes the part on failure."""
    part = destination + ".part"
    hasher = hashlib.sha256() if kind == "sha256" else hashlib.sha1(f"blob {size}\0".encode())
    received, started, shown = 0, time.monotonic(), 0.0
    try:
        with open_url(url) as response, open(part, "wb") as out:
            total = size or int(response.headers.get("Content-Length") or 0)
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                now = time.monotonic()
                if sys.stderr.isatty() and now - shown > 0.5:
                    shown = now
                    rate = received / max(now - started, 1e-6) / 1e6
                    of = f" of {total / 1e6:.0f}" if total else ""
                    print(f"\r  {received / 1e6:.0f}{of} MB, {rate:.1f} MB/s ", end="", file=sys.stderr, flush=True)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        if size is not None and received != size:
            raise SourceFailed(f"{url}: received {received} bytes, expected {size}")
        got = hasher.hexdigest()
        if got != digest:
            raise SourceFailed(f"{url}: {kind} {got} does not match the published {digest}")
        os.replace(part, destination)
        say(f"  verified {destination} ({kind} {digest})")
    except (OSError, urllib.error.URLError, http.client.HTTPException) as e:
        raise SourceFailed(f"{url}: {why(e)}") from None
    finally:
        if os.path.exists(part):
            os.remove(part)


def fetch_hub_files(repo, names, folder):
    """Downloads `names` (first choice per slot) from `repo` into `folder`, each checked against the hub."""
    commit, siblings = hub_files(repo)
    say(f"  {repo} at commit {commit}")
    written = []
    for choices in names:
        name = next((n for n in choices if n in siblings), None)
        if name is None:
            raise SourceFailed(f"{repo}: none of {', '.join(choices)} in the repository")
        kind, digest, size = expected_hash(repo, siblings[name])
        say(f"  {name}: the hub publishes {kind} {digest} ({size} bytes)")
        url = f"{hf_endpoint()}/{repo}/resolve/{commit}/{urllib.parse.quote(name)}"
        destination = os.path.join(folder, choices[0] if len(choices) == 1 else name)
        download(url, destination, kind, digest, size)
        written.append(destination)
    return written


def source_hf(weights):
    folder = os.path.join(weights, HF_FOLDER)
    staging = folder + ".part"
    os.makedirs(staging, exist_ok=True)
    try:
        fetch_hub_files(HF_REPO, [["config.json"], ["model.safetensors", "pytorch_model.bin"]], staging)
        if os.path.exists(folder):
            raise SourceFailed(f"{folder} already exists; remove it or use it as it is")
        os.replace(staging, folder)
    finally:
        if os.path.isdir(staging):
            for name in os.listdir(staging):
                os.remove(os.path.join(staging, name))
            os.rmdir(staging)
    return folder


def source_openclip(weights):
    staging = os.path.join(weights, OPENCLIP_FILE + ".d.part")
    os.makedirs(staging, exist_ok=True)
    try:
        [path] = fetch_hub_files(OPENCLIP_REPO, [["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]], staging)
        suffix = ".safetensors" if path.endswith(".safetensors") else ".bin"
        destination = os.path.join(weights, OPENCLIP_FILE[: -len(".safetensors")] + suffix)
        os.replace(path, destination)
        return destination
    finally:
        for name in os.listdir(staging):
            os.remove(os.path.join(staging, name))
        os.rmdir(staging)


def source_openai(weights):
    destination = os.path.join(weights, "ViT-B-16.pt")
    say(f"  expecting sha256 {OPENAI_SHA256} (from the URL)")
    download(OPENAI_URL, destination, "sha256", OPENAI_SHA256, None)
    return destination


SOURCES = {
    "hf": (f"Hugging Face {HF_REPO} (config.json + model.safetensors)", source_hf),
    "openclip": (f"open_clip {OPENCLIP_REPO} (open_clip_model.safetensors)", source_openclip),
    "openai": ("OpenAI's CDN (ViT-B-16.pt)", source_openai),
}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def already_present(weights):
    """The weights a former run (or the user) left in `weights`, or None. A wrong ViT-B-16.pt is an error."""
    openai = os.path.join(weights, "ViT-B-16.pt")
    if os.path.isfile(openai):
        got = sha256_of(openai)
        if got != OPENAI_SHA256:
            raise SystemExit(f"error: {openai} has sha256 {got}, not OpenAI's {OPENAI_SHA256}: a partial or "
                             "different file. Remove it and run `make weights` again.")
        return openai
    folder = os.path.join(weights, HF_FOLDER)
    if os.path.isfile(os.path.join(folder, "config.json")) and any(
            os.path.isfile(os.path.join(folder, n)) for n in ("model.safetensors", "pytorch_model.bin")):
        return folder
    for suffix in (".safetensors", ".bin"):
        path = os.path.join(weights, OPENCLIP_FILE[: -len(".safetensors")] + suffix)
        if os.path.isfile(path):
            return path
    return None


def by_hand(weights):
    return "\n".join([
        "To place the weights by hand, get any one of these on a connected machine and copy it here:",
        f"  - config.json and model.safetensors from https://huggingface.co/{HF_REPO}/tree/main",
        f"    into {os.path.join(weights, HF_FOLDER)}/",
        f"  - open_clip_model.safetensors from https://huggingface.co/{OPENCLIP_REPO}/tree/main",
        f"    as {os.path.join(weights, OPENCLIP_FILE)}",
        f"  - {OPENAI_URL}",
        f"    as {os.path.join(weights, 'ViT-B-16.pt')} (sha256 {OPENAI_SHA256})",
        "or pass --weights PATH / set CROWDCLIP_WEIGHTS to any supported file or Hugging Face CLIP folder.",
        "Without weights, this runs the whole pipeline on the tiny random test models (their counts mean nothing):",
        f"  {TINY_COMMAND}",
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", default="Weights", help="folder the weights go to (default: Weights)")
    parser.add_argument("--sources", default="hf,openclip,openai",
                        help="comma-separated sources to try, in order (default: hf,openclip,openai)")
    args = parser.parse_args()
    names = [s.strip() for s in args.sources.split(",") if s.strip()]
    unknown = [n for n in names if n not in SOURCES]
    if unknown or not names:
        parser.error(f"unknown source(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SOURCES)}")
    os.makedirs(args.dest, exist_ok=True)

    present = already_present(args.dest)
    if present:
        say(f"CLIP ViT-B/16 weights are present: {present}")
        return 0
    failures = []
    for number, name in enumerate(names, 1):
        label, fetch = SOURCES[name]
        say(f"[{number}/{len(names)}] {label}")
        try:
            path = fetch(args.dest)
        except SourceFailed as e:
            say(f"  failed: {e}")
            failures.append(f"  {number}. {label}\n     {e}")
            continue
        say(f"CLIP ViT-B/16 weights saved and verified: {path}")
        return 0
    say("error: could not download CLIP ViT-B/16 weights. Tried, in order:")
    say("\n".join(failures))
    say(by_hand(args.dest))
    return 1


if __name__ == "__main__":
    sys.exit(main())
