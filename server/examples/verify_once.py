"""Signed uploads of real pictures to a running certd demo, to measure its memory
(docs/performance.md). Usage: verify_once.py URL COUNT TAG"""
import json, base64, os, urllib.request, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
U = sys.argv[1]
def call(method, path, body=None, token=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(U + path, data=data, method=method)
    req.add_header('content-type', 'application/json')
    if token: req.add_header('authorization', 'Bearer ' + token)
    for k, v in (headers or {}).items(): req.add_header(k, v)
    try:
        with urllib.request.urlopen(req) as r: return r.status, json.loads(r.read() or b'null')
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b'null')
who = ("赵桂兰", "110105194812090023")
call('POST', '/v1/accounts', {"name": who[0], "id_number": who[1], "password": "abc12345", "mobile": "13800138000", "mobile_again": "13800138000", "terms_accepted": True})
k = Ed25519PrivateKey.generate()
pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
s, t = call('POST', '/v1/sessions', {"id_number": who[1], "password": "abc12345", "device_public_key": base64.b64encode(pub).decode()})
tok = t['access_token']
jpeg = open(os.path.join(os.path.dirname(__file__), '../../tests/fixtures/faces/grace_hopper.jpg'), 'rb').read()
for i in range(int(sys.argv[2])):
    s, st = call('POST', '/v1/certifications', {"subject_person_id": t['person_id']}, tok)
    img = lambda a: {"action": a, "t_ms": 0, "width": 10, "height": 10, "jpeg": base64.b64encode(jpeg).decode(), "landmarks": []}
    ev = {"format": 1, "engine": "mem", "nonce": st['nonce'], "challenge": st['actions'],
          "verdict": {"passed": True, "reason": None, "observed": []}, "baseline": [0.0, 0.0, 0.0, 0.0],
          "frontal": img(None), "keyframes": [img(a) for a in st['actions']], "trace": []}
    body = json.dumps(ev).encode()
    sig = base64.b64encode(k.sign(body)).decode()
    print(call('PUT', f"/v1/certifications/{st['certification_id']}/evidence", token=tok, raw=body,
               headers={"idempotency-key": f"mem-{sys.argv[3]}-{i}", "x-evidence-signature": sig}))
