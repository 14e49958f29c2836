"""Shard assignments for `crowdclip count --shard I/N` (Tests/Fixtures/sharding/assignments.tsv).

An independent transcription of the rule in Sources/CrowdCLIPCore/Batch/ShardKey.swift: FNV-1a 64 over the key's
UTF-8 bytes, MurmurHash3's fmix64, modulo N. Pure Python, no dependencies; the output is byte-identical each run."""
import os

OUT = "Tests/Fixtures/sharding"
COUNTS = (1, 2, 3, 4, 7, 10, 16, 1000)
MASK = (1 << 64) - 1


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def fmix64(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & MASK
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & MASK
    k ^= k >> 33
    return k


def keys():
    yield from ["", "a", "foobar", "IMG_1.jpg", "IMG_2.jpg", "IMG_10.jpg", "day1/IMG_1.jpg", "day 2/crowd, evening.png",
                "ünïcödé/人群.jpeg", "a/b/c/d/e/f/g.png", "x" * 300 + ".jpg"]
    yield from (f"IMG_{i}.jpg" for i in range(1, 41))
    yield from (f"cam{c:02d}/frame_{f:06d}.png" for c in range(3) for f in range(0, 50, 7))


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = ["key\tfnv1a64\tmixed\t" + "\t".join(f"shard_of_{n}" for n in COUNTS)]
    for key in keys():
        h = fnv1a64(key.encode("utf-8"))
        m = fmix64(h)
        rows.append(f"{key}\t{h:016x}\t{m:016x}\t" + "\t".join(str(m % n) for n in COUNTS))
    with open(os.path.join(OUT, "assignments.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} keys to {OUT}/assignments.tsv")


if __name__ == "__main__":
    main()
