#!/usr/bin/env python3
"""The default sparsebench CNN in PyTorch, on a split exported by `sparsebench datasets export`.

conv(8, 3x3, relu) - maxpool 2 - conv(16, 3x3, relu) - maxpool 2 - flatten - dense(10),
softmax cross-entropy, Adam 1e-2 (tuned on validation, results/tuning.md), batch 64, seeded. Works as an external runner: progress
goes to stderr and the last line on stdout is one JSON object with the test accuracy
(scored once, after training), a learning curve (validation accuracy at ten points of the
first epoch and after each later one, against training seconds, evaluation excluded) and
the settings. Peer benchmark only: the harness never needs Python.

usage: torch_cnn.py DIR [--epochs 2] [--seed 42] [--batch 64] [--lr 1e-2] [--threads N] [--filters 8,16] [--dense 0] [--device auto|cpu|cuda]
       torch_cnn.py --serve   (requests on stdin, see served.py)
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

import served
import torch_device

# curve points inside the first epoch (then one per epoch), as the tfjs CNN takes them
FIRST_EPOCH_POINTS = 10
# most points the later epochs take (as the tfjs CNN's LATER_EPOCH_POINTS): beyond it, evenly
# spread ones, the last always among them, so evaluating many short epochs does not outlast training
LATER_EPOCH_POINTS = 30


def later_epoch_point(epoch, epochs):
    later = epochs - 1
    if later <= LATER_EPOCH_POINTS:
        return True
    # Math.round of the tfjs CNN: halves up
    return epoch in {1 + math.floor((k + 1) * later / LATER_EPOCH_POINTS + 0.5) for k in range(LATER_EPOCH_POINTS)}


def load(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    shapes = {f["file"]: f["shape"] for f in meta["files"]}
    img = meta["image"]

    def images(name):
        x = np.fromfile(os.path.join(d, name), "<f8").reshape(shapes[name])
        return torch.from_numpy(x.astype(np.float32)).reshape(-1, img["height"], img["width"], img["channels"]).permute(0, 3, 1, 2).contiguous()

    def labels(name):
        return torch.from_numpy(np.fromfile(os.path.join(d, name), np.uint8).astype(np.int64))

    if "X_val.f64" not in shapes:
        raise SystemExit(f"{d}/meta.json: no validation part (format {meta.get('format')}); export with sparsebench 2 or later")
    return images("X_train.f64"), labels("y_train.u8"), images("X_val.f64"), labels("y_val.u8"), images("X_test.f64"), labels("y_test.u8"), meta


def model(channels, side, classes, f1, f2, dense):
    after = ((side - 2) // 2 - 2) // 2
    layers = [
        nn.Conv2d(channels, f1, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(f1, f2, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
    ]
    if dense > 0:
        layers += [nn.Linear(f2 * after * after, dense), nn.ReLU(), nn.Linear(dense, classes)]
    else:
        layers += [nn.Linear(f2 * after * after, classes)]
    return nn.Sequential(*layers)


def accuracy(net, X, y):
    net.eval()
    with torch.no_grad():
        correct = sum(int((net(X[i:i + 500]).argmax(1) == y[i:i + 500]).sum()) for i in range(0, len(y), 500))
    net.train()
    return correct / len(y)


def single_item_latency(net, X, dev, items=100, warmup=3):
    """One test image per call, each timed alone after a few untimed calls: median and 95th percentile."""
    n = min(items, len(X))
    times = []
    net.eval()
    with torch.no_grad():
        for i in range(min(warmup, n)):
            net(X[i:i + 1]).argmax(1)
        for i in range(n):
            torch_device.sync(dev)
            t0 = time.perf_counter()
            net(X[i:i + 1]).argmax(1)
            torch_device.sync(dev)
            times.append(time.perf_counter() - t0)
    net.train()
    times.sort()
    median = times[(n - 1) // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    return {"items": n, "medianSeconds": median, "p95Seconds": times[min(n - 1, max(0, math.ceil(0.95 * n) - 1))]}


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--filters", default="8,16")
    ap.add_argument("--dense", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")
    a = ap.parse_args(argv)
    dev = torch_device.pick(a.device)
    if a.threads > 0:
        # both pools: intra-op (one operator's loops) and inter-op (independent operators)
        torch.set_num_threads(a.threads)
        # settable once per process: a served process keeps the budget of its first request
        if torch.get_num_interop_threads() != a.threads:
            try:
                torch.set_num_interop_threads(a.threads)
            except RuntimeError:
                print(f"inter-op threads stay {torch.get_num_interop_threads()} (set once per process)", file=sys.stderr)
    torch.manual_seed(a.seed)
    Xtr, ytr, Xva, yva, Xte, yte, meta = load(a.dir)
    # on the CPU .to() returns the very tensors: the CPU path is unchanged
    Xtr, ytr, Xva, yva, Xte, yte = (t.to(dev) for t in (Xtr, ytr, Xva, yva, Xte, yte))
    f1, f2 = (int(v) for v in a.filters.split(","))
    net = model(Xtr.shape[1], Xtr.shape[2], meta["classes"], f1, f2, a.dense).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(a.seed)
    trained = 0.0
    # the curve reads the validation images; the test images are scored once, after training
    curve = [{"seconds": 0.0, "metric": accuracy(net, Xva, yva), "step": 0}]
    steps = 0
    windows = []
    batches = math.ceil(len(ytr) / a.batch)
    for epoch in range(1, a.epochs + 1):
        # curve points: FIRST_EPOCH_POINTS evenly through the first epoch, where the curve
        # bends most (time to a target read off it then needs no long interpolation), then
        # one per epoch; each evaluation runs with the clock stopped
        marks = {max(1, math.floor(batches * k / FIRST_EPOCH_POINTS + 0.5)) for k in range(1, FIRST_EPOCH_POINTS + 1)} if epoch == 1 else ({batches} if later_epoch_point(epoch, a.epochs) else set())
        torch_device.sync(dev)
        t0 = time.perf_counter()
        w0 = time.time()
        order = torch.randperm(len(ytr), generator=g)
        for b, i in enumerate(range(0, len(ytr), a.batch), 1):
            idx = order[i:i + a.batch].to(dev)
            opt.zero_grad(set_to_none=True)
            loss_fn(net(Xtr[idx]), ytr[idx]).backward()
            opt.step()
            steps += 1
            if b in marks:
                torch_device.sync(dev)
                trained += time.perf_counter() - t0
                # the interval in epoch seconds: sparsebench charges the CPU the process used inside it
                windows.append([w0, time.time()])
                curve.append({"seconds": trained, "metric": accuracy(net, Xva, yva), "step": epoch - 1 + b / batches})
                torch_device.sync(dev)
                t0 = time.perf_counter()
                w0 = time.time()
        print(f"epoch {epoch}/{a.epochs}: {trained:.2f} s, validation accuracy {curve[-1]['metric']:.4f}", file=sys.stderr)
    torch_device.sync(dev)
    t0 = time.perf_counter()
    test_accuracy = accuracy(net, Xte, yte)
    torch_device.sync(dev)
    inference = time.perf_counter() - t0
    latency = single_item_latency(net, Xte, dev)
    return {
        "accuracy": test_accuracy,
        "inference": {"seconds": inference, "items": len(yte)},
        "latency": latency,
        "curve": curve,
        "framework": f"pytorch {torch.__version__} on {dev.type}",
        "threads": torch.get_num_threads(),
        "steps": steps,
        "msPerStep": 1000 * trained / steps,
        "trainSeconds": trained,
        "trainWindows": windows,
        "config": {"epochs": a.epochs, "firstEpochPoints": FIRST_EPOCH_POINTS, "batchSize": a.batch, "learningRate": a.lr, "filters": [f1, f2], "dense": a.dense, "seed": a.seed, **torch_device.config(dev)},
    }


if __name__ == "__main__":
    served.run(main)
