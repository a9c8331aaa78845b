#!/usr/bin/env python3
"""scikit-learn's MiniBatchDictionaryLearning on patches written by bench/dictionary.bench.ts.

Prints one JSON line: fit seconds and the final objective on all the patches,
mean 0.5 ||x - a D||^2 + alpha ||a||_1 with codes from sparse_encode (lasso_cd), the same
definition sparsebench reports. Peer benchmark only.

usage: sklearn_dictionary.py DIR [--atoms 64] [--alpha 0.1] [--batch 256] [--iterations 200]
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import MiniBatchDictionaryLearning, sparse_encode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--atoms", type=int, default=64)
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--iterations", type=int, default=200)
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.dir, "meta.json")))
    X = np.fromfile(os.path.join(a.dir, "patches.f64"), "<f8").reshape(meta["patches"], meta["features"])
    warnings.simplefilter("ignore")
    model = MiniBatchDictionaryLearning(n_components=a.atoms, alpha=a.alpha, batch_size=a.batch, n_iter=a.iterations, random_state=0)
    t0 = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - t0
    D = model.components_
    codes = sparse_encode(X, D, algorithm="lasso_cd", alpha=a.alpha, max_iter=1000)
    r = X - codes @ D
    objective = float(np.mean(0.5 * np.sum(r * r, axis=1) + a.alpha * np.sum(np.abs(codes), axis=1)))
    print(json.dumps({"solver": f"scikit-learn {sklearn.__version__} MiniBatchDictionaryLearning", "seconds": seconds, "finalObjective": objective}))


if __name__ == "__main__":
    sys.exit(main())
