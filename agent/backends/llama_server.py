"""The embedded model's server: llama-cpp-python's OpenAI-compatible server, run as
`python -m agent.backends.llama_server ARGS` (the same arguments), with one change to how it
picks a token under a grammar.

llama-cpp-python samples through a chain: repetition penalties, the grammar, then greedy (at
temperature 0, which is how every first answer is asked for). Its grammar step masks every
token of the vocabulary (151,936 for Qwen2.5) before greedy takes the best: about 25 ms per
output token on 2 cores, a quarter of the time a token costs (shared NOTES). The greedy token
under a grammar is the highest-scoring token the grammar allows; when the highest-scoring
token of all is allowed, it is that token. So the grammar is asked about that one token first,
and masks the whole vocabulary only when it refuses it (llama.cpp's own server samples this
way). The answer is the same token, so recorded cassettes replay unchanged. Any other chain
(a temperature above 0, logits processors, a llama-cpp-python whose chain is laid out
otherwise) takes the library's own path.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from typing import Any

# The chain llama-cpp-python builds for a grammar at temperature 0, in its order; llama.cpp
# names a step "?penalties" where its settings make it a no-op (repeat penalty 1.0).
GREEDY_GRAMMAR_CHAIN = ((b"penalties", b"?penalties"), (b"grammar",), (b"greedy",))


def is_greedy_grammar_chain(names: tuple[bytes, ...]) -> bool:
    return len(names) == len(GREEDY_GRAMMAR_CHAIN) and all(
        name in allowed for name, allowed in zip(names, GREEDY_GRAMMAR_CHAIN, strict=True))


def pick_greedy(best: int, allowed: Callable[[int], bool], accept: Callable[[int], None],
                whole_vocabulary: Callable[[], int]) -> int:
    """The greedy token under a grammar: `best` (the top token before the grammar) when the
    grammar allows it, recorded as accepted; else the chain's own answer over the vocabulary."""
    if allowed(best):
        accept(best)
        return best
    return whole_vocabulary()


def install() -> None:
    """Replace `Llama.sample` with one that asks the grammar about the greedy token first."""
    import llama_cpp
    import numpy as np
    from llama_cpp import llama

    library_sample = llama.Llama.sample
    token_data = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)],
                          align=True)

    def chain_names(chain: Any) -> tuple[bytes, ...]:
        return tuple(llama_cpp.llama_sampler_name(llama_cpp.llama_sampler_chain_get(chain, i))
                     for i in range(llama_cpp.llama_sampler_chain_n(chain)))

    def sample(self: Any, *args: Any, **kwargs: Any) -> int:
        def whole_vocabulary() -> int:
            return int(library_sample(self, *args, **kwargs))

        # the library's private state this relies on; a version without it samples its way
        sampler = getattr(self, "_sampler", None)
        context = getattr(getattr(self, "_ctx", None), "ctx", None)
        n_vocab = getattr(self, "_n_vocab", None)
        if (kwargs.get("grammar") is None or kwargs.get("temp") != 0.0 or sampler is None
                or context is None or n_vocab is None
                or not is_greedy_grammar_chain(chain_names(sampler.sampler))):
            return whole_vocabulary()
        chain = sampler.sampler
        idx = kwargs.get("idx")
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(
            context, idx - self.n_tokens if idx is not None else -1), shape=(n_vocab,))
        candidates = getattr(self, "_greedy_candidates", None)
        if candidates is None or len(candidates) != n_vocab:
            candidates = self._greedy_candidates = np.zeros(n_vocab, dtype=token_data)
            candidates["id"] = np.arange(n_vocab, dtype=np.int32)
        candidates["logit"] = logits
        # the penalties apply as in the chain (they depend on the tokens accepted so far)
        apply(chain, 0, candidates.ctypes.data_as(llama_cpp.llama_token_data_p), n_vocab)
        best = int(np.argmax(candidates["logit"]))

        def allowed(token: int) -> bool:
            one = (llama_cpp.llama_token_data * 1)(
                llama_cpp.llama_token_data(token, float(candidates["logit"][token]), 0.0))
            apply(chain, 1, one, 1)
            return not (math.isinf(one[0].logit) and one[0].logit < 0)

        return pick_greedy(best, allowed, lambda token: llama_cpp.llama_sampler_accept(
            chain, token), whole_vocabulary)

    def apply(chain: Any, step: int, data: Any, size: int) -> None:
        array = llama_cpp.llama_token_data_array(data=data, size=size, selected=-1,
                                                 sorted=False)
        llama_cpp.llama_sampler_apply(llama_cpp.llama_sampler_chain_get(chain, step),
                                      ctypes.byref(array))

    llama.Llama.sample = sample


def main() -> None:
    install()
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
