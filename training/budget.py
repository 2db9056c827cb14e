"""The step budgets of `python3 -m training all`: what the default model is trained for.

Step counts decide the model, so a run is the same model on any machine; the time caps
(`--budget-minutes`, shared out by the fractions below) only stop a stage early on a machine
much slower than the 2-core one the counts were chosen for. The counts were chosen from step
times measured on that machine (4 layers of 256, the cased 16,000-piece vocabulary; the card
of each run says how long its stages took) so that all of `all`, data preparation, export,
quantization and evaluation included, fits in two hours there (the step times are in
docs/RELIABILITY.md, "Training step times").

The split follows what the 2,400-step run of 1 Dec 2026 measured on this machine: its masked-LM
loss went from 6.5 at step 500 to only 6.2 at step 2,400 (masked-token accuracy 0.109 to 0.134,
the plateau where a small encoder predicts frequent pieces and has not yet learned to use
context), while its fine-tuning's dev UPOS still rose with every epoch (0.941, 0.956, 0.966,
0.967 after 1, 2, 3 and 3.5). So pretraining gets a short stage (the encoder's embeddings and
the State of the Union text) and fine-tuning most of the two hours.
"""
from __future__ import annotations

PRETRAIN_STEPS = 600        # of 32 windows of 128 pieces
FINETUNE_EPOCHS = 6.5       # over the Brown training windows, 16 a step (4,329 steps)
FROZEN_EPOCHS = 0.5         # the article's BERT-frozen variant, for the card's comparison
FINETUNE_LR_BERT = "3e-4"

BUDGET_MINUTES = 115        # the caps, all three stages together
PRETRAIN_SHARE = 0.15      # ~14.5 min of a 17-min cap
FINETUNE_SHARE = 0.80      # ~87 min of a 92-min cap (1.05-1.2 s a step, the dev checks)
FROZEN_SHARE = 0.04
