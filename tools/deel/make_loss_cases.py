"""Makes tests/LipGen.Tests/TestData/deel-losses.json: values and gradients of deel-torchlip's multiclass losses.

PyPI is not reachable where LipGen is built, so deel-torchlip cannot be installed. This script re-implements, with torch,
the definitions in its `deel/torchlip/functional.py` and `modules/loss.py`:
  - hinge_multiclass_loss(input, target, min_margin): per element relu(min_margin/2 - s*f), s = +1 where target > 0 and
    -1 elsewhere; the positive elements multiplied by (number of classes - 1); the mean over the last axis;
  - kr_loss(input, target): per class column, weights batch/#positives for positives and -batch/#negatives for negatives
    (nan_to_num(1/mean) of the one-hot targets), times the input, the mean over the last axis;
  - hkr_multiclass_loss(input, target, alpha, min_margin): alpha * hinge - (1 - alpha) * kr, hinge alone for alpha = 1,
    -kr alone for alpha = 0;
  - TauCrossEntropyLoss(tau): CrossEntropyLoss(tau * input, target) / tau;
each module reducing with the mean over the batch. Gradients are torch's autograd of that mean.

Run: /usr/bin/python3 tools/deel/make_loss_cases.py tests/LipGen.Tests/TestData
"""
import json
import sys

import torch
import torch.nn.functional as F


def hinge_multiclass(f, t, min_margin):
    sign = torch.where(t > 0, 1.0, -1.0).to(f.dtype)
    hinge = F.relu(min_margin / 2.0 - sign * f)
    hinge = torch.where(t > 0, hinge * (t.shape[-1] - 1.0), hinge)
    return torch.mean(hinge, dim=-1)


def kr(f, t):
    positive = (t > 0).to(f.dtype)
    mean_positive = torch.mean(positive, dim=0)
    positive_factor = torch.nan_to_num(1.0 / mean_positive)
    negative_factor = -torch.nan_to_num(1.0 / (1.0 - mean_positive))
    return torch.mean(torch.where(t > 0, positive_factor, negative_factor) * f, dim=-1)


def hkr_multiclass(f, t, alpha, min_margin):
    if alpha == 1.0:
        return hinge_multiclass(f, t, min_margin)
    if alpha == 0.0:
        return -kr(f, t)
    return alpha * hinge_multiclass(f, t, min_margin) - (1 - alpha) * kr(f, t)


def tau_cross_entropy(f, t, tau):
    return F.cross_entropy(f * tau, t.argmax(dim=-1), reduction="none") / tau


def case(name, parameters, function, f, t):
    f = f.clone().requires_grad_(True)
    loss = torch.mean(function(f, t))  # the modules' "mean" reduction over the batch
    loss.backward()
    return {"loss": name, "parameters": parameters, "classes": f.shape[1], "outputs": f.detach().reshape(-1).tolist(),
            "targets": t.reshape(-1).tolist(), "value": loss.item(), "gradient": f.grad.reshape(-1).tolist()}


def main(folder):
    torch.manual_seed(20261202)
    cases = []
    for batch, classes in [(8, 3), (16, 10), (5, 4)]:
        f = (torch.randn(batch, classes) * 1.5).to(torch.float32)
        labels = torch.randint(0, classes, (batch,))
        if batch == 5:
            labels[:] = torch.tensor([0, 1, 1, 0, 1])  # classes 2 and 3 absent from the batch
        t = F.one_hot(labels, classes).to(torch.float32)
        for margin in [1.0, 0.5]:
            cases.append(case("MulticlassHingeLoss", [margin], lambda f, t: hinge_multiclass(f, t, margin), f, t))
        for tau in [1.0, 10.0, 0.25]:
            cases.append(case("TauCrossEntropyLoss", [tau], lambda f, t: tau_cross_entropy(f, t, tau), f, t))
        for alpha, margin in [(0.9, 1.0), (0.0, 1.0), (1.0, 0.5), (0.5, 2.0)]:
            cases.append(case("MulticlassHkrLoss", [alpha, margin], lambda f, t: hkr_multiclass(f, t, alpha, margin), f, t))
    with open(f"{folder}/deel-losses.json", "w") as out:
        json.dump({"torch": torch.__version__, "cases": cases}, out, indent=1)
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
