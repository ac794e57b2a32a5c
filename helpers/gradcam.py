"""Looking inside a CNN: Grad-CAM, written out step by step, and vanilla-gradient saliency.

Grad-CAM answers "which regions made the network say *this class*?" with four steps, each a
function here so a learner can run and check them one at a time:

1. **hooks**: run the image forward and backward from the class score, catching the chosen
   layer's activations :math:`A` (a forward hook) and the gradient of the score with respect to
   them, :math:`\\partial y^c / \\partial A` (a hook on that tensor) - :func:`grad_cam`;
2. **channel weights**: average each channel's gradient over the positions -
   :func:`gradcam_channel_weights`;
3. **weighted sum and ReLU**: :math:`\\mathrm{ReLU}(\\sum_k \\alpha_k A_k)`, a coarse map at the
   layer's resolution - :func:`gradcam_map`;
4. **upsampling** to the image's size (bilinear) and scaling to [0, 1] - :func:`upsample_map`.

Steps 2-4 are numpy (and run on torch tensors too); only step 1 needs torch.
:func:`saliency_map` is the older, simpler answer: the gradient of the score with respect to the
pixels. The course checks :func:`grad_cam` against the ``grad-cam`` package's ``GradCAM`` (an
independent implementation) in its tests.

Used in chapters/17_inside_cnns.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._memory import release_memory
from ._validation import as_array, check_int, describe

__all__ = [
    "GradCAMResult",
    "grad_cam",
    "gradcam_channel_weights",
    "gradcam_map",
    "gradcam_precompute",
    "saliency_map",
    "upsample_map",
]

MAX_BATCH = 256
MAX_SIDE = 4096
MAX_CLASSES = 100_000
#: Pixels per forward/backward pass (one 256x256 photo): bounds the memory of the backward pass.
CHUNK_PIXELS = 65_536


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def _maps(x: Any, name: str) -> Any:
    """A ``(C, h, w)`` or ``(N, C, h, w)`` array or tensor, float, finite, not empty."""
    if _is_tensor(x):
        if x.ndim not in (3, 4) or x.numel() == 0:
            raise ValueError(f"{name} must be a non-empty (C, h, w) or (N, C, h, w) map; got "
                             f"shape {tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"{name} must be a float tensor; got dtype {x.dtype}")
        if not bool(x.detach().isfinite().all()):
            raise ValueError(f"{name} contains NaN or infinite values")
        return x
    arr = as_array(x, name, ndim=(3, 4), shape_hint="(C, h, w) or (N, C, h, w)")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def gradcam_channel_weights(gradients: Any) -> Any:
    """Grad-CAM's channel weights: each channel's gradient, averaged over its positions.

    Parameters
    ----------
    gradients : (C, h, w) or (N, C, h, w) ndarray or torch.Tensor
        :math:`\\partial y^c / \\partial A^k_{ij}`: the class score's gradient with respect to
        the layer's activations.

    Returns
    -------
    (C,) or (N, C) array or tensor
        :math:`\\alpha_k^c = \\frac{1}{Z} \\sum_{i,j} \\partial y^c / \\partial A^k_{ij}`,
        :math:`Z = h w`.

    Notes
    -----
    :math:`\\alpha_k^c` says how much the class score would rise if channel :math:`k` fired a
    little more everywhere: a global-average-pooled gradient. Negative weights mark channels
    whose activity argues *against* the class.

    References
    ----------
    R. R. Selvaraju et al., "Grad-CAM: visual explanations from deep networks via gradient-based
    localization", ICCV 2017, eq. 1. Used in chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> g = np.array([[[1.0, 3.0]], [[-2.0, 0.0]]])   # C=2 channels of a 1x2 map
    >>> gradcam_channel_weights(g)
    array([ 2., -1.])
    """
    g = _maps(gradients, "gradients")
    return g.mean(axis=(-2, -1)) if not _is_tensor(g) else g.mean(dim=(-2, -1))


def gradcam_map(activations: Any, weights: Any) -> Any:
    """Grad-CAM's coarse map: the ReLU of the channel-weighted sum of the activations.

    Parameters
    ----------
    activations : (C, h, w) or (N, C, h, w) ndarray or torch.Tensor
        :math:`A^k`, the layer's activations.
    weights : (C,) or (N, C) ndarray or torch.Tensor
        :math:`\\alpha_k^c` from :func:`gradcam_channel_weights`.

    Returns
    -------
    (h, w) or (N, h, w) array or tensor, >= 0
        :math:`L^c = \\mathrm{ReLU}(\\sum_k \\alpha_k^c A^k)`.

    Notes
    -----
    The ReLU keeps only the regions whose features push the class score *up*; without it,
    regions that belong to other classes (negative evidence) would light up too.

    Examples
    --------
    >>> a = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])    # channel 0 left, channel 1 right
    >>> gradcam_map(a, np.array([2.0, -1.0]))          # left +2, right -1 -> ReLU -> 0
    array([[2., 0.]])
    """
    a = _maps(activations, "activations")
    if _is_tensor(weights) != _is_tensor(a):
        raise TypeError("activations and weights must both be numpy arrays or both tensors")
    w = weights if _is_tensor(weights) else as_array(weights, "weights", ndim=(1, 2))
    if tuple(w.shape) != tuple(a.shape[:-2]):
        raise ValueError(f"weights must have shape {tuple(a.shape[:-2])} (one per channel of "
                         f"activations {tuple(a.shape)}); got {tuple(w.shape)}")
    summed = (w[..., None, None] * a).sum(-3)
    return summed.clamp(min=0) if _is_tensor(summed) else np.maximum(summed, 0)


def upsample_map(cam: Any, size: Any, *, normalize: bool = True) -> np.ndarray:
    """Bilinear upsampling of a coarse map to the image's size, scaled to [0, 1].

    Parameters
    ----------
    cam : (h, w) or (N, h, w) ndarray or torch.Tensor
        A Grad-CAM (or any) map.
    size : (H, W) tuple of int
        The output size, each side 1 to 4096.
    normalize : bool
        Scale each map to [0, 1] by its minimum and maximum (an all-equal map becomes 0).

    Returns
    -------
    (H, W) or (N, H, W) ndarray of float32

    Notes
    -----
    Pixel centres are aligned as in ``cv2.resize(..., INTER_LINEAR)`` and
    ``torch.nn.functional.interpolate(..., align_corners=False)``: output pixel :math:`u` samples
    the input at :math:`(u + \\tfrac12)\\, h / H - \\tfrac12`, clamped to the border, and mixes
    the two nearest input pixels in each direction.

    Examples
    --------
    >>> upsample_map(np.array([[0.0, 1.0]]), (1, 4), normalize=False)
    array([[0.  , 0.25, 0.75, 1.  ]], dtype=float32)
    """
    if _is_tensor(cam):
        cam = cam.detach().cpu().numpy()
    arr = as_array(cam, "cam", ndim=(2, 3), shape_hint="(h, w) or (N, h, w)")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size must be a tuple (H, W); got {describe(size)}")
    out_h = check_int(size[0], "size[0]", min=1, max=MAX_SIDE)
    out_w = check_int(size[1], "size[1]", min=1, max=MAX_SIDE)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False; got {describe(normalize)}")
    maps = arr.reshape(-1, *arr.shape[-2:]).astype(np.float32)
    h, w = maps.shape[1:]

    def axis(n_in, n_out):
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, (pos - lo).astype(np.float32)

    y0, y1, fy = axis(h, out_h)
    x0, x1, fx = axis(w, out_w)
    rows = maps[:, y0] * (1 - fy)[None, :, None] + maps[:, y1] * fy[None, :, None]
    out = rows[:, :, x0] * (1 - fx) + rows[:, :, x1] * fx
    if normalize:
        lo = out.min(axis=(1, 2), keepdims=True)
        span = out.max(axis=(1, 2), keepdims=True) - lo
        out = np.where(span > 0, (out - lo) / np.where(span > 0, span, 1), 0).astype(np.float32)
    return out.reshape(arr.shape[:-2] + (out_h, out_w))


@dataclass
class GradCAMResult:
    """What :func:`grad_cam` computed, every intermediate kept for inspection.

    Attributes
    ----------
    heatmap : (N, H, W) ndarray of float32
        The upsampled map in [0, 1] (step 4).
    coarse : (N, h, w) ndarray of float32
        :math:`\\mathrm{ReLU}(\\sum_k \\alpha_k A^k)` at the layer's resolution (step 3).
    weights : (N, C) ndarray of float32
        The channel weights :math:`\\alpha_k` (step 2).
    activations, gradients : (N, C, h, w) ndarray of float32
        What the hooks caught (step 1).
    class_index : (N,) ndarray of int64
        The class explained for each image.
    scores : (N,) ndarray of float32
        The class scores (logits) :math:`y^c` that were differentiated.
    """

    heatmap: np.ndarray
    coarse: np.ndarray
    weights: np.ndarray
    activations: np.ndarray
    gradients: np.ndarray
    class_index: np.ndarray
    scores: np.ndarray


def _check_model_layer(model: Any, layer: Any):
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {describe(model)}")
    if not isinstance(layer, nn.Module):
        raise TypeError(f"layer must be a torch.nn.Module inside model (e.g. model.conv3); got "
                        f"{describe(layer)}")
    if not any(m is layer for m in model.modules()):
        raise ValueError("layer must be one of model's own modules (model.modules()); got a "
                         f"{type(layer).__name__} that is not part of model")


def _images_tensor(images: Any):
    import torch

    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be an (N, C, H, W) float tensor (helpers.image.to_tensor);"
                        f" got {describe(images)}")
    if images.ndim != 4 or not images.is_floating_point() or images.numel() == 0:
        raise ValueError(f"images must be a non-empty float (N, C, H, W) batch; got shape "
                         f"{tuple(images.shape)} and dtype {images.dtype}")
    if images.shape[0] > MAX_BATCH or max(images.shape[2:]) > MAX_SIDE:
        raise ValueError(f"images must hold at most {MAX_BATCH} images of side <= {MAX_SIDE}; "
                         f"got shape {tuple(images.shape)}")
    if not bool(torch.isfinite(images).all()):
        raise ValueError("images contains NaN or infinite values")
    return images.float()


def _class_indices(class_index: Any, logits) -> np.ndarray:
    n, k = logits.shape
    if class_index is None:
        return logits.argmax(1).cpu().numpy().astype(np.int64)
    if isinstance(class_index, (int, np.integer)) and not isinstance(class_index, bool):
        idx = np.full(n, int(class_index), np.int64)
    else:
        idx = as_array(class_index, "class_index", ndim=1, kinds="iu").astype(np.int64)
        if len(idx) != n:
            raise ValueError(f"class_index must give one class per image ({n}); got {len(idx)}")
    if idx.min() < 0 or idx.max() >= k:
        raise ValueError(f"class_index must lie in 0..{k - 1} (the model has {k} outputs); got "
                         f"{idx.tolist() if len(idx) <= 8 else idx}")
    return idx


def _chunks(x, per_image: Any = None):
    """Split a batch so that each piece holds at most CHUNK_PIXELS pixels (at least one image)."""
    size = max(1, CHUNK_PIXELS // (x.shape[2] * x.shape[3]))
    for start in range(0, x.shape[0], size):
        part = slice(start, start + size)
        yield x[part], (per_image[part] if per_image is not None else None)


def _per_image_classes(class_index: Any, n: int) -> np.ndarray | None:
    """None, or one class per image (an int is repeated); range checks need the model's output."""
    if class_index is None:
        return None
    if isinstance(class_index, (int, np.integer)) and not isinstance(class_index, bool):
        return np.full(n, int(class_index), np.int64)
    idx = as_array(class_index, "class_index", ndim=1, kinds="iu").astype(np.int64)
    if len(idx) != n:
        raise ValueError(f"class_index must give one class per image ({n}); got {len(idx)}")
    return idx


