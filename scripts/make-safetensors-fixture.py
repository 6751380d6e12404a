#!/usr/bin/python3
"""Write tests/Graft.Tests/Weights/Fixtures/pytorch-state-dict.safetensors from real PyTorch tensors.

Debian 12's PyTorch 1.13 cannot write safetensors and Debian has no safetensors package, so this script writes the
format by its specification (https://github.com/huggingface/safetensors#format):
  8 bytes   little-endian unsigned header size N
  N bytes   UTF-8 JSON: {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
            padded with spaces to a multiple of 8
  the rest  the tensors' bytes, little-endian, row-major (C-contiguous), back to back in the order of the offsets

The state dict is that of a real PyTorch module (conv, batch norm, linear) saved through DataParallel-style names
(`module.` prefix), with an int64 `num_batches_tracked`, a float16 and a bfloat16 tensor, and a non-contiguous tensor
(a transposed weight, written in its logical row-major order as the format requires).

Run with Debian's interpreter (PyTorch is importable only there): /usr/bin/python3 scripts/make-safetensors-fixture.py
The Graft tests read the committed file; CI needs no Python.
"""
import json
import os
import struct
import sys

import torch

DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


def tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous()  # row-major order of the logical shape, whatever the strides were
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the same 16 bits
        t = t.view(torch.int16)
    a = t.numpy()
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
        a = a.byteswap().newbyteorder()
    return a.tobytes()


def write_safetensors(path: str, tensors: dict, metadata: dict) -> None:
    header = {"__metadata__": metadata} if metadata else {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4, 3)


def main() -> None:
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        net.conv.weight.copy_((torch.arange(36, dtype=torch.float32) / 36 - 0.5).reshape(4, 1, 3, 3))
        net.conv.bias.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4]))
        net.bn.weight.copy_(torch.tensor([1.0, 2.0, 3.0, 4.0]))
        net.bn.bias.copy_(torch.tensor([-1.0, -2.0, -3.0, -4.0]))
        net.bn.running_mean.copy_(torch.tensor([0.5, 0.25, 0.125, 0.0625]))
        net.bn.running_var.copy_(torch.tensor([1.5, 2.5, 3.5, 4.5]))
        net.bn.num_batches_tracked.fill_(7)
    state = {"module." + k: v for k, v in net.state_dict().items()}
    # A non-contiguous tensor: fc.weight[i][j] = 3 * j + i, made as the transpose of a [4, 3] arange.
    transposed = torch.arange(12, dtype=torch.float32).reshape(4, 3).t()
    assert not transposed.is_contiguous()
    state["module.fc.weight"] = transposed
    state["module.fc.bias"] = torch.tensor([0.5, -1.25, 2.0], dtype=torch.float16)
    state["extra.bf16"] = torch.tensor([[1.0, -2.5], [0.15625, 3.0]], dtype=torch.bfloat16)
    assert state["module.bn.num_batches_tracked"].dtype == torch.int64
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Graft.Tests", "Weights", "Fixtures", "pytorch-state-dict.safetensors")
    write_safetensors(os.path.normpath(out), state, {"format": "pt", "torch": torch.__version__})
    print(os.path.normpath(out), os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
