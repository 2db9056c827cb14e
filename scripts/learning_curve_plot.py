"""docs/learning_curve.png from bench/learning_curve.json (scripts/learning_curve.mjs writes it):
held-out accuracy against corrected sentences for the model, the instant tier, the retrained
head and both, one panel per simulation. Needs matplotlib (Debian: python3-matplotlib)."""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TITLES = {
    "brown": "Brown test documents, another tag convention\n(gold labels)",
    "sotu": "State of the Union speeches, wink-nlp's tags\n(another domain; silver labels)",
}
r = json.loads((ROOT / "bench" / "learning_curve.json").read_text())
sims = r["simulations"]
fig, axes = plt.subplots(1, len(sims), figsize=(6.2 * len(sims), 4.4), dpi=110, squeeze=False)
for ax, sim in zip(axes[0], sims):
    rows = sim["rows"]
    x = [max(row["sentences"], 1) for row in rows]
    for key, name, style in (("model", "shipped model", "k--"), ("memory", "instant tier (memory)", "o-"),
                             ("head", "retrained head", "s-"), ("both", "both", "^-")):
        ax.plot(x, [100 * row[key] for row in rows], style, label=name)
    ax.set_xscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([str(row["sentences"]) for row in rows])
    ax.minorticks_off()
    ax.set_xlabel("corrected sentences")
    ax.set_ylabel("held-out accuracy (%)")
    ax.set_title(TITLES.get(sim["name"], sim["name"]), fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
fig.suptitle("Learning from corrections", fontsize=12)
fig.tight_layout()
out = ROOT / "docs" / "learning_curve.png"
fig.savefig(out)
print(f"wrote {out}")