def grad_cam(model: Any, images: Any, *, layer: Any, class_index: Any = None,
             threads: int = 1) -> GradCAMResult:
    """Grad-CAM: where in the image is the evidence for a class, as seen by one layer.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning ``(N, K)`` scores (logits, before softmax).
    images : (N, C, H, W) torch.Tensor
        The batch the model expects (:func:`helpers.image.to_tensor`); at most 256 images.
    layer : torch.nn.Module
        One of ``model``'s modules whose output is a ``(N, C', h, w)`` feature map (usually the
        last convolutional block).
    class_index : int, sequence of int, or None
        The class to explain for every image, one per image, or None for each image's top
        prediction.
    threads : int
        torch threads while running (1 to 64), restored afterwards: one is fastest for small
        batches on a shared machine, as in :func:`helpers.nets.training.fit`.

    Returns
    -------
    GradCAMResult

    Raises
    ------
    TypeError, ValueError
        For a model, layer, batch or class of the wrong kind or range.

    Notes
    -----
    Step 1, written out: a **forward hook** on ``layer`` stores its output :math:`A` and
    registers a hook on that tensor, which autograd calls with
    :math:`\\partial y^c / \\partial A` during the backward pass from the class score
    :math:`y^c` (summed over the batch: each image's score depends only on its own
    activations). The hooks are removed afterwards, whatever happens. Then steps 2-4:
    :func:`gradcam_channel_weights`, :func:`gradcam_map`, :func:`upsample_map`. The model is put
    in eval mode and its weights are not changed (their ``.grad`` is left untouched: only the
    activations' gradient is requested). Large batches are processed a few images at a time
    (at most 65,536 pixels per pass, one 256x256 photo) to bound the memory the backward pass
    needs; the results are the same.

    References
    ----------
    R. R. Selvaraju et al., ICCV 2017. Checked in the tests against ``pytorch_grad_cam.GradCAM``
    (J. Gildenblat et al., github.com/jacobgil/pytorch-grad-cam). Used in
    chapters/17_inside_cnns.ipynb.
    """
    _check_model_layer(model, layer)
    x = _images_tensor(images)
    threads = check_int(threads, "threads", min=1, max=64)
    wanted = _per_image_classes(class_index, x.shape[0])
    was_training = model.training
    model.eval()
    try:
        parts = [_hooked_pass(model, chunk, layer, classes, threads)
                 for chunk, classes in _chunks(x, wanted)]
    finally:
        model.train(was_training)
        release_memory()  # the backward passes' buffers, freed but kept by malloc
    acts, grads, idx, scores = (np.concatenate(a) for a in zip(*parts, strict=True))
    weights = gradcam_channel_weights(grads)
    coarse = gradcam_map(acts, weights)
    heatmap = upsample_map(coarse, tuple(x.shape[2:]))
    return GradCAMResult(heatmap=heatmap, coarse=coarse.astype(np.float32),
                         weights=weights.astype(np.float32), activations=acts, gradients=grads,
                         class_index=idx, scores=scores)


