"""/healthz tells a load balancer whether the database answers."""

import requests
from sqlalchemy import create_engine, text

from tests.conftest import RECORDS


def test_health_reports_the_number_of_records(catalogue):
    response = requests.get(f"{catalogue.url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    hits = requests.get(
        f"{catalogue.url}/csw",
        timeout=30,
        params={
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecords",
            "typenames": "csw:Record",
            "resulttype": "hits",
            "elementsetname": "brief",
        },
    )
    assert f'numberOfRecordsMatched="{response.json()["records"]}"' in hits.text


def test_health_is_503_when_the_repository_is_gone(make_catalogue):
    catalogue = make_catalogue("health", RECORDS / "dublin-core")
    assert requests.get(f"{catalogue.url}/healthz", timeout=10).status_code == 200
    engine = create_engine(catalogue.database)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE records"))
    engine.dispose()
    response = requests.get(f"{catalogue.url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
