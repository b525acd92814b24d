"""Export a PyTorch Linear + GroupSort network to a safetensors file that LipGen loads.

The recipe, for any nn.Sequential (or monotonicnetworks model) of Linear layers with GroupSort between them:
  1. Take the Linear layers in order; for monotonicnetworks' LipschitzLinear use `layer.weight`, the effective
     (already normalised) weight, not the raw parameter.
  2. Save them as "layers.{i}.weight" [out, in] and "layers.{i}.bias" [out], float32, i = 0, 1, … in order.
  3. Declare the matching LipGen network. PyTorch's GroupSort(n) takes the NUMBER OF GROUPS n; LipGen's GroupSize is
     width / n.

The `safetensors` Python package is not needed: `save_safetensors` (in lipgen_export.py) writes the format directly (8-byte header
length, JSON header, raw little-endian data).

Run: /usr/bin/python3 tools/pytorch/export_sequential.py tests/LipGen.Tests/TestData
It writes pytorch-sequential.safetensors and pytorch-sequential-expected.json (inputs and the outputs PyTorch computes).
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lipgen_export import save_safetensors  # noqa: E402


class GroupSort(nn.Module):
    """GroupSort as in monotonicnetworks / LNets: `num_units` is the number of groups."""

    def __init__(self, num_units):
        super().__init__()
        self.num_units = num_units

    def forward(self, x):
        size = list(x.size())
        channels = size[-1]
        assert channels % self.num_units == 0
        grouped = x.view(*size[:-1], -1, channels // self.num_units)
        return grouped.sort(dim=-1).values.view(*size)


def main(folder):
    torch.manual_seed(20261124)
    # LipGen: [LipschitzNetwork(3, 8, 12, 2, GroupSizes = new[] { 2, 4 })]
    model = nn.Sequential(
        nn.Linear(3, 8), GroupSort(4),    # 4 groups of 2 (MaxMin)
        nn.Linear(8, 12), GroupSort(3),   # 3 groups of 4
        nn.Linear(12, 2),
    )
    linears = [m for m in model if isinstance(m, nn.Linear)]
    tensors = {}
    for i, layer in enumerate(linears):
        tensors[f"layers.{i}.weight"] = layer.weight
        tensors[f"layers.{i}.bias"] = layer.bias
    save_safetensors(f"{folder}/pytorch-sequential.safetensors", tensors, {"format": "pt", "producer": "torch " + torch.__version__})

    inputs = torch.randn(16, 3) * 2
    with torch.no_grad():
        outputs = model(inputs)
    with open(f"{folder}/pytorch-sequential-expected.json", "w") as f:
        json.dump({"torch": torch.__version__, "inputs": inputs.tolist(), "outputs": outputs.tolist()}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