def _hooked_pass(model, x, layer, classes, threads):
    """Step 1 for one chunk: (activations, gradients, class indices, scores) as numpy."""
    import torch

    caught: dict[str, Any] = {}

    def forward_hook(_module, _inputs, output):
        if not isinstance(output, torch.Tensor) or output.ndim != 4:
            raise ValueError(f"layer must output an (N, C, h, w) feature map; it gave "
                             f"{describe(output)}")
        caught["activations"] = output
        output.register_hook(lambda grad: caught.__setitem__("gradients", grad))

    handle = layer.register_forward_hook(forward_hook)
    try:
        with torch.enable_grad(), _torch_threads(threads):
            x = x.detach().requires_grad_(True)  # so the graph reaches the layer's output
            logits = model(x)
            if not isinstance(logits, torch.Tensor) or logits.ndim != 2:
                raise ValueError(f"model must return (N, K) scores; got {describe(logits)}")
            if "activations" not in caught:
                raise ValueError("layer was not used by model's forward pass")
            idx = _class_indices(classes, logits)
            scores = logits[torch.arange(len(idx)), torch.from_numpy(idx)]
            torch.autograd.grad(scores.sum(), [caught["activations"]])  # fires the tensor hook
            return (caught["activations"].detach().float().cpu().numpy(),
                    caught["gradients"].detach().float().cpu().numpy(), idx,
                    scores.detach().cpu().numpy())
    finally:
        handle.remove()
        # The tensor hook refers to `caught`, which refers to the tensor: a reference cycle through
        # autograd that Python's garbage collector cannot see. Clearing it frees the graph.
        caught.clear()


