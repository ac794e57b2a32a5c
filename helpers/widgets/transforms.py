"""Explorer for chapters/04_transforms.ipynb: angle, scale, shift and shear of a photo."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .. import transforms
from .._validation import check_float, check_image
from ..data import load_photo
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = ["TransformExplorer", "transform_explorer"]

_STYLE = {"description_width": "initial"}
_MAX_SIDE = 256


def _matrix_html(m: np.ndarray) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td style='padding:0 8px;text-align:right'>{v:+.3f}</td>" for v in row)
        + "</tr>"
        for row in m
    )
    return f"<table style='font-family:monospace;display:inline-table'>{rows}</table>"


class TransformExplorer(Explorer):
    """A photo warped by M = T(shift) T(c) R(angle) S(scale) H(shear) T(-c), matrix shown."""

    figsize = (8.0, 3.9)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, image: np.ndarray, angle: float, scale: float, shear: float,
                 interpolation: str) -> None:
        image = check_image(image, "image")
        self.photo = downscale(image, _MAX_SIDE)
        h, w = self.photo.shape[:2]
        self.center = ((w - 1) / 2, (h - 1) / 2)
        self._init = (check_float(angle, "angle", min=-180, max=180),
                      check_float(scale, "scale", min=0.25, max=2.5),
                      check_float(shear, "shear", min=-1, max=1),
                      transforms.check_interpolation(interpolation))
        super().__init__()

    def _build(self) -> None:
        angle, scale, shear, interpolation = self._init
        h, w = self.photo.shape[:2]
        self.controls = {
            "angle": W.FloatSlider(value=angle, min=-180, max=180, step=1,
                                   description="angle (degrees, counter-clockwise)", style=_STYLE),
            "scale": W.FloatSlider(value=scale, min=0.25, max=2.5, step=0.05,
                                   description="scale", style=_STYLE),
            "shear": W.FloatSlider(value=shear, min=-1.0, max=1.0, step=0.05,
                                   description="shear (x += shear * y)", style=_STYLE),
            "shift_x": W.IntSlider(value=0, min=-w // 2, max=w // 2,
                                   description="shift x (pixels, right)", style=_STYLE),
            "shift_y": W.IntSlider(value=0, min=-h // 2, max=h // 2,
                                   description="shift y (pixels, down)", style=_STYLE),
            "interpolation": W.ToggleButtons(options=["bilinear", "nearest"], value=interpolation,
                                             description="interpolation"),
        }
        ax_src, ax_dst = self.figure.subplots(1, 2)
        gray = self.photo.ndim == 2
        cmap = {"cmap": "gray", "vmin": 0, "vmax": 255} if gray else {}
        ax_src.imshow(self.photo, **cmap)
        ax_src.plot(*self.center, "+", color="tab:orange", ms=12, mew=2)
        ax_src.set_title("source (+ = centre of rotation, scale, shear)", fontsize=9)
        self._warped = ax_dst.imshow(np.zeros_like(self.photo), interpolation="nearest", **cmap)
        (self._outline,) = ax_dst.plot([], [], color="tab:orange", lw=1.5)
        ax_dst.set_xlim(-0.5, w - 0.5)
        ax_dst.set_ylim(h - 0.5, -0.5)
        ax_dst.set_title("warped by inverse mapping (orange: the source's border)", fontsize=9)
        for ax in (ax_src, ax_dst):
            ax.set_axis_off()
        self.dynamic = [self._warped, self._outline]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        m = transforms.affine_matrix(angle=v["angle"], scale=v["scale"], shear=v["shear"],
                                     shift=(v["shift_x"], v["shift_y"]), center=self.center)
        warped = transforms.warp_affine(self.photo, m, interpolation=v["interpolation"])
        h, w = self.photo.shape[:2]
        border = np.array([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5],
                           [-0.5, -0.5]])
        inverse = transforms.invert_affine(m)
        rows, cols = np.mgrid[0:h:2, 0:w:2]  # every other pixel: the share, cheaply
        src = transforms.transform_points(inverse, np.column_stack([cols.ravel(), rows.ravel()]))
        inside = ((src[:, 0] > -0.5) & (src[:, 0] < w - 0.5)
                  & (src[:, 1] > -0.5) & (src[:, 1] < h - 0.5))
        return {"matrix": m, "warped": warped, "outline": transforms.transform_points(m, border),
                "covered": float(inside.mean()), "det": float(np.linalg.det(m[:2, :2])), **v}

    def draw(self, result: dict[str, Any]) -> str:
        self._warped.set_data(result["warped"])
        self._outline.set_data(result["outline"][:, 0], result["outline"][:, 1])
        return (
            f"M = {_matrix_html(result['matrix'])} &nbsp; det of the 2x2 part = "
            f"{result['det']:.3f} (areas scale by this); {result['covered']:.1%} of the output "
            f"pixels come from inside the source, the rest are fill (0). "
            f"Interpolation: {result['interpolation']}."
        )


def transform_explorer(
    image: np.ndarray,
    *,
    angle: float = 30.0,
    scale: float = 1.0,
    shear: float = 0.0,
    interpolation: str = "bilinear",
) -> TransformExplorer:
    """Warp a photo with live angle / scale / shift / shear, the matrix shown (returned).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 or float photo; subsampled to at most 256 pixels a side.
    angle : float
        Initial angle in degrees (-180 to 180), counter-clockwise on screen.
    scale : float
        Initial scale (0.25 to 2.5).
    shear : float
        Initial horizontal shear (-1 to 1).
    interpolation : {"bilinear", "nearest"}
    """
    return TransformExplorer(image, angle, scale, shear, interpolation)


@register_bench("transform")
def _bench_transform() -> TransformExplorer:
    return transform_explorer(load_photo("astronaut"))
