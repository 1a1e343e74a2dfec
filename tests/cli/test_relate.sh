# The relational method end to end: `train` with a relational config (interrupted and resumed to
# the same bytes, the model file at the end), then `relate` and `rank` with that model: the JSON
# contract, anti-symmetry of the whole output, the maps folder, and the error exits.
source "$(dirname "$0")/lib.sh"
IMAGES="$DATA/train"
cat >"$WORK/tiny.json" <<'JSON'
{"method": "relational", "name": "tiny-relational", "crop": 16, "checkpoint_every": 2,
 "network": {"channels": [8, 16]},
 "maps": {"steps": 3, "triplets": 1},
 "scorer": {"steps": 2, "sets": 2, "set_size": 3, "channels": [8], "cross_program_sets": true,
            "difference_channel": true, "pair_mode": 0.5}}
JSON

run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/a" --threads 1
expect_rc 0 "relational run"
python3 - "$WORK/out" "$WORK/a/log.jsonl" <<'PY' || fail "relational run summary and log"
import json, math, sys
s = json.load(open(sys.argv[1]))
assert s["steps_done"] == 5 and s["total_steps"] == 5 and math.isfinite(s["last_loss"]), s
lines = [json.loads(l) for l in open(sys.argv[2])]
assert [l["stage"] for l in lines] == ["maps"] * 3 + ["scorer"] * 2, lines
assert all(0 < l["pair_fidelity"] < 1 for l in lines[3:]), lines
PY
[ -f "$WORK/a/model.safetensors" ] || fail "the run wrote no model file"
run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/b" --stop-after 2 --threads 1
expect_rc 0 "interrupted relational run"
cmp -s "$WORK/a/model.safetensors" "$WORK/b/model.safetensors" && fail "the model file after 2 steps equals the finished one"
run train --images "$IMAGES" --out "$WORK/b" --resume --threads 1
expect_rc 0 "relational resume (the method comes from RUN/config.json)"
cmp -s "$WORK/a/checkpoint.safetensors" "$WORK/b/checkpoint.safetensors" || fail "resumed checkpoint differs"
cmp -s "$WORK/a/model.safetensors" "$WORK/b/model.safetensors" || fail "resumed model file differs"
run train --config "$WORK/tiny.json" --images "$IMAGES" --out "$WORK/c" --init "$WORK/x.safetensors"
expect_rc 2 "--init with a relational config"
expect_stderr "--init"

MODEL="$WORK/a/model.safetensors"
A="$IMAGES/foliage.png"
run distort apply "$A" "$WORK/blurred.png" --chain gaublur:3
expect_rc 0 "make a blurred copy"
B="$WORK/blurred.png"

run relate "$A" "$B" --model "$MODEL" --json --threads 1
expect_rc 0 "relate A B"
cp "$WORK/out" "$WORK/ab.json"
run relate "$B" "$A" --model "$MODEL" --json --threads 1
expect_rc 0 "relate B A"
cp "$WORK/out" "$WORK/ba.json"
python3 - "$WORK/ab.json" "$WORK/ba.json" <<'PY' || fail "relate JSON contract and anti-symmetry"
import json, sys
ab, ba = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert ab["model"] == "tiny-relational"
names = [a["name"] for a in ab["axes"]]
assert names == ["sharpness", "noise", "brightness", "contrast", "saturation", "white_balance",
                 "compression", "texture_loss"], names
assert ab["score"] == -ba["score"], (ab["score"], ba["score"])
for x, y in zip(ab["axes"], ba["axes"]):
    assert x["mean"] == -y["mean"] and x["area"] == y["area"], (x, y)
    assert 0 <= x["area"] <= 1
PY
run relate "$A" "$A" --model "$MODEL" --json --threads 1
expect_rc 0 "relate A A"
python3 - "$WORK/out" <<'PY' || fail "an image against itself gives zero maps and score"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 0 and all(a["mean"] == 0 and a["area"] == 0 for a in r["axes"]), r
PY
run relate "$A" "$B" --model "$MODEL" --maps "$WORK/maps" --threads 1
expect_rc 0 "relate --maps"
expect_stdout "sharpness"
expect_stdout "score s(A, B)"
for axis in sharpness noise brightness contrast saturation white_balance compression texture_loss overview; do
  [ -s "$WORK/maps/$axis.png" ] || fail "--maps wrote no $axis.png"
done

run rank "$A" "$B" "$A" "$WORK/missing.png" --model "$MODEL" --threads 1
expect_rc 5 "rank with one missing candidate"
expect_stdout "rank,path,q,score,error"
expect_stdout "1,$A,0,100.00,"
expect_stderr "missing.png"
run rank "$A" "$B" --model "$MODEL" --format json --threads 1
expect_rc 0 "rank json"
python3 - "$WORK/out" <<'PY' || fail "rank JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["model"] == "tiny-relational" and r["results"][0]["rank"] == 1 and 0 <= r["results"][0]["score"] <= 100, r
PY

# relate-eval on held-out synthetic data: the structure of its report, and exact anti-symmetry.
run relate-eval --images "$IMAGES" --model "$MODEL" --triplets 2 --sets 2 --cross-sets 3 --crop 32 --json --threads 1
expect_rc 0 "relate-eval"
python3 - "$WORK/out" <<'PY' || fail "relate-eval JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["pairs"] == 6 and r["sets"] == 2 and len(r["axes"]) == 8, r
assert r["antisymmetry_error"] == 0 and r["identity_error"] == 0, r
assert -1 <= r["kendall_tau"] <= 1 and 0 <= r["pairwise_accuracy"] <= 1, r
for a in r["axes"]:  # the best tau's IoU is at least the IoU at 0.1, one of the taus tried
    assert a["iou"] is None or a["iou"] - 1e-12 <= a["best_iou"] <= 1, a
assert r["cross_sets"] == 3 and -1 <= r["kendall_tau_cross"] <= 1 and 0 <= r["pairwise_accuracy_cross"] <= 1, r
assert sum(map(sum, r["type_confusion"])) > 0
assert 0 <= r["pair_mode_accuracy"] <= 1 and 0 <= r["pair_mode_accuracy_cross"] <= 1, r
PY

# q(X | REF) as a full-reference metric of `eval` on a small dataset made by `distort dataset`.
mkdir -p "$WORK/refs"
cp "$A" "$WORK/refs/a.png"
run distort dataset --refs "$WORK/refs" --out "$WORK/ds" --seed 2
expect_rc 0 "make a dataset"
run eval --dataset "$WORK/ds/dataset.csv" --metric relational --model "$MODEL" --json --threads 1
expect_rc 0 "eval --metric relational"
python3 - "$WORK/out" <<'PY' || fail "eval --metric relational JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["metric"] == "relational" and r["n_images"] == 130 and -1 <= r["srcc"] <= 1, r
PY
run eval --dataset "$WORK/ds/dataset.csv" --metric psnr --model "$MODEL"
expect_rc 2 "--model with another metric"

run relate "$A" "$WORK/missing.png" --model "$MODEL"
expect_rc 3 "missing image"
expect_stderr "missing.png"
run relate "$A" "$DATA/orientation_1.jpg" --model "$MODEL"
expect_rc 3 "images of different sizes"
expect_stderr "relate compares aligned images"
run relate "$A" "$B" --model "$WORK/a/checkpoint.safetensors"
expect_rc 4 "a checkpoint is not a model file"
expect_stderr "not a relational model file"
head -c 100 "$MODEL" >"$WORK/cut.safetensors"
run relate "$A" "$B" --model "$WORK/cut.safetensors"
expect_rc 4 "truncated model"
expect_stderr "cut.safetensors"
finish
