"""Documentation that cannot drift: every harvester, setting and mapping file is documented."""

from __future__ import annotations

import json
import tomllib

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_harvester_entry_point_is_documented():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    protocols = project["project"]["entry-points"]["odatis_csw.harvesters"]
    assert protocols, "no harvester registered"
    for protocol in protocols:
        assert f"| `{protocol}` |" in README, f"protocol {protocol!r} missing from the README's table"


def test_every_odatis_setting_is_documented():
    schema = json.loads((REPO / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    for key in schema["properties"]["odatis"]["properties"]:
        assert f"`odatis.{key}`" in README, f"setting odatis.{key} missing from the README"


def test_every_sources_setting_is_documented():
    schema = json.loads((REPO / "schemas" / "sources.schema.json").read_text(encoding="utf-8"))
    example = (REPO / "sources.yml").read_text(encoding="utf-8")
    for key in schema["properties"]["harvest"]["properties"]:
        assert f"{key}:" in example, f"harvest setting {key} missing from the example sources.yml"
    for key in schema["$defs"]["source"]["properties"]:
        assert f"`{key}`" in README, f"source key {key!r} missing from the README"


def test_every_mapping_file_is_documented():
    listed = (REPO / "mappings" / "README.md").read_text(encoding="utf-8")
    files = sorted(path.name for path in (REPO / "mappings" / "vocab").glob("*.csv"))
    assert files
    for name in files:
        assert f"`{name}`" in listed, f"mappings/vocab/{name} missing from mappings/README.md"


def test_every_cli_verb_is_documented():
    for verb in (
        "config validate",
        "db setup",
        "load",
        "serve",
        "demo",
        "quality",
        "harvest run",
        "harvest status",
        "harvest report",
        "harvest reimport",
        "harvest schedule",
    ):
        assert f"odatis-csw {verb}" in README, f"odatis-csw {verb} missing from the README"
