"""The lecture notes' worked examples, as arrays: one copy for every chapter, check and widget.

The notes are the course's source (see ../shared/notes/); where their two transcriptions
disagree, the consistent one is used (notes/README.md lists the known mistakes).

Used in chapters/02_filtering.ipynb, chapters/08_conv_arithmetic.ipynb and
chapters/14_segmentation_cnns.ipynb.

Examples
--------
>>> from helpers.filters import correlate2d
>>> float(correlate2d(EDGE_INPUT, VERTICAL_EDGE_KERNEL, mode="valid")[0, 0])  # notes: -5
-5.0
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AVG_POOL_INPUT",
    "EDGE_INPUT",
    "MAX_POOL_INPUT",
    "TRANSPOSE_INPUT",
    "TRANSPOSE_KERNEL",
    "VERTICAL_EDGE_KERNEL",
]


def _frozen(rows: list[list[float]]) -> np.ndarray:
    array = np.array(rows, dtype=float)
    array.flags.writeable = False  # shared by many callers: nobody may change it in place
    return array


#: The 6x6 input of the notes' "Convolution and its application in edge detection" example.
EDGE_INPUT = _frozen([
    [3, 0, 1, 2, 7, 4],
    [1, 5, 8, 9, 3, 1],
    [2, 7, 2, 5, 1, 3],
    [0, 1, 3, 1, 7, 8],
    [4, 2, 1, 6, 2, 8],
    [2, 4, 5, 2, 3, 9],
])

#: The notes' 3x3 "vertical edge" filter: +1 left column, 0 middle, -1 right column.
VERTICAL_EDGE_KERNEL = _frozen([[1, 0, -1], [1, 0, -1], [1, 0, -1]])

#: The notes' 4x4 max-pooling input (transcription 001; 000's top-right window is inconsistent).
MAX_POOL_INPUT = _frozen([[0, 2, 3, 4], [1, 0, 0, 0], [5, 6, 0, 7], [4, 1, 0, 2]])

#: The notes' 4x4 average-pooling input.
AVG_POOL_INPUT = _frozen([[1, 1, 1, 0], [0, 2, 0, 1], [2, 2, 0, 0], [1, 1, 0, 2]])

#: The 2x2 input of the notes' *Transpose Convolutions* figure (input, kernel, output).
#: Both transcriptions garble the figure's intermediate and output tables; the input and the
#: kernel are legible in 000 ("0 1 / 2 3"), and the syllabus gives the output they produce,
#: [[0, 0, 1], [0, 4, 6], [4, 12, 9]] (chapters/14 computes it).
TRANSPOSE_INPUT = _frozen([[0, 1], [2, 3]])

#: The 2x2 kernel of the same figure.
TRANSPOSE_KERNEL = _frozen([[0, 1], [2, 3]])
