"""Where a PyTorch peer trains: --device auto|cpu|cuda, shared by the peers.

auto is CUDA when torch.cuda.is_available(), else the CPU. On CUDA, kernels run
asynchronously: `sync` waits for the device, and the peers call it before every clock
reading, so a curve point or the training time never ends before the work does.
"""
import subprocess
import sys

import torch


def pick(choice):
    if choice == "cuda" and not torch.cuda.is_available():
        print("--device cuda: PyTorch sees no CUDA device (torch.cuda.is_available() is False)", file=sys.stderr)
        sys.exit(2)
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def describe(dev):
    """The device, for the record: its name, and on CUDA the CUDA and driver versions."""
    if dev.type != "cuda":
        return {"type": "cpu"}
    driver = None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, timeout=10)
        driver = out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"type": "cuda", "name": torch.cuda.get_device_name(dev), "cuda": torch.version.cuda, "driver": driver}


def config(dev):
    """The device as flat config fields (the record keeps scalars)."""
    d = describe(dev)
    return {"device": d["type"], **({"deviceName": d["name"], "cudaVersion": d["cuda"], "driverVersion": d["driver"]} if d["type"] == "cuda" else {})}
