"""FastLM (mxstudy.scorer) against lm-eval's HFLM on the real default model (SmolLM2-135M-Instruct): the same
documents of the quick suite scored by both.

Full precision: every log-likelihood within 1e-3 (measured: 7.6e-5 at most), every is_greedy and every chosen
answer the same. W4A4 MXFP4 (quantized activations): a fake-quantized activation is a step function, so any
change of float32 summation order moves a few requests by whole nats — HFLM with eager instead of sdpa
attention moves more of them than FastLM does (nbs/14_scorer.ipynb). Measured on the quick suite at 100
documents per task: 97.4% of requests bit-identical to HFLM, 3 of 500 chosen answers different. The W4A4 test
asserts that picture (almost all requests equal, a handful of documents at most), which a broken mask or
position scheme would fail by far.
"""

import copy
import logging

import pytest

from mxstudy.evaluate import _tie_weights_disabled
from mxstudy.qmodel import make_scheme, quantize_model
from mxstudy.scorer import make_lm, score_agreement, task_scores

QUICK = ["arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande"]
LIMIT = 15


@pytest.fixture(scope="module")
def smollm2():
    from mxstudy.models import load_model
    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    return load_model("smollm2-135m", verbose=False)


def _agreement(model, tok):
    with _tie_weights_disabled(model):
        hflm, fast = make_lm(model, tok, "hflm", batch_size=16), make_lm(model, tok, "fast", batch_size=16)
    a, b = task_scores(hflm, QUICK, LIMIT), task_scores(fast, QUICK, LIMIT)
    assert fast.stats["fallback"] == 0 and fast.stats["requests"] == sum(len(r["lls"]) for rows in a.values() for r in rows)
    diffs = [abs(x - y) for t in a for p, q in zip(a[t], b[t]) for x, y in zip(p["lls"], q["lls"])]
    return score_agreement(a, b), diffs


def test_fast_scorer_matches_hflm_full_precision(smollm2):
    agree, diffs = _agreement(*smollm2)
    assert set(agree) == set(QUICK)
    for task, a in agree.items():
        assert a["n_docs"] == LIMIT, (task, a)
        assert a["max_abs_diff"] < 1e-3, (task, a)
        assert (a["greedy_mismatches"], a["pred_flips"], a["pred_norm_flips"]) == (0, 0, 0), (task, a)
        assert (a["acc_a"], a["acc_norm_a"]) == (a["acc_b"], a["acc_norm_b"]), (task, a)


def test_fast_scorer_matches_hflm_w4a4(smollm2):
    model, tok = smollm2
    agree, diffs = _agreement(quantize_model(copy.deepcopy(model), make_scheme("w4a4")), tok)
    n_docs = sum(a["n_docs"] for a in agree.values())
    assert n_docs == LIMIT * len(QUICK)
    assert sum(d <= 1e-3 for d in diffs) >= 0.9 * len(diffs), sorted(diffs)[-20:]   # measured 97.4%
    assert sum(a["pred_flips"] + a["pred_norm_flips"] for a in agree.values()) <= 3, agree
    for task, a in agree.items():
        assert a["greedy_mismatches"] <= 1, (task, a)
        assert abs(a["acc_a"] - a["acc_b"]) <= 1 / LIMIT + 1e-9 and abs(a["acc_norm_a"] - a["acc_norm_b"]) <= 1 / LIMIT + 1e-9, (task, a)


def test_fast_scorer_through_simple_evaluate(smollm2):
    "The evaluator's own path (request building, filters, metrics) gives the same metrics with either scorer."
    from lm_eval.evaluator import simple_evaluate
    from lm_eval.tasks import TaskManager
    from mxstudy.evaluate import lm_eval_tasks
    model, tok = smollm2
    results = {}
    for scorer in ("hflm", "fast"):
        with _tie_weights_disabled(model): lm = make_lm(model, tok, scorer, batch_size=16)
        results[scorer] = simple_evaluate(lm, tasks=lm_eval_tasks(["arc_easy", "winogrande"]),
                                          task_manager=TaskManager(include_defaults=False), limit=10, bootstrap_iters=0,
                                          log_samples=True, random_seed=0, numpy_random_seed=0, torch_random_seed=0,
                                          fewshot_random_seed=0)
    for task in ("arc_easy", "winogrande"):
        a, b = results["hflm"]["results"][task], results["fast"]["results"][task]
        assert {k: v for k, v in a.items() if "acc" in k} == {k: v for k, v in b.items() if "acc" in k}
        sa, sb = results["hflm"]["samples"][task], results["fast"]["samples"][task]
        assert len(sa) == len(sb) == 10
        for x, y in zip(sa, sb):
            assert x["doc_id"] == y["doc_id"] and len(x["filtered_resps"]) == len(y["filtered_resps"])
            for (la, ga), (lb, gb) in zip(x["filtered_resps"], y["filtered_resps"]):
                assert abs(float(la) - float(lb)) < 1e-3 and ga == gb
