"""Dense prediction networks: a tiny U-Net (2-D and 3-D), FPN's top-down merge, the Dice loss.

Chapter 14 trains :class:`TinyUNet` on synthetic shapes (with and without its skip
connections) and runs :class:`TinyFPN` on a small backbone's feature maps; chapter 18 trains
:class:`TinyUNet3d`, V-Net's idea at toy scale, on synthetic volumes with :func:`dice_loss`.
All of them train with :func:`helpers.nets.training.fit`.

Conventions: inputs are float batches in [0, 1] (``(N, C, H, W)``, or ``(N, C, D, H, W)`` in
3-D; images through :func:`helpers.image.to_tensor`); each network centres its input itself
(``x - 0.5``). Outputs are *logits* ``(N, K, ...)``; for one foreground class K = 1 and the
mask is ``logits > 0``. Targets are float masks ``(N, 1, ...)`` in {0, 1} for K = 1, or class
indices ``(N, ...)`` int64 for K > 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from .._validation import check_bool, check_float, check_int, check_tensor

__all__ = [
    "TinyFPN",
    "TinyUNet",
    "TinyUNet3d",
    "dice_loss",
    "mean_dice_metric",
    "segmentation_loss",
]

MAX_WIDTH = 256
MAX_DEPTH = 5


def _block(c_in: int, c_out: int, conv: type, norm: type) -> nn.Sequential:
    """Two 3x3 (or 3x3x3) convolutions with batch norm and ReLU: U-Net's basic unit."""
    return nn.Sequential(
        conv(c_in, c_out, 3, padding=1, bias=False), norm(c_out), nn.ReLU(inplace=True),
        conv(c_out, c_out, 3, padding=1, bias=False), norm(c_out), nn.ReLU(inplace=True),
    )


class _UNetNd(nn.Module):
    """The encoder-decoder shared by the 2-D and 3-D U-Nets (dimension from the layer types)."""

    conv: type = nn.Conv2d
    up: type = nn.ConvTranspose2d
    norm: type = nn.BatchNorm2d
    pool: type = nn.MaxPool2d
    spatial: int = 2

    def __init__(self, in_channels: int, num_classes: int, width: int, depth: int,
                 skips: bool, seed: int) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", min=1, max=64)
        self.num_classes = check_int(num_classes, "num_classes", min=1, max=1000)
        self.width = check_int(width, "width", min=1, max=MAX_WIDTH)
        self.depth = check_int(depth, "depth", min=1, max=MAX_DEPTH)
        self.skips = check_bool(skips, "skips")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_int(seed, "seed", min=0, max=2**31 - 1))
            chans = [width * 2**level for level in range(depth + 1)]
            self.down = nn.ModuleList()
            c = in_channels
            for level in range(depth):  # contracting path: features double, size halves
                self.down.append(_block(c, chans[level], self.conv, self.norm))
                c = chans[level]
            self.bottom = _block(c, chans[depth], self.conv, self.norm)
            self.ups, self.decode = nn.ModuleList(), nn.ModuleList()
            for level in reversed(range(depth)):  # expansive path: size doubles
                self.ups.append(self.up(chans[level + 1], chans[level], 2, stride=2))
                merged = 2 * chans[level] if skips else chans[level]
                self.decode.append(_block(merged, chans[level], self.conv, self.norm))
            self.head = self.conv(chans[0], num_classes, 1)
            self.pooling = self.pool(2)
        self.last_shapes: dict[str, tuple[int, ...]] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x")
        if x.ndim != self.spatial + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must be a batch of shape (N, {self.in_channels}, "
                f"{', '.join('DHW'[3 - self.spatial:])}); got {tuple(x.shape)}"
            )
        if any(side % 2**self.depth for side in x.shape[2:]):
            raise ValueError(
                f"every side of x must be divisible by 2**depth = {2**self.depth} (one halving "
                f"per level); got {tuple(x.shape[2:])}"
            )
        shapes = {"input": tuple(x.shape[1:])}
        x = x - 0.5  # centre the [0, 1] input
        saved = []
        for level, block in enumerate(self.down, start=1):
            x = block(x)
            shapes[f"down{level}"] = tuple(x.shape[1:])
            saved.append(x)  # the skip connection: fine detail before pooling
            x = self.pooling(x)
        x = self.bottom(x)
        shapes["bottom"] = tuple(x.shape[1:])
        for level, (up, block) in enumerate(zip(self.ups, self.decode, strict=True)):
            x = up(x)  # transpose convolution: twice the size, half the channels
            shapes[f"up{self.depth - level}"] = tuple(x.shape[1:])
            skip = saved.pop()
            x = block(torch.cat([skip, x], dim=1) if self.skips else x)
            shapes[f"decode{self.depth - level}"] = tuple(x.shape[1:])
        x = self.head(x)
        shapes["output"] = tuple(x.shape[1:])
        self.last_shapes = shapes
        return x


