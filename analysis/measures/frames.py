"""Table assembly for :class:`~analysis.measures.SurveyAggregates`: parts joined into one
frame, text columns, order and ranks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import disclosure


def _collect(out: dict, kind: str, frame: pd.DataFrame, by) -> None:
    frame = frame.assign(breakdown=" × ".join(by) or "all pupils")
    for key, part in frame.groupby("block", sort=False):
        if key in out:
            out[key][kind].append(part)


#: Text columns of the share shape kept as Python objects (the others are ``str``).
_OBJECT = ("block", "label", "item")

#: The text columns of a share table (``all_measures`` makes them categorical).
TEXT_COLUMNS: tuple[str, ...] = (
    "measure",
    "schools",
    "block",
    "item",
    "label",
    "category",
    "category_label",
    "suppressed",
    "breakdown",
)

#: Values ``suppressed`` takes (shown, confidential, unreliable).
_SUPPRESSED = ("", disclosure.CONFIDENTIAL, disclosure.LOW_RELIABILITY)

#: pandas' default text dtype (``str``), the dtype of the other text columns.
_STR = pd.Series([""]).dtype


def _text_column(labels, codes: np.ndarray, index: pd.RangeIndex) -> pd.Series:
    """A text column holding ``labels[codes]`` in pandas' default ``str`` dtype,
    as ``pd.Series(values)`` of the Python strings gives; built by pyarrow from
    the few distinct labels, not from millions of Python strings."""
    if getattr(_STR, "storage", None) != "pyarrow":
        return pd.Series(np.asarray(labels, dtype=object)[codes], index=index)
    import pyarrow as pa

    distinct = pa.array([str(x) for x in labels], type=pa.large_string())
    return pd.Series(
        _str_array(distinct.take(pa.array(np.asarray(codes, dtype=np.int64)))), index=index
    )


def _str_array(array):
    """A pyarrow ``large_string`` array as pandas' ``str`` array, without a copy."""
    import pyarrow as pa

    try:  # the constructor: ten times less overhead than pd.array on small tables
        return pd.arrays.ArrowStringArray(pa.chunked_array([array]), dtype=_STR)
    except TypeError:
        return pd.array(array, dtype=_STR)


def _constant_text(value: str, index: pd.RangeIndex) -> pd.Series:
    """``pd.Series(value, index=index)`` (``str`` dtype), built from buffers."""
    if getattr(_STR, "storage", None) != "pyarrow":
        return pd.Series(value, index=index)
    import pyarrow as pa

    data, n = value.encode("utf-8"), len(index)
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))
    return pd.Series(_str_array(array), index=index)


def _columns(cols: np.ndarray, rows: np.ndarray | None = None):
    """A function taking ``matrix[rows][:, cols]`` (all rows if ``rows`` is None):
    a slice where ``cols`` is one run of columns, rows then taken once."""
    run = len(cols) > 0 and np.array_equal(cols, np.arange(cols[0], cols[0] + len(cols)))
    if run:
        at = slice(int(cols[0]), int(cols[0]) + len(cols))
        return (lambda m: m[:, at]) if rows is None else (lambda m: m[rows, at])
    return (lambda m: m[:, cols]) if rows is None else (lambda m: m[np.ix_(rows, cols)])


def _join_columns(parts: list[list[np.ndarray]]) -> list[np.ndarray]:
    """``np.hstack`` of each array across ``parts`` (a list of equally long lists
    of 2-d arrays), filling one preallocated array each and dropping each part as
    it is copied; arrays that are one object in the parts (the pupils', Σw and
    Σw² sums without weights) stay one."""
    first = parts[0]
    if len(parts) == 1:
        return first
    same = [next(i for i in range(j + 1) if first[i] is first[j]) for j in range(len(first))]
    widths = [p[0].shape[1] for p in parts]
    out: list = []
    for j, a in enumerate(first):
        if same[j] != j:
            out.append(out[same[j]])
            continue
        joined = np.empty((a.shape[0], sum(widths)), dtype=a.dtype)
        at = 0
        for p, w in zip(parts, widths):
            joined[:, at : at + w] = p[j]
            at += w
        out.append(joined)
        for p in parts:  # the parts' copies are no longer needed
            for i in range(len(p)):
                if same[i] == j:
                    p[i] = None
    return out


def _small_codes(codes, n_labels: int) -> np.ndarray | None:
    """Codes of a text column (``None``: a constant) in the smallest integer type
    for ``n_labels`` labels, so millions of rows take a byte or two each."""
    if codes is None:
        return None
    small = np.int8 if n_labels < 127 else np.int16 if n_labels < 32767 else np.int64
    return np.asarray(codes).astype(small, copy=False)


