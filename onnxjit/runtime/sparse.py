"""SparseTensor: onnxruntime's sparse tensor (COO, CSR or block-sparse buffers plus a dense shape).

Numeric values and indices are used in place (the numpy arrays passed in back the tensor, as in
onnxruntime) and handed back read-only, as onnxruntime's views are; string values are copied. onnxjit keeps
sparse tensors in host memory only: `to_cuda` and a non-CPU `ort_device` raise a RuntimeError (as an
onnxruntime build without CUDA does). The checks and their messages follow onnxruntime's.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.dtypes import from_numpy_dtype, ort_type_name
from onnxjit.errors import NotImplemented as OrtNotImplemented
from onnxjit.errors import OrtRuntimeError
from onnxjit.runtime.device import OrtDevice, device_from
from onnxjit.runtime.options import OrtSparseFormat


class SparseCooView:
    """COO indices: shape [nnz] (linear indices) or [nnz, rank] (coordinates)."""

    def __init__(self, indices: np.ndarray):
        self._indices = indices

    def indices(self) -> np.ndarray:
        return self._indices


class SparseCsrView:
    """CSR(C) indices: inner (column of each value) and outer (where each row starts, rows + 1 entries)."""

    def __init__(self, inner: np.ndarray, outer: np.ndarray):
        self._inner, self._outer = inner, outer

    def inner(self) -> np.ndarray:
        return self._inner

    def outer(self) -> np.ndarray:
        return self._outer


class SparseBlockSparseView:
    """Block-sparse indices (int32, 2-D)."""

    def __init__(self, indices: np.ndarray):
        self._indices = indices

    def indices(self) -> np.ndarray:
        return self._indices


def _host_only(ort_device: Any) -> None:
    device = device_from(ort_device)
    if device.onnxjit_device_type != "cpu":
        raise OrtRuntimeError(f"SparseTensor on {device!r}: onnxjit keeps sparse tensors in host (CPU) memory")


def _dense_shape(dense_shape: Any) -> list[int]:
    shape = [int(d) for d in np.asarray(dense_shape, dtype=np.int64).reshape(-1)]
    if any(d < 0 for d in shape):
        raise OrtRuntimeError(f"dense shape {shape} has a negative dimension")
    return shape


def _values(values: Any, fmt: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1:
        raise OrtRuntimeError(f"Expecting values 1-D numpy values array for {fmt} format. Got dims: {values.ndim}")
    return _contiguous_values(values)


def _contiguous_values(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "OUS":  # strings are copied, as onnxruntime does
        return np.array(values, dtype=object)
    return np.ascontiguousarray(values)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view (the tensor's buffers are changed only by whoever made them)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _index_array(indices: Any, dtype: type) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(indices), dtype=dtype)


class SparseTensor:
    """A sparse tensor built with `sparse_coo_from_numpy`, `sparse_csr_from_numpy` or
    `blocksparse_from_numpy`."""

    def __init__(self, fmt: OrtSparseFormat | SparseTensor, dense_shape: list[int] | None = None,
                 values: np.ndarray | None = None, indices: tuple[np.ndarray, ...] = ()):
        if isinstance(fmt, SparseTensor):  # onnxruntime's SparseTensor(c_tensor) wrapping form
            fmt, dense_shape, values, indices = fmt._format, fmt._dense_shape, fmt._values, fmt._indices
        self._format = OrtSparseFormat(fmt)
        self._dense_shape = list(dense_shape)
        self._values = values
        self._indices = indices

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def sparse_coo_from_numpy(cls, dense_shape: Any, values: Any, coo_indices: Any, ort_device: Any) -> SparseTensor:
        """COO: `coo_indices` holds one linear index per value, or `rank` coordinates per value (as
        [nnz, rank] or flat)."""
        _host_only(ort_device)
        shape = _dense_shape(dense_shape)
        values = _values(values, "COO")
        indices = _index_array(coo_indices, np.int64)
        nnz = values.shape[0]
        if indices.size == nnz:
            indices = indices.reshape(nnz)
        elif indices.size == 2 * nnz:
            indices = indices.reshape(nnz, 2)
        else:
            raise OrtRuntimeError(f"values_count == index_size was false. Index size: {indices.size} must be equal "
                                  f"to or twice the values size: {nnz}")
        return cls(OrtSparseFormat.ORT_SPARSE_COO, shape, values, (indices,))

    @classmethod
    def sparse_csr_from_numpy(cls, dense_shape: Any, values: Any, inner_indices: Any, outer_indices: Any,
                              ort_device: Any) -> SparseTensor:
        """CSR: `inner_indices` (one column per value) and `outer_indices` (rows + 1 row starts)."""
        _host_only(ort_device)
        shape = _dense_shape(dense_shape)
        values = _values(values, "CSR")
        inner = _index_array(inner_indices, np.int64).reshape(-1)
        outer = _index_array(outer_indices, np.int64).reshape(-1)
        if len(shape) != 2:
            raise OrtRuntimeError(f"ValidateCsrIndices dense shape must 2-D. Got: {len(shape)}")
        if inner.size != values.size:
            raise OrtRuntimeError(f"ValidateCsrIndices Expecting inner index size: {inner.size} the same as values "
                                  f"size: {values.size}")
        if outer.size not in (0, shape[0] + 1) or (outer.size == 0 and values.size):
            raise OrtRuntimeError(f"ValidateCsrIndices Outer index count must be rows + 1 or zero. "
                                  f"Got: {outer.size} rows: {shape[0]}")
        return cls(OrtSparseFormat.ORT_SPARSE_CSRC, shape, values, (inner, outer))

    @classmethod
    def blocksparse_from_numpy(cls, dense_shape: Any, values: Any, indices: Any, ort_device: Any) -> SparseTensor:
        """Block-sparse: values of at least 3-D (blocks), int32 indices of 2-D (onnxruntime's capi method)."""
        _host_only(ort_device)
        shape = _dense_shape(dense_shape)
        values = np.asarray(values)
        if values.ndim < 3:
            raise OrtRuntimeError(f"ValidateBlockSparseShapes Expecting to have at lest 3-D shape. Got:{values.ndim}")
        index = _index_array(indices, np.int32)
        if index.ndim != 2:
            raise OrtRuntimeError(f"ValidateBlockSparseShapes Expecting indices to have 2-D shape . Got: {index.ndim}")
        return cls(OrtSparseFormat.ORT_SPARSE_BLOCK_SPARSE, shape, _contiguous_values(values), (index,))

    # --- accessors ------------------------------------------------------------------------
    def values(self) -> np.ndarray:
        return _read_only(self._values)

    def as_coo_view(self) -> SparseCooView:
        if self._format is not OrtSparseFormat.ORT_SPARSE_COO:
            raise OrtRuntimeError("This sparse tensor does not contain COO format")
        return SparseCooView(_read_only(self._indices[0]))

    def as_csrc_view(self) -> SparseCsrView:
        if self._format is not OrtSparseFormat.ORT_SPARSE_CSRC:
            raise OrtRuntimeError("This sparse tensor does not contain CSR(C) format")
        return SparseCsrView(*(_read_only(i) for i in self._indices))

    def as_blocksparse_view(self) -> SparseBlockSparseView:
        if self._format is not OrtSparseFormat.ORT_SPARSE_BLOCK_SPARSE:
            raise OrtRuntimeError("This sparse tensor does not contain BlockSparse format")
        return SparseBlockSparseView(_read_only(self._indices[0]))

    def to_cuda(self, ort_device: OrtDevice) -> SparseTensor:
        from onnxjit.runtime.providers import gpu_available

        where = "there is no CUDA GPU here" if not gpu_available() else "onnxjit keeps sparse tensors on the host"
        raise OrtRuntimeError(f"SparseTensor.to_cuda: {where}; densify it (to_dense()) and use an OrtValue")

    def format(self) -> OrtSparseFormat:
        return self._format

    def dense_shape(self) -> list[int]:
        return list(self._dense_shape)

    def data_type(self) -> str:
        return f"sparse_tensor({ort_type_name(from_numpy_dtype(self._values.dtype))})"

    def element_type(self) -> int:
        """The ONNX element type of the values (TensorProto enum)."""
        return from_numpy_dtype(self._values.dtype)

    def device_name(self) -> str:
        return "cpu"

    def to_dense(self) -> np.ndarray:
        """The dense numpy array (onnxjit extension; COO and CSR)."""
        values = self._values
        dense = np.zeros(self._dense_shape, dtype=values.dtype) if values.dtype != object else \
            np.full(self._dense_shape, "", dtype=object)
        if self._format is OrtSparseFormat.ORT_SPARSE_COO:
            (indices,) = self._indices
            flat_index = indices if indices.ndim == 1 else np.ravel_multi_index(tuple(indices.T), self._dense_shape)
            dense.reshape(-1)[flat_index] = values
        elif self._format is OrtSparseFormat.ORT_SPARSE_CSRC:
            inner, outer = self._indices
            rows = np.repeat(np.arange(self._dense_shape[0]), np.diff(outer)) if outer.size else np.zeros(0, np.int64)
            dense[rows, inner] = values
        else:
            raise OrtNotImplemented("SparseTensor.to_dense: block-sparse tensors cannot be densified by onnxjit")
        return dense

    def __repr__(self) -> str:
        return f"SparseTensor({self._format.name}, dense_shape={self._dense_shape}, nnz={self._values.shape[0]})"
