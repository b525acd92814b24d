"""Export a trained PyTorch Lipschitz network (for example a `monotonicnetworks` model) to a safetensors file LipGen loads.

    from lipgen_export import export
    export(model, "model.safetensors")

`model` is a live `nn.Sequential` of Linear-like layers with GroupSort-like activations between them, or a
`MonotonicWrapper` around one. The file holds the effective weights and, in its metadata, the declaration LipGen needs
to accept it: `lipgen.widths`, `lipgen.group_sizes`, `lipgen.p`, `lipgen.lipschitz`, `lipgen.activation` and
`lipgen.monotone`. `NetworkFile.Load` compares them with the network it loads into and rejects a mismatch, naming it.

The mapping (monotonicnetworks 1.5.x):
  - Linear-like layer      -> a dense layer. `layer.weight` is read, which for a `LipschitzLinear` is the effective
                              weight: its parametrisation applies the norm to `parametrizations.weight.original`.
  - GroupSort(n)           -> GroupSize = width / n: monotonicnetworks passes the NUMBER of groups, LipGen the SIZE of
                              each. Both sort contiguous groups in ascending order.
  - the first layer's kind -> p: "one-inf" (every |w| <= lambda_1, i.e. |W|_{1->inf}) is P = 1, "two-inf" (rows in l2)
                              is P = 2, "inf" (rows in l1) is P = infinity. Every later layer must be "inf"
                              (|W|_{inf->inf}), the only norm LipGen puts after the first layer. "one" (column sums,
                              |W|_{1->1}) has no LipGen counterpart and is refused.
  - lambda                 -> the wrapper's `lipschitz_const`, or, for a bare Sequential, the product of the layers'
                              `lipschitz_const`. LipGen checks the certificate of the exported weights against it.
  - MonotonicWrapper(m, lambda, c) -> Monotone = c: f = m(x) + lambda * x @ c. One sign vector for every output
                              (a 2-D per-output constraint is refused).

Pass `p=` when the layers are not `LipschitzLinear` (plain `nn.Linear` whose weights you constrained yourself); pass
`lipschitz=` to override lambda. No `safetensors` package is needed: the format is written directly.
"""
import json
import math
import struct

import torch

__all__ = ["export", "declaration", "save_safetensors"]

_KIND_TO_P = {"one-inf": 1.0, "two-inf": 2.0, "inf": math.inf}


def _is_linear(module):
    return isinstance(module, torch.nn.Linear) or (hasattr(module, "weight") and hasattr(module, "in_features"))


def _is_groupsort(module):
    return type(module).__name__ == "GroupSort" and hasattr(module, "n_groups")


def _kind(layer):
    """The `kind` direct_norm closed over, if the layer is a parametrised LipschitzLinear."""
    parametrizations = getattr(layer, "parametrizations", None)
    if parametrizations is None or "weight" not in parametrizations:
        return None
    for normalize in parametrizations["weight"]:
        forward = type(normalize).forward
        names, cells = forward.__code__.co_freevars, forward.__closure__ or ()
        values = dict(zip(names, (cell.cell_contents for cell in cells)))
        if "kind" in values:
            if values.get("always_norm"):
                raise ValueError("always_norm=True rescales every row onto the bound; LipGen's constraint is a ball, not a sphere")
            if not values.get("vectorwise", True):
                raise ValueError("vectorwise=False bounds the whole matrix by one norm; LipGen bounds each row")
            return values["kind"]
    return None


def _unwrap(model):
    """(sequential, lambda, signs) from a MonotonicWrapper or a bare Sequential."""
    if hasattr(model, "nn") and hasattr(model, "monotonic_constraints"):
        constraints = model.monotonic_constraints.detach().cpu()
        if constraints.ndim == 2 and constraints.shape[1] != 1:
            raise ValueError("per-output monotonic constraints are not supported: LipGen applies one sign vector to every output")
        signs = [int(v) for v in constraints.reshape(-1).tolist()]
        return model.nn, float(model.lipschitz_const.reshape(-1)[0]), signs
    return model, None, None


