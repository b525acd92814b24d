#!/usr/bin/python3
"""PyTorch eager on LipGen's benchmark networks and data, for the side-by-side table in docs/benchmarks.md.

Usage (from the repository root):
    dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --export-peers /tmp/lipgen-peers
    /usr/bin/python3 benchmarks/pytorch/bench.py /tmp/lipgen-peers

Needs Debian's python3-torch (apt-get install python3-torch). It reads the networks LipGen wrote (safetensors, parsed
here without the safetensors package), checks that PyTorch computes the same outputs on the batch, and times, with one
thread and with every core, the same work as benchmarks/LipGen.Benchmarks/SizeBenchmarks.cs: one sample, a batch of
4096, and a training step on 256 samples (forward, hinge loss, backward, Adam, projection onto the same constraint);
for S also an epoch over 10 000 two-moons points in batches of 128. Each figure is the best of 10 repeats of a loop
timed with time.perf_counter, after a warm-up (5 for the epoch).
"""
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

# The thread count is fixed before torch and OpenBLAS load: OpenBLAS (pthreads) sizes its own pool from the environment
# when it loads, besides torch's OpenMP pool. main() runs this script once per thread count, as a child process.
# OpenBLAS 0.3.21 (Debian 12) does not recognise Zen 4/5 as AVX-512 machines and picks its AVX2 (Haswell) kernels, and
# some environments force them with OPENBLAS_CORETYPE=Haswell. On this machine that halves PyTorch's matrix products
# (measured: 4096 × 512 × 512 at 89 GFLOP/s against 172 with SkylakeX). The peer gets its fastest kernels.
if __name__ == "__main__" and len(sys.argv) > 2:
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = sys.argv[2]
    if "avx512f" in Path("/proc/cpuinfo").read_text():
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"

import numpy as np
import torch

SIZES = {"S": (2, 32, 32, 1), "M": (16, 128, 128, 128, 1), "L": (64, 512, 512, 1)}
BATCH, STEP_BATCH = 4096, 256


def read_safetensors(path):
    data = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(body[start:end], dtype="<f4").reshape(info["shape"]).copy())
    return tensors


def raw(directory, name, shape):
    return torch.from_numpy(np.fromfile(directory / name, dtype="<f4").reshape(shape).copy())


def maxmin(x):
    """
    GroupSort with groups of 2 (LipGen's MaxMin): each adjacent pair becomes (min, max). The fastest eager forms measured
    here (4096 × 512, one thread): writing minimum and maximum into strided halves of one output, 1.1 ms, for inference;
    stacking them, 3.9 ms, where autograd needs it (out= has no gradient). amin/amax over pairs took 6.7 ms and sort 35 ms.
    """
    a, b = x[:, 0::2], x[:, 1::2]
    if torch.is_grad_enabled():
        return torch.stack((torch.minimum(a, b), torch.maximum(a, b)), 2).view(x.shape)
    out = torch.empty_like(x)
    torch.minimum(a, b, out=out[:, 0::2])
    torch.maximum(a, b, out=out[:, 1::2])
    return out


class Network(torch.nn.Module):
    def __init__(self, widths, tensors):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.load_state_dict(tensors)

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = maxmin(layer(x))
        return self.layers[-1](x)

    @torch.no_grad()
    def project(self):
        """LipGen's projection for p = 1, λ = 1: rows of W1 into the ℓ∞ ball, rows of later layers into the ℓ1 ball (λᵢ = 1)."""
        for index, layer in enumerate(self.layers):
            w = layer.weight
            norms = w.abs().amax(1, keepdim=True) if index == 0 else w.abs().sum(1, keepdim=True)
            w.div_(torch.clamp(norms, min=1.0))


def best(function, repeats, rounds=10):
    """The fastest of `rounds` timed loops of `repeats` calls, after a warm-up: the machine's other load only slows a run."""
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        times.append((time.perf_counter() - start) / repeats)
    return min(times)


def hinge(outputs, targets, margin=0.1):
    return torch.clamp(margin - outputs * targets, min=0).mean()


def measure(directory, name, threads):
    torch.set_num_threads(threads)
    widths = SIZES[name]
    net = Network(widths, read_safetensors(directory / f"{name}.safetensors"))
    inputs = raw(directory, f"{name}-inputs.f32", (BATCH, widths[0]))
    expected = raw(directory, f"{name}-outputs.f32", (BATCH, widths[-1]))
    with torch.no_grad():
        difference = (net(inputs) - expected).abs().max().item()
    single = inputs[:1].clone()
    results = {"max |PyTorch − LipGen| on the batch": difference}
    with torch.no_grad():
        results["1 sample"] = best(lambda: net(single), 1000 if name != "L" else 200)
        results["batch 4096"] = best(lambda: net(inputs), 10 if name != "L" else 3)

    step_inputs = raw(directory, f"{name}-step-inputs.f32", (STEP_BATCH, widths[0]))
    step_targets = raw(directory, f"{name}-step-targets.f32", (STEP_BATCH, widths[-1]))
    trained = Network(widths, read_safetensors(directory / f"{name}.safetensors"))
    adam = torch.optim.Adam(trained.parameters(), lr=1e-4)

    def step(x, t):
        adam.zero_grad(set_to_none=True)
        loss = hinge(trained(x), t)
        loss.backward()
        adam.step()
        trained.project()
        return loss

    results["training step, batch 256"] = best(lambda: step(step_inputs, step_targets), 30 if name != "L" else 5)
    if name == "S":
        moons = raw(directory, "moons-inputs.f32", (10_000, 2))
        labels = raw(directory, "moons-targets.f32", (10_000, 1))
        generator = torch.Generator().manual_seed(1)

        def epoch():
            order = torch.randperm(10_000, generator=generator)
            for start in range(0, 10_000, 128):
                batch = order[start:start + 128]
                step(moons[batch], labels[batch])

        results["training epoch, 10k points, batch 128"] = best(epoch, 1, rounds=5)
    return results


def main():
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lipgen-peers")
    if len(sys.argv) > 2:  # a child: one thread count, one pass over the sizes
        threads = int(sys.argv[2])
        for name in SIZES:
            for row, value in measure(directory, name, threads).items():
                print(f"{name}\t{threads}\t{row}\t{value!r}", flush=True)
        return
    # The machine's other load comes and goes for seconds at a time, so each thread count runs in three separate child
    # processes and each row keeps its fastest figure (the check of the outputs keeps its largest difference).
    print(f"PyTorch {torch.__version__}; {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
          "OpenBLAS kernels: SkylakeX where the CPU has AVX-512; best of 3 runs")
    rows = {}
    for threads in (1, os.cpu_count()):
        for _ in range(3):
            output = subprocess.run([sys.executable, __file__, str(directory), str(threads)], check=True, capture_output=True, text=True).stdout
            for line in output.splitlines():
                name, count, row, value = line.split("\t")
                key, value = (name, int(count), row), float(value)
                rows[key] = max(rows.get(key, value), value) if row.startswith("max") else min(rows.get(key, value), value)
    for (name, threads, row), value in rows.items():
        shown = f"{value:.3g}" if row.startswith("max") else f"{value * 1e6:.3f} µs"
        print(f"{name}  {threads} thread(s)  {row:40s} {shown}")


if __name__ == "__main__":
    main()
