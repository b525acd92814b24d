"""Makes the test file for importing `monotonicnetworks` models: tests/LipGen.Tests/TestData/monotonicnetworks.*

PyPI is not reachable where LipGen is built, so `monotonicnetworks` (1.5.x) cannot be installed. This script holds a
re-implementation of the classes a user's model is made of, written from that package's documented behaviour:
  - LipschitzLinear(in, out, lipschitz_const, kind): an nn.Linear whose `weight` is parametrised (torch's
    register_parametrization) by W = V / max(1, n / lipschitz_const), n the norm of each row (kind "inf": l1 of the
    row; "two-inf": l2 of the row) or of each element (kind "one-inf": |v|), so gradients flow through the norm and
    the raw weights live in `parametrizations.weight.original`;
  - GroupSort(n_groups): splits the last axis into n_groups contiguous groups and sorts each ascending;
  - MonotonicWrapper(module, lipschitz_const, monotonic_constraints): module(x) + lipschitz_const * x @ c.
It trains a small monotone model briefly (so that rows sit on their bounds), exports it with lipgen_export.export, and
writes the inputs and the outputs PyTorch computes. LipGen must load the file into the matching declaration and
reproduce them to 1e-5.

Run: /usr/bin/python3 tools/pytorch/make_monotonicnetworks_testdata.py tests/LipGen.Tests/TestData
"""
import json
import os
import sys

import torch
from torch import nn
from torch.nn.utils.parametrize import register_parametrization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lipgen_export import export  # noqa: E402


def _normed(weight, kind, max_norm):
    if kind == "one-inf":
        norms = weight.abs()
    elif kind == "inf":
        norms = weight.abs().sum(dim=1, keepdim=True)
    elif kind == "two-inf":
        norms = weight.norm(p=2, dim=1, keepdim=True)
    else:
        raise ValueError(kind)
    scale = torch.clamp(norms / max_norm, min=1.0)  # max(1, n / lambda): rows inside the ball are left alone
    return weight / torch.clamp(scale, min=1e-10)


def direct_norm(layer, kind, max_norm, always_norm=False, vectorwise=True):
    class Normalize(nn.Module):
        def forward(self, weight):
            # always_norm and vectorwise are the package's defaults here; lipgen_export reads them from this closure.
            assert not always_norm and vectorwise
            return _normed(weight, kind, max_norm)

    register_parametrization(layer, "weight", Normalize())
    return layer


class LipschitzLinear(nn.Linear):
    def __init__(self, in_features, out_features, bias=True, lipschitz_const=1.0, kind="one-inf"):
        super().__init__(in_features, out_features, bias=bias)
        self.register_buffer("lipschitz_const", torch.tensor([float(lipschitz_const)]))
        direct_norm(self, kind=kind, max_norm=lipschitz_const)


class GroupSort(nn.Module):
    def __init__(self, n_groups, axis=-1):
        super().__init__()
        self.n_groups, self.axis = n_groups, axis

    def forward(self, x):
        shape = list(x.shape)
        grouped = x.view(*shape[:-1], self.n_groups, shape[-1] // self.n_groups)
        return grouped.sort(dim=-1).values.view(*shape)


class MonotonicWrapper(nn.Module):
    def __init__(self, lipschitz_module, lipschitz_const=1.0, monotonic_constraints=None):
        super().__init__()
        self.nn = lipschitz_module
        self.register_buffer("lipschitz_const", torch.tensor([float(lipschitz_const)]))
        constraints = torch.tensor([1.0] if monotonic_constraints is None else [float(c) for c in monotonic_constraints])
        self.register_buffer("monotonic_constraints", constraints.unsqueeze(-1))

    def forward(self, x):
        constraints = self.monotonic_constraints.expand(x.shape[1], -1)
        return self.nn(x) + self.lipschitz_const * x @ constraints


def main(folder):
    torch.manual_seed(20261202)
    # Lambda 1.5 over three layers, split evenly as LipGen splits it: each layer lambda_i = 1.5 ** (1/3).
    lam = 1.5
    per_layer = lam ** (1 / 3)
    model = MonotonicWrapper(
        nn.Sequential(
            LipschitzLinear(3, 16, lipschitz_const=per_layer, kind="one-inf"), GroupSort(8),  # 8 groups of 2
            LipschitzLinear(16, 16, lipschitz_const=per_layer, kind="inf"), GroupSort(4),     # 4 groups of 4
            LipschitzLinear(16, 1, lipschitz_const=per_layer, kind="inf"),
        ),
        lipschitz_const=lam,
        monotonic_constraints=[1, 0, -1],
    )
    # A few steps on a target that wants steeper slopes than allowed, so the norms are active in every layer.
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    data = torch.randn(256, 3)
    target = 3 * torch.sin(2 * data[:, :1]) + 4 * data[:, 1:2] - data[:, 2:3] ** 2
    for _ in range(200):
        optimizer.zero_grad()
        loss = ((model(data) - target) ** 2).mean()
        loss.backward()
        optimizer.step()

    declaration = export(model, f"{folder}/monotonicnetworks.safetensors")
    inputs = torch.randn(32, 3) * 2
    with torch.no_grad():
        outputs = model(inputs)
    with open(f"{folder}/monotonicnetworks-expected.json", "w") as f:
        json.dump({"torch": torch.__version__, "declaration": declaration, "inputs": inputs.tolist(), "outputs": outputs.tolist()}, f, indent=1)
    print(declaration)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
