# `shamisa eval` and `shamisa compare` end to end, on a synthetic dataset made by `distort dataset`.
source "$(dirname "$0")/lib.sh"
IN="$DATA/golden/input.png"

mkdir -p "$WORK/refs"
cp "$IN" "$WORK/refs/a.png"
run distort dataset --refs "$WORK/refs" --out "$WORK/ds" --seed 2
expect_rc 0 "make the dataset"

# Direct protocol: PSNR falls with severity (the score is a lower-better severity proxy), so the
# sign-corrected correlations are positive.
run eval --dataset "$WORK/ds/dataset.csv" --metric psnr --json
expect_rc 0 "eval psnr"
python3 - "$WORK/out" <<'PY' || fail "eval psnr JSON"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("dataset", "metric", "protocol", "n_images", "srcc", "plcc", "krcc", "rmse", "alpha", "splits"):
    assert k in r, k
assert r["metric"] == "psnr" and r["protocol"] == "direct" and r["n_images"] == 130, r
assert r["srcc"] > 0.3, r["srcc"]
assert len(r["per_type"]) == 26 and all(t["n"] == 5 for t in r["per_type"])
gb = [t for t in r["per_type"] if t["type"] == "gaublur"][0]
assert gb["srcc"] > 0.99, gb  # within one type, PSNR orders the five levels
PY

run eval --dataset "$WORK/ds/dataset.csv" --metric ssim
expect_rc 0 "eval ssim text"
expect_stdout "SRCC "
expect_stdout "gaublur"

# Ridge protocol on BRISQUE's features, random image-level splits (no ref column).
{ echo "image,score"; tail -n +2 "$WORK/ds/dataset.csv" | cut -d, -f1,7; } >"$WORK/ds/noref.csv"
run eval --dataset "$WORK/ds/noref.csv" --metric brisque --protocol ridge --splits 3 --json
expect_rc 0 "eval ridge"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["protocol"]=="ridge" and len(r["splits"])==3 and r["alpha"]>0, r' "$WORK/out" \
  || fail "ridge JSON"

# The default model's own NR head (no --model): direct protocol, named after the model.
run eval --dataset "$WORK/ds/dataset.csv" --protocol direct --json
expect_rc 0 "eval with the default model"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["metric"] == "shamisa:shamisa-default" and r["n_images"]==130, r' "$WORK/out" \
  || fail "default-model eval JSON"

# Errors: a missing image (3), unknown metric (2), missing or corrupt model (4), too few references
# for the ridge splits (3), FR metric without refs (2).
{ cat "$WORK/ds/dataset.csv"; echo "images/nope.png,refs/a.png,x,x,1,1,1"; } >"$WORK/ds/broken.csv"
run eval --dataset "$WORK/ds/broken.csv" --metric psnr
expect_rc 3 "missing image"
expect_stderr "images/nope.png"
run eval --dataset "$WORK/ds/dataset.csv" --metric vmaf
expect_rc 2 "unknown metric"
run eval --dataset "$WORK/ds/dataset.csv" --model "$WORK/nope.safetensors"
expect_rc 4 "missing model"
expect_stderr "nope.safetensors"
head -c 100 "$WORK/ds/dataset.csv" >"$WORK/corrupt.safetensors"
run eval --dataset "$WORK/ds/dataset.csv" --model "$WORK/corrupt.safetensors"
expect_rc 4 "corrupt model"
expect_stderr "corrupt.safetensors"
run eval --dataset "$WORK/ds/dataset.csv"
expect_rc 3 "one reference cannot be split by reference"
expect_stderr "too few references (1)"
run eval --dataset "$WORK/ds/noref.csv" --metric psnr
expect_rc 2 "FR metric on a dataset without refs"
run eval --metric psnr
expect_rc 2 "no dataset"

# compare
run compare "$WORK/ds/refs/a.png" "$WORK/ds/images/a_gaublur_4.png" --metric psnr
expect_rc 0 "compare psnr"
expect_stdout "psnr,"
run compare "$WORK/ds/refs/a.png" "$WORK/ds/refs/a.png" --metric psnr --json
expect_stdout '"score": "inf"'
run compare "$WORK/ds/refs/a.png" "$DATA/cmyk.jpg" --metric ssim
expect_rc 3 "size mismatch"
expect_stderr "cmyk.jpg: ssim: reference is 64x64, distorted is 8x8"
run compare "$WORK/ds/refs/a.png" "$WORK/missing.png" --metric gmsd
expect_rc 3 "missing distorted image"

finish
