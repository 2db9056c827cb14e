"""The step budgets of `python3 -m training all`: what the default model is trained for.

Step counts decide the model, so a run is the same model on any machine; the time caps
(`--budget-minutes`, shared out by the fractions below) only stop a stage early on a machine
much slower than the 2-core one the counts were chosen for. The counts were chosen from step
times measured on that machine (4 layers of 256, the cased 16,000-piece vocabulary; the card
of each run says how long its stages took) so that all of `all`, data preparation, export,
quantization and evaluation included, fits in two hours there (the step times are in
docs/RELIABILITY.md, "Training step times").

The split follows what was measured on a small encoder at equal cost: more fine-tuning steps on
the pretrained encoder bought far more dev accuracy than more pretraining steps did, so
fine-tuning gets about as much time as pretraining (which still gives the encoder the State of
the Union text and every window's context beyond Brown's tags).
"""
from __future__ import annotations

PRETRAIN_STEPS = 2400       # of 32 windows of 128 pieces
FINETUNE_EPOCHS = 3.5       # over the Brown training windows, 16 a step (2,289 steps)
FROZEN_EPOCHS = 0.5         # the article's BERT-frozen variant, for the card's comparison
FINETUNE_LR_BERT = "3e-4"

BUDGET_MINUTES = 115        # the caps, all three stages together
PRETRAIN_SHARE = 0.50
FINETUNE_SHARE = 0.42
FROZEN_SHARE = 0.04