def saliency_map(model: Any, images: Any, *, class_index: Any = None,
                 threads: int = 1) -> np.ndarray:
    """Vanilla-gradient saliency: how strongly each pixel moves the class score.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning ``(N, K)`` scores.
    images : (N, C, H, W) torch.Tensor
        At most 256 images.
    class_index : int, sequence of int, or None
        As in :func:`grad_cam`.
    threads : int
        As in :func:`grad_cam`.

    Returns
    -------
    (N, H, W) ndarray of float32
        :math:`\\max_c |\\partial y^c / \\partial x_{c,i,j}|` over the colour channels, scaled
        to [0, 1] per image.

    Notes
    -----
    Full resolution, but noisy: it shows every edge the score is sensitive to. Grad-CAM is
    coarse but smooth. Processed a few images at a time, as :func:`grad_cam`.

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep inside convolutional networks: visualising
    image classification models and saliency maps", ICLR workshop 2014. Used in
    chapters/17_inside_cnns.ipynb.
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {describe(model)}")
    x = _images_tensor(images)
    threads = check_int(threads, "threads", min=1, max=64)
    wanted = _per_image_classes(class_index, x.shape[0])
    was_training = model.training
    model.eval()
    parts = []
    try:
        with torch.enable_grad(), _torch_threads(threads):
            for chunk, classes in _chunks(x, wanted):
                chunk = chunk.detach().requires_grad_(True)
                logits = model(chunk)
                if not isinstance(logits, torch.Tensor) or logits.ndim != 2:
                    raise ValueError(f"model must return (N, K) scores; got {describe(logits)}")
                idx = _class_indices(classes, logits)
                score = logits[torch.arange(len(idx)), torch.from_numpy(idx)].sum()
                (grad,) = torch.autograd.grad(score, [chunk])
                parts.append(grad.abs().amax(dim=1).numpy())
    finally:
        model.train(was_training)
        release_memory()
    sal = np.concatenate(parts)
    peak = sal.reshape(len(sal), -1).max(1)[:, None, None]
    return np.where(peak > 0, sal / np.where(peak > 0, peak, 1), 0).astype(np.float32)


def gradcam_precompute(model: Any, images: Any, *, layers: dict, class_indices: Any,
                       threads: int = 1) -> dict:
    """Activations and channel weights for several layers and classes, for an explorer.

    Parameters
    ----------
    model : torch.nn.Module
    images : (N, C, H, W) torch.Tensor
        At most 16 images.
    layers : dict of str to torch.nn.Module
        The layers to offer, by display name (at most 12).
    class_indices : (N, K) array of int
        For each image, the K classes to offer (K at most 20).
    threads : int
        As in :func:`grad_cam`.

    Returns
    -------
    dict
        ``"activations"[name]``: (N, C, h, w) float32; ``"weights"[name]``: (N, K, C) float32;
        ``"class_index"``: (N, K) int64. The explorer computes
        :func:`gradcam_map` and :func:`upsample_map` from these live, in a few milliseconds.

    Notes
    -----
    The numbers of :func:`grad_cam` for every (layer, class), at the cost of one forward pass
    per image (forward hooks on all the layers at once) and one backward pass per class.
    """
    if not isinstance(layers, dict) or not 1 <= len(layers) <= 12:
        raise TypeError(f"layers must be a dict of 1 to 12 name -> module; got {describe(layers)}")
    for layer in layers.values():
        _check_model_layer(model, layer)
    x = _images_tensor(images)
    if x.shape[0] > 16:
        raise ValueError(f"images must hold at most 16 images; got {x.shape[0]}")
    idx = as_array(class_indices, "class_indices", ndim=2, kinds="iu").astype(np.int64)
    if idx.shape[0] != x.shape[0] or idx.shape[1] > 20:
        raise ValueError(f"class_indices must be (N, K) with N = {x.shape[0]} images and K <= "
                         f"20; got shape {idx.shape}")
    threads = check_int(threads, "threads", min=1, max=64)
    was_training = model.training
    model.eval()
    try:
        parts = [_multi_layer_pass(model, chunk, layers, classes, threads)
                 for chunk, classes in _chunks(x, idx)]
    finally:
        model.train(was_training)
    return {"activations": {n: np.concatenate([p[0][n] for p in parts]) for n in layers},
            "weights": {n: np.concatenate([p[1][n] for p in parts]) for n in layers},
            "class_index": idx}


def _multi_layer_pass(model, x, layers, idx, threads):
    """One forward pass with hooks on every layer, one backward pass per class column."""
    import torch

    caught: dict[str, Any] = {}
    handles = [layer.register_forward_hook(
        lambda _m, _i, out, name=name: caught.__setitem__(name, out))
        for name, layer in layers.items()]
    try:
        with torch.enable_grad(), _torch_threads(threads):
            logits = model(x.detach().requires_grad_(True))
            names = list(layers)
            acts = [caught[n] for n in names]
            if idx.min() < 0 or idx.max() >= logits.shape[1]:
                raise ValueError(f"class_indices must lie in 0..{logits.shape[1] - 1}; got "
                                 f"{idx.min()}..{idx.max()}")
            per_class = []
            rows = torch.arange(x.shape[0])
            for k in range(idx.shape[1]):
                score = logits[rows, torch.from_numpy(idx[:, k])].sum()
                grads = torch.autograd.grad(score, acts, retain_graph=k < idx.shape[1] - 1)
                per_class.append([gradcam_channel_weights(g.detach().numpy()) for g in grads])
            activations = {n: a.detach().numpy().astype(np.float32)
                           for n, a in zip(names, acts, strict=True)}
            weights = {n: np.stack([w[j] for w in per_class], axis=1).astype(np.float32)
                       for j, n in enumerate(names)}
            return activations, weights
    finally:
        for handle in handles:
            handle.remove()
        caught.clear()