def _assemble(parts: list[dict], categorical: bool = False) -> pd.DataFrame:
    """One share table from :meth:`SurveyAggregates._share_shape`'s parts: the
    frame ``pd.concat`` of the parts' frames gives (columns in order of first
    appearance, a group column a part lacks empty in its rows, same dtypes),
    built once from the joined arrays. With ``categorical`` the text columns
    (:data:`TEXT_COLUMNS`) are categoricals of the same values (categories in
    order of first appearance; ``suppressed`` also has ``c`` and ``u``) instead
    of ``str`` (``block``, ``label``, ``item``: Python objects)."""
    columns = list(dict.fromkeys(c for p in parts for c in p["columns"]))
    lengths = [p["length"] for p in parts]
    index = pd.RangeIndex(sum(lengths))
    out = {}
    for c in columns:
        if c in parts[0]["text"]:  # text columns are in every part
            labels = list(dict.fromkeys(x for p in parts for x in p["text"][c][0]))
            if categorical and c == "suppressed":  # so c/u can be set, as in a str column
                labels += [x for x in _SUPPRESSED if x not in labels]
            at = {x: i for i, x in enumerate(labels)}
            small = np.int8 if len(labels) < 127 else np.int16 if len(labels) < 32767 else np.int64
            codes = [
                np.full(n, at[p["text"][c][0][0]], dtype=small)
                if p["text"][c][1] is None
                else np.array([at[x] for x in p["text"][c][0]], dtype=small)[p["text"][c][1]]
                for p, n in zip(parts, lengths)
            ]
            codes = np.concatenate(codes)
            if categorical:
                out[c] = pd.Series(
                    pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object)),
                    index=index,
                )
            elif c in _OBJECT:  # block, label and item stay Python objects
                out[c] = pd.Series(
                    np.asarray(labels, dtype=object)[codes], index=index, dtype=object
                )
            else:
                out[c] = _text_column(labels, codes, index)
            continue
        pieces = [p["arrays"].pop(c, None) for p in parts]  # the parts' copies freed
        dtype = next(x.dtype for x in pieces if x is not None)
        pieces = [x if x is not None else _missing(dtype, n) for x, n in zip(pieces, lengths)]
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            out[c] = type(pieces[0])._concat_same_type(pieces)
        else:
            out[c] = np.concatenate(pieces)
            if c in _OBJECT:  # block, label and item stay Python objects
                out[c] = pd.Series(out[c], index=index, dtype=object)
    # copy=False: the joined arrays become the frame's columns as they are (a
    # copy would consolidate the floats into one block: nine million rows
    # twice in memory)
    return pd.DataFrame(out, index=index, copy=False)


def _missing(dtype, n: int):
    """``n`` missing values of a group column's dtype (categorical or nullable integer)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(np.full(n, -1), dtype=dtype)
    if isinstance(dtype, pd.core.dtypes.dtypes.BaseMaskedDtype):  # Int8 …: all masked
        return dtype.construct_array_type()(
            np.zeros(n, dtype=dtype.numpy_dtype), np.ones(n, dtype=bool)
        )
    return pd.array(np.full(n, None, dtype=object), dtype=dtype)


def _in_order(frame: pd.DataFrame) -> bool:
    """Whether ``frame.sort_values(list(frame.columns), kind="stable")`` would
    leave its rows where they are. Answers False (sort to be sure) for a
    column with missing values or of a type compared other than by its codes."""
    unchanged = np.ones(max(len(frame) - 1, 0), dtype=bool)  # rows i, i+1 equal so far
    for c in frame.columns:
        col = frame[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            values = col.cat.codes.to_numpy()  # sort_values sorts categories by code
        elif pd.api.types.is_integer_dtype(col.dtype) and not col.hasnans:
            values = col.to_numpy(dtype=np.int64)
        else:
            return False
        if (values < 0).any() and isinstance(col.dtype, pd.CategoricalDtype):
            return False
        step = np.diff(values)
        if (unchanged & (step < 0)).any():
            return False
        unchanged &= step == 0
    return True


def _rank_within(group: np.ndarray, share: np.ndarray) -> np.ndarray:
    """What :func:`_ranks` gives, on arrays: the rank of each share within its
    ``group`` (an integer per row), 1 = highest, ties share the lower rank
    (``rank(method="min", ascending=False)``), NaN shares no rank."""
    out = np.full(len(share), np.nan)
    rows = np.flatnonzero(~np.isnan(share))
    if not len(rows):
        return out
    g, v = group[rows], share[rows]
    order = np.lexsort((-v, g))  # by group, then highest share first
    g, v = g[order], v[order]
    at = np.arange(len(order))
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_value = new_group | np.r_[True, v[1:] != v[:-1]]
    first_of_group = np.maximum.accumulate(np.where(new_group, at, 0))
    first_of_value = np.maximum.accumulate(np.where(new_value, at, 0))
    out[rows[order]] = first_of_value - first_of_group + 1
    return out


def _rank_in_runs(share: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """What :func:`_rank_within` gives when the groups are the runs of equal
    ``runs`` values along each row of ``share`` (cells × items, a block's items
    one run): 1 + the number of shares of the run above the share (ties share
    the lower rank, NaN shares no rank and count for none), raveled."""
    out = np.full(share.shape, np.nan)
    starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(runs)]):
        part = share[:, s:e]
        # rows a few thousand at a time: (rows × items × items) comparisons
        step = max(1, 2**22 // max((e - s) ** 2, 1))
        for r in range(0, len(part), step):
            p = part[r : r + step]
            above = (p[:, None, :] > p[:, :, None]).sum(axis=2)
            out[r : r + step, s:e] = np.where(np.isnan(p), np.nan, above + 1.0)
    return out.ravel()


def _ranks(frame: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Rank of each item's share within its group and block (1 = highest; ties
    share the lower rank; NaN shares get no rank)."""
    keys = [*by, "block", "measure", "schools"]
    return (
        frame.groupby(keys, observed=True, dropna=False, sort=False)["share"]
        .rank(method="min", ascending=False)
        .to_numpy()
    )