class TinyUNet(_UNetNd):
    """A small U-Net: contracting path, expansive path with transpose convolutions, skips.

    Parameters
    ----------
    in_channels : int
        3 for RGB images.
    num_classes : int
        Output channels (logits): 1 for a foreground mask, K for K classes.
    width : int
        Channels of the first level; level l has ``width * 2**l``.
    depth : int
        Number of 2x2 poolings (and of 2x2, stride-2 transpose convolutions back up).
    skips : bool
        Concatenate each encoder level's features to the decoder's at the same size
        (U-Net). False gives a plain encoder-decoder of the same depth, for comparison.
    seed : int
        Seeds the initial weights (the global RNG is left as it was).

    Attributes
    ----------
    last_shapes : dict of str to tuple
        After a forward pass: ``(C, H, W)`` of the input, each encoder level (``down1`` ...),
        the bottom, each up-convolution (``up1`` ...), each decoder level and the output.

    Notes
    -----
    Level l: two 3x3 conv + batch norm + ReLU (``width * 2**l`` channels), then 2x2 max
    pooling. Back up: ``ConvTranspose2d(2c, c, 2, stride=2)`` doubles the size, the saved
    encoder map of that level is concatenated (``2c`` channels), two 3x3 convs mix them. A 1x1
    convolution gives the logits. Input sides must be divisible by ``2**depth``.

    References
    ----------
    Ronneberger, Fischer & Brox, "U-Net: convolutional networks for biomedical image
    segmentation", MICCAI 2015. Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> net = TinyUNet(width=4, depth=2)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 1, 32, 32])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 1, *, width: int = 8,
                 depth: int = 2, skips: bool = True, seed: int = 0) -> None:
        super().__init__(in_channels, num_classes, width, depth, skips, seed)


class TinyUNet3d(_UNetNd):
    """The 3-D U-Net (V-Net's idea): every convolution, pooling and up-convolution in 3-D.

    Parameters
    ----------
    in_channels, num_classes, width, depth, skips, seed
        As :class:`TinyUNet`.

    Notes
    -----
    The 2-D network with ``Conv3d``, ``MaxPool3d`` and ``ConvTranspose3d``: a 3x3x3 kernel has
    27 taps per input channel where a 3x3 has 9, so the same widths cost 3x the parameters.
    V-Net itself also adds residual connections inside each stage and strided convolutions
    instead of pooling; the Dice loss (:func:`dice_loss`) is its other contribution.

    References
    ----------
    Milletari, Navab & Ahmadi, "V-Net: fully convolutional neural networks for volumetric
    medical image segmentation", 3DV 2016; Cicek et al., "3D U-Net", MICCAI 2016. Used in
    chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> TinyUNet3d(1, width=2, depth=1)(torch.zeros(1, 1, 8, 8, 8)).shape
    torch.Size([1, 1, 8, 8, 8])
    """

    conv, up, norm, pool, spatial = (nn.Conv3d, nn.ConvTranspose3d, nn.BatchNorm3d,
                                     nn.MaxPool3d, 3)

    def __init__(self, in_channels: int = 1, num_classes: int = 1, *, width: int = 4,
                 depth: int = 2, skips: bool = True, seed: int = 0) -> None:
        super().__init__(in_channels, num_classes, width, depth, skips, seed)


class TinyFPN(nn.Module):
    """A small backbone (4 stages, each halving the size) with FPN's top-down pathway.

    Parameters
    ----------
    in_channels : int
    width : int
        Channels of the first stage; stage l has ``width * 2**l``.
    out_channels : int
        Channels of every pyramid level (FPN uses 256; small here).
    seed : int

    Attributes
    ----------
    last_shapes : dict of str to tuple
        After a forward pass: the shape of every bottom-up map ``C2..C5`` and pyramid level
        ``P5..P2`` (before the 3x3 smoothing), for printing.
    last_maps : dict of str to torch.Tensor
        The same maps themselves (detached), to redo a merge by hand.

    Notes
    -----
    Bottom-up: the backbone's stages give :math:`C_2, \\dots, C_5` at strides 4, 8, 16, 32
    (here a 3x3 stride-2 convolution per stage after a stride-2 stem). Top-down:
    :math:`P_5 = L_5(C_5)` and
    :math:`P_l = L_l(C_l) + \\mathrm{up}_2(P_{l+1})`, where :math:`L_l` is a *lateral* 1x1
    convolution bringing :math:`C_l` to ``out_channels`` and :math:`\\mathrm{up}_2` nearest-
    neighbour upsampling by 2; a 3x3 convolution on each sum reduces the aliasing of the
    upsampling. Every level then has the same channels, so one detection head serves all of
    them (Faster R-CNN's RPN, RetinaNet).

    References
    ----------
    Lin, Dollar, Girshick, He, Hariharan & Belongie, "Feature pyramid networks for object
    detection", CVPR 2017. Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> fpn = TinyFPN(width=4, out_channels=8)
    >>> [tuple(p.shape) for p in fpn(torch.zeros(1, 3, 64, 64))]
    [(1, 8, 16, 16), (1, 8, 8, 8), (1, 8, 4, 4), (1, 8, 2, 2)]
    """

    def __init__(self, in_channels: int = 3, *, width: int = 8, out_channels: int = 16,
                 seed: int = 0) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", min=1, max=64)
        width = check_int(width, "width", min=1, max=MAX_WIDTH)
        out_channels = check_int(out_channels, "out_channels", min=1, max=1024)
        self.in_channels = in_channels
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_int(seed, "seed", min=0, max=2**31 - 1))
            self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, 2, 1), nn.ReLU())
            chans = [width * 2**level for level in range(5)]
            self.stages = nn.ModuleList(  # C2..C5: stride 4, 8, 16, 32
                nn.Sequential(nn.Conv2d(chans[i], chans[i + 1], 3, 2, 1), nn.ReLU())
                for i in range(4)
            )
            self.lateral = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in chans[1:])
            self.smooth = nn.ModuleList(
                nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in chans[1:])
        self.last_shapes: dict[str, tuple[int, ...]] = {}
        self.last_maps: dict[str, torch.Tensor] = {}

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return the pyramid ``[P2, P3, P4, P5]`` (finest first)."""
        check_tensor(x, "x", ndim=4, channels=self.in_channels,
                     shape_hint=f"(N, {self.in_channels}, H, W)")
        if any(side % 32 for side in x.shape[2:]):
            raise ValueError(f"x must be (N, C, H, W) with H and W divisible by 32; got "
                             f"{tuple(x.shape)}")
        maps: dict[str, torch.Tensor] = {"input": x}
        c = self.stem(x - 0.5)
        bottom_up = []
        for level, stage in enumerate(self.stages, start=2):  # bottom-up: fine to coarse
            c = stage(c)
            bottom_up.append(c)
            maps[f"C{level}"] = c
        p = self.lateral[3](bottom_up[3])  # P5: the coarsest level, lateral only
        merged = [p]
        maps["P5"] = p
        for level in (2, 1, 0):  # top-down: coarse to fine
            up = F.interpolate(p, scale_factor=2, mode="nearest")
            p = self.lateral[level](bottom_up[level]) + up  # upsample + lateral 1x1 + add
            merged.insert(0, p)
            maps[f"P{level + 2}"] = p
        self.last_maps = {k: v.detach() for k, v in maps.items()}
        self.last_shapes = {k: tuple(v.shape) for k, v in maps.items()}
        return [smooth(m) for smooth, m in zip(self.smooth, merged, strict=True)]


# -- losses and metrics ------------------------------------------------------------------------
def _binary_target(logits: torch.Tensor, target: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(logits, "logits", max_elements=None)
    if logits.ndim < 3 or logits.shape[1] != 1:
        raise ValueError(f"logits must be (N, 1, ...) for one foreground class; got "
                         f"{tuple(logits.shape)}")
    check_tensor(target, name, floating=False, max_elements=None)
    if tuple(target.shape) != tuple(logits.shape):
        raise ValueError(f"{name} must have the shape of logits {tuple(logits.shape)}; got "
                         f"{tuple(target.shape)}")
    return target.to(logits.dtype)


def dice_loss(logits: torch.Tensor, target: torch.Tensor, *, eps: float = 1.0) -> torch.Tensor:
    """V-Net's soft Dice loss of a one-class output: ``1 - 2 sum(p t) / (sum p^2 + sum t^2)``.

    Parameters
    ----------
    logits : (N, 1, ...) torch.Tensor
    target : (N, 1, ...) torch.Tensor
        0/1 mask (any dtype).
    eps : float
        Added to numerator and denominator (0 to 100): an empty prediction of an empty
        target scores 1, and the gradient stays finite.

    Returns
    -------
    torch.Tensor
        A scalar: the mean over the batch of each sample's loss.

    Notes
    -----
    With :math:`p = \\sigma(\\text{logits})`,

    .. math:: L = 1 - \\frac{2 \\sum_i p_i t_i + \\epsilon}{\\sum_i p_i^2 + \\sum_i t_i^2
              + \\epsilon}

    computed per sample. It measures overlap relative to the object's size, so a small
    object counts as much as a large one, and the many easy background pixels cannot swamp
    it as they do a per-pixel cross-entropy. Numpy twin:
    :func:`helpers.segmentation.soft_dice_loss` (tests check they agree).

    References
    ----------
    Milletari, Navab & Ahmadi, "V-Net", 3DV 2016, equation 1. Used in
    chapters/14_segmentation_cnns.ipynb and chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> t = torch.zeros(1, 1, 4, 4); t[..., :2, :2] = 1
    >>> round(float(dice_loss(torch.where(t > 0, 20.0, -20.0), t)), 6)
    0.0
    """
    target = _binary_target(logits, target, "target")
    eps = check_float(eps, "eps", min=0, max=100)
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    dice = (2 * (p * t).sum(1) + eps) / ((p * p).sum(1) + (t * t).sum(1) + eps)
    return (1 - dice).mean()


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor, *,
                      dice_weight: float = 1.0) -> torch.Tensor:
    """Per-pixel binary cross-entropy plus ``dice_weight`` times the Dice loss.

    Parameters
    ----------
    logits, target : (N, 1, ...) torch.Tensor
    dice_weight : float
        0 gives plain cross-entropy (0 to 100).

    Returns
    -------
    torch.Tensor
        A scalar.

    Notes
    -----
    :math:`L = \\mathrm{BCE}(\\sigma(z), t) + \\lambda\\, L_{Dice}`: cross-entropy gives every
    pixel a well-behaved gradient from the first step; the Dice term keeps small objects from
    being ignored. A common recipe for U-Nets.

    References
    ----------
    Milletari et al. (2016); Ronneberger et al. (2015). Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> t = torch.zeros(1, 1, 4, 4); t[..., :2, :2] = 1
    >>> float(segmentation_loss(torch.zeros(1, 1, 4, 4), t, dice_weight=0.0))   # log 2
    0.6931471824645996
    """
    target = _binary_target(logits, target, "target")
    dice_weight = check_float(dice_weight, "dice_weight", min=0, max=100)
    loss = F.binary_cross_entropy_with_logits(logits, target)
    return loss + dice_weight * dice_loss(logits, target) if dice_weight else loss


def mean_dice_metric(logits: torch.Tensor, target: torch.Tensor) -> float:
    """Mean over the samples of the hard Dice of ``logits > 0`` against ``target`` (for ``fit``).

    A sample whose prediction and target are both empty scores 1.

    Parameters
    ----------
    logits, target : (N, 1, ...) torch.Tensor

    Returns
    -------
    float in [0, 1]

    Notes
    -----
    :math:`\\frac{1}{N}\\sum_n \\frac{2|P_n \\cap T_n|}{|P_n| + |T_n|}`, the batch version of
    :func:`helpers.segmentation.dice` (tests check they agree).

    References
    ----------
    Dice, "Measures of the amount of ecologic association between species", Ecology 26(3),
    1945. Used in chapters/14_segmentation_cnns.ipynb and chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> t = torch.zeros(2, 1, 2, 2); t[0, 0, 0, 0] = 1
    >>> mean_dice_metric(torch.where(t > 0, 1.0, -1.0), t)
    1.0
    """
    target = _binary_target(logits, target, "target")
    pred = (logits > 0).flatten(1).to(logits.dtype)
    t = (target > 0.5).flatten(1).to(logits.dtype)
    inter, total = (pred * t).sum(1), pred.sum(1) + t.sum(1)
    per = torch.where(total > 0, 2 * inter / total.clamp(min=1), torch.ones_like(total))
    return float(per.mean())
