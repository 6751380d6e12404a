"""One training epoch of Graft's SmallCnn in PyTorch, for the trainer-overhead study of bench/Graft.Bench.

The bench writes the Fashion-MNIST training tensors it uses itself (float32 images [N, 1, 28, 28] and int64 labels
[N], raw little-endian) and runs this script with Debian's system interpreter (/usr/bin/python3, package
python3-torch). The loop is the hand-written TorchSharp loop of the study, line for line: one randperm per epoch,
index_select of images and labels per batch, forward, cross-entropy, zero_grad, backward, Adam step, loss.item().
The timed region is optimizer creation plus the epoch, as on the TorchSharp side. Prints one JSON object.
"""
import argparse
import json
import time

import numpy as np
import torch
from torch import nn


def small_cnn(width=32, hidden=128, classes=10, dropout=0.25, image_size=28):
    side = image_size // 4
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * width * side * side, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, classes))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", required=True)
    parser.add_argument("--labels", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1, help="epochs to time, each on a fresh model")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    images = torch.from_numpy(np.fromfile(args.images, dtype="<f4").reshape(args.count, 1, 28, 28))
    labels = torch.from_numpy(np.fromfile(args.labels, dtype="<i8").reshape(args.count))
    runs = []
    for _ in range(args.repeat):
        torch.manual_seed(args.seed)
        model = small_cnn()
        start, cpu = time.perf_counter(), time.process_time()
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        model.train()
        order = torch.randperm(args.count)
        loss_sum = 0.0
        for first in range(0, args.count, args.batch):
            index = order[first:first + args.batch]
            x = images.index_select(0, index)
            y = labels.index_select(0, index)
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
        runs.append({"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "train_loss": loss_sum / args.count})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "runs": runs}))


if __name__ == "__main__":
    main()
