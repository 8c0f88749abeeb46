"""Costs the helpers promise in the README, measured on this machine (medians and ranges).

    python benchmarks/hardening.py              # fingerprint per call, same_intent_pairs 80,000 texts
    python benchmarks/hardening.py --pairs 40000

* the fingerprint :func:`gist_helpers.encode` computes on every call while nothing has changed
  (tensor state, the sample of every 256th element, modules, tokenizer state), on the model
  ``load_model()`` gives, with its parts timed separately, and the digests made after a change;
* ``same_intent_pairs`` on N distinct texts with 2 labels.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import gist_helpers as gh
from gist_helpers import fingerprint as fp


def _timed(call, repeats: int) -> str:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    times.sort()
    return (
        f"median {statistics.median(times) * 1e3:.3f} ms "
        f"(range {times[0] * 1e3:.3f}–{times[-1] * 1e3:.3f} ms, {repeats} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=80_000, help="texts for same_intent_pairs")
    parser.add_argument("--repeats", type=int, default=500, help="fingerprint calls timed")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        model = gh.load_model(device="cpu")
    info = gh.model_info(model)
    print(f"model: {info.model_id} ({info.source}), {info.parameters / 1e6:.1f}M parameters")
    fp.fingerprint(model)  # views and digests made once
    tensors = fp._tensor_state(model)
    print("fingerprint, whole:  ", _timed(lambda: fp.fingerprint(model), args.repeats))
    print("  tensor state:      ", _timed(lambda: fp._tensor_state(model), args.repeats))
    print("  sample of values:  ", _timed(lambda: fp._sample(model, tensors), args.repeats))
    print("  modules:           ", _timed(lambda: fp._modules(model), args.repeats))
    print("  tokenizer state:   ", _timed(lambda: fp._tokenizer_state(model), args.repeats))
    print(f"  sample: {len(fp._sample(model, tensors)):,} bytes")
    print("after a change, sha256 of the weights:  ", _timed(lambda: fp.tensors_digest(model), 5))
    tokenizer = model.tokenizer
    print(
        "after a change, sha256 of the tokenizer:",
        _timed(lambda: fp.tokenizer_digest(tokenizer), 5),
    )
    texts = [f"query number {i}" for i in range(args.pairs)]
    labels = [i % 2 for i in range(args.pairs)]
    print(
        f"same_intent_pairs, {args.pairs:,} texts, 2 labels:",
        _timed(lambda: gh.same_intent_pairs(texts, labels), 3),
    )


if __name__ == "__main__":
    main()
