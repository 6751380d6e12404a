#!/usr/bin/env bash
# Fresh machine to trained model: installs the data, builds Graft, and trains the Fashion-MNIST example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh
dotnet build src/Graft.Cli -c Release -v quiet -nologo -clp:NoSummary
./graft data inspect fashion-mnist:test
./graft train examples/fashion-mnist/run.yaml "$@"
