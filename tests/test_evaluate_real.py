"""Integration check with the real default model (SmolLM2-135M-Instruct): the local lm-eval prompts and the
perplexity protocol give sane numbers. Slower than a notebook test (a real model on CPU), hence pytest.

Measured on the 2-core CPU machine (see nbs/13_evaluate.ipynb): ARC-Easy first 50 validation questions
acc 0.48 / acc_norm 0.40 (chance 0.25); wiki-eval perplexity over 20 windows of 512 tokens 20.99.
"""

import pytest
import torch

from mxstudy.data import perplexity_windows, ppl_corpus
from mxstudy.evaluate import perplexity, run_lm_eval

def _load_smollm2():
    "The dequantized GGUF in float32 (cached as safetensors by mxstudy.models on first use)."
    from mxstudy.models import load_model
    return load_model("smollm2-135m", verbose=False)


@pytest.fixture(scope="module")
def smollm2():
    return _load_smollm2()


def test_arc_easy_well_above_chance(smollm2):
    "Sane prompts: 4-way ARC-Easy (chance 0.25) on the first 50 validation questions."
    model, tokenizer = smollm2
    r = run_lm_eval(model, tokenizer, ["arc_easy"], limit=50, batch_size=16)["arc_easy"]
    assert r["n_docs"] == 50
    assert r["acc"] >= 0.40 and r["acc_norm"] >= 0.35, r   # measured 0.48 / 0.40; stderr ~0.07
    assert 0 < r["acc_stderr"] < 0.1 and 0 < r["acc_norm_stderr"] < 0.1


def test_wiki_perplexity(smollm2):
    "Perplexity on the wiki evaluation half: far below the vocabulary size, in a small model's range."
    model, tokenizer = smollm2
    windows = perplexity_windows(tokenizer, ppl_corpus("wiki", "eval"), seqlen=512, max_windows=20)
    r = perplexity(model, windows, batch_size=4, progress=False)
    assert (r["n_windows"], r["n_tokens"]) == (20, 20 * 511)
    assert 10 < r["ppl"] < 40, r                            # measured 20.99
