"""The served catalogue answers on every interface."""

import requests


def test_health_reports_records(catalogue):
    response = requests.get(f"{catalogue.url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json()["records"] >= 20
