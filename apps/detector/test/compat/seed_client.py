"""A client written the way the seed's clients are: requests + pydantic models of Detection and Result.

Usage: seed_client.py BASE_URL IMAGE_PATH MODEL
Prints one JSON line with what it checked; exits non-zero on any mismatch.
"""
import base64
import json
import sys
from typing import List

import requests
from pydantic import BaseModel


class Detection(BaseModel):
    x_min: int
    y_min: int
    x_max: int
    y_max: int
    class_name: str
    confidence: float


class Result(BaseModel):
    detections: List[Detection]
    time: float
    model: str


def main() -> None:
    base_url, image_path, model = sys.argv[1:4]
    assert requests.get(f"{base_url}/health", timeout=10).json() == "HEALTH OK"
    models = requests.get(f"{base_url}/models", timeout=10).json()
    assert models == ["yolov5s", "yolov5m", "yolov5l"], models
    assert isinstance(requests.get(f"{base_url}/", timeout=10).json(), str)

    with open(image_path, "rb") as image_file:
        encoded = base64.b64encode(image_file.read()).decode("utf-8")
    response = requests.post(f"{base_url}/predict", json={"model": model, "image": encoded}, timeout=60)
    response.raise_for_status()
    result = Result(**response.json())
    assert result.model == model
    for detection in result.detections:
        assert detection.x_min <= detection.x_max and detection.y_min <= detection.y_max
        assert round(detection.confidence, 3) == detection.confidence

    wrong = requests.post(f"{base_url}/predict", json={"model": "yolov9", "image": encoded}, timeout=60)
    assert wrong.status_code == 400, wrong.status_code
    not_image = requests.post(f"{base_url}/predict", json={"model": model, "image": base64.b64encode(b"hello").decode()}, timeout=60)
    assert not_image.status_code == 400, not_image.status_code

    print(json.dumps({"model": result.model, "detections": [d.model_dump() if hasattr(d, "model_dump") else d.dict() for d in result.detections], "time": result.time}))


if __name__ == "__main__":
    main()
