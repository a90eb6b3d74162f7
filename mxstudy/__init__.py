"""A notebook-first, reproducible study of post-training quantization of LLMs under microscaling (MX) formats

Modules:

- `mxstudy.cli`: `mxstudy eval` evaluates one configuration and prints a summary (or one JSON object with `--json`); `mxstudy run params/<file>.yaml` executes an experiment notebook with papermill; `mxstudy list` shows the valid models, formats, settings, methods and tasks; `mxstudy store export|import FILE` moves finished result rows between stores, and `mxstudy store forget --params P` deletes a grid's rows so that they are computed again. Bad input stops with one line (`mxstudy: error: …`, exit status 2) before any model is loaded.
- `mxstudy.methods`: A PTQ method is a **recipe**: a sequence of small steps applied to a model prepared with a quantization scheme. *Transforms* reshape what the quantizer sees without changing the full-precision function (smoothing, shifting, AWQ scaling, rotations); a *compensator* chooses the quantized weights (RTN rounds each weight independently; GPTQ feeds each column's error back into the next); *extras* add side branches (low-rank error correction). On the command line a recipe is written in application order with `+`: `rtn`, `gptq`, `smoothquant+gptq`, `gptq+lqer`.
- `mxstudy.study`: One **configuration** = (model, quantization scheme, method recipe, evaluation settings). Evaluating it gives one **row**: metrics with their standard errors, wall times, seed, package versions, git revision and the configuration's hash. Rows live in a SQLite results store, so a grid can be interrupted and resumed, and a finished configuration is never computed twice."""

__version__ = "0.1.0"
