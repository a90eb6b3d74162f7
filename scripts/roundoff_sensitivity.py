"""How far does float round-off move a quantized model's perplexity? A diagnostic of the README's "Reproducibility
of calibrated methods": the same configuration gives different calibrated results on two processors, and this
script reproduces that spread on one machine by perturbing the loaded model before quantizing it.

    python scripts/roundoff_sensitivity.py --method awq --where embed --eps 1e-7 --noise-seed 1
    python scripts/roundoff_sensitivity.py --ties          # share of weights on a rounding tie of the format

`--where weights` multiplies every parameter by (1 + eps * N(0, 1)); `--where embed` only the input embeddings, so
the weights stay as published and only the activations change, by round-off. The configuration is the study's
W4A4 perplexity row (40 windows of 512 tokens, calibration 16 x 512, seed 0); nothing is written to the store."""
import argparse, json, time

import torch


def study_row(model: str, setting: str, family: str, method: str, method_arg: list = (), seed: int = 0):
    """The study's perplexity row these diagnostics reproduce: 40 windows of 512 tokens, calibration 16 x 512, seed 0;
    `method_arg`: ["STEP.KEY=VALUE", ...] as `mxstudy eval --method-arg` takes them."""
    from mxstudy.cli import _method_args
    from mxstudy.study import EvalConfig
    return EvalConfig.make(model=model, setting=setting, family=family, method=method, method_args=_method_args(method_arg),
                           tasks=["ppl"], seqlen=512, ppl_windows=40, calib_samples=16, calib_seqlen=512, batch_size=16, seed=seed)


def perturb_(params, eps: float, g: torch.Generator) -> None:
    "Multiply each tensor of `params` in place by (1 + eps * N(0, 1)), drawn from `g` in order."
    with torch.no_grad():
        for prm in params: prm.mul_(1 + eps * torch.randn(prm.shape, generator=g))


def tie_share(model, fmt: str) -> tuple:
    "Elements of the model's linear weights (LM head excluded) on a rounding tie of `fmt` (`rounding_ties`): (tied, total)."
    from mxstudy.formats import rounding_ties
    tied, total = 0, 0
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.Linear) and "lm_head" not in name:
            tied += rounding_ties(m.weight.detach(), fmt).sum().item(); total += m.weight.numel()
    return tied, total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--method", default="rtn", help="recipe, as in mxstudy eval --method [rtn]")
    p.add_argument("--family", default="mxfp", help="format family of the W4A4 setting [mxfp]")
    p.add_argument("--method-arg", action="append", default=[], metavar="STEP.KEY=VALUE", help="method argument, e.g. awq.stream=fp (repeatable)")
    p.add_argument("--where", choices=("none", "weights", "embed"), default="embed", help="what to perturb [embed]")
    p.add_argument("--eps", type=float, default=1e-7, help="relative size of the perturbation [1e-7]")
    p.add_argument("--noise-seed", type=int, default=1, help="seed of the perturbation [1]")
    p.add_argument("--ties", action="store_true", help="only count weights on rounding ties of --format (mxstudy.formats.rounding_ties)")
    p.add_argument("--format", default="mxfp4", help="format for --ties [mxfp4]")
    a = p.parse_args()
    if a.eps < 0: p.error("--eps must be >= 0")
    torch.set_num_threads(1)
    from mxstudy.study import ModelPool, quantized_model, validate_config
    from mxstudy.formats import parse_spec
    try:   # a bad method, argument, family or format fails here, in one line, before the model loads
        cfg = study_row(a.model, "w4a4", a.family, a.method, a.method_arg)
        validate_config(cfg)
        if a.ties and parse_spec(a.format) is None: raise ValueError(f"--ties needs a quantized format, not {a.format!r}")
    except ValueError as e: p.error(str(e))
    pool = ModelPool("cpu")
    model, _ = pool.base(cfg.model)
    if a.ties:
        from mxstudy.formats import rounding_ties
        tied, total = tie_share(model, a.format)
        w = torch.randn(2048, 2048, generator=torch.Generator().manual_seed(0)) * 0.02   # continuous weights, same scale
        gauss = rounding_ties(w, a.format).float().mean().item()
        print(json.dumps(dict(model=a.model, format=a.format, tied=tied, total=total, tied_pct=100 * tied / total,
                              gaussian_tied_pct=100 * gauss)))
        return
    params = {"none": [], "embed": [model.get_input_embeddings().weight], "weights": list(model.parameters())}[a.where]
    perturb_(params, a.eps, torch.Generator().manual_seed(a.noise_seed))
    t = time.time()
    qmodel, tok, _ = quantized_model(cfg, pool, progress=False)
    # perplexity only: a KL here would be measured against the perturbed BF16 model (the pool's), not the published one
    from mxstudy.data import PPL_TASKS, perplexity_windows, ppl_corpus
    from mxstudy.evaluate import perplexity
    from mxstudy.models import model_needs_bos
    bos = tok.bos_token_id if model_needs_bos(qmodel) else None
    windows = perplexity_windows(tok, ppl_corpus(PPL_TASKS["ppl"], split="eval"), cfg.seqlen, max_windows=cfg.ppl_windows,
                                 bos_token_id=bos)
    result = perplexity(qmodel, windows, progress=False)
    print(json.dumps(dict(model=a.model, method=a.method, method_args=cfg.as_dict()["method_args"], family=a.family, where=a.where, eps=a.eps, noise_seed=a.noise_seed,
                          ppl=result["ppl"], seconds=round(time.time() - t))))


if __name__ == "__main__": main()
