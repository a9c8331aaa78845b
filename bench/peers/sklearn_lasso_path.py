#!/usr/bin/env python3
"""scikit-learn's lasso_path on a split exported by `sparsebench datasets export`.

Solves the one-vs-rest centered targets (one 1-D path per class, as enet_path does for a
1-D y) and prints one JSON line: seconds, passes, worst duality gap (scikit-learn's
scaling, the same as sparsebench's) and final objectives. Peer benchmark only: the
harness and its tests never need Python.

usage: sklearn_lasso_path.py DIR [--n-alphas 100] [--eps 1e-3] [--tol 1e-4] [--mode gram|default]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import lasso_path


def load(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    shapes = {f["file"]: f["shape"] for f in meta["files"]}
    X = np.fromfile(os.path.join(d, "X_train.f64"), "<f8").reshape(shapes["X_train.f64"])
    y = np.fromfile(os.path.join(d, "y_train.u8"), np.uint8)
    return X, y, meta["classes"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--n-alphas", type=int, default=100)
    ap.add_argument("--eps", type=float, default=1e-3)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--mode", choices=["gram", "default"], default="gram")
    a = ap.parse_args()
    X, y, classes = load(a.dir)
    n = X.shape[0]
    t0 = time.perf_counter()
    Xc = X - X.mean(axis=0)
    gram = Xc.T @ Xc if a.mode == "gram" else None
    t1 = time.perf_counter()
    targets = []
    for c in range(classes):
        yc = (y == c).astype(np.float64)
        yc -= yc.mean()
        kw = {"precompute": gram, "Xy": Xc.T @ yc} if a.mode == "gram" else {}
        alphas, coefs, gaps, n_iter = lasso_path(
            Xc, yc, eps=a.eps, n_alphas=a.n_alphas, tol=a.tol, return_n_iter=True, **kw
        )
        w = coefs[:, -1]
        r = yc - Xc @ w
        objective = r @ r / (2 * n) + alphas[-1] * np.abs(w).sum()
        targets.append(
            {
                "alphaMax": float(alphas[0]),
                "maxGap": float(np.max(gaps)),
                "passes": int(np.sum(n_iter)),
                "finalObjective": float(objective),
                "finalNonzeros": int(np.count_nonzero(w)),
            }
        )
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "solver": f"scikit-learn {sklearn.__version__} lasso_path ({a.mode})",
                "seconds": t2 - t0,
                "prepareSeconds": t1 - t0,
                "passes": sum(t["passes"] for t in targets),
                "maxGap": max(t["maxGap"] for t in targets),
                "targets": targets,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
