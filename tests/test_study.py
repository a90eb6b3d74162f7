"""Integration tests of the study machinery: the CLI's --json contract, the papermill path, a grid killed midway
and resumed without losing a finished row, and a smoke test of the quantized real model (SmolLM2)."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
MXSTUDY = [sys.executable, "-m", "mxstudy.cli"]
ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}


def run_cli(*args, timeout=600):
    return subprocess.run(MXSTUDY + list(args), cwd=REPO, capture_output=True, text=True, timeout=timeout, env=ENV)


def test_eval_json_contract(tmp_path):
    store = tmp_path / "r.sqlite"
    args = ["eval", "--model", "tiny-llama", "--scheme", "w4a4", "--tasks", "ppl,arc_easy", "--limit", "4",
            "--seqlen", "64", "--ppl-windows", "2", "--store", str(store), "--json", "--quiet"]
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(r.stdout.strip().splitlines()) == 1, r.stdout[:500]  # --json prints exactly one JSON object
    out = json.loads(r.stdout)
    assert out["ppl"] > 1 and 0 <= out["tasks"]["arc_easy"]["acc"] <= 1
    assert "acc_stderr" in out["tasks"]["arc_easy"]
    assert out["info"]["cached"] is False and out["info"]["seed"] == 0 and out["info"]["versions"]["torch"]
    again = json.loads(run_cli(*args).stdout.strip().splitlines()[-1])  # a finished configuration is a cache hit
    assert again["info"]["cached"] is True and again["ppl"] == out["ppl"] and again["config_hash"] == out["config_hash"]


def test_bad_input_is_one_line_before_loading():
    t = time.perf_counter()
    r = run_cli("eval", "--model", "smollm2-135m", "--scheme", "w4a4", "--format", "mxfp", "--w", "mxfp4:block=96", "--a", "mxfp4:block=100")
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert "does not divide" in r.stderr and time.perf_counter() - t < 60


def _grid_params(tmp_path, settings):
    p = tmp_path / "grid.yaml"
    p.write_text(json.dumps({"notebook": "nbs/experiments/rq1_formats.ipynb", "output_dir": str(tmp_path / "out"),
                             "parameters": {"models": ["tiny-llama"], "settings": settings, "tasks": ["ppl"],
                                            "seqlen": 64, "ppl_windows": 200, "store": str(tmp_path / "r.sqlite")}}))
    return p


def _rows(store):
    if not Path(store).exists(): return {}
    try:
        with sqlite3.connect(store) as con:
            return dict(con.execute("SELECT config_hash, created FROM results").fetchall())
    except sqlite3.OperationalError: return {}   # the run has created the file but not yet its table


def test_killed_grid_resumes_without_loss(tmp_path):
    """Kill `mxstudy run` after its first finished row; the re-run (with a helper process, `--workers 2`) keeps that
    row (same timestamp) and completes."""
    settings = ["bf16", "w8a8", "w4a4", "w4a8", "w4a16"]
    params, store = _grid_params(tmp_path, settings), tmp_path / "r.sqlite"
    proc = subprocess.Popen(MXSTUDY + ["run", str(params)], cwd=REPO, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(_rows(store)) < 1: time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    first = _rows(store)
    assert 1 <= len(first) < len(settings), f"the grid should have been interrupted midway, had {len(first)} rows"
    r = run_cli("run", str(params), "--workers", "2")   # the killed run's claims are taken over; a helper shares the rest
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "on 2 processes with" in r.stdout, r.stdout[-2000:]
    final = _rows(store)
    assert len(final) == len(settings)
    for h, created in first.items(): assert final[h] == created  # finished rows were not recomputed
    assert (tmp_path / "out" / "rq1_table.md").exists() and (tmp_path / "out" / "rq1_recovery.png").exists()


@pytest.fixture(scope="module")
def smollm2_rows():
    from mxstudy.study import EvalConfig, evaluate_config
    rows = {}
    for setting in ["bf16", "w8a8", "w4a4"]:
        cfg = EvalConfig.make(model="smollm2-135m", setting=setting, tasks="ppl", seqlen=256, ppl_windows=6)
        rows[setting] = evaluate_config(cfg, None, progress=False)["metrics"]["ppl"]["ppl"]
    return rows


def test_smollm2_w8a8_close_w4a4_worse(smollm2_rows):
    base, w8, w4 = smollm2_rows["bf16"], smollm2_rows["w8a8"], smollm2_rows["w4a4"]
    assert 5 < base < 60
    # measured (6 windows x 256 tokens): BF16 24.26, W8A8 25.41 (+4.7%); MXFP8 stays close, MXFP4 W+A clearly hurts
    assert abs(w8 / base - 1) < 0.08, (base, w8, w4)
    assert w4 / base - 1 > 3 * abs(w8 / base - 1) and w4 > base * 1.15, (base, w8, w4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cpu_and_cuda_agree():
    "A tiny configuration gives the same per-document choices on both devices and a perplexity within 1e-3 relative."
    from mxstudy.study import EvalConfig, ModelPool, evaluate_config
    cfg = EvalConfig.make(model="tiny-llama", setting="w4a8kv8", method="gptq", tasks=["ppl", "arc_easy", "piqa"],
                          limit=8, seqlen=64, ppl_windows=4, calib_samples=4, calib_seqlen=64)
    rows = {d: evaluate_config(cfg, None, pool=ModelPool(d), progress=False) for d in ("cpu", "cuda")}
    cpu, gpu = rows["cpu"]["metrics"], rows["cuda"]["metrics"]
    assert abs(gpu["ppl"]["ppl"] / cpu["ppl"]["ppl"] - 1) < 1e-3, (cpu["ppl"]["ppl"], gpu["ppl"]["ppl"])
    for t in ("arc_easy", "piqa"): assert gpu[t]["docs"]["choice"] == cpu[t]["docs"]["choice"], t
    assert rows["cuda"]["info"]["device"] == "cuda" and rows["cuda"]["info"]["hardware"]


def test_activations_notebook_runs_with_its_own_parameters(tmp_path):
    "An experiment notebook may declare parameters beyond the grid's (layer, linear, windows); a typo is still one error line."
    out = tmp_path / "act"
    r = run_cli("run", "params/activations.yaml", "--set", "models=[tiny-llama]", "--set", "methods=[rtn,quarot]",
                "--set", "seqlen=32", "--set", "windows=2", "--set", "layer=1", "--set", "calib_seqlen=32",
                "--output-dir", str(out))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    table = (out / "activations_table.csv").read_text()
    assert "quarot" in table and (out / "activations.png").stat().st_size > 10_000
    bad = run_cli("run", "params/activations.yaml", "--set", "layr=3")
    assert bad.returncode == 2 and "unknown parameter(s): layr" in bad.stderr


def test_exclude_typo_is_one_error_line_before_loading():
    "A misspelt method in a grid's `exclude` stops `mxstudy run` with one line, before papermill or any model starts."
    bad = run_cli("run", "params/smoke.yaml", "--set", "exclude=[{method: smothquant}]")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        next(l for l in bad.stderr.splitlines() if l.startswith("mxstudy: error: exclude: method 'smothquant'"))], bad.stderr


def test_every_parameter_file_builds_its_grid():
    "Each params/*.yaml names an existing notebook and a grid that validates (the GPU-sized files included)."
    import yaml
    from mxstudy.study import EVAL_KEYS, GRID_KEYS, OTHER_KEYS, grid_from_params
    from mxstudy.models import MODELS
    sizes = {}
    for f in sorted((REPO / "params").glob("*.yaml")):
        spec = yaml.safe_load(f.read_text())
        assert (REPO / spec["notebook"]).exists(), f.name
        cells = json.loads((REPO / spec["notebook"]).read_text())["cells"]   # papermill injects after the tagged cell;
        assert any("parameters" in c["metadata"].get("tags", []) for c in cells), spec["notebook"]   # untagged, it is overridden
        grid_keys = {k: v for k, v in spec["parameters"].items() if k in GRID_KEYS + EVAL_KEYS + OTHER_KEYS}
        missing = [m for m in grid_keys.get("models", []) if m in MODELS and MODELS[m].missing_packages()]
        if missing:   # an optional model (make gemma) is not installed here: the same grid with a stand-in model
            assert "tiny-llama" not in grid_keys["models"], f.name
            grid_keys["models"] = ["tiny-llama" if m in missing else m for m in grid_keys["models"]]
        sizes[f.stem] = len(grid_from_params(grid_keys))
        described = [int(w) for w in spec["description"].replace(":", " ").split() if w.isdigit()]
        if " rows" in spec["description"]:   # a description that counts its rows counts them right
            assert sizes[f.stem] in described, (f.name, sizes[f.stem], described)
    assert sizes["rq4_quick"] == 33 and sizes["rq2_complete"] == 201 and sizes["decomposition_extended"] == 97
    assert sizes["rq3"] == 14 and sizes["configs_weights"] == 15 and sizes["configs_transforms"] == 10
    assert sizes["reasoning"] == 9 and sizes["rq2_quick"] == 81 and sizes["methods"] == 31   # methods: trimmed by `exclude`


def test_scale_variants_run_through_the_cli(tmp_path):
    "A format family with options (RQ4's scale variants) is one flag; a bad option is one error line before loading."
    r = run_cli("eval", "--model", "tiny-llama", "--scheme", "w4a4", "--format", "mxfp:scale=fp32", "--tasks", "ppl",
                "--seqlen", "32", "--ppl-windows", "2", "--no-store", "--json", "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["info"]["scheme"]["weight"] == "mxfp4:scale=fp32" and out["info"]["scheme"]["act"] == "mxfp4:scale=fp32"
    r = run_cli("eval", "--scheme", "w4a4", "--w", "mxfp4:scale=fp32", "--a", "mxfp4:scale=fp32", "--model", "tiny-llama",
                "--tasks", "ppl", "--seqlen", "32", "--ppl-windows", "2", "--no-store", "--json", "--quiet")
    assert r.returncode == 0 and json.loads(r.stdout)["ppl"] == out["ppl"], r.stderr[-2000:]
    bad = run_cli("eval", "--scheme", "w4a4", "--format", "mxfp:scael=fp32")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "bad option" in bad.stderr


def test_package_imports_without_warnings():
    "nbdev writes the modules' summaries into mxstudy/__init__.py as a plain docstring: a backslash there is a bug."
    r = subprocess.run([sys.executable, "-W", "error", "-c", "import ast, pathlib, mxstudy; "
                        "compile(pathlib.Path(mxstudy.__file__).read_text(), '__init__.py', 'exec')"],
                       cwd=REPO, capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = (REPO / "mxstudy" / "__init__.py").read_text().split('"""')[1]
    assert "\\" not in doc, "a backslash in a module summary ('\\t' of '\\times' is a tab): write the formula plainly"
