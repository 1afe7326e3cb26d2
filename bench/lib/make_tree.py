#!/usr/bin/env python3
"""Writes a synthetic published snapshot tree (eductl.snapshot/1) for the mirror benchmarks.

  make_tree.py --out DIR --books B --blobs-per-book K --blob-size BYTES [--seed N]
               [--from OLD_DIR --change-percent P] [--version V]

Blobs are random bytes (incompressible), one part per book, an unsigned index.json (sign
it with `eductl mirror sign DIR/index.json --key KEY`). With --from, the tree starts as a
hard-linked copy of OLD_DIR's books and P% of them get new blobs and a new part (a new
revision), the rest keep theirs byte for byte. Prints a JSON summary on stdout, with the
bytes of the changed parts and new blobs.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time


def obj_path(root, sha):
    return os.path.join(root, "objects", sha[:2], sha[2:4], sha)


def write_big_blob(root, size):
    """Random bytes streamed to disk in 16 MiB pieces (too large to hold or generate at once)."""
    h = hashlib.sha256()
    tmp = os.path.join(root, "objects", ".incoming")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    with open(tmp, "wb") as f:
        left = size
        while left > 0:
            piece = os.urandom(min(left, 16 << 20))
            h.update(piece)
            f.write(piece)
            left -= len(piece)
    sha = h.hexdigest()
    p = obj_path(root, sha)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.rename(tmp, p)
    return sha


def write_blob(root, data):
    sha = hashlib.sha256(data).hexdigest()
    p = obj_path(root, sha)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
    return sha


def book_part(i, revision, files):
    subjects = ["math", "chinese", "english", "physics", "biology", "history", "geography", "music"]
    stage = ["primary", "junior", "senior"][i % 3]
    grade = {"primary": 1 + i % 6, "junior": 7 + i % 3, "senior": 10 + i % 3}[stage]
    meta = {"publisher_code": "BENCH", "publisher_name": "基准出版社", "title": f"基准教材 {i}", "isbn": "",
            "stage": stage, "school_system": "6-3" if stage != "senior" else "", "special_school": "",
            "grade": [grade, grade], "subject": subjects[i % len(subjects)], "kind": "student",
            "edition": "基准版", "volume": "upper", "volume_title": "", "language": "zh-CN", "published": "2026-09"}
    book = f"BENCH/book-{i:05d}"
    part = {"schema": "eductl.snapshot-part/1", "book": book, "package_id": f"book-{i:05d}", "revision": revision,
            "source": "textbook-package/1", "digest": hashlib.sha256(f"{book}/{revision}".encode()).hexdigest(),
            "meta": meta, "files": files,
            "contents": [{"title": "第一单元", "lessons": [{"id": "u1l1", "title": "第一课", "resources": []}]}]}
    return book, meta, part


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--books", type=int, required=True)
    ap.add_argument("--blobs-per-book", type=int, default=10)
    ap.add_argument("--blob-size", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--from", dest="old")
    ap.add_argument("--change-percent", type=float, default=0)
    ap.add_argument("--version", type=int, default=int(time.time()))
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "parts"), exist_ok=True)
    old = None
    if a.old:
        with open(os.path.join(a.old, "index.json")) as f:
            old = json.load(f)
    changed = set()
    if old and a.change_percent > 0:
        n = max(1, round(len(old["parts"]) * a.change_percent / 100))
        changed = set(rnd.sample(range(len(old["parts"])), n))
    entries = []
    new_blob_bytes = changed_part_bytes = 0
    for i in range(a.books):
        if old and i < len(old["parts"]) and i not in changed:
            e = old["parts"][i]
            src = os.path.join(a.old, "parts", e["sha256"] + ".json")
            dst = os.path.join(a.out, "parts", e["sha256"] + ".json")
            if not os.path.exists(dst):
                os.link(src, dst)
            with open(src) as f:
                for fd in json.load(f)["files"]:
                    s, d = obj_path(a.old, fd["sha256"]), obj_path(a.out, fd["sha256"])
                    os.makedirs(os.path.dirname(d), exist_ok=True)
                    if not os.path.exists(d):
                        os.link(s, d)
            entries.append(e)
            continue
        files = []
        for k in range(a.blobs_per_book):
            if a.blob_size > (16 << 20):
                sha = write_big_blob(a.out, a.blob_size)
            else:
                sha = write_blob(a.out, rnd.randbytes(a.blob_size))
            files.append({"path": f"lesson-{k:03d}.bin", "sha256": sha, "size": a.blob_size,
                          "media_type": "application/octet-stream", "role": ""})
            if old:
                new_blob_bytes += a.blob_size
        book, meta, part = book_part(i, 2 if old else 1, files)
        text = (json.dumps(part, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        sha = hashlib.sha256(text).hexdigest()
        with open(os.path.join(a.out, "parts", sha + ".json"), "wb") as f:
            f.write(text)
        if old:
            changed_part_bytes += len(text)
        entries.append({"book": book, "publisher": "BENCH", "stage": meta["stage"], "subject": meta["subject"],
                        "edition": meta["edition"], "kind": "student", "grade": meta["grade"], "title": meta["title"],
                        "sha256": sha, "size": len(text), "blobs": len(files), "bytes": sum(x["size"] for x in files)})
    now = time.time()
    index = {"schema": "eductl.snapshot/1", "version": a.version,
             "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
             "expires": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 7 * 86400)),
             "origin": "benchmark tree", "next_keys": [], "parts": entries}
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":")) + "\n"
    with open(os.path.join(a.out, "index.json"), "w") as f:
        f.write(text)
    json.dump({"books": a.books, "blobs": a.books * a.blobs_per_book, "changed_books": len(changed),
               "new_blob_bytes": new_blob_bytes, "changed_part_bytes": changed_part_bytes,
               "index_bytes": len(text.encode())}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
