#!/usr/bin/env bash
# Perplexity and KL of PTQ methods on SmolLM2-135M, one `mxstudy eval` call per row, on the same 32 windows x 512
# tokens and the same calibration (16 x 512 tokens, seed 0): the method tables of the README (rotation and affine
# methods) and of the method notebooks. Usage (from the repository root):
#   scripts/methods_ppl.sh [STORE] ROW...     e.g. scripts/methods_ppl.sh /tmp/methods.sqlite mxfp4_rtn int4_quarot_gptq
# A row is FORMAT_RECIPE: FORMAT is bf16 (no quantization), mxfp4 (W4A4 MXFP4), int4 (W4A4 INT4: per-channel
# weights, per-token activations) or w4a16-mxfp4 (MXFP4 weights only); RECIPE is the method with '+' written '_' (quarot_gptq = quarot+gptq).
# Each call is wrapped in /usr/bin/time for its CPU seconds; JSON, log and time files go to $OUT
# (default outputs/methods_ppl). Set OMP_NUM_THREADS (default 2) and MXSTUDY (default mxstudy).
set -u
STORE=${1:-/tmp/methods_store.sqlite}; shift || true
OUT=${OUT:-outputs/methods_ppl}; mkdir -p "$OUT"
MX=${MXSTUDY:-mxstudy}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
COMMON="--model smollm2-135m --tasks ppl --seqlen 512 --ppl-windows 32 --calib-samples 16 --calib-seqlen 512 --store $STORE --json"
for name in "$@"; do
  fmt=${name%%_*}; method=${name#*_}; method=${method//_/+}
  case $fmt in
    bf16) scheme="--scheme bf16" ;;
    mxfp4) scheme="--scheme w4a4" ;;
    int4) scheme="--scheme w4a4 --format int" ;;
    w4a16-mxfp4) scheme="--scheme w4a16" ;;
    *) echo "$name: unknown format '$fmt' (valid: bf16, mxfp4, int4, w4a16-mxfp4)" >&2; exit 2 ;;
  esac
  /usr/bin/time -f "cpu_user_s=%U cpu_sys_s=%S wall_s=%e maxrss_kb=%M" -o "$OUT/$name.time" \
    $MX eval $scheme --method "$method" $COMMON > "$OUT/$name.json" 2> "$OUT/$name.log"
  echo "$name rc=$? $(tail -1 "$OUT/$name.time") $(python3 -c "import json; r=json.load(open('$OUT/$name.json')); print('ppl', round(r['ppl'], 4), 'kl', round(r['kl'], 4), 'quantize_s', round(r['info']['quantize_s'], 1))" 2>/dev/null)"
done
