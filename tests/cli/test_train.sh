# `shamisa train` end to end on the committed training images: a tiny run, an interrupted run that
# resumes to the same checkpoint bytes, the usage errors, and `eval --checkpoint` on its features.
source "$(dirname "$0")/lib.sh"
IMAGES="$DATA/train"
cat >"$WORK/tiny.json" <<'JSON'
{"name": "tiny", "steps": 3, "encoder": {"depth": 18, "width": 0.25}, "projector": {"hidden": 32, "out": 16},
 "prototypes": 8, "data": {"items_per_step": 1, "refs": 2, "crop": 32, "compositions": 2, "levels": 2},
 "relations": {"knn_k": 5}, "checkpoint_every": 2}
JSON

run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/a" --threads 2
expect_rc 0 "tiny run"
python3 - "$WORK/out" "$WORK/a/log.jsonl" <<'PY' || fail "tiny run summary and log"
import json, math, sys
s = json.load(open(sys.argv[1]))
assert s["steps_done"] == 3 and s["total_steps"] == 3 and math.isfinite(s["last_loss"]), s
lines = [json.loads(l) for l in open(sys.argv[2])]
assert [l["step"] for l in lines] == [1, 2, 3], lines
assert all(math.isfinite(l["loss"]) for l in lines)
assert lines[0]["lr"] == 0.0015 and lines[2]["lr"] < lines[1]["lr"] < lines[0]["lr"]
PY
[ -f "$WORK/a/config.json" ] || fail "config.json missing"

run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/b" --stop-after 2 --threads 2
expect_rc 0 "interrupted run"
run train --images "$IMAGES" --out "$WORK/b" --resume --threads 2
expect_rc 0 "resume"
cmp -s "$WORK/a/checkpoint.safetensors" "$WORK/b/checkpoint.safetensors" || fail "resumed checkpoint differs"

run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/a"
expect_rc 2 "existing run"
expect_stderr "already holds a run"
run train --images "$IMAGES" --out "$WORK/none" --resume
expect_rc 2 "nothing to resume"
echo '{"data": {"crpo": 1}}' >"$WORK/typo.json"
run train --config "$WORK/typo.json" --images "$IMAGES" --out "$WORK/c"
expect_rc 2 "unknown key"
expect_stderr "'data.crpo' is not a known key"
run train --config "$WORK/missing.json" --images "$IMAGES" --out "$WORK/c"
expect_rc 3 "missing config"
expect_stderr "missing.json"
run train --config "$WORK/tiny.json" --images "$WORK/nowhere" --out "$WORK/c"
expect_rc 2 "missing image folder"
expect_stderr "nowhere"
head -c 1000 "$WORK/a/checkpoint.safetensors" >"$WORK/cut.safetensors"
mkdir -p "$WORK/cut" && cp "$WORK/cut.safetensors" "$WORK/cut/checkpoint.safetensors"
run train --images "$IMAGES" --out "$WORK/cut" --resume
expect_rc 4 "corrupt checkpoint"
expect_stderr "checkpoint.safetensors"

# The encoder's features through the ridge protocol, on a small synthetic dataset.
mkdir -p "$WORK/refs" && cp "$IMAGES/grating.png" "$IMAGES/discs.png" "$IMAGES/foliage.png" "$WORK/refs/"
run distort dataset --refs "$WORK/refs" --out "$WORK/ds" --seed 2
expect_rc 0 "make the dataset"
run eval --dataset "$WORK/ds/dataset.csv" --checkpoint "$WORK/a/checkpoint.safetensors" --splits 3 --json
expect_rc 0 "eval --checkpoint"
python3 - "$WORK/out" <<'PY' || fail "eval --checkpoint JSON"
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r["protocol"] == "ridge" and r["metric"] == "shamisa:tiny@3", r["metric"]
assert math.isfinite(r["srcc"]) and len(r["splits"]) == 3, r
PY
run eval --dataset "$WORK/ds/dataset.csv" --checkpoint "$WORK/cut.safetensors"
expect_rc 4 "eval with a corrupt checkpoint"
run eval --dataset "$WORK/ds/dataset.csv" --checkpoint "$WORK/a/checkpoint.safetensors" --protocol direct
expect_rc 2 "checkpoint with direct protocol"
finish
