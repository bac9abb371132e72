"""Plain data across the sandbox's wall: JSON with tensors as .npy bytes, never pickle.

`encode` turns a value a student's function returned into JSON-ready data; `decode`
turns that back into tensors, numbers, strings, lists, tuples and dicts. Anything else
arrives as `Opaque(type name)`, so a check can say what came back without running it.
"""

import base64
import io
import numpy as np
import torch

MAX_DEPTH = 8
MAX_ITEMS = 10_000
MAX_STRING = 10_000
MAX_ELEMENTS = 20_000_000


class Opaque:
    """A value that does not cross the wall, known only by its type's name."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name}>"

    def __eq__(self, other):
        return isinstance(other, Opaque) and other.type_name == self.type_name


class WireError(ValueError):
    """Data that is not in the wire format, or too large."""


def encode(value, depth: int = 0):
    if depth > MAX_DEPTH:
        return {"opaque": "deeply nested value"}
    if value is None or isinstance(value, bool):
        return {"bool": value} if isinstance(value, bool) else {"none": True}
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, str):
        return {"str": value[:MAX_STRING]}
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.numel() > MAX_ELEMENTS:
            return {"opaque": f"tensor of {tensor.numel()} elements (too large)"}
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        buffer = io.BytesIO()
        np.save(buffer, tensor.resolve_conj().resolve_neg().numpy(), allow_pickle=False)
        return {"tensor": base64.b64encode(buffer.getvalue()).decode(), "requires_grad": bool(value.requires_grad)}
    if isinstance(value, np.ndarray) and value.dtype != object:
        return encode(torch.from_numpy(np.ascontiguousarray(value)), depth)
    if isinstance(value, (list, tuple)):
        items = [encode(item, depth + 1) for item in list(value)[:MAX_ITEMS]]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict):
        pairs = [[encode(key, depth + 1), encode(item, depth + 1)] for key, item in list(value.items())[:MAX_ITEMS]]
        return {"dict": pairs}
    return {"opaque": type(value).__name__[:200]}


def decode(data, depth: int = 0):
    """The value `encode` described; raises WireError on anything else."""
    if depth > MAX_DEPTH + 1 or not isinstance(data, dict) or len(data) not in (1, 2):
        raise WireError("not wire data")
    kind = next(iter(data))
    payload = data[kind]
    if kind == "none":
        return None
    if kind == "bool" and isinstance(payload, bool):
        return payload
    if kind == "int" and isinstance(payload, str) and len(payload) < 400:
        return int(payload)
    if kind == "float" and isinstance(payload, str) and len(payload) < 40:
        return float(payload)
    if kind == "str" and isinstance(payload, str):
        return payload[:MAX_STRING]
    if kind == "opaque" and isinstance(payload, str):
        return Opaque(payload[:200])
    if kind == "tensor" and isinstance(payload, str):
        try:
            array = np.load(io.BytesIO(base64.b64decode(payload, validate=True)), allow_pickle=False)
        except Exception as error:
            raise WireError(f"not a tensor: {type(error).__name__}") from None
        if array.dtype.kind not in "biuf" or array.size > MAX_ELEMENTS:
            raise WireError(f"a tensor of dtype {array.dtype} and {array.size} elements is not accepted")
        if array.dtype == np.uint16 or array.dtype == np.uint32 or array.dtype == np.uint64:
            array = array.astype(np.int64)
        tensor = torch.from_numpy(np.array(array))
        return tensor.requires_grad_() if data.get("requires_grad") is True and tensor.is_floating_point() else tensor
    if kind in ("list", "tuple") and isinstance(payload, list) and len(payload) <= MAX_ITEMS:
        items = [decode(item, depth + 1) for item in payload]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(payload, list) and len(payload) <= MAX_ITEMS:
        result = {}
        for pair in payload:
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("not a dict entry")
            key = decode(pair[0], depth + 1)
            if not isinstance(key, (str, int, bool, float, type(None))):
                raise WireError("dict keys must be plain")
            result[key] = decode(pair[1], depth + 1)
        return result
    raise WireError(f"unknown wire kind {kind!r}")
