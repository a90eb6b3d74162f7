#!/usr/bin/env bash
# SpinQuant on SmolLM2-135M: the measurements in nbs/26_spinquant.ipynb ("Measured on SmolLM2-135M"), through
# scripts/methods_ppl.sh (same windows and calibration). Usage (from the repository root): scripts/spinquant_ppl.sh [STORE]
OUT=outputs/spinquant exec "$(dirname "$0")/methods_ppl.sh" "${1:-/tmp/spinquant_store.sqlite}" \
  bf16_spinquant int4_spinquant mxfp4_spinquant int4_spinquant_gptq mxfp4_spinquant_gptq
