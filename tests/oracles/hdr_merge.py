#!/usr/bin/env python3
"""Independent check of `report merge`'s latency: decode every shard report's
raw HdrHistogram (V2 encoding, base64, microseconds), add the counts, and read
the percentiles from the sum, following HdrHistogram's published encoding and
its value-at-percentile rule; compare with the merged report's figures.

usage: hdr_merge.py MERGED.json SHARD.json...
Prints the figures; exits 1 on any difference, 2 on unreadable input.
Standard library only, no HdrHistogram package: nothing shared with the Rust
crate that wrote the histograms.
"""
import base64
import json
import math
import struct
import sys

V2_COOKIE = 0x1C849303  # bits 4-7 carry the word size (0x10 for 8 bytes)


def varints(buf):
    """ZigZag LEB128 (at most 9 bytes, the 9th carrying 8 bits), as V2 writes counts."""
    i = 0
    while i < len(buf):
        v, shift = 0, 0
        for k in range(9):
            b = buf[i]
            i += 1
            if k == 8:
                v |= b << 56
                break
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        yield (v >> 1) ^ -(v & 1)


def decode(b64):
    raw = base64.b64decode(b64)
    cookie, length, offset, digits, lowest, highest, ratio = struct.unpack(">IIIIQQd", raw[:40])
    if cookie & ~0xF0 != V2_COOKIE:
        raise ValueError(f"not an uncompressed V2 histogram (cookie {cookie:#x})")
    if offset != 0:
        raise ValueError("normalizing index offset is not supported")
    counts = []
    for c in varints(raw[40:40 + length]):
        if c < 0:
            counts.extend([0] * -c)  # a run of empty buckets
        else:
            counts.append(c)
    return (digits, lowest, highest), counts


class Layout:
    """Bucket layout from the histogram's own parameters (HdrHistogram's scheme)."""

    def __init__(self, digits, lowest):
        self.unit = int(math.floor(math.log2(lowest)))
        largest_single_unit = 2 * 10 ** digits
        count_magnitude = int(math.ceil(math.log2(largest_single_unit)))
        self.half_magnitude = max(count_magnitude, 1) - 1
        self.half = 1 << self.half_magnitude

    def bucket_and_sub(self, index):
        bucket = (index >> self.half_magnitude) - 1
        sub = (index & (self.half - 1)) + self.half
        if bucket < 0:
            sub -= self.half
            bucket = 0
        return bucket, sub

    def lowest(self, index):
        bucket, sub = self.bucket_and_sub(index)
        return sub << (bucket + self.unit)

    def highest(self, index):
        bucket, _ = self.bucket_and_sub(index)
        return self.lowest(index) + (1 << (bucket + self.unit)) - 1


def at_quantile(layout, counts, q):
    total = sum(counts)
    want = max(1, math.ceil(min(q, 1.0) * total))
    run = 0
    for i, c in enumerate(counts):
        run += c
        if run >= want:
            return layout.lowest(i) if q == 0 else layout.highest(i)
    return 0


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        merged = json.load(open(sys.argv[1]))
        shards = [json.load(open(p)) for p in sys.argv[2:]]
        decoded = [decode(s["latency_ms"]["histogram"]) for s in shards]
    except (OSError, ValueError, KeyError, struct.error) as e:
        print(f"hdr_merge: {e}", file=sys.stderr)
        return 2
    params = {p for p, _ in decoded}
    if len(params) != 1:
        print(f"hdr_merge: shards' histograms differ in layout: {params}", file=sys.stderr)
        return 2
    (digits, lowest, _), = params
    layout = Layout(digits, lowest)
    size = max(len(c) for _, c in decoded)
    total = [0] * size
    for _, c in decoded:
        for i, v in enumerate(c):
            total[i] += v
    # The largest value recorded: the highest equivalent of the last bucket used.
    last = max(i for i, v in enumerate(total) if v) if any(total) else None
    lat = merged["latency_ms"]
    bad = 0
    rows = [("count", sum(total), lat["count"])]
    for name, q in (("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p999", 0.999)):
        rows.append((name, at_quantile(layout, total, q) / 1000.0, lat[name]))
    if last is not None:
        rows.append(("max", layout.highest(last) / 1000.0, lat["max"]))
    for name, want, got in rows:
        ok = want == got
        bad += not ok
        print(f"{name:6} combined histograms {want:>14} merged report {got:>14} {'ok' if ok else 'DIFFERENT'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
