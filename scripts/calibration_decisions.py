"""Where do two calibrations of the same configuration part ways? A diagnostic of the README's "Reproducibility of
calibrated methods": it calibrates the study's configuration twice on one machine, once as loaded and once with the
input embeddings multiplied by (1 + eps * N(0, 1)) (the weights as published), records every grid search the method
makes through `argmin_over` in `mxstudy.smoothing` (AWQ: alpha per input group, clip ratio per weight block), and
reports which decisions differ, from which search on, and how far each search's losses moved.

    python scripts/calibration_decisions.py --method awq --setting w4a4
    python scripts/calibration_decisions.py --method awq --setting w4a16
    python scripts/calibration_decisions.py --method awq --method-arg awq.stream=fp --setting w4a4

Calibration 16 x 512 tokens, seed 0, as in the study's rows; nothing is written to the store. Takes about twice one
calibration (~12 min for AWQ on one core)."""
import argparse, json, time

import torch


def record_searches(module):
    "Make `module.argmin_over` log each search's losses ([candidates] or [candidates, rows, ...]); returns (log, undo)."
    log, original = [], module.argmin_over

    def recording(candidates, evaluate):
        losses = []

        def logged(c):
            err, payload = evaluate(c)
            losses.append(torch.as_tensor(err, dtype=torch.float64).detach().cpu().clone())
            return err, payload

        out = original(candidates, logged)
        if losses: log.append(torch.stack(losses))
        return out

    module.argmin_over = recording
    return log, lambda: setattr(module, "argmin_over", original)


def compare_searches(a: list, b: list) -> dict:
    "Decisions of two logs of the same searches: scalar searches (one choice) and row-wise ones (a choice per row)."
    if len(a) != len(b): raise RuntimeError(f"the two calibrations made {len(a)} and {len(b)} searches")
    scalar = [i for i, x in enumerate(a) if x.dim() == 1]
    differ = [i for i in scalar if a[i].argmin() != b[i].argmin()]
    rel = [((b[i] - a[i]).abs() / a[i].abs().clamp(min=1e-300)).max().item() for i in scalar]
    gaps = [(lambda s: ((s[1] - s[0]) / s[0]).item())(a[i].sort().values) for i in scalar if len(a[i]) > 1]
    rows = [i for i, x in enumerate(a) if x.dim() > 1]
    rows_differ = sum((a[i].argmin(0) != b[i].argmin(0)).sum().item() for i in rows)
    rows_total = sum(a[i][0].numel() for i in rows)
    med = lambda xs: sorted(xs)[len(xs) // 2] if xs else None
    return dict(scalar_searches=len(scalar), scalar_differ=len(differ),
                first_scalar_differ=scalar.index(differ[0]) if differ else None,
                rel_loss_change_first=[f"{r:.1e}" for r in rel[:6]], rel_loss_change_median=med(rel),
                gap_median=med(gaps), gap_min=min(gaps) if gaps else None,
                row_searches=len(rows), rows_differ=rows_differ, rows_total=rows_total)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--method", default="awq", help="recipe, as in mxstudy eval --method [awq]")
    p.add_argument("--method-arg", action="append", default=[], metavar="STEP.KEY=VALUE", help="method argument, e.g. awq.stream=fp (repeatable)")
    p.add_argument("--setting", default="w4a4", help="setting, as in mxstudy eval --scheme [w4a4]")
    p.add_argument("--family", default="mxfp", help="format family [mxfp]")
    p.add_argument("--eps", type=float, default=1e-7, help="relative size of the embedding perturbation [1e-7]")
    p.add_argument("--noise-seed", type=int, default=1, help="seed of the perturbation [1]")
    a = p.parse_args()
    if a.eps <= 0: p.error("--eps must be > 0")
    torch.set_num_threads(1)
    from mxstudy import smoothing
    from mxstudy.study import ModelPool, quantized_model, validate_config
    from roundoff_sensitivity import perturb_, study_row   # this script's neighbour in scripts/
    try:   # a bad method, argument, setting or family fails here, in one line, before the model loads
        cfg = study_row(a.model, a.setting, a.family, a.method, a.method_arg)
        validate_config(cfg)
    except ValueError as e: p.error(str(e))
    pool = ModelPool("cpu")
    model, _ = pool.base(cfg.model)
    t, logs, weights = time.time(), [], []
    for perturbed in (False, True):
        if perturbed: perturb_([model.get_input_embeddings().weight], a.eps, torch.Generator().manual_seed(a.noise_seed))
        log, undo = record_searches(smoothing)
        try: qmodel, _, _ = quantized_model(cfg, pool, progress=False)
        finally: undo()
        logs.append(log)
        weights.append({k: v.detach().clone() for k, v in qmodel.state_dict().items() if ".layers." in k and k.endswith("weight")})
        del qmodel
    if not logs[0]: p.exit(1, f"{a.method} makes no grid search through mxstudy.smoothing.argmin_over; nothing to compare\n")
    changed = sum((weights[0][k] != weights[1][k]).sum().item() for k in weights[0])
    total = sum(w.numel() for w in weights[0].values())
    print(json.dumps(dict(model=a.model, method=a.method, method_args=cfg.as_dict()["method_args"], setting=a.setting, family=a.family, eps=a.eps,
                          noise_seed=a.noise_seed, **compare_searches(*logs), layer_weights_differ=changed,
                          layer_weights_total=total, seconds=round(time.time() - t))))


if __name__ == "__main__": main()