def _describe(model, p=None, lipschitz=None):
    sequential, wrapper_lambda, signs = _unwrap(model)
    modules = list(sequential.children()) if isinstance(sequential, torch.nn.Sequential) else None
    if modules is None:
        raise TypeError("expected an nn.Sequential of Linear-like and GroupSort modules, or a MonotonicWrapper around one")
    linears, group_sizes, kinds = [], [], []
    for index, module in enumerate(modules):
        if _is_linear(module):
            if linears and len(group_sizes) != len(linears):
                raise ValueError(f"module {index}: two dense layers with no GroupSort between them")
            linears.append(module)
            kinds.append(_kind(module))
        elif _is_groupsort(module):
            if len(group_sizes) != len(linears) - 1:
                raise ValueError(f"module {index}: a GroupSort must follow a dense layer")
            width = linears[-1].out_features
            if getattr(module, "axis", -1) != -1 or width % module.n_groups:
                raise ValueError(f"module {index}: GroupSort({module.n_groups}) does not split width {width} into equal groups on the last axis")
            group_sizes.append(width // module.n_groups)  # monotonicnetworks passes the number of groups
        else:
            raise TypeError(f"module {index} ({type(module).__name__}) is neither Linear-like nor GroupSort")
    if not linears or len(group_sizes) != len(linears) - 1:
        raise ValueError("the network must start and end with a dense layer")

    if p is None:
        if kinds[0] not in _KIND_TO_P:
            raise ValueError(f"the first layer's norm kind is {kinds[0]!r}; pass p= for layers that are not LipschitzLinear")
        p = _KIND_TO_P[kinds[0]]
    for number, kind in enumerate(kinds[1:], start=2):
        if kind is not None and kind != "inf":
            raise ValueError(f"layer {number} has kind {kind!r}; after the first layer LipGen bounds |W|_(inf->inf), kind 'inf'")
    if lipschitz is None:
        lipschitz = wrapper_lambda
    if lipschitz is None:
        lipschitz = 1.0
        for layer in linears:
            lipschitz *= float(layer.lipschitz_const.reshape(-1)[0]) if hasattr(layer, "lipschitz_const") else math.nan
        if math.isnan(lipschitz):
            raise ValueError("cannot tell lambda: the layers are not LipschitzLinear; pass lipschitz=")
    widths = [linears[0].in_features] + [layer.out_features for layer in linears]
    if signs is not None and len(signs) != widths[0]:
        raise ValueError(f"{len(signs)} monotonic constraints for {widths[0]} inputs")
    return linears, widths, group_sizes, p, lipschitz, signs


def declaration(model, p=None, lipschitz=None, name="ImportedNet"):
    """The C# declaration that loads the exported file."""
    _, widths, group_sizes, p, lipschitz, signs = _describe(model, p, lipschitz)
    norm = {1.0: "Norm.L1", 2.0: "Norm.L2", math.inf: "Norm.Infinity"}.get(p, repr(p))
    parts = [", ".join(map(str, widths)), f"GroupSizes = new[] {{ {', '.join(map(str, group_sizes))} }}" if group_sizes else None,
             f"P = {norm}", f"Lipschitz = {lipschitz!r}",
             f"Monotone = new[] {{ {', '.join(map(str, signs))} }}" if signs is not None else None]
    return f"[LipschitzNetwork({', '.join(part for part in parts if part)})]\npublic partial class {name};"


def export(model, path, p=None, lipschitz=None):
    """Writes `model` to `path` as safetensors with LipGen's metadata; returns the C# declaration that loads it."""
    linears, widths, group_sizes, p, lipschitz, signs = _describe(model, p, lipschitz)
    tensors = {}
    with torch.no_grad():
        for i, layer in enumerate(linears):
            tensors[f"layers.{i}.weight"] = layer.weight.detach().to(torch.float32).cpu()  # the effective, normalised weight
            bias = layer.bias if layer.bias is not None else torch.zeros(layer.out_features)
            tensors[f"layers.{i}.bias"] = bias.detach().to(torch.float32).cpu()
    metadata = {
        "format": "pt",
        "producer": "lipgen_export, torch " + torch.__version__,
        "lipgen.widths": ",".join(map(str, widths)),
        "lipgen.activation": "GroupSort",
        "lipgen.group_sizes": ",".join(map(str, group_sizes)),
        "lipgen.p": "inf" if math.isinf(p) else repr(float(p)),
        "lipgen.lipschitz": repr(float(lipschitz)),
        "lipgen.monotone": ",".join(map(str, signs if signs is not None else [0] * widths[0])),
    }
    save_safetensors(path, tensors, metadata)
    return declaration(model, p, lipschitz)


def save_safetensors(path, tensors, metadata):
    """Writes float32 tensors and string metadata in the safetensors format (no `safetensors` package needed)."""
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().cpu().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
