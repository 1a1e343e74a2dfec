#!/usr/bin/python3
"""Plots training logs (RUN/log.jsonl) as loss curves: the total loss and each term, smoothed.

Usage: /usr/bin/python3 scripts/plot-training-log.py OUT.png RUN/log.jsonl [LABEL=RUN2/log.jsonl ...]
Needs Debian's python3-matplotlib (apt-get install python3-matplotlib); only for documentation.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def smooth(values, window):
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= window:
            acc -= values[i - window]
        out.append(acc / min(i + 1, window))
    return out


def main():
    out = sys.argv[1]
    runs = []
    for arg in sys.argv[2:]:
        label, _, path = arg.rpartition("=")
        lines = [json.loads(l) for l in open(path) if l.strip()]
        runs.append((label or path, lines))
    terms = ["loss", "var", "cov", "inv_total", "graph_reg", "ot"]
    # The auxiliary targets' terms, when a run has them (loss.group_target, loss.quality_target).
    terms += [t for t in ("groups", "quality") if any(t in l for _, lines in runs for l in lines)]
    columns = (len(terms) + 1) // 2
    fig, axes = plt.subplots(2, columns, figsize=(4.4 * columns, 7))
    for ax, term in zip(axes.flat, terms):
        for label, lines in runs:
            pts = [(l["step"], l[term]) for l in lines if term in l]
            if not pts:
                continue
            steps, values = zip(*pts)
            window = max(1, len(values) // 50)
            ax.plot(steps, values, alpha=0.2, linewidth=0.6)
            ax.plot(steps, smooth(list(values), window), label=label, linewidth=1.4, color=ax.lines[-1].get_color())
        ax.set_title(term)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("shamisa train: loss terms per step (faint) and moving average")
    fig.tight_layout()
    fig.savefig(out, dpi=90)


if __name__ == "__main__":
    main()
