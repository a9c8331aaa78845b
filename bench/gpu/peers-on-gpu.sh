#!/bin/sh
# The PyTorch peers on CUDA with nvidia-smi recorded at 10 Hz, for a GPU machine that has
# Python and PyTorch but no Node (export the splits with Node first, elsewhere):
#   node dist/cli.js datasets export --dataset mnist --train-size 8000 --test-size 2000 --out splits/mnist
#   node dist/cli.js datasets export --dataset defects --out splits/defects
#   sh bench/gpu/peers-on-gpu.sh splits out        (on the GPU machine, from the repository root)
# It writes out/nvidia-smi-10hz.csv (5 s idle before and after), out/torch-cnn.json and
# out/torch-autoencoder.json (each the peer's JSON line); replay the trace with
# test/fixtures/fake-nvidia-smi.mjs (FAKE_NVIDIA_SMI_TRACE takes its power column).
set -eu
splits=$1
out=$2
mkdir -p "$out"
nvidia-smi --query-gpu=timestamp,index,name,power.draw,power.limit,utilization.gpu,clocks.sm,memory.used,driver_version \
  --format=csv,noheader,nounits -lms 100 > "$out/nvidia-smi-10hz.csv" &
smi=$!
trap 'kill $smi 2>/dev/null || true' EXIT
sleep 5
python3 bench/peers/torch_cnn.py "$splits/mnist" --epochs 3 --seed 42 --device cuda | tail -1 > "$out/torch-cnn.json"
python3 bench/peers/torch_autoencoder.py "$splits/defects" --seed 42 --device cuda | tail -1 > "$out/torch-autoencoder.json"
sleep 5
