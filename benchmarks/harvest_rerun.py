"""Harvest cost: a first run against a re-run of an unchanged source, and one changed record.

Starts a real odatis-csw node loaded with N copies of a real ISO 19139 record (distinct
identifiers), harvests it over CSW into a fresh hub, then harvests again unchanged, then
again after one record changed (full listings), and once incrementally. Reports wall
times and their ratios, measured in one run.

    python benchmarks/harvest_rerun.py [--records 300]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "tests" / "data" / "records" / "iso19139" / "owslib__csw_geobretagne_mdmetadata.xml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config(folder: Path, database: str) -> Path:
    raw = yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))
    raw["repository"]["database"] = database
    raw["odatis"]["data_dir"] = str(folder)
    path = folder / "pycsw.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "odatis_csw", "--config", str(path), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True)


def make_records(folder: Path, count: int) -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    folder.mkdir()
    for index in range(count):
        body = re.sub(
            r"(<gmd:fileIdentifier>\s*<gco:CharacterString>)[^<]+", rf"\g<1>bench-{index:05d}", text
        )
        (folder / f"record-{index:05d}.xml").write_text(body, encoding="utf-8")


def timed_run(hub: Path, full: bool = True) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    result = cli(hub, "harvest", "run", "node", *(["--full"] if full else []))
    elapsed = time.perf_counter() - started
    line = next(json.loads(x) for x in result.stderr.splitlines() if x.startswith('{"event": "harvest-run"'))
    return elapsed, {key: line[key] for key in ("new", "updated", "unchanged")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    records = parser.parse_args().records
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        make_records(base / "records", records)
        node_folder, hub_folder = base / "node", base / "hub"
        node_folder.mkdir()
        hub_folder.mkdir()
        node = config(node_folder, f"sqlite:///{node_folder / 'node.db'}")
        cli(node, "load", str(base / "records"))
        port = free_port()
        env = {**os.environ, "ODATIS_CSW_URL": f"http://127.0.0.1:{port}"}
        server = subprocess.Popen(
            [sys.executable, "-m", "odatis_csw", "--config", str(node), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            hub = config(hub_folder, f"sqlite:///{hub_folder / 'hub.db'}")
            source = {
                "name": "node",
                "title": "bench node",
                "centre": {"name": "bench"},
                "protocol": "csw",
                "url": f"http://127.0.0.1:{port}/csw",
                "options": {"page_size": 50},
            }
            (hub_folder / "sources.yml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
            first, first_counts = timed_run(hub)
            rerun, rerun_counts = timed_run(hub)
            incremental, incremental_counts = timed_run(hub, full=False)
            changed = base / "records" / "record-00000.xml"
            changed.write_text(
                changed.read_text(encoding="utf-8").replace(
                    "</gmd:MD_Metadata>", "<!-- changed --></gmd:MD_Metadata>"
                )
            )
            cli(node, "load", str(changed))
            one, one_counts = timed_run(hub)
        finally:
            server.terminate()
            server.wait()
    print(f"records: {records}")
    print(f"first run      {first:7.2f} s  {first_counts}")
    print(f"unchanged rerun {rerun:6.2f} s  {rerun_counts}  ratio to first run {rerun / first:.2f}")
    ratio = incremental / first
    print(f"incremental     {incremental:6.2f} s  {incremental_counts}  ratio to first run {ratio:.2f}")
    print(f"one changed     {one:6.2f} s  {one_counts}  ratio to first run {one / first:.2f}")
    print("(full listings; the incremental rerun lists only records modified since the last run;")
    print(" every run includes starting the command, about a second)")


if __name__ == "__main__":
    main()
