"""python3 -m training <pretrain|finetune|export|quantize|evaluate|all> [options]

Each step reads and writes under --runs (default training/runs), is seeded, prints what it does,
and resumes from its checkpoint when run again."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_RUNS = Path(__file__).resolve().parent / "runs"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m training", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=Path, default=DEFAULT_RUNS, help="folder for runs")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--tiny", action="store_true",
                   help="tiny config and a few documents: a smoke run of the whole pipeline")
    sub = p.add_subparsers(dest="cmd", required=True)

    pt = sub.add_parser("pretrain", help="masked-LM pretraining of BERT from scratch")
    pt.add_argument("--steps", type=int, default=1200)
    pt.add_argument("--batch-size", type=int, default=32)
    pt.add_argument("--lr", type=float, default=5e-4)
    pt.add_argument("--time-budget", type=float, default=55 * 60, help="seconds")
    pt.add_argument("--layers", type=int, default=4)
    pt.add_argument("--hidden", type=int, default=256)
    pt.add_argument("--heads", type=int, default=4)
    pt.add_argument("--max-len", type=int, default=128)

    ft = sub.add_parser("finetune", help="train BERT+LSTM with both heads")
    ft.add_argument("--bert", type=Path, help="pretrained encoder (default: the pretrain run's)")
    ft.add_argument("--hf-checkpoint", type=Path,
                    help="a Hugging Face BERT state dict (pytorch_model.bin) and its config.json "
                         "in the same folder, instead of our pretrained encoder")
    ft.add_argument("--name", default=None, help="run name (default finetune or finetune-frozen)")
    ft.add_argument("--freeze-bert", action="store_true", help="train only the LSTM and heads")
    ft.add_argument("--epochs", type=float, default=3)
    ft.add_argument("--batch-size", type=int, default=16)
    ft.add_argument("--lr-bert", type=float, default=1e-4)
    ft.add_argument("--lr-head", type=float, default=1e-3)
    ft.add_argument("--lstm-hidden", type=int, default=128)
    ft.add_argument("--lstm-layers", type=int, default=1)
    ft.add_argument("--unidirectional", action="store_true")
    ft.add_argument("--sequence-head", choices=["last_state", "cls"], default="last_state")
    ft.add_argument("--sequence-weight", type=float, default=0.5)
    ft.add_argument("--time-budget", type=float, default=30 * 60, help="seconds")

    ex = sub.add_parser("export", help="write a bundle (ONNX + tokenizer + config + card)")
    ex.add_argument("--tagger", type=Path, help="default: the finetune run's tagger.pt")
    ex.add_argument("--out", type=Path, required=True)
    ex.add_argument("--no-lstm", action="store_true",
                    help="export a plain BERT token-classification model (3-D `logits`)")

    q = sub.add_parser("quantize", help="int8 dynamic quantization of a bundle's model.onnx")
    q.add_argument("--bundle", type=Path, required=True)
    q.add_argument("--out", type=Path, required=True)

    ev = sub.add_parser("evaluate", help="score a bundle's ONNX model on dev or test documents")
    ev.add_argument("--bundle", type=Path, required=True)
    ev.add_argument("--split", choices=["dev", "test"], default="dev")

    sub.add_parser("all", help="pretrain, finetune (both variants), export, quantize, evaluate "
                               "and write models/default")
    args = p.parse_args(argv)

    return run(args)


def run(args) -> int:
    from . import train
    from .model import BertConfig, TaggerConfig
    runs: Path = args.runs
    tiny = args.tiny
    if args.cmd == "pretrain":
        cfg = BertConfig(num_hidden_layers=args.layers, hidden_size=args.hidden,
                         num_attention_heads=args.heads, intermediate_size=4 * args.hidden,
                         max_position_embeddings=args.max_len)
        if tiny:
            cfg = BertConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                             intermediate_size=64, max_position_embeddings=args.max_len)
        train.pretrain(runs / "pretrain", cfg, steps=args.steps, batch_size=args.batch_size,
                       lr=args.lr, time_budget_s=args.time_budget, seed=args.seed,
                       threads=args.threads, limit_docs=4 if tiny else None)
        return 0
    raise SystemExit(f"unknown command {args.cmd}")


if __name__ == "__main__":
    sys.exit(main())
