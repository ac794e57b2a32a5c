"""A network, layer by layer: output shapes, parameters and MACs by the course's formulas.

:func:`layer_table` runs a model once on a dummy input, records what every leaf layer receives
and returns through forward hooks, and applies the formulas of :mod:`helpers.architecture` to
each call: a row per layer call with its output shape, parameters and multiply-accumulates.
:func:`count_params` and :func:`count_macs` are its totals.

The run is free: parameters, buffers and the input are swapped for tensors on torch's ``meta``
device (shapes without data) through ``torch.func.functional_call``, so even VGG-16 at 224x224
costs no arithmetic and no memory, and the model itself is left untouched (its weights, device
and train/eval mode). A model whose forward cannot run on ``meta`` (it reads tensor values) is
run for real on a zero input instead, if that input is small.

How the walk treats what torchvision uses:

* **leaves**: modules without children, plus ``nn.MultiheadAttention`` (which calls its output
  projection functionally, not as a module); every container (``Sequential``, a residual
  block, torchvision's ``Conv2dNormActivation`` and ``SqueezeExcitation``) is walked into;
* **a layer called twice** (a ResNet block's one ``ReLU``) gets a row per call: its MACs count
  each time, its parameters once;
* **shared parameters** (tied weights) count once, on the first layer that owns them, as in
  ``model.parameters()``; parameters owned directly by a container (ViT's class token, ConvNeXt's
  layer scale) get a row of their own;
* **layers that do not run** in eval mode (GoogLeNet's auxiliary classifiers) keep their
  parameters in the table with no output shape and no MACs;
* grouped and depthwise convolutions, transposed convolutions, adaptive pooling, in-place
  activations, stochastic depth and squeeze-and-excitation need nothing special: shapes come from
  the hooks and the formulas take ``groups`` into account.

MACs follow :mod:`helpers.architecture`'s convention: convolution, fully connected and attention
layers only. On networks made of those layers the total equals half the FLOPs of
``torch.utils.flop_counter.FlopCounterMode`` (:func:`flop_counter_macs`; tests/test_summary.py).
Arithmetic a network does outside layers (``F.linear`` on a module's weight, a ``torch.matmul``
in ``forward``) is not in any row: :func:`layer_table` warns when a layer's weights were used that
way (its layer did not run although its parent did).

Used in chapters/10_classic_networks.ipynb and chapters/11_modern_architectures.ipynb.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .. import architecture as arch
from .._validation import check_int, describe

__all__ = ["count_macs", "count_params", "flop_counter_macs", "layer_table"]

#: Largest input (elements, one sample) :func:`layer_table` accepts; on ``meta`` nothing is
#: allocated, but the numbers should stay those of an image.
MAX_INPUT_ELEMENTS = 1 << 28
#: Largest input run for real when the model cannot run on ``meta``.
MAX_REAL_RUN_ELEMENTS = 1 << 22

COLUMNS = ["name", "type", "kind", "settings", "output_shape", "parameters", "macs"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.LayerNorm,
         nn.GroupNorm, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
         nn.LocalResponseNorm)
_POOL = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
         nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
         nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.LPPool1d,
         nn.LPPool2d)
_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)
#: Modules treated as one layer although they have children (they use them functionally).
_ATOMIC = (nn.MultiheadAttention,)


# -- per-module formulas ------------------------------------------------------------------------
def _kind(module: nn.Module) -> str:
    if isinstance(module, _CONV + _CONV_T):
        return "conv"
    if isinstance(module, (nn.Linear, nn.Bilinear)):
        return "linear"
    if isinstance(module, _ATOMIC):
        return "attention"
    if isinstance(module, _NORM):
        return "norm"
    if isinstance(module, _POOL):
        return "pool"
    if isinstance(module, _DROPOUT) or type(module).__name__ == "StochasticDepth":
        return "dropout"
    if type(module).__module__ == "torch.nn.modules.activation":
        return "activation"
    return "other"


def _formula_params(module: nn.Module) -> int | None:
    """The course's parameter formula for the module's own tensors, None for unknown types."""
    if isinstance(module, _CONV + _CONV_T):
        return arch.conv_layer_params(module.in_channels, module.out_channels,
                                      tuple(module.kernel_size), groups=module.groups,
                                      bias=module.bias is not None)
    if isinstance(module, nn.Linear):
        return arch.linear_layer_params(module.in_features, module.out_features,
                                        bias=module.bias is not None)
    if isinstance(module, _NORM) and not isinstance(module, nn.LocalResponseNorm):
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        if weight is None and bias is None:
            return 0
        channels = (weight if weight is not None else bias).numel()
        if weight is not None and bias is not None:
            return arch.norm_layer_params(channels)      # a scale and a shift per channel
        return channels                                  # a scale only (LayerNorm(bias=False))
    if isinstance(module, _ATOMIC):
        return arch.attention_layer_params(module.embed_dim, kdim=module.kdim, vdim=module.vdim,
                                           bias=module.in_proj_bias is not None,
                                           add_bias_kv=module.bias_k is not None)
    if isinstance(module, nn.Embedding):
        return module.num_embeddings * module.embedding_dim
    return None


def _size_text(value: Any) -> str:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return "x".join(str(v) for v in values) if len(set(values)) > 1 else str(values[0])


def _settings(module: nn.Module) -> str:
    """The layer's hyperparameters in a few characters: '11x11/4 pad 2 groups 2', '9216->4096'."""
    if isinstance(module, _CONV + _CONV_T):
        k = _size_text(module.kernel_size)
        text = f"{module.in_channels}->{module.out_channels} {k if 'x' in k else k + 'x' + k}"
        if any(s != 1 for s in module.stride):
            text += f"/{_size_text(module.stride)}"
        if isinstance(module.padding, str):
            text += f" pad {module.padding}"
        elif any(p != 0 for p in module.padding):
            text += f" pad {_size_text(module.padding)}"
        if any(d != 1 for d in module.dilation):
            text += f" dil {_size_text(module.dilation)}"
        if module.groups > 1:
            text += " depthwise" if module.groups == module.in_channels else \
                f" groups {module.groups}"
        return text
    if isinstance(module, nn.Linear):
        return f"{module.in_features}->{module.out_features}"
    if isinstance(module, _POOL):
        if hasattr(module, "output_size"):
            return f"to {_size_text(module.output_size)}"
        k = _size_text(module.kernel_size)
        text = k if "x" in k else f"{k}x{k}"
        stride = module.stride if module.stride is not None else module.kernel_size
        if _size_text(stride) != _size_text(module.kernel_size):
            text += f"/{_size_text(stride)}"
        return text
    if isinstance(module, _DROPOUT) or type(module).__name__ == "StochasticDepth":
        return f"p={module.p:g}"
    if isinstance(module, nn.LocalResponseNorm):
        return f"size {module.size}"
    return ""


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()))
    return None


