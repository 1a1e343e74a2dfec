# --version, --help, and usage errors (exit 2).
source "$(dirname "$0")/lib.sh"

run --version
expect_rc 0 "--version"
expect_stdout "shamisa 0."
expect_stdout "LibTorch "
expect_stdout "OpenCV 4."
expect_stdout "BLAS "
expect_empty_stderr

run --help
expect_rc 0 "--help"
expect_stdout "Exit codes"
expect_stdout "image"

run image info --help
expect_rc 0 "image info --help"
expect_stdout "--format"

run
expect_rc 2 "no command"

run frobnicate
expect_rc 2 "unknown command"
expect_stderr "usage error"

run image info
expect_rc 2 "missing paths"

run --threads 0 image info "$DATA/cmyk.jpg"
expect_rc 2 "--threads 0"
expect_stderr "--threads"

run image info --format xml "$DATA/cmyk.jpg"
expect_rc 2 "bad --format"
expect_stderr "--format"

finish
