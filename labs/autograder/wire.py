"""Values across the process boundary as plain data: JSON for structure, ``.npy`` for arrays.

Nothing is pickled, so a hostile process cannot make its reader run code. Functions cross only
by name, and only those of the modules in ``SENDABLE_MODULES`` (activations and numpy ufuncs).
"""

from __future__ import annotations

import importlib
import io
import json
import math
import struct

import numpy as np

SENDABLE_MODULES = ("dlcore.activations", "numpy")
_HEADER = struct.Struct("<Q")


class WireError(ValueError):
    """A value that cannot cross the boundary, or a malformed message."""


def encode(value, arrays: list):
    """``value`` as JSON-able structure; its arrays are appended to ``arrays`` and referenced by index."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise WireError("object arrays cannot be sent")
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, np.generic):
        return encode(value.item(), arrays)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"float": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode(v, arrays) for k, v in value.items()}}
    if callable(value):
        module, name = getattr(value, "__module__", None) or "numpy", getattr(value, "__name__", "")
        if any(module == m or module.startswith(m + ".") for m in SENDABLE_MODULES) and name:
            return {"function": [module, name]}
    raise WireError(f"cannot send a value of type {type(value).__name__}")


def decode(node, arrays: list, allow_functions: bool):
    """Inverse of :func:`encode`; functions are rebuilt only where ``allow_functions``."""
    if not isinstance(node, dict):
        return node
    (kind, payload), = node.items()
    if kind == "array":
        return arrays[payload]
    if kind == "float":
        return float(payload)
    if kind in ("list", "tuple"):
        items = [decode(v, arrays, allow_functions) for v in payload]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {k: decode(v, arrays, allow_functions) for k, v in payload.items()}
    if kind == "function" and allow_functions and payload[0] in SENDABLE_MODULES:
        return getattr(importlib.import_module(payload[0]), payload[1])
    raise WireError(f"unexpected value in message: {kind!r}")


def pack(message) -> bytes:
    """A length-prefixed message: JSON header, then the arrays as ``.npz`` (no pickle)."""
    arrays: list = []
    header = json.dumps(encode(message, arrays)).encode()
    buffer = io.BytesIO()
    np.savez(buffer, *arrays)
    body = _HEADER.pack(len(header)) + header + buffer.getvalue()
    return _HEADER.pack(len(body)) + body


def unpack(body: bytes, allow_functions: bool = False):
    """Inverse of :func:`pack`, without its outer length prefix."""
    try:
        (n,) = _HEADER.unpack_from(body)
        header = json.loads(body[_HEADER.size:_HEADER.size + n])
        with np.load(io.BytesIO(body[_HEADER.size + n:]), allow_pickle=False) as npz:
            arrays = [npz[f"arr_{i}"] for i in range(len(npz.files))]
        return decode(header, arrays, allow_functions)
    except (ValueError, KeyError, struct.error, OSError) as error:
        raise WireError(f"malformed message: {error}") from None


def read_message(stream) -> bytes | None:
    """The next message body from a binary stream, or None at end of stream."""
    prefix = _read_exactly(stream, _HEADER.size)
    if prefix is None:
        return None
    return _read_exactly(stream, _HEADER.unpack(prefix)[0])


def _read_exactly(stream, n: int) -> bytes | None:
    chunks, remaining = [], n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
