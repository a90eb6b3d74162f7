"""Which tokens AWQ's searches judge on, and which stream it calibrates on: a study of the two AWQ options that
decide whether its outcome is reproducible (README "Reproducibility of calibrated methods", `nbs/21_smoothing.ipynb`).

    python scripts/awq_tokens.py                        # W4A16, W4A8, W4A4 MXFP4, seed 0 (12 rows, ~65 min on one core)
    python scripts/awq_tokens.py --seeds 0 1 2 --settings w4a8
    python scripts/awq_tokens.py --family int --settings w4a4

AWQ with `sample` in {random (default), stride} x `stream` in {quantized (default), fp}, on the study's perplexity row
(40 windows of 512 tokens, calibration 16 x 512, batch 16), each against RTN in the same setting on the same windows
(paired window-bootstrap interval of the perplexity ratio, `study.paired_perplexity`). Rows come from the results
store and are computed there when missing (`study.run_grid`); the table and the rows go to --output-dir."""
import argparse, csv, json
from pathlib import Path

VARIANTS = {"random, quantized": {}, "random, fp": {"stream": "fp"},
            "stride, quantized": {"sample": "stride"}, "stride, fp": {"sample": "stride", "stream": "fp"}}


def row_config(setting: str, method: str, seed: int, awq_args: dict, model: str, family: str):
    from mxstudy.study import EvalConfig
    return EvalConfig.make(model=model, setting=setting, family=family, method=method,
                           method_args={"awq": awq_args} if awq_args else {}, tasks=["ppl"], seqlen=512, ppl_windows=40,
                           calib_samples=16, calib_seqlen=512, batch_size=16, seed=seed)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--settings", nargs="+", default=["w4a16", "w4a8", "w4a4"], help="settings [w4a16 w4a8 w4a4]")
    p.add_argument("--family", default="mxfp", help="format family, as in mxstudy eval --format [mxfp]")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="calibration seeds [0]")
    p.add_argument("--store", default="cache/results.sqlite", help="results store [cache/results.sqlite]")
    p.add_argument("--output-dir", default="outputs/awq_tokens", help="table and rows [outputs/awq_tokens]")
    a = p.parse_args()
    from mxstudy.study import ResultsStore, paired_perplexity, run_grid, validate_config
    try:   # a bad model or setting fails here, in one line, before any model loads
        rtn = {s: row_config(s, "rtn", 0, {}, a.model, a.family) for s in a.settings}
        awq = {(s, seed, v): row_config(s, "awq", seed, args, a.model, a.family)
               for s in a.settings for seed in a.seeds for v, args in VARIANTS.items()}
        for cfg in [*rtn.values(), *awq.values()]: validate_config(cfg)
    except ValueError as e: p.error(str(e))
    import torch
    torch.set_num_threads(1)   # the study's rows are one-thread rows; a second copy of this command uses the other core
    store = ResultsStore(a.store)
    configs = [*rtn.values(), *awq.values()]
    run_grid(configs, store, progress=False)   # a second copy started alongside shares the rows (the store's claims)
    rows = {k: store.get(c) for k, c in {**{(s,): c for s, c in rtn.items()}, **awq}.items()}
    table = []
    for (s, seed, v), cfg in awq.items():
        row, base = rows[(s, seed, v)], rows[(s,)]
        c, m = paired_perplexity(row, base), row["metrics"]["ppl"]
        table.append({"setting": s, "family": a.family, "seed": seed, "AWQ (sample, stream)": v, "PPL": round(m["ppl"], 2),
                      "RTN PPL": round(base["metrics"]["ppl"]["ppl"], 2), "KL": round(m["kl"], 3),
                      "PPL % of RTN [95 % CI]": f"{c['rel_ppl']:.1f} [{c['rel_ppl_lo']:.1f}, {c['rel_ppl_hi']:.1f}]",
                      "processor": row["info"]["hardware"].split(" Processor")[0] + ("" if row["info"]["hardware"] == base["info"]["hardware"] else " ‡"),
                      "config_hash": cfg.config_hash})
    out = Path(a.output_dir); out.mkdir(parents=True, exist_ok=True)
    with open(out / "awq_tokens.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0])); w.writeheader(); w.writerows(table)
    head = list(table[0])
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in table]
    md.append("\n‡ = the AWQ row and its RTN row were computed on different processors (MXFP4 RTN rows move by at most 0.2 % "
              "between them, README \"Reproducibility of calibrated methods\").")
    (out / "awq_tokens.md").write_text("\n".join(md) + "\n")
    store.export_jsonl(out / "awq_tokens_rows.jsonl", [c.config_hash for c in configs])
    print("\n".join(md))


if __name__ == "__main__": main()
