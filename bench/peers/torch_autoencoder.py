#!/usr/bin/env python3
"""The sparsebench defect detector's autoencoder in PyTorch, on a split exported by
`sparsebench datasets export --dataset defects`.

Per texture (group), a denoising convolutional autoencoder: conv(32, 3x3, stride 2, relu),
conv(16, 3x3, stride 2) as a linear bottleneck, mirrored by transposed convolutions
(32, relu; then 1, linear); trained on random 16x16 crops (tuned on validation) of that texture's defect-free
images with Gaussian input noise 0.1 against the clean crop, MSE, Adam 1e-2 (tuned on validation, results/tuning.md), batch 10. The
texture models advance one epoch each in turn, as in sparsebench's runner.

It does not score anything itself: at each of 10 evenly spaced checkpoints it writes the
per-pixel squared reconstruction errors of the validation images (float32, little-endian,
split order) to DIR/errors_<epoch>.f32 (the learning curve), and after training those of
the test images to DIR/errors_test.f32 (the reported figure); sparsebench scores them with
the same code as its own detectors. The last line on stdout is one JSON object with the checkpoints (training
seconds, evaluation excluded) and the settings. Peer benchmark only: the harness never
needs Python.

usage: torch_autoencoder.py DIR [--epochs 60] [--seed 42] [--threads N] [--lr 1e-2] [--noise 0.1] [--filters 32] [--code 16] [--device auto|cpu|cuda]
       torch_autoencoder.py --serve   (requests on stdin, see served.py)
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

import served
import torch_device


def load(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    shapes = {f["file"]: f["shape"] for f in meta["files"]}
    side = meta["image"]["height"]
    if meta["image"]["width"] != side or meta["image"]["channels"] != 1:
        raise SystemExit(f"{d}/meta.json: expected square single-channel images")
    if "detection" not in meta:
        raise SystemExit(f"{d}/meta.json: not a detection split (no group files)")

    def images(name):
        x = np.fromfile(os.path.join(d, name), "<f8").reshape(shapes[name])
        return torch.from_numpy(x.astype(np.float32)).reshape(-1, 1, side, side)

    def groups(name):
        return np.fromfile(os.path.join(d, name), np.uint8)

    if "X_val.f64" not in shapes:
        raise SystemExit(f"{d}/meta.json: no validation part (format {meta.get('format')}); export with sparsebench 2 or later")
    return (images("X_train.f64"), groups("group_train.u8"), images("X_val.f64"), groups("group_val.u8"),
            images("X_test.f64"), groups("group_test.u8"), meta)


def autoencoder(filters=32, code=16):
    return nn.Sequential(
        nn.Conv2d(1, filters, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(filters, code, 3, stride=2, padding=1),
        nn.ConvTranspose2d(code, filters, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(filters, 1, 3, stride=2, padding=1, output_padding=1),
    )


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--crop", type=int, default=16)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--filters", type=int, default=32, help="channels of the stride-2 convolution (the tuner's grid)")
    ap.add_argument("--code", type=int, default=16, help="channels of the bottleneck")
    ap.add_argument("--evaluations", type=int, default=10, help="curve points, evenly over the epochs (as the tfjs autoencoder)")
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
    g = torch.Generator().manual_seed(a.seed)
    Xtr, gtr, Xva, gva, Xte, gte, meta = load(a.dir)
    # on the CPU .to() returns the very tensors: the CPU path is unchanged
    Xtr, Xva, Xte = Xtr.to(dev), Xva.to(dev), Xte.to(dev)
    side = Xtr.shape[-1]
    names = meta["detection"]["groupNames"]
    models = []
    for k in range(len(names)):
        net = autoencoder(a.filters, a.code).to(dev)
        models.append((net, torch.optim.Adam(net.parameters(), lr=a.lr), Xtr[torch.from_numpy(gtr == k).to(dev)]))
    loss_fn = nn.MSELoss()

    def write_errors(X, groups, name):
        errors = torch.empty_like(X)
        with torch.no_grad():
            for k, (net, _, _) in enumerate(models):
                sel = torch.from_numpy(groups == k).to(dev)
                errors[sel] = (net(X[sel]) - X[sel]) ** 2
        errors.cpu().numpy().astype("<f4").tofile(os.path.join(a.dir, name))
        return name

    trained = 0.0
    steps = 0
    curve = []
    windows = []
    done = 0
    for e in range(1, a.evaluations + 1):
        until = round(a.epochs * e / a.evaluations)
        torch_device.sync(dev)
        t0 = time.perf_counter()
        w0 = time.time()
        for _ in range(done, until):
            for net, opt, X in models:
                order = torch.randperm(len(X), generator=g)
                for i in range(0, len(X), a.batch):
                    idx = order[i:i + a.batch]
                    oy = torch.randint(0, side - a.crop + 1, (len(idx),), generator=g)
                    ox = torch.randint(0, side - a.crop + 1, (len(idx),), generator=g)
                    clean = torch.stack([X[j, :, y:y + a.crop, x:x + a.crop] for j, y, x in zip(idx.tolist(), oy.tolist(), ox.tolist())])
                    # the noise drawn on the CPU generator, as on the CPU path, then moved
                    noisy = clean + (a.noise * torch.randn(clean.shape, generator=g)).to(dev)
                    opt.zero_grad(set_to_none=True)
                    loss_fn(net(noisy), clean).backward()
                    opt.step()
                    steps += 1
        torch_device.sync(dev)
        trained += time.perf_counter() - t0
        # the interval in epoch seconds: sparsebench charges the CPU the process used inside it
        windows.append([w0, time.time()])
        done = until
        # the curve reads the validation images; the test images are scored once, below
        curve.append({"seconds": trained, "step": done, "errors": write_errors(Xva, gva, f"errors_{done}.f32")})
        print(f"epoch {done}/{a.epochs}: {trained:.2f} s", file=sys.stderr)
    # inference: the trained models scoring every test image once more, timed on its own
    torch_device.sync(dev)
    t0 = time.perf_counter()
    with torch.no_grad():
        for k, (net, _, _) in enumerate(models):
            sel = torch.from_numpy(gte == k).to(dev)
            (net(Xte[sel]) - Xte[sel]) ** 2
    torch_device.sync(dev)
    inference = time.perf_counter() - t0
    test_errors = write_errors(Xte, gte, "errors_test.f32")
    return {
        "curve": curve,
        "testErrors": test_errors,
        "inference": {"seconds": inference, "items": len(Xte)},
        "framework": f"pytorch {torch.__version__} on {dev.type}",
        "threads": torch.get_num_threads(),
        "steps": steps,
        "msPerStep": 1000 * trained / steps,
        "trainSeconds": trained,
        "trainWindows": windows,
        "config": {"epochs": a.epochs, "batchSize": a.batch, "crop": a.crop, "noise": a.noise, "learningRate": a.lr, "filters": [a.filters], "code": a.code, "seed": a.seed, **torch_device.config(dev)},
    }


if __name__ == "__main__":
    served.run(main)
