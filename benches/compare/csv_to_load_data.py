# CSV from `understudy generate` -> LOAD DATA's native text format for one
# table, by the target's column types: \N for NULL (an empty field of a
# nullable column), 1/0 for booleans, DATETIME without T and Z, and the
# escapes LOAD DATA reads. Usage: csv_to_load_data.py IN.csv OUT.tsv TABLE CLIENT...
import csv, sys, subprocess
src, dst, table, client = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
cols = subprocess.run(client + ["-N", "-e",
    f"SELECT column_name, data_type, column_type, is_nullable FROM information_schema.columns "
    f"WHERE table_schema=DATABASE() AND table_name='{table}' ORDER BY ordinal_position"],
    check=True, capture_output=True, text=True).stdout.splitlines()
kinds = [c.split("\t") for c in cols]
csv.field_size_limit(1 << 30)
esc = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", encoding="utf-8", newline="") as o:
    r = csv.reader(f); header = next(r)
    for row in r:
        out = []
        for v, (name, dt, ct, nullable) in zip(row, kinds):
            if v == "" and nullable == "YES": out.append("\\N")
            elif ct == "tinyint(1)": out.append("1" if v == "true" else "0")
            elif dt in ("datetime", "timestamp"): out.append(v.rstrip("Z").replace("T", " "))
            else: out.append(v.translate(esc))
        o.write("\t".join(out) + "\n")
