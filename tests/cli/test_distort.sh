# `shamisa distort list|apply|sample|dataset|sheet` end to end.
source "$(dirname "$0")/lib.sh"
IN="$DATA/golden/input.png"

run distort list
expect_rc 0 "list"
expect_stdout "name,group,parameter,anchors,integer,direction"
expect_stdout "jpeg,jpeg,JPEG quality,43 36 24 7 4,yes,"
expect_stdout "meanshiftneg,brightness_change,offset,0 -0.08 -0.115 -0.15 -0.185,no,darker"
expect_stdout_lines 27

run distort list --json
expect_rc 0 "list --json"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert len(t)==26 and len({x["group"] for x in t})==7' "$WORK/out" \
  || fail "list --json"

# apply: a chain, the one-step form, determinism, and errors.
run distort apply "$IN" "$WORK/a.png" --chain gaublur:2.5,jpeg:1 --seed 3
expect_rc 0 "apply chain"
[ -s "$WORK/a.png" ] || fail "apply wrote nothing"
run distort apply "$IN" "$WORK/b.png" --chain gaublur:2.5,jpeg:1 --seed 3
cmp -s "$WORK/a.png" "$WORK/b.png" || fail "apply is not deterministic"
run distort apply "$IN" "$WORK/c.png" --type whitenoise --severity 3 --seed 1
expect_rc 0 "apply --type"
run distort apply "$IN" "$WORK/d.png" --type whitenoise --severity 3 --seed 2
cmp -s "$WORK/c.png" "$WORK/d.png" && fail "the seed changes nothing"
run distort apply "$IN" "$WORK/e.png" --chain gausblur:1
expect_rc 2 "unknown type"
expect_stderr "unknown distortion type"
run distort apply "$IN" "$WORK/e.png" --chain gaublur:5
expect_rc 2 "severity out of range"
expect_stderr "outside [0, 4]"
run distort apply "$IN" "$WORK/e.png" --type gaublur
expect_rc 2 "--type without --severity"
run distort apply "$WORK/missing.png" "$WORK/e.png" --chain gaublur:1
expect_rc 3 "missing input"
expect_stderr "missing.png: no such file"
[ -e "$WORK/e.png" ] && fail "an output was written despite the errors"

# sample: the one-factor structure, read back from meta.json.
run distort sample "$IN" "$WORK/sample" --compositions 3 --levels 4 --max-distortions 5 --seed 9
expect_rc 0 "sample"
python3 - "$WORK/sample" <<'PY' || fail "sample meta.json structure"
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "meta.json")))
assert m["seed"] == 9 and len(m["compositions"]) == 3
for c in m["compositions"]:
    n, v = c["num_distortions"], c["variable_slot"]
    assert 1 <= n <= 5 and 0 <= v < n
    assert len(set(c["groups"])) == n, "one distortion per group"
    assert len(c["levels"]) == 4
    for lv in c["levels"]:
        assert os.path.exists(os.path.join(d, lv["file"])), lv["file"]
        assert len(lv["severity_indices"]) == 7 and all(x == -1 for x in lv["severity_indices"][n:])
        for i in range(n):
            s = lv["severity_indices"][i]
            assert 0 <= s <= 4
            if i != v:  # every slot but the variable one is the same in every level
                assert s == c["levels"][0]["severity_indices"][i]
PY
run distort sample "$IN" "$WORK/sample2" --compositions 3 --levels 4 --max-distortions 5 --seed 9
cmp -s "$WORK/sample/meta.json" "$WORK/sample2/meta.json" || fail "sample meta.json not deterministic"
cmp -s "$WORK/sample/c2_l3.png" "$WORK/sample2/c2_l3.png" || fail "sample images not deterministic"
run --threads 1 distort sample "$IN" "$WORK/sample3" --compositions 3 --levels 4 --max-distortions 5 --seed 9
cmp -s "$WORK/sample/c1_l2.png" "$WORK/sample3/c1_l2.png" || fail "sample depends on the thread count"

# dataset: every type at 5 levels for each reference, a bad reference reported (exit 5).
mkdir -p "$WORK/refs"
cp "$IN" "$WORK/refs/one.png"
cp "$DATA/gray_alpha.png" "$WORK/refs/two.png"
: >"$WORK/refs/broken.png"
run distort dataset --refs "$WORK/refs" --out "$WORK/ds" --seed 1
expect_rc 5 "dataset with a broken reference"
expect_stderr "broken.png: file is empty"
[ "$(wc -l <"$WORK/ds/dataset.csv")" -eq $((2 * 26 * 5 + 1)) ] || fail "dataset.csv rows"
grep -q "^images/one_jpeg_3.png,refs/one.png,jpeg,jpeg,3,7,3$" "$WORK/ds/dataset.csv" || fail "dataset.csv row for jpeg level 3"
[ -s "$WORK/ds/images/two_colorblock_4.png" ] || fail "dataset image"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["lower_better"] is True' "$WORK/ds/dataset.json" || fail "dataset.json"
run distort dataset --refs "$WORK/refs/one.png" --out "$WORK/ds2" --mode compositions --per-ref 2 --levels 3 --seed 1
expect_rc 0 "dataset compositions"
[ "$(wc -l <"$WORK/ds2/dataset.csv")" -eq 7 ] || fail "compositions dataset rows"

run distort sheet "$IN" "$WORK/sheet.png" --tile 32
expect_rc 0 "sheet"
run image info "$WORK/sheet.png"
expect_stdout "png,"

# --region distorts one rectangle only: closer to the input than the whole-image version, yet changed.
run distort apply "$DATA/train/foliage.png" "$WORK/whole.png" --chain gaublur:3
expect_rc 0 "whole-image blur"
run distort apply "$DATA/train/foliage.png" "$WORK/part.png" --chain gaublur:3 --region 48,0,48,72
expect_rc 0 "blur of the right half"
run compare "$DATA/train/foliage.png" "$WORK/whole.png" --metric psnr --json
whole=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['score'])" "$WORK/out")
run compare "$DATA/train/foliage.png" "$WORK/part.png" --metric psnr --json
part=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['score'])" "$WORK/out")
python3 -c "import sys; w, p = float(sys.argv[1]), float(sys.argv[2]); assert w + 2.5 < p < 90, (w, p)" "$whole" "$part" ||
  fail "a half-image blur should be about 3 dB closer to the input (whole $whole, half $part)"
run distort apply "$DATA/train/foliage.png" "$WORK/x.png" --chain gaublur:3 --region 0,0,48
expect_rc 2 "malformed --region"
expect_stderr "--region"
run distort apply "$DATA/train/foliage.png" "$WORK/x.png" --chain gaublur:3 --region 500,500,10,10
expect_rc 2 "--region outside the image"

finish
