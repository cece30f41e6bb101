"""An estimate's projection vs the full run it projects (used by the
estimate_vs_full*.sh scripts): projected, range, actual `duration_s`, the
error in % and whether the actual lies inside the range.

usage: python3 estimate_error.py NAME ESTIMATE.json FULL.json WORKERS
"""
import json
import sys

name, est, full, w = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), int(sys.argv[4])
p = next(p for p in est["projections"] if p["workers"] == w)
actual = full["duration_s"]
err = (p["seconds"] - actual) / actual * 100
inside = p["low_seconds"] <= actual <= p["high_seconds"]
print(f"{name}: {est['production_users']} users, sample {est['sample_users']} ({est['sample_share']*100:.1f} %), "
      f"sampling {est['sampling_s']:.1f} s, {w} worker{'s' if w > 1 else ''}")
print(f"  projected {p['seconds']:.1f} s  range {p['low_seconds']:.1f} – {p['high_seconds']:.1f} s  "
      f"(USL σ={est['model']['usl']['sigma']:.3f} κ={est['model']['usl']['kappa']:.5f}, size ×{est['model']['size']['factor']:.2f} {est['model']['size']['method']})")
print(f"  actual    {actual:.1f} s  ({full['rows_loaded']} rows, {full['throughput_rows_per_s']:.0f} rows/s)")
print(f"  error     {err:+.1f} %   inside range: {'yes' if inside else 'NO'}   recommended workers: {est['recommended_workers']}")
# The full load's own pace by tenths of its rows (thousands of rows/s): how
# far a short sample of it, at its start or anywhere, could read from its mean.
ts = full.get("timeseries") or {}
series = ts.get("rows") or []
total = sum(series)
if total and len(series) >= 10:
    tenths, cum, start_rows, start_s = [], 0, 0, 0
    for i, rows in enumerate(series):
        cum += rows
        while len(tenths) < 10 and cum >= total * (len(tenths) + 1) / 10:
            tenths.append((cum - start_rows) / max(1, i + 1 - start_s) / 1000)
            start_rows, start_s = cum, i + 1
    print("  full load by tenths of its rows: " + " ".join(f"{t:.0f}" for t in tenths)
          + f" (thousand rows/s; mean {full['throughput_rows_per_s'] / 1000:.0f})")
c = est.get("cost", {})
if c:
    disk = c.get("peak_disk_bytes")
    share = c.get("disk_share")
    print(f"  cost      {c['seconds']:.1f} s ({c['seconds'] / actual * 100:.1f} % of the full load; {c['fill_s']:.1f} s filling), "
          f"size method {est.get('size_method', 'quadrature')}, disk "
          + (f"{disk / 1e6:.0f} MB" if disk else "?")
          + (f" ({share * 100:.0f} % of the projected target)" if share else ""))
print(f"  bottleneck: {est['bottleneck']}")
