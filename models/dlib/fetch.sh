#!/usr/bin/env bash
# Downloads dlib's face recognition models from PyPI (face-recognition-models
# 0.3.0), checks them against SHA256SUMS and puts them next to this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if sha256sum --check --strict --quiet <(grep '\.dat$' SHA256SUMS) >/dev/null 2>&1; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: face-recognition-models==0.3.0 -d "$tmp"
(cd "$tmp" && grep 'tar.gz$' "$here/SHA256SUMS" | sha256sum --check --strict --quiet)
tar -xzf "$tmp"/face_recognition_models-0.3.0.tar.gz -C "$tmp"
for f in dlib_face_recognition_resnet_model_v1.dat shape_predictor_5_face_landmarks.dat; do
  cp "$tmp/face_recognition_models-0.3.0/face_recognition_models/models/$f" "$here/$f"
done
sha256sum --check --strict --quiet <(grep '\.dat$' SHA256SUMS)
echo "models/dlib: face recognition models ready"
