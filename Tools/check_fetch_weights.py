#!/usr/bin/env python3
"""Checks Tools/fetch_weights.py against a local stand-in for the Hugging Face hub (HF_ENDPOINT), no network:
a good download is saved and verified, a file whose bytes differ from the published hash is refused and leaves
nothing behind (the next source is tried), a cut-off download leaves nothing, and a second run finds the weights.
Run by `make install-check`; a few seconds."""
import hashlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "fetch_weights.py")
CONFIG = b'{"architectures": ["CLIPModel"]}\n'
WEIGHTS = bytes(range(256)) * 4096  # 1 MiB stands in for model.safetensors


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Hub(http.server.BaseHTTPRequestHandler):
    """Serves /api/models/<repo>/revision/main and /<repo>/resolve/<commit>/<file> for the current scenario."""
    scenario = "good"

    def log_message(self, *args):
        pass

    def do_GET(self):
        files = {"config.json": CONFIG, "model.safetensors": WEIGHTS, "open_clip_model.safetensors": WEIGHTS}
        if self.path.startswith("/api/models/"):
            repo = self.path[len("/api/models/"):].split("/revision/")[0]
            names = ["config.json", "model.safetensors"] if repo.startswith("openai/") else ["open_clip_model.safetensors"]
            siblings = []
            for name in names:
                data = files[name]
                record = {"rfilename": name, "size": len(data), "blobId": git_blob_id(data)}
                if name.endswith(".safetensors"):
                    record["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
                siblings.append(record)
            return self.send(json.dumps({"sha": "0123abcd", "siblings": siblings}).encode())
        name = self.path.rsplit("/", 1)[-1]
        data = files.get(name)
        if data is None:
            self.send_error(404)
            return
        if name == "model.safetensors" and self.scenario == "corrupt":
            data = b"\1" + data[1:]
        if name.endswith(".safetensors") and self.scenario == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.send(data)

    def send(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def fetch(dest, sources, port):
    env = dict(os.environ, HF_ENDPOINT=f"http://127.0.0.1:{port}", no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")
    run = subprocess.run([sys.executable, SCRIPT, "--dest", dest, "--sources", sources],
                         env=env, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stderr


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    failures = []

    def expect(condition, what, log):
        print(("ok   " if condition else "FAIL ") + what)
        if not condition:
            failures.append(what)
            print(log)

    with tempfile.TemporaryDirectory() as tmp:
        Hub.scenario = "good"
        dest = os.path.join(tmp, "good")
        rc, log = fetch(dest, "hf", port)
        expect(rc == 0 and files_under(dest) == ["clip-vit-base-patch16/config.json", "clip-vit-base-patch16/model.safetensors"],
               "a good download is saved as a Hugging Face folder", log)
        expect(hashlib.sha256(WEIGHTS).hexdigest() in log, "the published LFS sha256 is printed", log)
        rc, log = fetch(dest, "hf", port)
        expect(rc == 0 and "present" in log, "a second run finds the weights and downloads nothing", log)

        Hub.scenario = "corrupt"
        dest = os.path.join(tmp, "corrupt")
        rc, log = fetch(dest, "hf,openclip", port)
        expect(rc == 0 and "does not match" in log and files_under(dest) == ["vit_base_patch16_clip_224.openai.safetensors"],
               "bytes that differ from the published hash are refused; the next source is used", log)

        Hub.scenario = "cut"
        dest = os.path.join(tmp, "cut")
        rc, log = fetch(dest, "hf,openclip", port)
        expect(rc == 1 and files_under(dest) == [] and "make demo-tiny" in log,
               "cut-off downloads leave nothing; the message shows how to go on", log)
    server.shutdown()
    if failures:
        print(f"check_fetch_weights: {len(failures)} failed")
        return 1
    print("check_fetch_weights: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
