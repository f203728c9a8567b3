"""Clients that send JSON without saying so, as the seed's users did against FastAPI (which reads such bodies as JSON).

Usage: untyped_json_clients.py BASE_URL IMAGE_PATH
Prints one JSON object: for each client, the status and the number of detections it got.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

import requests


def main() -> None:
    base_url, image_path = sys.argv[1:3]
    with open(image_path, "rb") as image_file:
        body = {"model": "yolov5s", "image": base64.b64encode(image_file.read()).decode("ascii")}
    answers = {}

    # requests with data= sends the text with no Content-Type at all.
    response = requests.post(f"{base_url}/predict", data=json.dumps(body), timeout=60)
    assert "Content-Type" not in response.request.headers, response.request.headers
    answers["requests data="] = response

    response = requests.post(f"{base_url}/predict", data=json.dumps(body), headers={"Content-Type": "text/plain"}, timeout=60)
    answers["text/plain"] = response

    # curl -d @file sends application/x-www-form-urlencoded (and keeps the base64 '+' and '/' as they are).
    with tempfile.TemporaryDirectory() as scratch:
        body_file = os.path.join(scratch, "body.json")
        with open(body_file, "w") as handle:
            json.dump(body, handle)
        curl = subprocess.run(
            ["curl", "-sS", "-w", "\n%{http_code}\n%{content_type}", f"{base_url}/predict", "-d", f"@{body_file}"],
            capture_output=True, text=True, check=True, timeout=60,
        )
    text, status, _ = curl.stdout.rsplit("\n", 2)
    print(json.dumps({
        **{name: {"status": r.status_code, "detections": len(r.json().get("detections", [])), "detail": r.json().get("detail")} for name, r in answers.items()},
        "curl -d @body.json": {"status": int(status), "detections": len(json.loads(text).get("detections", [])), "detail": json.loads(text).get("detail")},
    }))


if __name__ == "__main__":
    main()
