"""PyTorch eager baseline for scripts/bench.mjs: the fp32 weights of the shipped model's
training run, forward only, on the exact batches the extension sent. Prints {"ms": median}."""
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.finetune import load_tagger  # noqa: E402

weights, batches_file, threads, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
model, _ = load_tagger(Path(weights))
batches = []
for b in json.loads(Path(batches_file).read_text()):
    shape = (b["batch"], b["sequence"])
    batches.append((torch.tensor(b["input_ids"]).view(shape), torch.tensor(b["attention_mask"]).view(shape)))
times = []
with torch.inference_mode():
    model(*batches[0])
    for _ in range(repeat):
        t0 = time.perf_counter()
        for ids, mask in batches:
            model(ids, mask)
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": statistics.median(times)}))
