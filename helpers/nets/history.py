"""The record of a training run, :class:`History`: shared by the torch loop and the numpy one.

:func:`helpers.nets.training.fit` fills it for every torch network; the numpy trainer of
chapter 09 (:func:`helpers.cnn.train_numpy`) fills the very same record, so both runs plot with
:func:`helpers.plots.plot_history` and compare field by field. Kept free of torch, so that the
numpy chapter does not load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["History"]


@dataclass
class History:
    """What happened during a training run, one entry per finished epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch (over its batches, weighted by batch size).
    val_loss : list of float
        Loss on the validation data after each epoch (empty without ``val``).
    metrics : dict of str to list of float
        Each metric on the validation data after each epoch (empty without ``val``).
    lr : list of float
        Learning rate at the end of each epoch.
    epoch_seconds : list of float
        Wall time of each epoch, validation included.
    seconds : float
        Wall time of the whole run.
    stopped_early : bool
        True when ``max_seconds`` ended the run before ``epochs`` epochs.

    Examples
    --------
    >>> h = History(loss=[0.9, 0.4], metrics={"accuracy": [0.7, 0.9]})
    >>> len(h), h.as_dict()["accuracy"]
    (2, [0.7, 0.9])
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False

    def __len__(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (for JSON, or a pandas DataFrame of the curves)."""
        return {
            "loss": list(self.loss), "val_loss": list(self.val_loss),
            **{k: list(v) for k, v in self.metrics.items()},
            "lr": list(self.lr), "epoch_seconds": list(self.epoch_seconds),
            "seconds": self.seconds, "stopped_early": self.stopped_early,
        }
