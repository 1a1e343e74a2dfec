#!/usr/bin/python3
"""Why the default model's label-free NR head is weak: label-free head variants on frozen features,
judged on the synthetic held-out set (the only honest selector) and on LIVE-dev (the check).
Run by scripts/head-study.sh, which makes the feature files with build/shamisa_dump_features.

  head-study.py DIR SYNTH_CSV LIVE_CSV [CHECKPOINT]

DIR holds synth_<crop>.st and live_<crop>.st (crop 128 and 224), pristine_128.st and ssim.csv
(per-image SSIM of the synthetic set against its reference). CHECKPOINT, if given, is a training
checkpoint with a group head (config group_target > 0), scored on DIR's *_128 features, which
must then come from that checkpoint's encoder. Needs Debian's python3-numpy and python3-scipy.
"""
import csv
import json
import os
import struct
import sys

import numpy as np
from scipy.stats import spearmanr

GROUPS = ["blur", "color_distortion", "jpeg", "noise", "brightness_change", "spatial_distortion",
          "sharpness_contrast"]  # distortion_groups() order


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    kinds = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
    out = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        lo, hi = v["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + lo:8 + n + hi], dtype=kinds[v["dtype"]]).reshape(v["shape"])
    return out


def features(path):
    return read_safetensors(path)["features"].astype(np.float64)  # [N, 5, 2d]


def ridge(a, y, alpha):
    """sklearn Ridge(alpha) with intercept."""
    mu, ym = a.mean(0), y.mean()
    ac = a - mu
    w = np.linalg.solve(ac.T @ ac + alpha * np.eye(a.shape[1]), ac.T @ (y - ym))
    return w, ym - mu @ w


def fit_rows(f, target, alpha):
    """Every crop of every image with its image's target, as the project's fit does."""
    return ridge(f.reshape(-1, f.shape[-1]), np.repeat(target, f.shape[1]), alpha)


def predict(f, head):
    w, b = head
    return f.mean(1) @ w + b


def srcc(a, b):
    return spearmanr(a, b)[0]


class Study:
    def __init__(self, folder, synth_csv, live_csv):
        self.dir = folder
        rows = list(csv.DictReader(open(synth_csv)))
        self.severity = np.array([float(r["severity"]) for r in rows])
        self.type = np.array([r["type"] for r in rows])
        self.group = np.array([r["group"] for r in rows])
        self.content = np.array([r["ref"] for r in rows])
        ssim = {r["image"]: float(r["ssim"]) for r in csv.DictReader(open(os.path.join(folder, "ssim.csv")))}
        self.ssim = np.array([ssim[r["image"]] for r in rows])
        live = list(csv.DictReader(open(live_csv)))
        self.dmos = np.array([float(r["score"]) for r in live])  # lower is better, as severity
        self.live_type = np.array([r["type"] for r in live])
        contents = sorted(set(self.content))
        # 7 folds of 2 held-out contents each (leave-2-contents-out).
        self.folds = [np.isin(self.content, contents[k:k + 2]) for k in range(0, len(contents), 2)]

    def synthetic_cv(self, f, target, alpha):
        """Median over the folds of the held-out SRCC against the target."""
        return float(np.median([srcc(predict(f[t], fit_rows(f[~t], target[~t], alpha)), target[t])
                                for t in self.folds]))

    def live(self, prediction):
        per_type = {t: srcc(prediction[self.live_type == t], self.dmos[self.live_type == t])
                    for t in sorted(set(self.live_type))}
        return srcc(prediction, self.dmos), per_type


def line(name, synthetic, live):
    overall, per_type = live
    types = " ".join(f"{t} {v:+.2f}" for t, v in per_type.items())
    syn = f"{synthetic:.3f}" if synthetic is not None else "  -  "
    print(f"| {name} | {syn} | {overall:+.3f} | {types} |")


def main():
    folder, synth_csv, live_csv = sys.argv[1:4]
    checkpoint = sys.argv[4] if len(sys.argv) > 4 else None
    s = Study(folder, synth_csv, live_csv)
    f = {c: (features(os.path.join(folder, f"synth_{c}.st")), features(os.path.join(folder, f"live_{c}.st")))
         for c in (128, 224)}

    print("| head | synthetic CV SRCC | LIVE-dev SRCC | LIVE-dev per type |")
    print("|---|---|---|---|")
    for crop in (128, 224):
        x, xl = f[crop]
        for alpha in (0.1, 1, 10, 100):
            line(f"ridge on severity, crop {crop}, alpha {alpha}", s.synthetic_cv(x, s.severity, alpha),
                 s.live(predict(xl, fit_rows(x, s.severity, alpha))))
    x, xl = f[128]
    for alpha in (1, 10):
        line(f"ridge on 1 - SSIM, crop 128, alpha {alpha}", s.synthetic_cv(x, 1 - s.ssim, alpha),
             s.live(predict(xl, fit_rows(x, 1 - s.ssim, alpha))))

    # A NIQE-like head: Mahalanobis distance of each crop from the pristine training images' crops.
    p = features(os.path.join(folder, "pristine_128.st")).reshape(-1, x.shape[-1])
    mu, cov = p.mean(0), np.cov(p.T)
    inv = np.linalg.inv(cov + 0.1 * np.trace(cov) / cov.shape[0] * np.eye(cov.shape[0]))
    dist = lambda g: np.einsum("...i,ij,...j->...", g - mu, inv, g - mu).mean(-1)
    line("Mahalanobis distance from the pristine crops (shrinkage 0.1), crop 128", srcc(dist(x), s.severity),
         s.live(dist(xl)))

    if checkpoint:
        c = read_safetensors(checkpoint)
        w, b = c["model.group_head.weight"].astype(np.float64), c["model.group_head.bias"].astype(np.float64)
        d = x.shape[-1] // 2
        rows = lambda g: np.concatenate([g[..., :d], g[..., d:]], 1)  # [N, 10, d]: both scales
        h = rows(x)
        # The head saw h standardised over each training step; here over the synthetic set's crops.
        m, sd = h.reshape(-1, d).mean(0), h.reshape(-1, d).std(0) + 1e-5
        presence = lambda g: (1 / (1 + np.exp(-(((rows(g) - m) / sd) @ w.T + b)))).sum(-1).mean(1)
        line("training's own group head, sum of the 7 graded presences", srcc(presence(x), s.severity),
             s.live(presence(xl)))

    # Can the features rank blur at all? A head fitted on gaublur alone, folds as above.
    blur = s.type == "gaublur"
    xb, sb, cb = x[blur], s.severity[blur], s.content[blur]
    pooled, within = [], []
    for t in s.folds:
        tb = t[blur]
        pred = predict(xb[tb], fit_rows(xb[~tb], sb[~tb], 1.0))
        pooled.append(srcc(pred, sb[tb]))
        within += [srcc(pred[cb[tb] == c], sb[tb][cb[tb] == c]) for c in sorted(set(cb[tb]))]
    print(f"\ngaublur-only head (alpha 1, crop 128), held-out contents: SRCC within one content "
          f"{np.mean(within):.2f}, pooled over two contents {np.median(pooled):.2f}")


if __name__ == "__main__":
    main()