def _formula_macs(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> int:
    """The course's MAC formula for one call of a leaf layer (0 for layers without weights)."""
    if isinstance(module, _CONV):
        out = _first_tensor(output)
        batch = out.shape[0] if out.dim() == module.weight.dim() else 1
        return batch * arch.conv_layer_macs(module.in_channels, module.out_channels,
                                            tuple(module.kernel_size), tuple(out.shape[-len(
                                                module.kernel_size):]), groups=module.groups)
    if isinstance(module, _CONV_T):
        inp = _first_tensor(args) if args else _first_tensor(kwargs)
        batch = inp.shape[0] if inp.dim() == module.weight.dim() else 1
        return batch * arch.conv_transpose_layer_macs(
            module.in_channels, module.out_channels, tuple(module.kernel_size),
            tuple(inp.shape[-len(module.kernel_size):]), groups=module.groups)
    if isinstance(module, nn.Linear):
        inp = _first_tensor(args) if args else _first_tensor(kwargs)
        rows = math.prod(inp.shape[:-1])
        return arch.linear_layer_macs(module.in_features, module.out_features, rows=rows) \
            if rows else 0
    if isinstance(module, nn.Bilinear):
        inp = _first_tensor(args)
        rows = math.prod(inp.shape[:-1])
        return rows * module.in1_features * module.in2_features * module.out_features
    if isinstance(module, _ATOMIC):
        names = ("query", "key", "value")
        q, k = (args[i] if len(args) > i else kwargs.get(names[i]) for i in range(2))
        if q.dim() == 2:                                   # unbatched (L, E)
            batch, length, source = 1, q.shape[0], k.shape[0]
        elif module.batch_first:                           # (N, L, E)
            batch, length, source = q.shape[0], q.shape[1], k.shape[1]
        else:                                              # (L, N, E)
            batch, length, source = q.shape[1], q.shape[0], k.shape[0]
        return batch * arch.attention_layer_macs(module.embed_dim, length, source,
                                                 kdim=module.kdim, vdim=module.vdim)
    return 0


# -- the walk -----------------------------------------------------------------------------------
def _check_model(model: Any) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {describe(model)}")
    return model


def _check_shape(input_shape: Any) -> tuple[int, ...]:
    if not isinstance(input_shape, (tuple, list, torch.Size)) or not 1 <= len(input_shape) <= 4:
        raise TypeError(
            "input_shape must be one input's shape without the batch axis, a tuple of 1 to 4 "
            f"ints such as (3, 224, 224); got {describe(input_shape)}"
        )
    shape = tuple(check_int(n, "input_shape", min=1, max=1 << 16) for n in input_shape)
    if math.prod(shape) > MAX_INPUT_ELEMENTS:
        raise ValueError(
            f"input_shape {shape} has {math.prod(shape):,} elements; at most "
            f"{MAX_INPUT_ELEMENTS:,} are accepted - use an image-sized input"
        )
    return shape


def _leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of every leaf layer, in registration order, each module once."""
    found, inside_atomic = [], []
    for name, module in model.named_modules():
        if any(name.startswith(prefix + ".") for prefix in inside_atomic):
            continue
        if isinstance(module, _ATOMIC):
            inside_atomic.append(name)
            found.append((name, module))
        elif not any(True for _ in module.children()):
            found.append((name, module))
    return found


def _own_params(module: nn.Module, seen: set[int]) -> tuple[int, int]:
    """(formula or counted parameters of the module's own tensors not seen before, all own)."""
    own = [p for p in module.parameters(recurse=False)]
    if isinstance(module, _ATOMIC):  # its out_projection is a child it uses as a plain tensor
        own = list(module.parameters())
    fresh = [p for p in own if id(p) not in seen]
    seen.update(id(p) for p in fresh)
    counted = sum(p.numel() for p in fresh)
    formula = _formula_params(module)
    total_own = sum(p.numel() for p in own)
    # The formula is the lesson; the counted elements decide only where the two cannot agree
    # (a subclass with extra tensors, weights tied to an earlier layer).
    if formula is not None and formula == total_own and len(fresh) == len(own):
        return formula, total_own
    return counted, total_own


def _param_owners(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Containers (not leaves) that own parameters directly, e.g. ViT's class token."""
    leaves = {id(m) for _, m in _leaves(model)}
    atomic_names = [n for n, m in model.named_modules() if isinstance(m, _ATOMIC)]
    return [
        (name, m) for name, m in model.named_modules()
        if id(m) not in leaves and any(True for _ in m.parameters(recurse=False))
        and not any(name.startswith(a + ".") for a in atomic_names)
    ]


def _run(model: nn.Module, shape: tuple[int, ...]) -> None:
    """One forward pass on a batch of one, on ``meta`` if possible, else for real on zeros."""
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    floats = [t for t in params.values() if t.is_floating_point()]
    dtype = floats[0].dtype if floats else torch.float32
    state = {k: torch.empty_like(v, device="meta") for k, v in {**params, **buffers}.items()}
    try:
        with torch.no_grad():
            torch.func.functional_call(model, state, (torch.zeros((1, *shape), dtype=dtype,
                                                                  device="meta"),))
        return
    except Exception as exc:  # noqa: BLE001 - any failure on meta: try a real run below
        meta_error = exc
    on_meta = any(t.device.type == "meta" for t in [*params.values(), *buffers.values()])
    if on_meta or math.prod(shape) > MAX_REAL_RUN_ELEMENTS:
        raise ValueError(
            f"the model cannot run on torch's meta device ({type(meta_error).__name__}: "
            f"{meta_error}) and a real run is impossible "
            + ("(its weights are on meta)" if on_meta else
               f"for an input of {math.prod(shape):,} elements (limit {MAX_REAL_RUN_ELEMENTS:,})")
        ) from meta_error
    device = next(iter(params.values())).device if params else torch.device("cpu")
    try:
        with torch.no_grad():
            model(torch.zeros((1, *shape), dtype=dtype, device=device))
    except Exception as exc:  # noqa: BLE001 - say which argument is probably wrong
        raise ValueError(
            f"the model cannot run on an input of shape {(1, *shape)} built from input_shape="
            f"{shape} ({type(exc).__name__}: {exc}) - check input_shape: channels first, "
            "without the batch axis, e.g. (3, 224, 224)"
        ) from exc


def layer_table(model: nn.Module, input_shape: Sequence[int]):
    """One row per leaf-layer call: name, type, output shape, parameters and MACs.

    Parameters
    ----------
    model : torch.nn.Module
        Any network whose ``forward`` takes one float tensor. Left unchanged (it runs in eval
        mode, on ``meta`` copies of its tensors; train/eval mode is restored afterwards).
    input_shape : tuple of int
        One input's shape **without** the batch axis, e.g. ``(3, 224, 224)`` or ``(1, 28, 28)``;
        at most 2**28 elements.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (the module's name in the model; ``"(call k)"`` added for a layer's
        k-th call), ``type`` (class name), ``kind`` (``conv``, ``linear``, ``attention``,
        ``norm``, ``pool``, ``activation``, ``dropout``, ``parameter``, ``other``), ``settings``
        (the layer's hyperparameters in short: ``"96->256 5x5 pad 2 groups 2"``, ``"3x3/2"``),
        ``output_shape`` (tuple without the batch axis; None for a layer that did not run),
        ``parameters`` and ``macs`` (int64, for one input). Rows follow the order of
        execution; layers that did not run come last. ``table.attrs`` holds ``input_shape``,
        ``output_shape`` (the model's, without the batch axis), ``not_run`` (names of the
        layers that did not run) and ``module_shapes`` (the output shape of every container
        that ran, e.g. a whole Inception module, by name).

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``input_shape`` not a tuple of ints.
    ValueError
        For sizes out of range, or a model that runs neither on ``meta`` nor for real.

    Warns
    -----
    UserWarning
        When weights of a layer that did not run were probably used outside it (its parent ran):
        their MACs are missing from the table.

    Notes
    -----
    Per row, with the output size :math:`H_o \\times W_o` read by a forward hook:

    * convolution: :math:`P = C_o \\frac{C_i}{g} f_h f_w + C_o`,
      :math:`\\mathrm{MACs} = H_o W_o C_o \\frac{C_i}{g} f_h f_w`;
    * fully connected: :math:`P = n_i n_o + n_o`, :math:`\\mathrm{MACs} = n_i n_o` per vector;
    * batch (layer, group) norm: :math:`P = 2C`, no MACs (folded into the convolution);
    * pooling, activations, dropout: no parameters, no MACs.

    References
    ----------
    The formulas: :mod:`helpers.architecture`. Used in chapters/10_classic_networks.ipynb and
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    ...                     nn.Linear(6 * 12 * 12, 10))
    >>> table = layer_table(net, (1, 28, 28))
    >>> table["output_shape"].tolist()
    [(6, 24, 24), (6, 24, 24), (6, 12, 12), (864,), (10,)]
    >>> table["parameters"].tolist(), table["macs"].tolist()
    ([156, 0, 0, 0, 8650], [86400, 0, 0, 0, 8640])
    """
    import pandas as pd

    model = _check_model(model)
    shape = _check_shape(input_shape)
    leaves = _leaves(model)
    owners = _param_owners(model)
    calls: list[tuple[str, nn.Module, Any, int, bool]] = []   # name, module, output, macs, first
    counts: dict[int, int] = {}
    handles = []

    def leaf_hook(name: str):
        def hook(module, args, kwargs, output):
            k = counts.get(id(module), 0) + 1
            counts[id(module)] = k
            calls.append((name if k == 1 else f"{name} (call {k})", module,
                          _first_tensor(output), _formula_macs(module, args, kwargs, output),
                          k == 1))
        return hook

    def owner_hook(name: str):
        def hook(module, args):
            if id(module) not in counts:
                counts[id(module)] = 1
                calls.append((name, module, None, 0, True))
        return hook

    def container_hook(name: str):
        def hook(module, args, output):
            out = _first_tensor(output)
            if name not in module_shapes and out is not None:
                shape_out = tuple(out.shape)
                module_shapes[name] = shape_out[1:] if shape_out and shape_out[0] == 1 else \
                    shape_out
        return hook

    module_shapes: dict[str, tuple] = {}
    training = {id(m): m.training for m in model.modules()}
    try:
        for name, module in leaves:
            handles.append(module.register_forward_hook(leaf_hook(name or type(model).__name__),
                                                        with_kwargs=True))
        for name, module in owners:
            handles.append(module.register_forward_pre_hook(owner_hook(name or
                                                                       type(model).__name__)))
        leaf_ids = {id(m) for _, m in leaves}
        for name, module in model.named_modules():
            if id(module) not in leaf_ids or not name:     # containers, and the model itself
                handles.append(module.register_forward_hook(container_hook(name)))
        model.eval()
        _run(model, shape)
    finally:
        for handle in handles:
            handle.remove()
        for m in model.modules():
            m.training = training[id(m)]

    seen: set[int] = set()
    rows, owner_ids = [], {id(m) for _, m in owners}
    for name, module, output, macs, first in calls:
        if id(module) in owner_ids:
            params, _ = _own_params(module, seen)
            rows.append((name, f"{type(module).__name__} (own parameters)", "parameter", "",
                         None, params, 0))
            continue
        params = _own_params(module, seen)[0] if first else 0    # weights count once
        out = None if output is None else tuple(output.shape)
        if out and out[0] == 1:
            out = out[1:]
        rows.append((name, type(module).__name__, _kind(module), _settings(module), out, params,
                     macs))
    ran = set(counts)
    not_run, parents_ran = [], []
    named = dict(model.named_modules())
    for name, module in [*leaves, *owners]:
        if id(module) in ran:
            continue
        params, _ = _own_params(module, seen)
        rows.append((name or type(model).__name__, type(module).__name__,
                     "parameter" if id(module) in owner_ids else _kind(module),
                     "" if id(module) in owner_ids else _settings(module), None, params, 0))
        not_run.append(name)
        parent = named.get(name.rpartition(".")[0]) if "." in name else model
        parent_ran = parent is model or (parent is not None and any(
            id(m) in ran for m in parent.modules() if m is not module))   # the root always runs
        if params and parent_ran:
            parents_ran.append(name)
    if parents_ran:
        warnings.warn(
            f"layers {', '.join(parents_ran[:5])}{' ...' if len(parents_ran) > 5 else ''} did not "
            "run although their parent did: they are unused, or the model uses their weights "
            "outside the layer (F.linear, torch.matmul) and their MACs are missing from the table",
            stacklevel=2,
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["parameters"] = table["parameters"].astype("int64")
    table["macs"] = table["macs"].astype("int64")
    table.attrs["input_shape"] = shape
    table.attrs["not_run"] = not_run
    table.attrs["output_shape"] = module_shapes.pop("", None)
    table.attrs["module_shapes"] = module_shapes
    return table


def count_params(model: nn.Module) -> int:
    """Learnable parameters of ``model``, layer by layer with the course's formulas.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    int
        Equals ``sum(p.numel() for p in model.parameters())`` (tests/test_summary.py): each
        shared parameter counts once. No forward pass is needed.

    Examples
    --------
    >>> count_params(nn.Sequential(nn.Conv2d(3, 6, 5), nn.Linear(10, 2)))
    478
    """
    model = _check_model(model)
    seen: set[int] = set()
    modules = [m for _, m in _leaves(model)] + [m for _, m in _param_owners(model)]
    return int(sum(_own_params(m, seen)[0] for m in modules))


def count_macs(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates of one forward pass on one input: the sum of :func:`layer_table`.

    Examples
    --------
    >>> count_macs(nn.Conv2d(3, 8, 3, padding=1), (3, 32, 32))    # 32*32*8 outputs, 27 MACs each
    221184
    """
    return int(layer_table(model, input_shape)["macs"].sum())


def flop_counter_macs(model: nn.Module, input_shape: Sequence[int]) -> float:
    """The reference: torch's ``FlopCounterMode`` FLOPs of one forward pass, divided by 2.

    torch counts a multiply-accumulate as two floating-point operations (convolutions, matrix
    products, attention); bias adds and element-wise operations are not counted, as in
    :func:`count_macs`. Runs on ``meta`` like :func:`layer_table`.

    Examples
    --------
    >>> flop_counter_macs(nn.Conv2d(3, 8, 3, padding=1), (3, 32, 32))
    221184.0
    """
    from torch.utils.flop_counter import FlopCounterMode

    model = _check_model(model)
    shape = _check_shape(input_shape)
    counter = FlopCounterMode(display=False)
    training = {id(m): m.training for m in model.modules()}
    try:
        model.eval()
        with counter:
            _run(model, shape)
    finally:
        for m in model.modules():
            m.training = training[id(m)]
    return counter.get_total_flops() / 2
