"""Similarity between plans: TF-IDF cosine, near-duplicate pairs and clusters."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from ..errors import InputError
from .corpus import Corpus, PlansLike, Tokenizer, _require
from .loading import _corpus

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["clusters", "near_duplicates", "similarity"]


def similarity(data: PlansLike, *, tokenizer: Tokenizer | None = None) -> pd.DataFrame:
    """TF-IDF cosine similarity between plans (a square DataFrame indexed by ``doc_id``).

    Words from our tokenizer, sublinear term frequency, smoothed IDF, L2
    normalised (scikit-learn's ``TfidfVectorizer``). Identical plans score 1.
    """
    _require("pandas", "sklearn")
    import numpy as np
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = _corpus(data)
    docs = [list(t) for t in corpus.tokens(tokenizer)]
    ids = pd.Index(corpus.doc_ids, name="doc_id")
    if not any(docs):
        return pd.DataFrame(np.zeros((len(ids), len(ids))), index=ids, columns=ids.rename(None))
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, lowercase=False)
    matrix = vectorizer.fit_transform(docs)
    sims = np.asarray((matrix @ matrix.T).toarray(), dtype=float)
    sims = np.clip(sims, 0.0, 1.0)
    return pd.DataFrame(sims, index=ids, columns=ids.rename(None))


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _similarity_of(data: PlansLike | pd.DataFrame) -> tuple[pd.DataFrame, Corpus | None]:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        if data.shape[0] != data.shape[1]:
            raise InputError("expected a square similarity matrix (see similarity())")
        return data, None
    corpus = _corpus(data)
    return similarity(corpus), corpus


def near_duplicates(data: PlansLike | pd.DataFrame, *, threshold: float = 0.8) -> pd.DataFrame:
    """Pairs of plans with cosine similarity ≥ ``threshold`` (template text, copies).

    ``data`` is a corpus (or anything :func:`load_corpus` takes) or a matrix
    from :func:`similarity`. Columns: ``doc_a``, ``doc_b``, ``similarity``
    and, from a corpus, ``path_a``, ``path_b`` and ``same_file``; sorted by
    similarity, highest first.
    """
    import pandas as pd

    sims, corpus = _similarity_of(data)
    ids = [str(i) for i in sims.index]
    values = sims.to_numpy()
    paths = {str(m["doc_id"]): m.get("path") for m in corpus.metadata} if corpus else {}
    rows = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if values[i, j] >= threshold:
                row: dict[str, Any] = {
                    "doc_a": ids[i],
                    "doc_b": ids[j],
                    "similarity": float(values[i, j]),
                }
                if corpus is not None:
                    pa, pb = paths.get(ids[i]), paths.get(ids[j])
                    row.update(path_a=pa, path_b=pb, same_file=pa is not None and pa == pb)
                rows.append(row)
    columns = ["doc_a", "doc_b", "similarity"] + (
        ["path_a", "path_b", "same_file"] if corpus else []
    )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("similarity", ascending=False, kind="stable").reset_index(drop=True)


def clusters(
    data: PlansLike | pd.DataFrame,
    *,
    distance: float = 0.8,
    n_clusters: int | None = None,
    method: Literal["average", "complete", "single", "weighted"] = "average",
) -> pd.DataFrame:
    """Agglomerative clusters of plans on ``1 - cosine`` (scipy's hierarchy).

    Args:
        distance: merge clusters closer than this (``average`` linkage: mean
            ``1 - cosine`` between members); ignored when ``n_clusters`` is given.
        n_clusters: cut the tree into at most this many clusters instead.
        method: the linkage.

    Returns one row per plan: ``doc_id``, ``cluster`` (1, 2, … by size),
    ``size`` and ``order`` (position in the dendrogram, for plotting).
    """
    _require("pandas", "scipy")
    import numpy as np
    import pandas as pd
    from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
    from scipy.spatial.distance import squareform

    sims, _ = _similarity_of(data)
    ids = [str(i) for i in sims.index]
    if len(ids) < 2:
        return pd.DataFrame(
            {
                "doc_id": ids,
                "cluster": [1] * len(ids),
                "size": [1] * len(ids),
                "order": list(range(len(ids))),
            }
        )
    dist = 1.0 - sims.to_numpy(dtype=float)
    dist = np.clip((dist + dist.T) / 2, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method=method)
    if n_clusters is not None:
        raw = fcluster(tree, t=n_clusters, criterion="maxclust")
    else:
        raw = fcluster(tree, t=distance, criterion="distance")
    order = np.empty(len(ids), dtype=int)
    order[leaves_list(tree)] = np.arange(len(ids))
    sizes = Counter(int(c) for c in raw)
    # Number clusters by size (largest first), then by first appearance in the dendrogram.
    first: dict[int, int] = {}
    for i, c in enumerate(raw):
        first[int(c)] = min(first.get(int(c), len(ids)), int(order[i]))
    ranking = sorted(sizes, key=lambda c: (-sizes[c], first[c]))
    renumber = {c: k + 1 for k, c in enumerate(ranking)}
    return pd.DataFrame(
        {
            "doc_id": ids,
            "cluster": [renumber[int(c)] for c in raw],
            "size": [sizes[int(c)] for c in raw],
            "order": order.tolist(),
        }
    )
