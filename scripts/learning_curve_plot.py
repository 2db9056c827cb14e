"""docs/learning_curve.png from bench/learning_curve.json (scripts/learning_curve.mjs writes it):
held-out accuracy against corrected sentences for the model, the instant tier, the retrained
head and both. Needs matplotlib (Debian: python3-matplotlib)."""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
r = json.loads((ROOT / "bench" / "learning_curve.json").read_text())
rows = r["rows"]
x = [max(row["sentences"], 1) for row in rows]
fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
for key, name, style in (("model", "shipped model", "k--"), ("memory", "instant tier (memory)", "o-"),
                         ("head", "retrained head", "s-"), ("both", "both", "^-")):
    ax.plot(x, [100 * row[key] for row in rows], style, label=name)
ax.set_xscale("log")
ax.set_xticks(x)
ax.set_xticklabels([str(row["sentences"]) for row in rows])
ax.set_xlabel("corrected sentences")
ax.set_ylabel("held-out accuracy (%)")
ax.set_title("Learning from corrections: Brown test documents, another tag convention")
ax.grid(True, alpha=0.3)
ax.legend(loc="lower right")
fig.tight_layout()
out = ROOT / "docs" / "learning_curve.png"
fig.savefig(out)
print(f"wrote {out}")
