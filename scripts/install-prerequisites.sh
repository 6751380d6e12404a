#!/usr/bin/env bash
# Installs what Graft's examples and tests read from Debian packages, when it is missing:
#   dataset-fashion-mnist  Fashion-MNIST (IDX, gz) under /usr/share/datasets/fashion-mnist
#   python3-sklearn        iris, wine and breast-cancer CSV files
set -euo pipefail
need=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
[ -f /usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv ] || need+=(python3-sklearn)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
