# `shamisa image info`: results on stdout, one error line per bad file on stderr, exit codes 0/3/5.
source "$(dirname "$0")/lib.sh"

run image info "$DATA/orientation_6.jpg"
expect_rc 0 "one good file"
expect_stdout "path,format,width,height,channels,bit_depth,exif_orientation,error"
expect_stdout "orientation_6.jpg,jpeg,16,8,3,8,6,"
expect_stdout_lines 2
expect_empty_stderr

run image info --ignore-orientation "$DATA/orientation_6.jpg"
expect_stdout "orientation_6.jpg,jpeg,8,16,3,8,6,"

run image info "$WORK/missing.png"
expect_rc 3 "missing file"
expect_stderr "$WORK/missing.png: no such file"

: >"$WORK/empty.jpg"
run image info "$WORK/empty.jpg"
expect_rc 3 "empty file"
expect_stderr "empty.jpg: file is empty"

printf 'image,score\na.png,1\n' >"$WORK/table.png"
run image info "$WORK/table.png"
expect_rc 3 "not an image"
expect_stderr "table.png: not a supported image"

head -c 400 "$DATA/orientation_1.jpg" >"$WORK/cut.jpg"
run image info "$WORK/cut.jpg"
expect_rc 3 "truncated jpeg"
expect_stderr "cut.jpg: truncated or corrupt jpeg file"

# A batch goes on past bad files, reports each, and exits 5.
run image info "$DATA/cmyk.jpg" "$WORK/cut.jpg" "$DATA/gray_alpha.png" "$WORK/missing.png"
expect_rc 5 "partial failure"
expect_stdout_lines 5
expect_stdout "gray_alpha.png,png,4,4,4,8,1,"
expect_stdout "cut.jpg,,,,,,,"
[ "$(wc -l <"$WORK/err")" -eq 2 ] || fail "expected two error lines on stderr"

run image info --format json "$DATA/cmyk.jpg" "$WORK/missing.png"
expect_rc 5 "json partial"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; assert r[0]["width"]==8 and "error" in r[1], r' "$WORK/out" \
  || fail "json output"

# A folder expands to its image files, sorted.
run image info "$DATA"
expect_rc 0 "folder"
[ "$(sed -n 2p "$WORK/out" | cut -d, -f1)" = "$DATA/cmyk.jpg" ] || fail "folder order"

# Progress never reaches stdout, and stderr stays empty when not a terminal.
run image info --quiet "$DATA"
expect_empty_stderr

finish
