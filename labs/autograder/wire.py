"""Values across the process boundary as plain data: JSON for structure, raw bytes for arrays.

Nothing is pickled and nothing is decompressed, so a hostile process cannot make its reader run
code or allocate more than it was sent: a message is at most ``MAX_MESSAGE`` bytes, checked before
it is read, and each array's declared dtype and shape must account for exactly the bytes that follow
the header. Functions cross only by name, and only those of the modules in ``SENDABLE_MODULES``
(activations and numpy ufuncs). :class:`Channel` reads and writes messages on a socket within an
absolute deadline, however slowly the other side trickles its bytes.
"""

from __future__ import annotations

import importlib
import json
import math
import select
import socket
import struct
import time

import numpy as np

SENDABLE_MODULES = ("dlcore.activations", "numpy")
MAX_MESSAGE = 64 * 2**20  # bytes; the largest test argument or result is far smaller
NUMERIC_KINDS = "biufc"
_HEADER = struct.Struct("<Q")


class WireError(ValueError):
    """A value that cannot cross the boundary, or a malformed message."""


def encode(value, arrays: list):
    """``value`` as JSON-able structure; its arrays are appended to ``arrays`` and referenced by index."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMERIC_KINDS:
            raise WireError(f"arrays of dtype {value.dtype} cannot be sent")
        arrays.append(np.ascontiguousarray(value))
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
    if len(node) != 1:
        raise WireError("unexpected value in message")
    (kind, payload), = node.items()
    if kind == "array" and type(payload) is int and 0 <= payload < len(arrays):
        return arrays[payload]
    if kind == "float" and isinstance(payload, str):
        return float(payload)
    if kind in ("list", "tuple") and isinstance(payload, list):
        items = [decode(v, arrays, allow_functions) for v in payload]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(payload, dict):
        return {k: decode(v, arrays, allow_functions) for k, v in payload.items()}
    if kind == "function" and allow_functions and isinstance(payload, list) and payload[0] in SENDABLE_MODULES:
        return getattr(importlib.import_module(payload[0]), str(payload[1]))
    raise WireError(f"unexpected value in message: {kind!r}")


def pack(message) -> bytes:
    """A length-prefixed message: a JSON header (structure; each array's dtype and shape), then the arrays' bytes."""
    arrays: list = []
    structure = encode(message, arrays)
    header = json.dumps({"value": structure, "arrays": [[a.dtype.str, list(a.shape)] for a in arrays]}).encode()
    body = b"".join([_HEADER.pack(len(header)), header] + [a.tobytes() for a in arrays])
    if len(body) > MAX_MESSAGE:
        raise WireError(f"the message has {len(body)} bytes; at most {MAX_MESSAGE} can be sent")
    return _HEADER.pack(len(body)) + body


def unpack(body: bytes, allow_functions: bool = False):
    """Inverse of :func:`pack`, without its outer length prefix."""
    try:
        (n,) = _HEADER.unpack_from(body)
        header = json.loads(body[_HEADER.size:_HEADER.size + n])
        offset, arrays = _HEADER.size + n, []
        for dtype, shape in header["arrays"]:
            dtype = np.dtype(str(dtype))
            if dtype.kind not in NUMERIC_KINDS or not all(type(d) is int and d >= 0 for d in shape):
                raise WireError("an array of a type that cannot be sent")
            size = math.prod(shape) * dtype.itemsize
            if offset + size > len(body):
                raise WireError("an array larger than the message")
            arrays.append(np.frombuffer(body, dtype, math.prod(shape), offset).reshape(shape).copy())
            offset += size
        if offset != len(body):
            raise WireError("bytes left over after the arrays")
        return decode(header["value"], arrays, allow_functions)
    except (ValueError, KeyError, TypeError, AttributeError, struct.error, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None


class Channel:
    """Length-prefixed messages on a connected socket, each read or written before an absolute deadline."""

    def __init__(self, sock: socket.socket):
        self.socket = sock
        sock.setblocking(False)

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            self._wait(deadline, write=True)
            try:
                view = view[self.socket.send(view):]
            except BlockingIOError:
                continue

    def receive(self, deadline: float) -> bytes | None:
        """The next message body, or None if the other side closed; TimeoutError after the deadline."""
        prefix = self._read(_HEADER.size, deadline)
        if prefix is None:
            return None
        (size,) = _HEADER.unpack(prefix)
        if size > MAX_MESSAGE:
            raise WireError(f"a message of {size} bytes was announced; at most {MAX_MESSAGE} are accepted")
        return self._read(size, deadline)

    def _read(self, n: int, deadline: float) -> bytes | None:
        buffer, received = bytearray(n), 0
        while received < n:
            self._wait(deadline)
            try:
                count = self.socket.recv_into(memoryview(buffer)[received:])
            except BlockingIOError:
                continue
            if count == 0:
                return None
            received += count
        return bytes(buffer)

    def _wait(self, deadline: float, write: bool = False) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sockets = ([], [self.socket]) if write else ([self.socket], [])
        if not any(select.select(*sockets, [], remaining)):
            raise TimeoutError

    def close(self) -> None:
        self.socket.close()
