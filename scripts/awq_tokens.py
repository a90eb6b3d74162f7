"""Which tokens AWQ's searches judge on, and which stream it calibrates on: a study of the two AWQ options that
decide whether its outcome is reproducible (README "Reproducibility of calibrated methods", `nbs/21_smoothing.ipynb`).

    python scripts/awq_tokens.py                        # W4A16, W4A8, W4A4 MXFP4, seed 0 (12 rows, ~65 min on one core)
    python scripts/awq_tokens.py --seeds 0 1 2 --settings w4a8
    python scripts/awq_tokens.py --family int --settings w4a4
    python scripts/awq_tokens.py --first-tokens --seeds 0 1 2   # which first tokens a random sample holds (no model)

AWQ with `sample` in {stride (default since AWQ version 2), random (version 1's default)} x `stream` in
{quantized (default), fp}, on the study's perplexity row
(`roundoff_sensitivity.study_row`: 40 windows of 512 tokens, calibration 16 x 512, batch 16), each against RTN in the
same setting on the same windows (paired window-bootstrap interval of the perplexity ratio, `study.paired_perplexity`).
Rows come from the results store and are computed there when missing (`study.run_grid`); the table and the rows go
to --output-dir. (`outputs/awq_tokens/` was computed at AWQ version 1, where the random sample was the default and
stride was named; the numerics of each variant are the same at version 2, only the row hashes differ.)"""
import argparse

VARIANTS = {"random, quantized": ["awq.sample=random"], "random, fp": ["awq.sample=random", "awq.stream=fp"],
            "stride, quantized": [], "stride, fp": ["awq.stream=fp"]}


def first_tokens_in_random_sample(seed: int, n_seq: int, seq_len: int) -> list[int]:
    """The sequences whose first token is among the tokens `awq.sample=random` judges on: the library's own sampler
    (`InputStats`, fed in `apply_recipe`'s calibration batches) run on token indices instead of activations."""
    import inspect, torch
    from mxstudy.methods import InputStats, apply_recipe
    from mxstudy.smoothing import AWQ
    batch = inspect.signature(apply_recipe).parameters["batch_size"].default
    idx, st = torch.arange(n_seq * seq_len, dtype=torch.float32), InputStats({"samples"}, seed=seed)
    for b in range(0, n_seq, batch): st.update(idx[b * seq_len:(b + batch) * seq_len].reshape(-1, seq_len, 1))
    picked = AWQ(sample="random").search_tokens(st.finalize()).flatten().long()
    return sorted((picked[picked % seq_len == 0] // seq_len).tolist())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--settings", nargs="+", default=["w4a16", "w4a8", "w4a4"], help="settings [w4a16 w4a8 w4a4]")
    p.add_argument("--family", default="mxfp", help="format family, as in mxstudy eval --format [mxfp]")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="calibration seeds [0]")
    p.add_argument("--store", default="cache/results.sqlite", help="results store [cache/results.sqlite]")
    p.add_argument("--output-dir", default="outputs/awq_tokens", help="table and rows [outputs/awq_tokens]")
    p.add_argument("--first-tokens", action="store_true",
                   help="only list, for each seed, the sequences whose first token is among the random sample's search "
                        "tokens in the study's calibration (its calib_samples x calib_seqlen, apply_recipe's batches); loads no model")
    a = p.parse_args()
    if a.first_tokens:
        from roundoff_sensitivity import study_row
        cfg = study_row(a.model, "w4a4", a.family, "awq")   # the study's calibration shape (calib_samples x calib_seqlen)
        for seed in a.seeds:
            print(f"seed {seed}: first tokens of sequences {first_tokens_in_random_sample(seed, cfg.calib_samples, cfg.calib_seqlen)}")
        return
    from mxstudy.study import ResultsStore, paired_perplexity, run_grid, validate_config
    from roundoff_sensitivity import study_row   # this script's neighbour in scripts/
    try:   # a bad model, setting or family fails here, in one line, before any model loads
        rtn = {s: study_row(a.model, s, a.family, "rtn") for s in a.settings}
        awq = {(s, seed, v): study_row(a.model, s, a.family, "awq", args, seed)
               for s in a.settings for seed in a.seeds for v, args in VARIANTS.items()}
        for cfg in [*rtn.values(), *awq.values()]: validate_config(cfg)
    except ValueError as e: p.error(str(e))
    import pandas as pd, torch
    from mxstudy.report import caption_for, format_interval, write_table
    torch.set_num_threads(1)   # the study's rows are one-thread rows; a second copy of this command uses the other core
    store = ResultsStore(a.store)
    keys, configs = [*rtn, *awq], [*rtn.values(), *awq.values()]
    rows = dict(zip(keys, run_grid(configs, store, progress=False)))   # a second copy alongside shares the rows (claims)
    table = []
    for (s, seed, v), cfg in awq.items():
        row, base = rows[(s, seed, v)], rows[s]
        c, m = paired_perplexity(row, base), row["metrics"]["ppl"]
        table.append({"setting": s, "family": a.family, "seed": seed, "AWQ (sample, stream)": v, "PPL": m["ppl"],
                      "RTN PPL": base["metrics"]["ppl"]["ppl"], "KL": m["kl"],
                      "PPL % of RTN [95 % CI]": format_interval(c["rel_ppl"], c["rel_ppl_lo"], c["rel_ppl_hi"], 1),
                      "processor": row["info"]["hardware"].split(" Processor")[0] + ("" if row["info"]["hardware"] == base["info"]["hardware"] else " ‡"),
                      "config_hash": cfg.config_hash})
    mark = ("‡ = the AWQ row and its RTN row were computed on different processors (MXFP4 RTN rows move by at most 0.2 % "
            "between them, README \"Reproducibility of calibrated methods\").")
    paths = write_table(pd.DataFrame(table), a.output_dir, "awq_tokens", caption_for(list(rows.values()), mark))
    store.export_jsonl(paths["md"].parent / "awq_tokens_rows.jsonl", [c.config_hash for c in configs])
    print(paths["md"].read_text())


if __name__ == "__main__": main()
