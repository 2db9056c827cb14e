"""PyTorch eager baseline for scripts/bench.mjs: the benchmarked bundle's own weights
(scripts/torch_from_bundle.py; int8 weights dequantized to fp32), forward only, on the exact
batches the extension sent. A training checkpoint (`tagger.pt`) may be given instead of a
bundle folder. Prints {"ready": true, "source": ...} once the model is built and warm, then
times one pass over the batches for each line read from standard input and prints
{"ms": ...}: the benchmark asks for a pass right after each of its own timed runs, so that each
ratio is between runs made one after the other (this kind of VM drifts over minutes).

The ready line also carries `fp32_gflops`: the eager model's first FFN Linear timed alone on a
[1, LENGTH, hidden] input (LENGTH: the fourth argument, the model's window), the shape at which
scripts/bench_floor.mjs measures ONNX Runtime's int8 MatMul. Their quotient is what the
hardware gives int8 over fp32 at the model's largest shape, which bounds PyTorch / ours: the
MatMuls are most of both models' work."""
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_from_bundle import load_from_bundle  # noqa: E402


def fp32_gflops(linear: torch.nn.Linear, rows: int, blocks: int = 7, per_block: int = 50) -> float:
    """GFLOP/s of `linear` on [1, rows, in]: the median of `blocks` timed blocks of calls."""
    x = torch.randn(1, rows, linear.in_features)
    for _ in range(10):
        linear(x)
    times = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            linear(x)
        times.append((time.perf_counter() - t0) / per_block)
    return 2 * rows * linear.in_features * linear.out_features / sorted(times)[blocks // 2] / 1e9


weights, batches_file, threads, length = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
if weights.is_dir():
    model, source = load_from_bundle(weights), "bundle"
else:
    from training.model import BertLstmTagger, TaggerConfig  # noqa: E402

    state = torch.load(weights)
    model = BertLstmTagger(TaggerConfig.from_dict(state["config"]))
    model.load_state_dict(state["state_dict"])
    model.eval()
    source = "checkpoint"
batches = []
for b in json.loads(Path(batches_file).read_text()):
    shape = (b["batch"], b["sequence"])
    batches.append((torch.tensor(b["input_ids"]).view(shape), torch.tensor(b["attention_mask"]).view(shape)))


with torch.inference_mode():
    model(*batches[0])
    gflops = fp32_gflops(model.bert.encoder.layer[0].intermediate.dense, length)
    print(json.dumps({"ready": True, "source": source, "fp32_gflops": round(gflops, 1)}), flush=True)
    for _ in sys.stdin:
        t0 = time.perf_counter()
        for ids, mask in batches:
            model(ids, mask)
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
