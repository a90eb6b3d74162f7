#!/usr/bin/env bash
# SpinQuant on SmolLM2-135M: the measurements in nbs/26_spinquant.ipynb ("Measured on SmolLM2-135M").
# Usage (from the repository root): scripts/spinquant_ppl.sh [STORE] ; each configuration is one `mxstudy eval`
# call, wrapped in /usr/bin/time for the process's CPU seconds; JSON results and logs go to outputs/spinquant/.
set -u
STORE=${1:-/tmp/spinquant_store.sqlite}
OUT=outputs/spinquant; mkdir -p "$OUT"
MX=${MXSTUDY:-mxstudy}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
COMMON="--model smollm2-135m --tasks ppl --seqlen 512 --ppl-windows 32 --calib-samples 16 --calib-seqlen 512 --store $STORE --json"
run() {   # name, then mxstudy eval arguments
  local name=$1; shift
  /usr/bin/time -f "cpu_user_s=%U cpu_sys_s=%S wall_s=%e maxrss_kb=%M" -o "$OUT/$name.time" \
    $MX eval "$@" $COMMON > "$OUT/$name.json" 2> "$OUT/$name.log"
  echo "$name rc=$? $(cat "$OUT/$name.time" | tail -1) $(python3 -c "import json,sys; r=json.load(open('$OUT/$name.json')); print('ppl', round(r['ppl'], 4), 'quantize_s', round(r['info']['quantize_s'], 1))" 2>/dev/null)"
}
run bf16_spinquant        --scheme bf16 --method spinquant
run int4_spinquant        --scheme w4a4 --format int --method spinquant
run mxfp4_spinquant       --scheme w4a4 --method spinquant
run int4_spinquant_gptq   --scheme w4a4 --format int --method spinquant+gptq
run mxfp4_spinquant_gptq  --scheme w4a4 --method spinquant+gptq
