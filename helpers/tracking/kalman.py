"""The constant-velocity Kalman filter that SORT and Deep SORT run on every track.

State ``x = (cx, cy, a, h, vx, vy, va, vh)``: box centre, aspect ratio ``w / h``, height, and
their velocities in pixels (or aspect units) per frame. Measurement ``z = (cx, cy, a, h)``.
The filter holds **no state**: :meth:`KalmanBoxFilter.predict` takes ``(mean, cov)`` and returns
the new pair; each track stores its own. That is what makes two trackers started twice give
identical results, and lets the widget show a predicted and an updated box side by side.

Noise follows deep_sort (Wojke et al. 2017): standard deviations proportional to the box height,
so a near (tall) person is allowed to move more pixels than a far one. SORT (Bewley et al. 2016)
uses ``(cx, cy, area, ratio)`` with fixed noise instead; the course uses this one filter for both
trackers so that the benchmark compares association, not filters.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_array, check_float, check_instance

__all__ = ["CHI2_95", "GATING_THRESHOLD", "KalmanBoxFilter", "filter_sequence"]

#: 95 % quantiles of the chi-square distribution by degrees of freedom (scipy.stats.chi2.ppf).
CHI2_95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507}

#: Deep SORT's gate on the squared Mahalanobis distance of a 4-d measurement (95 %, 4 dof).
GATING_THRESHOLD = CHI2_95[4]


def _check_state(mean: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
    mean = as_array(mean, "mean", ndim=(1, 2), kinds="iuf", shape_hint="(8,) or (N, 8)")
    cov = as_array(cov, "cov", ndim=(2, 3), kinds="iuf", shape_hint="(8, 8) or (N, 8, 8)")
    if mean.shape[-1] != 8 or cov.shape[-2:] != (8, 8) or mean.shape[:-1] != cov.shape[:-2]:
        raise ValueError(
            f"mean and cov must have shapes (8,) and (8, 8) (or (N, 8) and (N, 8, 8)); "
            f"got {mean.shape} and {cov.shape}"
        )
    return mean.astype(np.float64), cov.astype(np.float64)


def _check_measurement(z: Any, name: str = "measurement") -> np.ndarray:
    z = as_array(z, name, ndim=(1, 2), kinds="iuf", shape_hint="(4,) or (N, 4) xyah")
    if z.shape[-1] != 4:
        raise ValueError(f"{name} must be xyah boxes of shape (4,) or (N, 4); got shape {z.shape}")
    if (z[..., 3] <= 0).any():
        raise ValueError(f"{name} must have a positive height (4th value); got {z}")
    return z.astype(np.float64)


@dataclass(frozen=True)
class KalmanBoxFilter:
    """Constant-velocity Kalman filter for boxes in ``xyah`` form; stateless.

    Parameters
    ----------
    std_weight_position : float
        Process noise on position per frame, as a fraction of the box height (deep_sort: 1/20).
    std_weight_velocity : float
        Process noise on velocity per frame, as a fraction of the box height (deep_sort: 1/160).
    std_weight_measurement : float
        Detector noise, as a fraction of the box height (deep_sort: 1/20, the same constant as
        the position noise).

    Notes
    -----
    With :math:`F = \\begin{pmatrix} I_4 & I_4 \\\\ 0 & I_4 \\end{pmatrix}` (one frame per step)
    and :math:`H = (I_4 \\; 0)`:

    .. math::
        \\text{predict:}\\quad & \\hat x = F x, \\quad \\hat P = F P F^\\top + Q \\\\
        \\text{update:}\\quad & S = H \\hat P H^\\top + R, \\quad K = \\hat P H^\\top S^{-1}, \\\\
        & x' = \\hat x + K (z - H \\hat x), \\quad P' = \\hat P - K S K^\\top

    :math:`Q` and :math:`R` are diagonal with standard deviations proportional to the height
    :math:`h` (the aspect ratio gets small constants, 1e-2 and 1e-5): for position
    :math:`\\sigma_p h`, for velocity :math:`\\sigma_v h`, for the measurement :math:`\\sigma_m h`.
    :meth:`gating_distance` is the squared Mahalanobis distance
    :math:`d^2 = (z - Hx)^\\top S^{-1} (z - Hx)`, chi-square with 4 degrees of freedom when the
    model is right; Deep SORT rejects pairs with :math:`d^2 > 9.4877` (:data:`GATING_THRESHOLD`).
    Agrees with ``cv2.KalmanFilter`` given the same F, H, Q, R to 1e-9 (the tests).

    References
    ----------
    R. E. Kalman, "A New Approach to Linear Filtering and Prediction Problems", 1960.
    N. Wojke, A. Bewley, D. Paulus, "Simple Online and Realtime Tracking with a Deep Association
    Metric", ICIP 2017 (the model and noise constants). Used in chapters/20_sort.ipynb and
    chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> kf = KalmanBoxFilter()
    >>> mean, cov = kf.initiate([100, 50, 0.5, 40])
    >>> mean, cov = kf.predict(mean, cov)           # velocity starts at 0: the box stays put
    >>> mean[:4].tolist()
    [100.0, 50.0, 0.5, 40.0]
    >>> mean, cov = kf.update(mean, cov, [104, 50, 0.5, 40])
    >>> round(float(mean[0]), 2), round(float(mean[4]), 2)   # moves towards 104, learns vx > 0
    (103.47, 0.83)
    """

    std_weight_position: float = 1.0 / 20
    std_weight_velocity: float = 1.0 / 160
    std_weight_measurement: float = 1.0 / 20

    def __post_init__(self) -> None:
        for name in ("std_weight_position", "std_weight_velocity", "std_weight_measurement"):
            check_float(getattr(self, name), name, min=0, min_inclusive=False)

    @property
    def motion_matrix(self) -> np.ndarray:
        """``F``, (8, 8): position += velocity, once per frame."""
        F = np.eye(8)
        F[:4, 4:] = np.eye(4)
        return F

    @property
    def measurement_matrix(self) -> np.ndarray:
        """``H``, (4, 8): the detector measures the first four state entries."""
        return np.eye(4, 8)

    def process_noise(self, mean: np.ndarray) -> np.ndarray:
        """``Q``, (..., 8, 8), diagonal, scaled by the height ``mean[..., 3]``."""
        h = np.asarray(mean, np.float64)[..., 3]
        sp, sv = self.std_weight_position * h, self.std_weight_velocity * h
        std = np.stack([sp, sp, np.full_like(h, 1e-2), sp, sv, sv, np.full_like(h, 1e-5), sv], -1)
        return std[..., :, None] ** 2 * np.eye(8)

    def measurement_noise(self, mean: np.ndarray) -> np.ndarray:
        """``R``, (..., 4, 4), diagonal, scaled by the height ``mean[..., 3]``."""
        h = np.asarray(mean, np.float64)[..., 3]
        sm = self.std_weight_measurement * h
        std = np.stack([sm, sm, np.full_like(h, 1e-1), sm], -1)
        return std[..., :, None] ** 2 * np.eye(4)

    def initiate(self, measurement: Any) -> tuple[np.ndarray, np.ndarray]:
        """A new track from one xyah measurement: zero velocity, wide velocity uncertainty.

        Parameters
        ----------
        measurement : (4,) or (N, 4) array_like, xyah

        Returns
        -------
        mean : (8,) or (N, 8) ndarray
        cov : (8, 8) or (N, 8, 8) ndarray
        """
        return self._initiate(_check_measurement(measurement))

    def _initiate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.concatenate([z, np.zeros_like(z)], axis=-1)
        h = z[..., 3]
        sp, sv = 2 * self.std_weight_position * h, 10 * self.std_weight_velocity * h
        std = np.stack([sp, sp, np.full_like(h, 1e-2), sp, sv, sv, np.full_like(h, 1e-5), sv], -1)
        return mean, std[..., :, None] ** 2 * np.eye(8)

    def predict(self, mean: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
        """One frame ahead: ``(F x, F P F^T + Q)``; works on one track or a stack of N."""
        return self._predict(*_check_state(mean, cov))

    def _predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Unchecked core. F only adds velocity to position, so F x and F P F^T are sums of
        # blocks; written out, that is several times faster than two 8 x 8 matrix products.
        Q = self.process_noise(mean)  # from the current height, as deep_sort does
        new_mean = mean.copy()
        new_mean[..., :4] += mean[..., 4:]
        FP = cov.copy()
        FP[..., :4, :] += cov[..., 4:, :]
        FPFt = FP.copy()
        FPFt[..., :, :4] += FP[..., :, 4:]
        return new_mean, FPFt + Q

    def project(self, mean: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
        """The state in measurement space: ``(H x, H P H^T + R)``, shapes (..., 4), (..., 4, 4)."""
        mean, cov = _check_state(mean, cov)
        return mean[..., :4], cov[..., :4, :4] + self.measurement_noise(mean)

    def update(self, mean: Any, cov: Any, measurement: Any) -> tuple[np.ndarray, np.ndarray]:
        """Correct a predicted state with a measurement (xyah); one track or a stack of N."""
        mean, cov = _check_state(mean, cov)
        z = _check_measurement(measurement)
        if z.shape[:-1] != mean.shape[:-1]:
            raise ValueError(
                f"measurement must match mean: shape {mean.shape[:-1] + (4,)}; got {z.shape}"
            )
        return self._update(mean, cov, z)

    def _update(
        self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        z_pred, S = mean[..., :4], cov[..., :4, :4] + self.measurement_noise(mean)
        PHt = cov[..., :, :4]  # P H^T: H only picks the first four columns
        # K = P H^T S^-1, computed as a solve (S is symmetric positive definite).
        K = np.swapaxes(np.linalg.solve(S, np.swapaxes(PHt, -1, -2)), -1, -2)
        innovation = z - z_pred
        new_mean = mean + (K @ innovation[..., None])[..., 0]
        new_cov = cov - K @ S @ np.swapaxes(K, -1, -2)
        return new_mean, new_cov

    def gating_distance(
        self, mean: Any, cov: Any, measurements: Any, *, only_position: bool = False
    ) -> np.ndarray:
        """Squared Mahalanobis distances from one track (or N tracks) to M measurements (xyah).

        Parameters
        ----------
        mean : (8,) or (N, 8) ndarray
        cov : (8, 8) or (N, 8, 8) ndarray
        measurements : (M, 4) array_like, xyah
        only_position : bool
            Use only the centre (2 dof; gate with ``CHI2_95[2]`` then).

        Returns
        -------
        (M,) or (N, M) ndarray of float64

        Examples
        --------
        >>> kf = KalmanBoxFilter()
        >>> m, P = kf.initiate([100, 50, 0.5, 40])
        >>> d = kf.gating_distance(m, P, [[100, 50, 0.5, 40], [130, 50, 0.5, 40]])
        >>> bool(d[0] == 0), bool(d[1] > GATING_THRESHOLD)
        (True, True)
        """
        mean, cov = _check_state(mean, cov)
        z = as_array(measurements, "measurements", ndim=2, kinds="iuf", allow_empty=True,
                     shape_hint="(M, 4) xyah").astype(np.float64)
        if z.shape[1] != 4:
            raise ValueError(f"measurements must have shape (M, 4); got {z.shape}")
        z_pred, S = self.project(mean, cov)
        if only_position:
            z_pred, S, z = z_pred[..., :2], S[..., :2, :2], z[:, :2]
        # S is a small (4 x 4) symmetric positive definite matrix: its inverse is cheap and
        # accurate here, and one einsum then handles all tracks and measurements at once.
        S_inv = np.linalg.inv(S)
        d = z - z_pred[..., None, :]  # (..., M, k)
        return np.einsum("...mi,...ij,...mj->...m", d, S_inv, d)


#: Longest sequence :func:`filter_sequence` accepts (frames).
MAX_SEQUENCE = 100_000


def filter_sequence(
    kalman: KalmanBoxFilter, measurements: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the filter over one object's measurements, frame by frame; NaN rows are missed frames.

    Parameters
    ----------
    kalman : KalmanBoxFilter
        The motion model (its noise settings).
    measurements : (T, 4) array_like, xyah
        One row per frame: the object's detection, or a row of NaN where the detector missed it.

    Returns
    -------
    predicted_mean : (T, 8) ndarray
        The prediction for each frame from the frames before it (NaN up to and including the
        first detection: there is nothing to predict from yet).
    predicted_cov : (T, 8, 8) ndarray
    filtered_mean : (T, 8) ndarray
        The state after each frame: the prediction corrected by that frame's detection, or the
        prediction alone on a missed frame (NaN before the first detection).
    filtered_cov : (T, 8, 8) ndarray

    Notes
    -----
    Frame :math:`t`: predict :math:`(\\hat x_t, \\hat P_t)` from :math:`(x_{t-1}, P_{t-1})`;
    if :math:`z_t` exists, update with it, else :math:`(x_t, P_t) = (\\hat x_t, \\hat P_t)`.
    The first detection starts the track (:meth:`KalmanBoxFilter.initiate`). On missed frames
    the covariance only grows: the widget of chapter 20 shows the uncertainty opening up.

    References
    ----------
    Used in chapters/20_sort.ipynb (the Kalman explorer).

    Examples
    --------
    >>> z = np.array([[100, 50, 0.5, 40], [np.nan] * 4, [104, 50, 0.5, 40]])
    >>> pm, pc, fm, fc = filter_sequence(KalmanBoxFilter(), z)
    >>> bool(np.isnan(pm[0, 0])), float(fm[1, 0])     # frame 1 missed: prediction only
    (True, 100.0)
    >>> bool(pc[2, 0, 0] > pc[1, 0, 0] > fc[0, 0, 0])  # uncertainty grows while unobserved
    True
    """
    check_instance(kalman, "kalman", KalmanBoxFilter)
    z = as_array(measurements, "measurements", ndim=2, kinds="iuf", finite=False,
                 shape_hint="(T, 4) xyah").astype(np.float64)
    if z.shape[1] != 4:
        raise ValueError(f"measurements must have shape (T, 4) (xyah per frame); got {z.shape}")
    if len(z) > MAX_SEQUENCE:
        raise ValueError(f"measurements must have at most {MAX_SEQUENCE} frames; got {len(z)}")
    missed = np.isnan(z).all(axis=1)
    seen = z[~missed]
    if not np.isfinite(seen).all():
        raise ValueError("measurements must be finite, or a whole row of NaN for a missed frame; "
                         "got a partly NaN or infinite row")
    if len(seen):
        _check_measurement(seen, "measurements")
    n = len(z)
    pred_m, pred_c = np.full((n, 8), np.nan), np.full((n, 8, 8), np.nan)
    filt_m, filt_c = np.full((n, 8), np.nan), np.full((n, 8, 8), np.nan)
    mean = cov = None
    for t in range(n):
        if mean is not None:
            mean, cov = kalman._predict(mean, cov)
            pred_m[t], pred_c[t] = mean, cov
        if not missed[t]:
            if mean is None:
                mean, cov = kalman._initiate(z[t])
            else:
                mean, cov = kalman._update(mean, cov, z[t])
        if mean is not None:
            filt_m[t], filt_c[t] = mean, cov
    return pred_m, pred_c, filt_m, filt_c
