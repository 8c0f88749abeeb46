"""Comparing float results across code paths (block sizes, BLAS kernels, instruction sets).

Two paths that compute the same scores may differ in the last bits: compare scores within
``TOL`` and rankings exactly, except that documents whose scores tie within ``TOL`` may swap.
"""

from __future__ import annotations

import numpy as np

TOL = 1e-5


def assert_same_hits(a, b, tol: float = TOL) -> None:
    """``a`` and ``b`` map query ids to ranked ``(doc_id, score)`` lists of equal length."""
    assert set(a) == set(b), "different queries"
    for query in a:
        left, right = list(a[query]), list(b[query])
        assert len(left) == len(right), f"{query}: {len(left)} vs {len(right)} hits"
        scores_l = np.array([s for _, s in left], dtype=np.float64)
        scores_r = np.array([s for _, s in right], dtype=np.float64)
        np.testing.assert_allclose(scores_l, scores_r, atol=tol, rtol=0, err_msg=query)
        for rank, ((doc_l, score_l), (doc_r, _)) in enumerate(zip(left, right)):
            if doc_l != doc_r:
                tied = {d for d, s in right if abs(s - score_l) <= tol}
                assert doc_l in tied, f"{query} rank {rank + 1}: {doc_l} vs {doc_r}, not a tie"
