# The shipped SHAMISA models end to end: `score` without --model finds models/shamisa-default.safetensors
# and scores the bundled examples (the README's main job) with the pinned figures, the same bytes
# on 1 and 2 threads; `compare` of an image with itself scores 100 and each distorted example
# less (pinned); `model info` of both shipped
# models names what their heads were fitted on.
source "$(dirname "$0")/lib.sh"
EXAMPLES="$DATA/../../examples"

run score "$EXAMPLES" --threads 1
expect_rc 0 "score the examples with the default model"
expect_stdout_lines 6
cp "$WORK/out" "$WORK/one-thread.csv"
# Pinned when the model was made (scripts/make-default-models.sh); a change to the model, the
# decoder or the feature path shows here. The tolerance covers only the printed rounding.
python3 - "$WORK/out" <<'PY' || fail "pinned example scores"
import csv, sys
pinned = {"chelsea-blur.jpg": 47.603, "chelsea-jpeg.jpg": 52.577, "chelsea.jpg": 40.295,
          "coffee-noise.jpg": 48.171, "coffee.jpg": 61.826}
rows = list(csv.DictReader(open(sys.argv[1])))
got = {r["path"].rsplit("/", 1)[-1]: float(r["score"]) for r in rows}
assert set(got) == set(pinned), got
for name, value in pinned.items():
    assert abs(got[name] - value) <= 0.0015, (name, got[name], value)
assert all(r["error"] == "" for r in rows), rows
PY
run score "$EXAMPLES" --threads 2
expect_rc 0 "score on 2 threads"
cmp -s "$WORK/out" "$WORK/one-thread.csv" || fail "scores differ between 1 and 2 threads"

run score "$EXAMPLES/chelsea.jpg" --format json
expect_rc 0 "score JSON"
expect_stdout '"name": "shamisa-default"'

run compare "$EXAMPLES/chelsea.jpg" "$EXAMPLES/chelsea.jpg" --model "$DATA/../../models/shamisa-default.safetensors"
expect_rc 0 "compare an image with itself"
expect_stdout "shamisa,100.000000"

# Its FR head is sign-constrained: every distorted example scores below the original's 100.
for pair in "chelsea chelsea-blur 90.829" "chelsea chelsea-jpeg 96.637" "coffee coffee-noise 91.154"; do
  set -- $pair
  run compare "$EXAMPLES/$1.jpg" "$EXAMPLES/$2.jpg"
  expect_rc 0 "compare $2 with the default model"
  python3 -c 'import sys; v = float(open(sys.argv[1]).read().split("shamisa,")[1]); assert v < 100 and abs(v - float(sys.argv[2])) <= 0.0015, v' \
    "$WORK/out" "$3" || fail "compare $1 $2: pinned FR score $3"
done

run model info "$DATA/../../models/shamisa-default.safetensors" --json
expect_rc 0 "model info of the default model"
python3 - "$WORK/out" <<'PY' || fail "default model header"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["name"] == "shamisa-default", h["name"]
for head in ("nr_head", "fr_head"):
    assert h[head]["target"]["lower_better"] and h[head]["target"]["range"] == [0, 4], h[head]["target"]
    assert h[head]["trained_on"]["images"] == 1820, h[head]["trained_on"]
assert h["fr_head"]["trained_on"]["weights"].startswith("sign-constrained"), h["fr_head"]["trained_on"]
PY
run model info "$DATA/../../models/shamisa-live-dev.safetensors" --json
expect_rc 0 "model info of the LIVE-dev model"
python3 - "$WORK/out" <<'PY' || fail "LIVE-dev model header"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["name"] == "shamisa-live-dev", h["name"]
assert h["nr_head"]["trained_on"]["images"] == 196, h["nr_head"]["trained_on"]
PY
finish
