"""The step budgets of `python3 -m training all`: what the default model is trained for.

Step counts decide the model, so a run is the same model on any machine; the time caps
(`--budget-minutes`, shared out by the fractions below) only stop a step early on a machine
much slower than the 2-core one the counts were chosen for. The counts were chosen from step
times measured on that machine (4 layers of 256, the cased 16,000-piece vocabulary; the card
of each run says how long its stages took) so that all of `all`, data preparation, export,
quantization and evaluation included, fits in two hours there. Pretraining gets most of the time: it is the only stage that sees the State of the
Union text and every window's context, and the previous default was cut short there.
"""
from __future__ import annotations

PRETRAIN_STEPS = 3000       # of 32 windows of 128 pieces
FINETUNE_EPOCHS = 5         # over the Brown training windows, 16 a step
FROZEN_EPOCHS = 0.5         # the article's BERT-frozen variant, for the card's comparison
FINETUNE_LR_BERT = "3e-4"

BUDGET_MINUTES = 115        # the caps, all three stages together
PRETRAIN_SHARE = 0.60
FINETUNE_SHARE = 0.32
FROZEN_SHARE = 0.04
