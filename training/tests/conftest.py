import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def run_training(*args, runs: Path):
    """Run `python3 -m training` as a user would; returns its output."""
    cmd = [sys.executable, "-m", "training", "--runs", str(runs), *args]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}"
    return res.stdout


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory):
    """A tiny model taken through pretrain -> finetune -> export once per test session."""
    runs = tmp_path_factory.mktemp("runs")
    run_training("--tiny", "--threads", "1", "pretrain", "--steps", "4", "--max-len", "64", runs=runs)
    run_training("--tiny", "--threads", "1", "finetune", "--epochs", "0.5", runs=runs)
    run_training("export", "--out", str(runs / "bundle"), runs=runs)
    return runs


def node_available() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "onnxruntime-node").exists()
