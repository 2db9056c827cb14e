"""python3 -m training <pretrain|finetune|export|quantize|evaluate|all|import-article> [options]

Each step reads and writes under --runs (default training/runs), is seeded, prints what it does,
and resumes from its checkpoint when run again."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_RUNS = Path(__file__).resolve().parent / "runs"


def build_parser() -> argparse.ArgumentParser:
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
    pt.add_argument("--vocab", choices=["cased", "bert-uncased"], default="cased",
                    help="a cased WordPiece vocabulary learned from the pretraining text, or "
                         "bert-base-uncased's")
    pt.add_argument("--vocab-size", type=int, default=16000)

    ft = sub.add_parser("finetune", help="train BERT+LSTM with both heads")
    ft.add_argument("--bert", type=Path, help="pretrained encoder (default: the pretrain run's)")
    ft.add_argument("--hf-checkpoint", type=Path,
                    help="a Hugging Face BERT state dict (pytorch_model.bin) and its config.json "
                         "in the same folder, instead of our pretrained encoder")
    ft.add_argument("--name", default=None, help="run name (default finetune or finetune-frozen)")
    ft.add_argument("--freeze-bert", action="store_true", help="train only the LSTM and heads")
    ft.add_argument("--epochs", type=float, default=3)
    ft.add_argument("--batch-size", type=int, default=16)
    ft.add_argument("--lr-bert", type=float, default=2e-4)
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

    op = sub.add_parser("optimize", help="exact graph rewrites of a bundle (biases folded into the "
                                         "quantized MatMuls, one MatMul for Q, K and V, each layer's "
                                         "attention as ONNX Attention keeping `attentions`)")
    op.add_argument("--bundle", type=Path, required=True)
    op.add_argument("--out", type=Path, help="default: rewrite the bundle in place")
    op.add_argument("--fuse-attention", action=argparse.BooleanOptionalAction, default=None,
                    help="ONNX Attention (opset 23) per layer (default: when config.json names the heads)")
    op.add_argument("--lstm-int8", action="store_true",
                    help="also the LSTM as com.microsoft DynamicQuantizeLSTM: NOT exact, its "
                         "differences are printed; check the accuracy with `evaluate`")
    op.add_argument("--check-split", choices=["dev", "test"],
                    help="also check the rewrites on this split's Brown windows (same labels)")

    fe = sub.add_parser("features", help="add the `token_features` output and token_head.json to a bundle "
                                         "(learning from corrections in the extension)")
    fe.add_argument("--bundle", type=Path, required=True)

    ff = sub.add_parser("finetune-from", help="fine-tune a bundle's BERT and LSTM jointly on annotation files "
                                              "(CoNLL-U, CoNLL, JSONL spans, sidecars) into a new bundle")
    ff.add_argument("--bundle", type=Path, required=True)
    ff.add_argument("--train", type=Path, nargs="+", required=True)
    ff.add_argument("--out", type=Path, required=True)
    ff.add_argument("--epochs", type=float, default=10)
    ff.add_argument("--batch-size", type=int, default=8)
    ff.add_argument("--lr-bert", type=float, default=3e-5)
    ff.add_argument("--lr-head", type=float, default=1e-3)
    ff.add_argument("--freeze-bert", action="store_true", help="train the LSTM and the head only")
    ff.add_argument("--force", action="store_true", help="write the bundle even if held-out accuracy drops")

    ev = sub.add_parser("evaluate", help="score a bundle's ONNX model on dev or test documents")
    ev.add_argument("--bundle", type=Path, required=True)
    ev.add_argument("--split", choices=["dev", "test"], default="dev")

    ia = sub.add_parser("import-article",
                        help="a bundle from a state dict of the article's BertLSTM, "
                             "BertLSTMCLS or BertLSTMSequence")
    ia.add_argument("--state-dict", type=Path, required=True,
                    help="torch.save(model.state_dict()) of the article's module")
    ia.add_argument("--class", dest="article_class", required=True,
                    choices=["BertLSTM", "BertLSTMCLS", "BertLSTMSequence"])
    ia.add_argument("--config", type=Path, required=True,
                    help="the Hugging Face config.json of its BERT")
    ia.add_argument("--vocab", type=Path, required=True, help="the vocab.txt of its BERT")
    ia.add_argument("--out", type=Path, required=True)
    ia.add_argument("--labels", help="the classifier's labels in output order, comma-separated "
                                     "(default LABEL_0, LABEL_1, ...)")
    ia.add_argument("--lowercase", choices=["auto", "yes", "no"], default="auto",
                    help="whether the tokenizer lowercases (auto: yes when the vocabulary has "
                         "no upper-case pieces)")
    ia.add_argument("--max-length", type=int, help="pieces per window (default: the model's "
                                                    "max_position_embeddings)")
    ia.add_argument("--name", help="the bundle's name")
    ia.add_argument("--train-token-head", action="store_true",
                    help="BertLSTMSequence: train a UPOS token head on its LSTM outputs")
    ia.add_argument("--head-docs", type=int, default=40,
                    help="Brown training documents for the token head")
    ia.add_argument("--head-epochs", type=int, default=3)

    al = sub.add_parser("all", help="pretrain, finetune (both variants), export, quantize, "
                                    "evaluate and write models/default")
    al.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "models" / "default")
    al.add_argument("--budget-minutes", type=float, default=None,
                    help="wall-clock cap of the training steps, a guard for slow machines "
                         "(default training/budget.py: pretraining 15%%, fine-tuning 80%%, the "
                         "frozen variant 4%%); the step counts decide the model")
    return p


def parse(argv=None):
    return build_parser().parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)

    return run(args)


def run(args) -> int:
    runs: Path = args.runs
    if args.cmd == "pretrain":
        return cmd_pretrain(args)
    if args.cmd == "finetune":
        return cmd_finetune(args)
    if args.cmd == "export":
        from .bundle import export_bundle
        tagger = args.tagger or runs / "finetune" / "tagger.pt"
        print(f"exporting {tagger} -> {args.out}")
        export_bundle(tagger, args.out, plain=args.no_lstm)
        return 0
    if args.cmd == "quantize":
        from .quantize import quantize_bundle
        counts = quantize_bundle(args.bundle, args.out)
        print(f"quantized {counts} -> {args.out / 'model.onnx'}")
        return 0
    if args.cmd == "optimize":
        from .evaluate import eval_windows
        from .optimize import optimize_bundle
        windows = eval_windows(args.bundle, args.check_split, runs, args.tiny) if args.check_split else None
        try:
            counts = optimize_bundle(args.bundle, args.out or args.bundle, args.fuse_attention,
                                     lstm_int8=args.lstm_int8, windows=windows)
        except ValueError as e:
            print(f"optimize: {e}", file=sys.stderr)
            return 2
        print(f"optimized {counts} -> {(args.out or args.bundle) / 'model.onnx'}")
        return 0
    if args.cmd == "features":
        from .head_file import add_features
        print(f"token features {add_features(args.bundle)} -> {args.bundle}")
        return 0
    if args.cmd == "finetune-from":
        from .finetune_from import TrainingFileError, finetune_from
        if args.out.resolve() == args.bundle.resolve():
            print("finetune-from: --out must be a new folder, not the bundle itself", file=sys.stderr)
            return 2
        try:
            r = finetune_from(args.bundle, args.train, args.out, epochs=args.epochs, batch_size=args.batch_size,
                              lr_bert=args.lr_bert, lr_head=args.lr_head, freeze_bert=args.freeze_bert,
                              threads=args.threads, force=args.force)
        except TrainingFileError as e:
            print(f"finetune-from: {e}", file=sys.stderr)
            return 1
        return 0 if r["written"] else 1
    if args.cmd == "evaluate":
        return cmd_evaluate(args)
    if args.cmd == "all":
        return cmd_all(args)
    if args.cmd == "import-article":
        return cmd_import_article(args)
    raise SystemExit(f"unknown command {args.cmd}")


def cmd_pretrain(args) -> int:
    from .config import PretrainConfig
    from .model import BertConfig
    from .pretrain import pretrain
    bert = BertConfig(num_hidden_layers=args.layers, hidden_size=args.hidden,
                      num_attention_heads=args.heads, intermediate_size=4 * args.hidden,
                      max_position_embeddings=args.max_len)
    if args.tiny:
        bert = BertConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                          intermediate_size=64, max_position_embeddings=args.max_len)
    cfg = PretrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                         time_budget_s=args.time_budget, seed=args.seed, threads=args.threads,
                         limit_docs=4 if args.tiny else None, vocab=args.vocab,
                         vocab_size=min(args.vocab_size, 2000) if args.tiny else args.vocab_size)
    pretrain(args.runs / "pretrain", bert, cfg)
    return 0


def cmd_finetune(args) -> int:
    import json
    import torch
    from .config import FinetuneConfig
    from .finetune import finetune
    from .model import BertConfig, BertModel, TaggerConfig, load_hf_bert_state_dict
    from .run_tokenizer import of_hf_folder
    name = args.name or ("finetune-frozen" if args.freeze_bert else "finetune")
    if args.hf_checkpoint:
        folder = args.hf_checkpoint if args.hf_checkpoint.is_dir() else args.hf_checkpoint.parent
        hf = json.loads((folder / "config.json").read_text())
        fields = BertConfig.__dataclass_fields__
        bert_cfg = BertConfig(**{k: v for k, v in hf.items() if k in fields})
        bert = BertModel(bert_cfg)
        weights = folder / "pytorch_model.bin" if args.hf_checkpoint.is_dir() else args.hf_checkpoint
        load_hf_bert_state_dict(bert, torch.load(weights, map_location="cpu"))
        bert_ckpt = args.runs / name / "hf_bert.pt"
        bert_ckpt.parent.mkdir(parents=True, exist_ok=True)
        # the checkpoint's own vocabulary (vocab.txt next to it), else bert-base-uncased
        torch.save({"config": bert_cfg.to_dict(), "state_dict": bert.state_dict(),
                    "steps": "hf", "tokenizer": of_hf_folder(folder).spec()}, bert_ckpt)
    else:
        bert_ckpt = args.bert or args.runs / "pretrain" / "bert.pt"
        if not bert_ckpt.exists():
            raise SystemExit(f"no pretrained encoder at {bert_ckpt}: run pretrain first")
        bert_cfg = BertConfig(**torch.load(bert_ckpt)["config"])
    tagger = TaggerConfig(bert=bert_cfg, lstm_hidden_size=args.lstm_hidden,
                          lstm_layers=args.lstm_layers, bidirectional=not args.unidirectional,
                          sequence_head=args.sequence_head)
    run_cfg = FinetuneConfig(epochs=args.epochs, batch_size=args.batch_size,
                             lr_bert=args.lr_bert, lr_head=args.lr_head,
                             freeze_bert=args.freeze_bert, sequence_weight=args.sequence_weight,
                             time_budget_s=args.time_budget, seed=args.seed,
                             threads=args.threads, limit_docs=4 if args.tiny else None)
    finetune(args.runs / name, bert_ckpt, tagger, run_cfg)
    return 0


def cmd_evaluate(args) -> int:
    import json
    from .evaluate import evaluate_bundle
    try:
        scores = evaluate_bundle(args.bundle, args.split, args.runs)
    except ValueError as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in scores.items() if k != "upos_per_tag"}, indent=1))
    return 0


def cmd_import_article(args) -> int:
    import torch
    from .article import ArticleImportError, import_article
    torch.set_num_threads(args.threads)
    labels = [t.strip() for t in args.labels.split(",")] if args.labels else None
    try:
        import_article(args.state_dict, args.article_class, args.config, args.vocab, args.out,
                       labels=labels, lowercase={"auto": None, "yes": True, "no": False}[args.lowercase],
                       max_length=args.max_length, name=args.name,
                       train_head=args.train_token_head, head_docs=args.head_docs,
                       head_epochs=args.head_epochs)
    except ArticleImportError as e:
        print(f"import-article: {e}", file=sys.stderr)
        return 2
    return 0


def cmd_all(args) -> int:
    """The whole default model, from a clean checkout: pretrain, fine-tune (BERT trained and
    BERT frozen), export, quantize, add features, optimize, evaluate, and write models/default.
    The training steps resume from their checkpoints; the bundle steps are made again."""
    import json
    import shutil
    import time
    from . import data
    from .card import write_card
    from .evaluate import evaluate_bundle, write_eval_sentences
    runs: Path = args.runs
    t0 = time.time()
    step = lambda *a: run(parse(["--runs", str(runs), "--seed", str(args.seed),
                                 "--threads", str(args.threads)] + (["--tiny"] if args.tiny else [])
                                + list(a)))
    # Step counts fix the model; the time caps only stop a slow machine (training/budget.py).
    from . import budget
    minutes = args.budget_minutes or budget.BUDGET_MINUTES
    if args.tiny:
        step("pretrain", "--steps", "4", "--max-len", "64")
        step("finetune", "--epochs", "0.5")
        step("finetune", "--freeze-bert", "--epochs", "0.5")
    else:
        if not (runs / "pretrain" / "bert.pt").exists():
            step("pretrain", "--steps", str(budget.PRETRAIN_STEPS),
                 "--time-budget", str(int(minutes * 60 * budget.PRETRAIN_SHARE)))
        if not (runs / "finetune" / "tagger.pt").exists():
            step("finetune", "--epochs", str(budget.FINETUNE_EPOCHS),
                 "--lr-bert", budget.FINETUNE_LR_BERT,
                 "--time-budget", str(int(minutes * 60 * budget.FINETUNE_SHARE)))
        if not (runs / "finetune-frozen" / "tagger.pt").exists():
            step("finetune", "--freeze-bert", "--epochs", str(budget.FROZEN_EPOCHS),
                 "--time-budget", str(int(minutes * 60 * budget.FROZEN_SHARE)))
    # The shipped bundle is made by one path: export -> quantize -> features (token_features and
    # token_head.json) -> optimize (the exact rewrites, each checked on the dev windows: same
    # labels) -> the LSTM in int8 as a candidate; dev decides, on the final graphs.
    def checked(*a):
        if step(*a) != 0:
            raise SystemExit(f"python3 -m training {' '.join(a)} failed")
    fp32, int8, lstm8 = runs / "bundle-fp32", runs / "bundle-int8", runs / "bundle-int8-lstm8"
    checked("export", "--out", str(fp32))
    checked("quantize", "--bundle", str(fp32), "--out", str(int8))
    for b in (fp32, int8):
        checked("features", "--bundle", str(b))
        checked("optimize", "--bundle", str(b), "--check-split", "dev")
    checked("optimize", "--bundle", str(int8), "--out", str(lstm8), "--lstm-int8", "--check-split", "dev")
    bundles = {"fp32": fp32, "int8": int8, "int8-lstm8": lstm8}
    dev = {k: evaluate_bundle(b, "dev", runs, tiny=args.tiny) for k, b in bundles.items()}
    # int8 ships if it loses at most 0.5 UPOS accuracy points on dev (test is not looked at);
    # its LSTM in int8 too if that loses at most 0.1 point more
    chosen = "int8" if dev["int8"]["upos_accuracy"] >= dev["fp32"]["upos_accuracy"] - 0.005 else "fp32"
    if chosen == "int8" and dev["int8-lstm8"]["upos_accuracy"] >= dev["int8"]["upos_accuracy"] - 0.001:
        chosen = "int8-lstm8"
    test = {k: evaluate_bundle(b, "test", runs, tiny=args.tiny) for k, b in bundles.items()}
    # the article's cheap option, BERT frozen, scored the same way for the card
    frozen_fp32 = runs / "bundle-frozen-fp32"
    checked("export", "--tagger", str(runs / "finetune-frozen" / "tagger.pt"), "--out", str(frozen_fp32))
    frozen = {split: evaluate_bundle(frozen_fp32, split, runs, tiny=args.tiny) for split in ("dev", "test")}
    out = args.out
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(bundles[chosen], out)
    write_card(out, runs, chosen, dev, test, time.time() - t0, frozen)
    if not args.tiny:
        # held-out sentences with gold tags, for the test that runs the shipped bundle
        write_eval_sentences(data.ROOT / "test" / "fixtures" / "brown-test-sentences.jsonl",
                                    "test", every=10)
    print(f"models: {out} ({chosen}); dev UPOS {dev[chosen]['upos_accuracy']:.4f}, "
          f"test UPOS {test[chosen]['upos_accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
