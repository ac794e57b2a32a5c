"""End-to-end memory networks, at toy scale (chapter 17): attention as a soft memory read.

The lecture notes list memory networks among attention mechanisms. This module has the smallest
honest version of Sukhbaatar et al.'s model and a seeded toy task in the style of bAbI task 1
("single supporting fact"):

    Mary went to the kitchen. John went to the garden. Mary went to the office.
    where is Mary?  ->  office

* :func:`make_location_stories` generates such stories, encoded as word ids, with the answer and
  the index of the sentence that supports it.
* :class:`MemoryNetwork` embeds every sentence into a memory slot (bag of words plus a learned
  embedding of the slot's position in time), embeds the question, **reads** the memory with a
  softmax attention over the slots, adds what it read to the question, and classifies the answer
  word. The memory is *written* only once, by embedding the story; nothing learns where to write.

Used in chapters/17_inside_cnns.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import as_array, check_bool, check_int, check_rng, check_tensor

__all__ = ["MemoryNetwork", "STORY_PEOPLE", "STORY_PLACES", "STORY_VOCAB", "make_location_stories",
           "story_text"]

#: The toy task's people and places.
STORY_PEOPLE = ("Mary", "John", "Sandra", "Daniel")
STORY_PLACES = ("kitchen", "garden", "office", "bedroom", "hallway", "bathroom")
#: Word ids: index 0 pads empty slots and short sentences.
STORY_VOCAB = ("<pad>", "went", "to", "the", "where", "is") + STORY_PEOPLE + STORY_PLACES
_ID = {w: i for i, w in enumerate(STORY_VOCAB)}
SENTENCE_WORDS = 5
MAX_STORIES = 100_000
MAX_SLOTS = 50


def make_location_stories(
    n: int, *, rng: Any, sentences: tuple[int, int] | None = None, slots: int = 8
) -> dict[str, np.ndarray]:
    """Toy stories of people moving between rooms, with "where is X?" questions (seeded).

    Parameters
    ----------
    n : int
        Number of stories, 1 to 100,000.
    rng : numpy.random.Generator or int
        Seeds everything.
    sentences : (int, int), optional
        Each story has between these many sentences (inclusive), 1 to ``slots``; by default
        from 2 (1 if ``slots`` is 1) to ``slots``.
    slots : int
        Memory size: stories are left-padded with empty sentences to this length, so the most
        recent sentence is always in the last slot. 1 to 50.

    Returns
    -------
    dict
        ``"inputs"``: (n, slots + 1, 5) int64 word ids - the story's sentences, then the question
        in the last row (one tensor, as :func:`helpers.nets.training.fit` feeds the model one
        input); ``"answers"``: (n,) int64 word id of the place; ``"support"``: (n,) int64 slot
        of the sentence that holds the answer (the last one about the person asked for).

    Examples
    --------
    >>> data = make_location_stories(2, rng=0, slots=4)
    >>> data["inputs"].shape, data["answers"].shape
    ((2, 5, 5), (2,))
    """
    n = check_int(n, "n", min=1, max=MAX_STORIES)
    slots = check_int(slots, "slots", min=1, max=MAX_SLOTS)
    if sentences is None:
        sentences = (min(2, slots), slots)
    if not isinstance(sentences, (tuple, list)) or len(sentences) != 2:
        raise TypeError(f"sentences must be a pair (fewest, most); got {sentences!r}")
    lo = check_int(sentences[0], "sentences[0]", min=1, max=slots)
    hi = check_int(sentences[1], "sentences[1]", min=lo, max=slots)
    gen = check_rng(rng)
    inputs = np.zeros((n, slots + 1, SENTENCE_WORDS), np.int64)
    answers = np.zeros(n, np.int64)
    support = np.zeros(n, np.int64)
    for s in range(n):
        length = int(gen.integers(lo, hi + 1))
        who = gen.integers(len(STORY_PEOPLE), size=length)
        where = gen.integers(len(STORY_PLACES), size=length)
        first = slots - length
        for k in range(length):
            inputs[s, first + k] = [_ID[STORY_PEOPLE[who[k]]], _ID["went"], _ID["to"],
                                    _ID["the"], _ID[STORY_PLACES[where[k]]]]
        k = int(gen.integers(length))              # ask about someone in the story
        person = who[k]
        last = max(j for j in range(length) if who[j] == person)
        inputs[s, slots, :3] = [_ID["where"], _ID["is"], _ID[STORY_PEOPLE[person]]]
        answers[s] = _ID[STORY_PLACES[where[last]]]
        support[s] = first + last
    return {"inputs": inputs, "answers": answers, "support": support}


def story_text(inputs: Any, *, keep_empty: bool = False) -> list[str]:
    """The sentences (and the question, last) of one encoded story, as text.

    Parameters
    ----------
    inputs : (slots + 1, 5) array of int
        One story from :func:`make_location_stories` (``data["inputs"][i]``).
    keep_empty : bool
        Keep empty memory slots as "" (one line per slot, for plotting attention).

    Returns
    -------
    list of str

    Examples
    --------
    >>> story_text(make_location_stories(1, rng=0, sentences=(1, 1), slots=2)["inputs"][0])
    ['Daniel went to the bedroom.', 'where is Daniel ?']
    """
    rows = as_array(inputs, "inputs", ndim=2, kinds="iu",
                    shape_hint=f"(slots + 1, {SENTENCE_WORDS}) integer word ids")
    if rows.shape[1] != SENTENCE_WORDS:
        raise ValueError(f"inputs must be one story, (slots + 1, {SENTENCE_WORDS}) integer word "
                         f"ids; got shape {rows.shape} and dtype {rows.dtype}")
    if rows.min() < 0 or rows.max() >= len(STORY_VOCAB):
        raise ValueError(f"inputs must hold word ids 0..{len(STORY_VOCAB) - 1}")
    check_bool(keep_empty, "keep_empty")
    lines = [" ".join(STORY_VOCAB[i] for i in row if i) for row in rows]
    story = [f"{line}." if line else "" for line in lines[:-1]]
    return [line for line in story if line or keep_empty] + [f"{lines[-1]} ?"]


class MemoryNetwork(nn.Module):
    """An end-to-end memory network: embed the story into memory, read it with attention.

    Parameters
    ----------
    slots : int
        Memory size (sentences per story), 1 to 50.
    dim : int
        Embedding size d, 2 to 256.
    hops : int
        Memory reads, 1 to 3 (the toy task needs one).
    seed : int
        Seeds the initial weights (inside ``torch.random.fork_rng``).

    Attributes
    ----------
    last_attention : torch.Tensor or None
        ``(N, hops, slots)`` attention of the latest forward pass (detached).

    Notes
    -----
    Sentence :math:`i` with words :math:`x_{ij}` is written into memory as
    :math:`m_i = \\sum_j A x_{ij} + T_A(i)` (input memory) and :math:`c_i = \\sum_j C x_{ij} +
    T_C(i)` (output memory); the question is :math:`u = \\sum_j B q_j`. One read (hop):
    :math:`p_i = \\mathrm{softmax}_i(u^\\top m_i)` over the non-empty slots,
    :math:`o = \\sum_i p_i c_i`, :math:`u \\leftarrow u + o`. Answer:
    :math:`\\hat a = \\mathrm{softmax}(W u)` over the vocabulary. :math:`T_A, T_C` (temporal
    encoding) let attention prefer recent sentences.

    References
    ----------
    S. Sukhbaatar, A. Szlam, J. Weston, R. Fergus, "End-to-end memory networks", NeurIPS 2015;
    J. Weston et al., "Towards AI-complete question answering: a set of prerequisite toy tasks"
    (bAbI), 2015. Used in chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> net = MemoryNetwork(slots=4, dim=8)
    >>> x = torch.from_numpy(make_location_stories(3, rng=0, slots=4)["inputs"])
    >>> net(x).shape, tuple(net.last_attention.shape)
    (torch.Size([3, 16]), (3, 1, 4))
    """

    def __init__(self, slots: int = 8, dim: int = 20, hops: int = 1, *, seed: int = 0) -> None:
        super().__init__()
        self.slots = check_int(slots, "slots", min=1, max=MAX_SLOTS)
        dim = check_int(dim, "dim", min=2, max=256)
        self.hops = check_int(hops, "hops", min=1, max=3)
        seed = check_int(seed, "seed", min=0, max=2**63 - 1)
        vocab = len(STORY_VOCAB)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embed_question = nn.Embedding(vocab, dim, padding_idx=0)      # B
            self.embed_memory = nn.Embedding(vocab, dim, padding_idx=0)        # A
            self.embed_output = nn.Embedding(vocab, dim, padding_idx=0)        # C
            self.time_memory = nn.Parameter(0.1 * torch.randn(self.slots, dim))   # T_A
            self.time_output = nn.Parameter(0.1 * torch.randn(self.slots, dim))   # T_C
            self.answer = nn.Linear(dim, vocab, bias=False)                    # W
        self.last_attention: torch.Tensor | None = None

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(N, slots + 1, words)`` word ids (story rows, then the question) -> ``(N, vocab)``."""
        check_tensor(inputs, "inputs", ndim=3, floating=False,
                     shape_hint=f"(N, {self.slots + 1}, words) of word ids")
        if inputs.shape[1] != self.slots + 1:
            raise ValueError(f"inputs must be (N, {self.slots + 1}, words) word ids; got shape "
                             f"{tuple(inputs.shape)}")
        if inputs.dtype == torch.bool or inputs.is_floating_point():
            raise TypeError(f"inputs must hold integer word ids; got dtype {inputs.dtype}")
        if int(inputs.min()) < 0 or int(inputs.max()) >= len(STORY_VOCAB):
            raise ValueError(f"inputs must hold word ids 0..{len(STORY_VOCAB) - 1}; got "
                             f"{int(inputs.min())}..{int(inputs.max())}")
        story, question = inputs[:, :-1].long(), inputs[:, -1].long()
        memory = self.embed_memory(story).sum(2) + self.time_memory      # (N, slots, d): write
        output = self.embed_output(story).sum(2) + self.time_output
        u = self.embed_question(question).sum(1)                          # (N, d)
        empty = (story == 0).all(2)                                       # padded slots
        attention = []
        for _ in range(self.hops):
            scores = (memory @ u[:, :, None])[..., 0].masked_fill(empty, float("-inf"))
            p = torch.softmax(scores, dim=1)                              # read: where to look
            attention.append(p)
            u = u + (p[:, :, None] * output).sum(1)
        self.last_attention = torch.stack(attention, 1).detach()
        return self.answer(u)
