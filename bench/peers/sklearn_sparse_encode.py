#!/usr/bin/env python3
"""scikit-learn's sparse_encode, every algorithm, on the patches and dictionary written by
bench/dictionary.bench.ts (the same first N stride-grid patches `sparsebench solve codes`
codes, against the same dictionary).

Prints one JSON line per algorithm: seconds, microseconds per patch, mean nonzeros, and the
mean objective 0.5 ||x - a D||^2 + alpha ||a||_1 (the LASSO objective sparsebench reports;
for omp, threshold and lars, which solve other problems, it is shown for orientation only).
One thread: OMP/MKL/OpenBLAS variables are set by the caller. Peer benchmark only.

usage: sklearn_sparse_encode.py DIR [--alpha 0.1] [--omp-nonzeros K]
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import sparse_encode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument("--omp-nonzeros", type=int, default=10, help="omp and lars: nonzeros per code (default: about ours)")
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.dir, "meta.json")))
    X = np.fromfile(os.path.join(a.dir, "patches.f64"), "<f8").reshape(meta["patches"], meta["features"])
    D = np.fromfile(os.path.join(a.dir, "dictionary.f64"), "<f8").reshape(meta["atoms"], meta["features"])
    warnings.simplefilter("ignore")
    runs = [
        ("lasso_lars", dict(alpha=a.alpha), "lasso"),
        ("lasso_cd", dict(alpha=a.alpha, max_iter=1000), "lasso"),
        ("omp", dict(n_nonzero_coefs=a.omp_nonzeros), "other problem"),
        ("lars", dict(n_nonzero_coefs=a.omp_nonzeros), "other problem"),
        ("threshold", dict(alpha=a.alpha), "other problem"),
    ]
    for algorithm, kw, problem in runs:
        t0 = time.perf_counter()
        codes = sparse_encode(X, D, algorithm=algorithm, n_jobs=1, **kw)
        seconds = time.perf_counter() - t0
        r = X - codes @ D
        objective = float(np.mean(0.5 * np.sum(r * r, axis=1) + a.alpha * np.sum(np.abs(codes), axis=1)))
        print(json.dumps({
            "solver": f"scikit-learn {sklearn.__version__} sparse_encode {algorithm}",
            "problem": problem,
            "seconds": seconds,
            "microsecondsPerSignal": seconds / len(X) * 1e6,
            "objective": objective,
            "meanNonzeros": float(np.mean(np.sum(codes != 0, axis=1))),
        }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
