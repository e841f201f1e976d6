"""Draws the gateway benchmark's latency distributions (bench/results/gateway-samples.json) as a PNG."""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(results: Path, out: Path) -> None:
    samples = json.loads((results / "gateway-samples.json").read_text())
    gateway = json.loads((results / "gateway.json").read_text())
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    series = [
        ("txn", "one bare Firestore transaction", "#999999"),
        ("direct", "model server, direct", "#1f77b4"),
        ("gateway", "through the gateway core", "#d62728"),
    ]
    for key, label, color in series:
        xs = sorted(samples[key])
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        ax.plot(xs, ys, label=f"{label} (p50 {xs[len(xs) // 2]:.1f} ms)", color=color, linewidth=2)
    ax.set_xscale("log")
    ax.set_xlabel("latency, ms (log scale)")
    ax.set_ylabel("fraction of calls")
    ax.set_title(
        f"Gateway overhead: p50 +{gateway['overhead_p50_ms']:.1f} ms = "
        f"{gateway['overhead_ratio']:.2f}x one Firestore transaction ({gateway['rounds']} calls each)"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    print(f"chart: {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
