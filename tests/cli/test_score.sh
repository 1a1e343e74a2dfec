# SHAMISA quality models end to end: a tiny training run exported to a model file, its NR and FR
# heads fitted on a small synthetic dataset, `model info`, `score` on a folder with a corrupt file
# (the others scored, an error row, exit 5), the same bytes across runs and thread counts, `compare
# --model` (an image against itself scores 100), globs, and the model-error exits.
source "$(dirname "$0")/lib.sh"
IMAGES="$DATA/train"
cat >"$WORK/tiny.json" <<'JSON'
{"name": "tiny", "steps": 2, "encoder": {"depth": 18, "width": 0.25}, "projector": {"hidden": 32, "out": 16},
 "prototypes": 8, "data": {"items_per_step": 1, "refs": 2, "crop": 32, "compositions": 2, "levels": 2},
 "relations": {"knn_k": 5}, "checkpoint_every": 2}
JSON
run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/run" --threads 1
expect_rc 0 "tiny run"
run model export "$WORK/run/checkpoint.safetensors" --out "$WORK/bare.safetensors" --name tiny-model
expect_rc 0 "model export"
run score "$IMAGES" --model "$WORK/bare.safetensors"
expect_rc 4 "score with a model without an NR head"
expect_stderr "no no-reference head"

# A small scored dataset: the engine's every-type set on the committed images (its score is the
# severity index, lower is better, as its dataset.json says), every 4th row.
run distort dataset --refs "$IMAGES" --out "$WORK/synth" --seed 3 --mode every-type
expect_rc 0 "synthetic dataset"
python3 - "$WORK/synth" <<'PY' || fail "scored CSV"
import csv, sys, os
rows = list(csv.DictReader(open(os.path.join(sys.argv[1], "dataset.csv"))))
with open(os.path.join(sys.argv[1], "scored.csv"), "w") as f:
    f.write("image,score,ref,type\n")
    for r in rows[::4]:
        f.write(f"{r['image']},{r['score']},{r['ref']},{r['type']}\n")
PY
run fit --model "$WORK/bare.safetensors" --dataset "$WORK/synth/scored.csv" --out "$WORK/nr.safetensors" --alpha 1
expect_rc 0 "fit the NR head"
run fit --model "$WORK/nr.safetensors" --dataset "$WORK/synth/scored.csv" --out "$WORK/m.safetensors" --fr
expect_rc 0 "fit the FR head (alpha search)"
python3 - "$WORK/out" <<'PY' || fail "fit summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["head"] == "fr" and s["alpha"] > 0 and "protocol" in s, s
PY
run fit --model "$WORK/nr.safetensors" --dataset "$WORK/synth/scored.csv" --out "$WORK/x.safetensors" --alpha -2
expect_rc 2 "a negative alpha"
MODEL="$WORK/m.safetensors"

run eval --dataset "$WORK/synth/scored.csv" --model "$MODEL" --json --threads 1
expect_rc 0 "eval: the ridge protocol on the model's features"
python3 - "$WORK/out" <<'PY' || fail "eval --model JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["protocol"] == "ridge" and j["metric"] == "shamisa:tiny-model" and j["n_images"] > 100, j
PY
run eval --dataset "$WORK/synth/scored.csv" --model "$MODEL" --protocol direct --json --threads 1
expect_rc 0 "eval: the model's own NR head"
python3 - "$WORK/out" <<'PY' || fail "eval --protocol direct --model JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["protocol"] == "direct" and -1 <= j["srcc"] <= 1, j
PY
run eval --dataset "$WORK/synth/scored.csv" --model "$WORK/bare.safetensors" --protocol direct
expect_rc 4 "eval --protocol direct with a model without an NR head"

run model info "$MODEL" --json
expect_rc 0 "model info --json"
python3 - "$WORK/out" <<'PY' || fail "model header"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["format"] == "shamisa-quality-model" and h["name"] == "tiny-model", h
assert h["input"]["crop"] == 32 and h["architecture"]["feature_dim"] == 128
assert h["nr_head"]["alpha"] == 1 and h["nr_head"]["target"]["lower_better"] is True
assert h["fr_head"]["trained_on"]["images"] > 0 and h["provenance"]["steps"] == 2
PY
run model info "$MODEL"
expect_rc 0 "model info"
expect_stdout "ResNet-18 x0.25"

mkdir -p "$WORK/photos"
cp "$IMAGES/foliage.png" "$IMAGES/discs.png" "$WORK/photos/"
head -c 300 "$IMAGES/grating.png" >"$WORK/photos/broken.png"
run score "$WORK/photos" --model "$MODEL" --threads 1
expect_rc 5 "score with one corrupt file"
expect_stderr "broken.png"
cp "$WORK/out" "$WORK/scores1.csv"
python3 - "$WORK/scores1.csv" <<'PY' || fail "score CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["path"].split("/")[-1] for r in rows] == ["broken.png", "discs.png", "foliage.png"], rows
assert rows[0]["score"] == "" and rows[0]["error"], rows[0]
for r in rows[1:]:
    assert r["error"] == "" and 0 <= float(r["score"]) <= 100, r
PY
run score "$WORK/photos" --model "$MODEL" --threads 1
cmp -s "$WORK/out" "$WORK/scores1.csv" || fail "scores differ between two runs"
run score "$WORK/photos" --model "$MODEL" --threads 2
cmp -s "$WORK/out" "$WORK/scores1.csv" || fail "scores differ between 1 and 2 threads"
run score "$WORK/photos/*.png" --model "$MODEL" --format json --threads 1
expect_rc 5 "score a quoted glob"
python3 - "$WORK/out" <<'PY' || fail "score JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["model"]["name"] == "tiny-model" and len(j["results"]) == 3, j
assert "error" in j["results"][0] and "score" in j["results"][1]
PY
run score "$WORK/photos/broken.png" --model "$MODEL"
expect_rc 3 "every input failed"

A="$IMAGES/foliage.png"
run distort apply "$A" "$WORK/noisy.png" --chain whitenoise:3
run compare "$A" "$A" --model "$MODEL" --json
expect_rc 0 "compare an image with itself"
python3 - "$WORK/out" <<'PY' || fail "an image against itself scores 100"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["score"] == 100 and j["model"] == "tiny-model", j
PY
run compare "$A" "$WORK/noisy.png" --model "$MODEL"
expect_rc 0 "compare a noisy copy"
python3 - "$WORK/out" <<'PY' || fail "compare CSV"
import sys
lines = open(sys.argv[1]).read().split()
assert lines[0] == "metric,score" and lines[1].startswith("shamisa,") and 0 <= float(lines[1].split(",")[1]) <= 100
PY
run compare "$A" "$DATA/orientation_1.jpg" --model "$MODEL"
expect_rc 3 "compare images of different sizes"
run compare "$A" "$WORK/noisy.png" --model "$WORK/nr.safetensors"
expect_rc 4 "compare with a model without an FR head"

head -c 5000 "$MODEL" >"$WORK/truncated.safetensors"
run score "$A" --model "$WORK/truncated.safetensors"
expect_rc 4 "truncated model"
expect_stderr "truncated.safetensors"
run model info "$WORK/run/checkpoint.safetensors"
expect_rc 4 "a checkpoint is not a model file"
expect_stderr "not a shamisa quality model file"
run score "$A" --model "$WORK/none.safetensors"
expect_rc 4 "missing model"
finish
