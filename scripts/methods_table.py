"""Table of the rows measured by scripts/methods_ppl.sh: perplexity, KL(BF16 || model) and calibration seconds per
method (rows) and format (columns), written next to the JSON files as methods_table.md and .csv.
Usage (from the repository root): python scripts/methods_table.py [DIR]   (default outputs/methods_ppl)"""
import json
import sys
from pathlib import Path

import pandas as pd

from mxstudy.report import METHOD_ORDER

FORMATS = {"bf16": "BF16 (transform only)", "w4a16-mxfp4": "W4A16 MXFP4", "int4": "W4A4 INT4", "mxfp4": "W4A4 MXFP4"}


def main(folder: str = "outputs/methods_ppl") -> pd.DataFrame:
    d = Path(folder)
    recs = []
    for f in sorted(d.glob("*.json")):
        if f.stat().st_size == 0: continue
        r = json.loads(f.read_text())
        fmt = f.stem.split("_", 1)[0]
        info, cfg = r["info"], r["config"]
        recs.append(dict(method=cfg["method"], format=FORMATS.get(fmt, fmt), ppl=r["ppl"], kl=r.get("kl"),
                         calib_s=info["quantize_s"], threads=info.get("torch_threads"), hash=r["config_hash"]))
    df = pd.DataFrame(recs)
    cell = lambda x: f"{x.ppl:.2f} ({x.kl:.3f}; {x.calib_s:.0f} s)"
    df["cell"] = df.apply(cell, axis=1)
    pv = df.pivot_table(index="method", columns="format", values="cell", aggfunc="first")
    order = [m for m in METHOD_ORDER if m in pv.index] + sorted(set(pv.index) - set(METHOD_ORDER))
    pv = pv.loc[order, [c for c in FORMATS.values() if c in pv.columns]].reset_index().fillna("–")
    note = ("Perplexity (KL(BF16 || model); calibration + quantization wall seconds) on SmolLM2-135M-Instruct, 32 windows "
            "x 512 tokens of the offline wiki evaluation half, calibration 16 x 512 tokens, seed 0, each method's quick "
            f"defaults, {sorted(set(df.threads))} torch thread(s); one row per `mxstudy eval` call of scripts/methods_ppl.sh "
            "(config hashes in methods_rows.csv).")
    (d / "methods_table.md").write_text(pv.to_markdown(index=False) + f"\n\n*{note}*\n")
    df.drop(columns="cell").to_csv(d / "methods_rows.csv", index=False)
    return pv


if __name__ == "__main__":
    print(main(*sys.argv[1:]).to_markdown(index=False))
