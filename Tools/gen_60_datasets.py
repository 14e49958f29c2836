"""MAT-files written by scipy and small dataset trees in each published layout (Tests/Fixtures/datasets/).

Images in the trees are 8×8 JPEGs: the readers only list them, and the evaluation test only needs them to
decode."""
import io
import json
import os
import shutil

import numpy as np
import scipy.io
from PIL import Image

OUT = "Tests/Fixtures/datasets"


def tiny_jpeg(path, seed):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(path, quality=80)


def sha_gt(n, seed):
    """ShanghaiTech's nesting: image_info is a 1×1 cell holding a 1×1 struct with location (N×2) and number."""
    rng = np.random.default_rng(seed)
    inner = np.empty((1, 1), dtype=[("location", "O"), ("number", "O")])
    inner[0, 0]["location"] = rng.uniform(0, 1000, (n, 2))
    inner[0, 0]["number"] = np.array([[float(n)]])
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = inner
    return {"image_info": cell}


def mat_cases():
    s = np.empty((1, 2), dtype=[("name", "O"), ("values", "O")])
    s[0, 0]["name"], s[0, 0]["values"] = "first", np.array([[1.5, -2.0]])
    s[0, 1]["name"], s[0, 1]["values"] = "second", np.array([[3]], dtype=np.int16)
    cell = np.empty((1, 3), dtype=object)
    cell[0, 0], cell[0, 1], cell[0, 2] = np.array([[7.0]]), "text", np.array([[1, 2]], dtype=np.uint8)
    return {
        "doubles": np.arange(6, dtype=np.float64).reshape(2, 3) / 4,
        "singles": np.array([[0.5, -1.25]], dtype=np.float32),
        "bytes": np.array([[0, 127, 255]], dtype=np.uint8),
        "shorts": np.array([[-32768, 5, 32767]], dtype=np.int16),
        "ints64": np.array([[-5, 1 << 40]], dtype=np.int64),
        "flags": np.array([[True, False, True]]),
        "word": "crowd counting",
        "cells": cell,
        "records": s,
    }


def expected_of(value):
    if isinstance(value, str):
        return {"char": value}
    a = np.asarray(value)
    if a.dtype == object:
        return {"cell": [list(a.shape), [expected_of(x) for x in a.flatten(order="F")]]}
    if a.dtype.names:
        return {"struct": [list(a.shape), [{f: expected_of(el[f]) for f in a.dtype.names} for el in a.flatten(order="F")]]}
    a = np.atleast_2d(a)
    return {"numeric": [list(a.shape), [float(x) for x in a.flatten(order="F")]]}


def fixed_headers(root):
    """scipy stamps the creation time into the 116-byte MAT header; a fixed text keeps regeneration byte-identical."""
    text = b"MATLAB 5.0 MAT-file, written by Tools/gen_60_datasets.py (scipy.io.savemat)".ljust(116)
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".mat"):
                path = os.path.join(folder, name)
                with open(path, "r+b") as f:
                    f.write(text)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(f"{OUT}/mat", exist_ok=True)
    cases = mat_cases()
    for compressed in (False, True):
        scipy.io.savemat(f"{OUT}/mat/values-{'z' if compressed else 'raw'}.mat", cases, do_compression=compressed)
    scipy.io.savemat(f"{OUT}/mat/shanghaitech-gt.mat", sha_gt(5, 1), do_compression=False)
    expected = {k: expected_of(v) for k, v in cases.items()}
    # What scipy reads back for the nested ShanghaiTech file: the point count.
    back = scipy.io.loadmat(f"{OUT}/mat/shanghaitech-gt.mat")["image_info"][0, 0][0, 0]["location"]
    with open(f"{OUT}/mat/expected.json", "w") as f:
        json.dump({"values": expected, "shanghaitech_points": int(back.shape[0])}, f, indent=0)

    t = f"{OUT}/trees"
    for split, ids in (("train", [1, 2]), ("test", [1, 2, 10])):
        for i in ids:
            tiny_jpeg(f"{t}/shanghaitech/{split}_data/images/IMG_{i}.jpg", i)
            os.makedirs(f"{t}/shanghaitech/{split}_data/ground-truth", exist_ok=True)
            scipy.io.savemat(f"{t}/shanghaitech/{split}_data/ground-truth/GT_IMG_{i}.mat", sha_gt(i * 3, i), do_compression=True)
    for split, ids in (("Train", [1, 2]), ("Test", [1])):
        for i in ids:
            tiny_jpeg(f"{t}/qnrf/{split}/img_{i:04d}.jpg", i)
            scipy.io.savemat(f"{t}/qnrf/{split}/img_{i:04d}_ann.mat", {"annPoints": np.ones((i * 4, 2))})
    for i in range(1, 13):
        tiny_jpeg(f"{t}/ucf50/{i}.jpg", i)
        scipy.io.savemat(f"{t}/ucf50/{i}_ann.mat", {"annPoints": np.ones((i * 10, 2))})
    for split, ids in (("train", [1]), ("val", [2, 3]), ("test", [4])):
        for i in ids:
            tiny_jpeg(f"{t}/jhu/{split}/images/{i:04d}.jpg", i)
            os.makedirs(f"{t}/jhu/{split}/gt", exist_ok=True)
            with open(f"{t}/jhu/{split}/gt/{i:04d}.txt", "w") as f:
                f.write("".join(f"{10 * k} {20 * k} 4 4 0 0\n" for k in range(i * 2)))
    os.makedirs(f"{t}/nwpu/jsons", exist_ok=True)
    os.makedirs(f"{t}/nwpu/mats", exist_ok=True)
    for i in (3001, 3002, 3101, 3500):
        tiny_jpeg(f"{t}/nwpu/images/{i}.jpg", i)
    for i in (3001, 3101):
        with open(f"{t}/nwpu/jsons/{i}.json", "w") as f:
            json.dump({"img_id": f"{i}.jpg", "human_num": i % 100, "points": [[1, 2]] * (i % 100)}, f)
    scipy.io.savemat(f"{t}/nwpu/mats/3002.mat", {"annPoints": np.ones((7, 2))})
    with open(f"{t}/nwpu/train.txt", "w") as f:
        f.write("3001 1 0\n3002 2 1\n")
    with open(f"{t}/nwpu/val.txt", "w") as f:
        f.write("3101 1 0\n")
    with open(f"{t}/nwpu/test.txt", "w") as f:
        f.write("3500 0 0\n")
    tiny_jpeg(f"{t}/list/photos/a.jpg", 1)
    tiny_jpeg(f"{t}/list/photos/b c.jpg", 2)
    with open(f"{t}/list/counts.txt", "w") as f:
        f.write("# path count\nphotos/a.jpg 12\nphotos/b c.jpg 30.5\n")
    fixed_headers(OUT)
    print("datasets fixtures written")


if __name__ == "__main__":
    main()
