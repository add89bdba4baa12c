#!/usr/bin/env python3
"""Reference landmarks from MediaPipe itself for the attention mesh port.

    attention_reference.py FACES_DIR OUT.json

Runs mp.solutions.face_mesh.FaceMesh(static_image_mode=False,
max_num_faces=1, refine_landmarks=True) -- MediaPipe's own graph around
face_landmark_with_attention.tflite -- on each FACES_DIR/*.jpg twice, as two
frames of a video: the first frame runs the detector, the second is tracked
from the first frame's landmarks. For the second frame it writes

  roi        the crop MediaPipe used, recomputed from the first frame's
             landmarks the way its face_landmark_landmarks_to_roi graph does
             (axis-aligned bounds of the landmarks, centre, 1.5x the longer
             side, angle of the line from landmark 33 to 263):
             {cx, cy, size, angle}
  landmarks  the 478 refined landmarks [x, y, z] (468 mesh points with the
             lips and eyes refined, then 5 + 5 iris points)

in image pixels with pixel i's centre at i + 0.5 (models/README.md; MediaPipe
puts it at i, so 0.5 is added to x and y). z is MediaPipe's, times the image
width. Needs mediapipe 0.10.21 (Python 3.9-3.12) and Pillow.
"""

import glob
import json
import math
import os
import sys

import mediapipe as mp
import numpy as np
from PIL import Image


def roi_from_landmarks(lm):
    xs, ys = lm[:, 0], lm[:, 1]
    return {
        "cx": float((xs.min() + xs.max()) / 2),
        "cy": float((ys.min() + ys.max()) / 2),
        "size": float(1.5 * max(xs.max() - xs.min(), ys.max() - ys.min())),
        "angle": float(math.atan2(lm[263, 1] - lm[33, 1], lm[263, 0] - lm[33, 0])),
    }


def main():
    faces, out = sys.argv[1], sys.argv[2]
    images = []
    for path in sorted(glob.glob(os.path.join(faces, "*.jpg"))):
        img = np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB")))
        h, w = img.shape[:2]
        frames = []
        with mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=1, refine_landmarks=True
        ) as fm:
            for _ in range(2):
                r = fm.process(img)
                assert r.multi_face_landmarks, path
                pts = r.multi_face_landmarks[0].landmark
                frames.append(np.array([[p.x * w + 0.5, p.y * h + 0.5, p.z * w] for p in pts]))
        images.append({
            "file": os.path.basename(path),
            "size": [w, h],
            "roi": {k: round(v, 4) for k, v in roi_from_landmarks(frames[0]).items()},
            "landmarks": [[round(float(v), 3) for v in p] for p in frames[1]],
        })
    doc = {
        "generator": "models/attention_reference.py, mediapipe %s" % mp.__version__,
        "units": "image pixels, pixel i's centre at i + 0.5; z times the image width",
        "images": images,
    }
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
