"""The ``odatis-csw`` command line: the operators' contract."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from conftest import RECORDS, REPO, Catalogue, free_port, write_config
from sqlalchemy import create_engine, text

SUMMARY = re.compile(r"^(\d+) loaded, (\d+) updated, (\d+) unchanged, (\d+) rejected$", re.M)
REJECTED = re.compile(r"^rejected (.+?): (.+)$", re.M)
SAMPLES = REPO / "odatis_csw" / "samples"


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``odatis-csw ARGS`` with PYCSW_CONFIG unset unless ``env`` sets it."""
    environment = {key: value for key, value in os.environ.items() if key != "PYCSW_CONFIG"}
    environment.pop("ODATIS_CSW_URL", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "odatis_csw", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=600,
    )


def validate(config: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return run("--config", str(config), "config", "validate", **kwargs)


def raw_config() -> dict:
    return yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))


def dump(path: Path, raw: dict) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def summary(result: subprocess.CompletedProcess[str]) -> tuple[int, int, int, int]:
    match = SUMMARY.search(result.stdout + result.stderr)
    assert match, f"no summary line:\n{result.stdout}\n{result.stderr}"
    return tuple(int(n) for n in match.groups())  # type: ignore[return-value]


# --------------------------------------------------------------------------- config validate


def test_validate_the_project_configuration():
    result = validate(REPO / "pycsw.yml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{(REPO / 'pycsw.yml').resolve()}: valid",
        f"{(REPO / 'sources.yml').resolve()}: valid (6 sources)",
    ]
    assert result.stderr == ""


def test_validate_names_a_bad_source(tmp_path):
    shutil.copy(REPO / "pycsw.yml", tmp_path / "pycsw.yml")
    sources = yaml.safe_load((REPO / "sources.yml").read_text(encoding="utf-8"))
    sources["sources"][0]["protocol"] = "gopher"
    sources["sources"][1]["options"] = {"metadata_prefix": 7}
    (tmp_path / "sources.yml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    result = validate(tmp_path / "pycsw.yml")
    assert result.returncode != 0
    assert "source 'sextant': unknown protocol 'gopher'" in result.stderr


def test_validate_unknown_key_names_it_and_the_allowed_keys(tmp_path):
    raw = raw_config()
    raw["server"]["maxrecordz"] = 5
    result = validate(dump(tmp_path / "pycsw.yml", raw))
    assert result.returncode != 0
    message = result.stderr
    assert "server" in message and "'maxrecordz'" in message, message
    assert "unknown key" in message, message
    allowed = re.search(r"allowed: ([^)]+)\)", message)
    assert allowed, message
    names = {name.strip() for name in allowed.group(1).split(",")}
    assert {"url", "maxrecords", "pretty_print", "timeout"} <= names, names
    assert "maxrecordz" not in names


def test_validate_unknown_section(tmp_path):
    raw = raw_config()
    raw["odatiss"] = {"data_dir": "data"}
    result = validate(dump(tmp_path / "pycsw.yml", raw))
    assert result.returncode != 0
    assert "'odatiss'" in result.stderr and "odatis" in result.stderr, result.stderr


def test_validate_wrong_type_says_so_with_a_hint(tmp_path):
    raw = raw_config()
    raw["server"]["maxrecords"] = "10"
    result = validate(dump(tmp_path / "pycsw.yml", raw))
    assert result.returncode != 0
    message = result.stderr
    assert "server.maxrecords" in message, message
    assert "wrong type" in message, message
    assert "integer" in message, message
    assert "quotes" in message, message


def test_validate_wrong_boolean_type(tmp_path):
    raw = raw_config()
    raw["server"]["pretty_print"] = "yes please"
    result = validate(dump(tmp_path / "pycsw.yml", raw))
    assert result.returncode != 0
    assert "server.pretty_print" in result.stderr and "boolean" in result.stderr, result.stderr


def test_validate_missing_database(tmp_path):
    raw = raw_config()
    del raw["repository"]["database"]
    result = validate(dump(tmp_path / "pycsw.yml", raw))
    assert result.returncode != 0
    message = result.stderr
    assert "repository" in message and "'database'" in message, message
    assert "missing" in message, message


def test_validate_unset_variable_without_default(tmp_path):
    variable = "ODATIS_TEST_SURELY_UNSET_DATABASE"
    raw = raw_config()
    raw["repository"]["database"] = "${" + variable + "}"
    config = dump(tmp_path / "pycsw.yml", raw)
    result = validate(config)
    assert result.returncode != 0
    message = result.stderr
    assert variable in message, message
    assert "repository.database" in message, message
    assert "not set" in message and "no default" in message, message


def test_validate_variable_with_default_and_set_variable(tmp_path):
    raw = raw_config()
    raw["repository"]["database"] = "${ODATIS_TEST_SURELY_UNSET_DATABASE:-sqlite:///data/default.db}"
    config = dump(tmp_path / "pycsw.yml", raw)
    assert validate(config).returncode == 0
    raw["repository"]["database"] = "${ODATIS_TEST_DATABASE}"
    dump(config, raw)
    result = validate(config, env={"ODATIS_TEST_DATABASE": "sqlite:///data/set.db"})
    assert result.returncode == 0, result.stderr
    bad = validate(config, env={"ODATIS_TEST_DATABASE": "mysql://nope"})
    assert bad.returncode != 0
    assert "repository.database" in bad.stderr, bad.stderr


def test_validate_invalid_yaml(tmp_path):
    config = tmp_path / "pycsw.yml"
    config.write_text("server:\n  url: http://x\n  maxrecords: [10\nrepository: {}\n", encoding="utf-8")
    result = validate(config)
    assert result.returncode != 0
    message = result.stderr
    assert "YAML" in message, message
    assert str(config) in message or config.name in message, message
    assert re.search(r"line \d+", message), message
    assert "Traceback" not in message


def test_validate_missing_file(tmp_path):
    config = tmp_path / "nowhere.yml"
    result = validate(config)
    assert result.returncode != 0
    assert "nowhere.yml" in result.stderr and "cannot read" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_validate_reports_every_problem_at_once(tmp_path):
    raw = raw_config()
    raw["server"]["maxrecords"] = "10"
    raw["server"]["bogus"] = 1
    del raw["repository"]["database"]
    result = validate(dump(tmp_path / "pycsw.yml", raw))
    assert result.returncode != 0
    for expected in ("server.maxrecords", "'bogus'", "'database'"):
        assert expected in result.stderr, result.stderr


# --------------------------------------------------------------------------- configuration resolution


@pytest.fixture
def two_configs(tmp_path) -> tuple[Path, Path]:
    first = dump(tmp_path / "first.yml", raw_config())
    broken = raw_config()
    broken["server"]["maxrecords"] = "10"
    second = dump(tmp_path / "second.yml", broken)
    return first, second


def test_pycsw_config_environment_variable_is_used(tmp_path, two_configs):
    first, _ = two_configs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("config", "validate", cwd=elsewhere, env={"PYCSW_CONFIG": str(first)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{first.resolve()}: valid"


def test_config_option_wins_over_environment(tmp_path, two_configs):
    first, second = two_configs
    result = run(
        "--config", str(first), "config", "validate", cwd=tmp_path, env={"PYCSW_CONFIG": str(second)}
    )
    assert result.returncode == 0, result.stderr
    assert str(first.resolve()) in result.stdout
    reverse = run(
        "--config", str(second), "config", "validate", cwd=tmp_path, env={"PYCSW_CONFIG": str(first)}
    )
    assert reverse.returncode != 0
    assert "second.yml" in reverse.stderr


def test_default_is_pycsw_yml_in_working_directory(tmp_path):
    folder = tmp_path / "here"
    folder.mkdir()
    dump(folder / "pycsw.yml", raw_config())
    result = run("config", "validate", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{(folder / 'pycsw.yml').resolve()}: valid"

    empty = tmp_path / "empty"
    empty.mkdir()
    missing = run("config", "validate", cwd=empty)
    assert missing.returncode != 0
    assert "pycsw.yml" in missing.stderr and "cannot read" in missing.stderr, missing.stderr


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    raw = raw_config()
    raw["repository"]["database"] = "sqlite:///relative.db"
    config = dump(folder / "pycsw.yml", raw)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("--config", str(config), "db", "setup", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (folder / "relative.db").is_file()
    assert not (elsewhere / "relative.db").exists()


# --------------------------------------------------------------------------- db setup and load


@pytest.fixture
def fresh(databases, tmp_path) -> Catalogue:
    """A configured catalogue on a new, empty database (tables not created)."""
    name = f"cli_{uuid.uuid4().hex[:8]}"
    database = databases.new(name)
    return Catalogue(tmp_path, write_config(tmp_path, database), database, free_port())


def test_db_setup_creates_then_finds_the_tables(fresh):
    first = fresh.cli("db", "setup")
    assert re.search(r"repository 'records' created", first.stdout), first.stdout
    second = fresh.cli("db", "setup")
    assert re.search(r"repository 'records' already present", second.stdout), second.stdout
    engine = create_engine(fresh.database)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM records")).scalar() == 0
    finally:
        engine.dispose()


def test_db_setup_on_unreachable_database_is_a_clean_error(tmp_path):
    raw = raw_config()
    raw["repository"]["database"] = "postgresql://nobody:nothing@127.0.0.1:1/none"
    config = dump(tmp_path / "pycsw.yml", raw)
    result = run("--config", str(config), "db", "setup")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.strip(), "no message at all"


def make_tree(root: Path) -> dict[str, Path]:
    """A nested folder: two good records, one malformed file, one non-XML file to ignore."""
    (root / "a").mkdir(parents=True)
    (root / "b" / "c").mkdir(parents=True)
    files = {
        "iso": root / "a" / "iso.xml",
        "dc": root / "b" / "c" / "dublin-core.XML",
        "bad": root / "b" / "broken.xml",
    }
    shutil.copy(RECORDS / "iso19139" / "pycsw-apiso__3e9a8c05.xml", files["iso"])
    shutil.copy(
        RECORDS / "dublin-core" / "pycsw-cite__Record_19887a8a-f6b0-4a63-ae56-7fba0e17801f.xml", files["dc"]
    )
    files["bad"].write_text(
        "<gmd:MD_Metadata xmlns:gmd='http://www.isotc211.org/2005/gmd'>", encoding="utf-8"
    )
    (root / "b" / "notes.txt").write_text("not a record", encoding="utf-8")
    return files


def count_rows(catalogue: Catalogue) -> int:
    engine = create_engine(catalogue.database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM records")).scalar())
    finally:
        engine.dispose()


def test_load_directory_recursively_with_summary(fresh, tmp_path):
    fresh.cli("db", "setup")
    files = make_tree(tmp_path / "tree")

    first = fresh.cli("load", str(tmp_path / "tree"), check=False)
    assert first.returncode == 1, first.stdout + first.stderr
    assert summary(first) == (2, 0, 0, 1), first.stdout + first.stderr
    rejected = REJECTED.findall(first.stdout + first.stderr)
    assert [path for path, _ in rejected] == [str(files["bad"])]
    assert "well-formed" in rejected[0][1]
    assert count_rows(fresh) == 2

    source = files["iso"].read_text(encoding="utf-8")
    changed = re.sub(r"(<gmd:title>\s*<gco:CharacterString>)[^<]+", r"\g<1>Revised title", source, count=1)
    assert changed != source
    files["iso"].write_text(changed, encoding="utf-8")
    files["bad"].unlink()

    second = fresh.cli("load", str(tmp_path / "tree"), check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert summary(second) == (0, 1, 1, 0), second.stdout + second.stderr
    assert not REJECTED.findall(second.stdout + second.stderr)
    assert count_rows(fresh) == 2


def test_load_requires_a_path(fresh):
    result = fresh.cli("load", check=False)
    assert result.returncode != 0
    assert "PATHS" in result.stderr, result.stderr


def test_load_creates_missing_tables(fresh):
    result = fresh.cli("load", str(RECORDS / "iso19139" / "pycsw-apiso__3e9a8c05.xml"))
    assert summary(result) == (1, 0, 0, 0)
    assert count_rows(fresh) == 1


# --------------------------------------------------------------------------- help and version

VERBS = {
    (): ["config", "db", "demo", "load", "serve"],
    ("db",): ["setup"],
    ("config",): ["validate"],
    ("db", "setup"): [],
    ("config", "validate"): [],
    ("load",): ["PATHS"],
    ("serve",): ["--host", "--port", "--workers"],
    ("demo",): ["--no-serve", "--port"],
}


@pytest.mark.parametrize("verb", sorted(VERBS), ids=lambda v: " ".join(v) or "(main)")
def test_help_of_every_verb(verb):
    result = run(*verb, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage:"), result.stdout
    for word in VERBS[verb]:
        assert re.search(rf"(^|\s){re.escape(word)}\b", result.stdout), f"{word!r} missing:\n{result.stdout}"


def test_main_help_lists_the_contract():
    stdout = run("--help").stdout
    commands = stdout.split("Commands:", 1)[1]
    listed = {line.split()[0] for line in commands.splitlines() if line.strip()}
    assert {"config", "db", "demo", "load", "serve"} <= listed, listed
    assert "--config" in stdout and "PYCSW_CONFIG" in stdout
    assert "validate" in run("config", "--help").stdout
    assert "setup" in run("db", "--help").stdout


def test_console_script_and_version():
    script = Path(sys.executable).parent / "odatis-csw"
    if not script.exists():
        pytest.skip("console script not installed beside this interpreter")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert re.match(r"odatis-csw, version \d+\.\d+", result.stdout), result.stdout


# --------------------------------------------------------------------------- demo


def sample_record_count() -> int:
    """Records in the bundled samples, counted independently of the loader."""
    from lxml import etree

    roots = {
        "{http://www.isotc211.org/2005/gmd}MD_Metadata",
        "{http://www.isotc211.org/2005/gmi}MI_Metadata",
        "{http://standards.iso.org/iso/19115/-3/mdb/2.0}MD_Metadata",
        "{http://www.opengis.net/cat/csw/2.0.2}Record",
        "{http://www.opengis.net/cat/csw/3.0}Record",
    }
    total = 0
    for path in sorted(SAMPLES.rglob("*.xml")):
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        if root.tag in roots:
            total += 1
            continue
        members = [el for el in root.iter() if el.tag in roots]
        total += len([el for el in members if not any(a in members for a in el.iterancestors())])
    return total


def demo_runs(result: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    """The structured harvest line of each demo data centre."""
    runs = {}
    for line in result.stderr.splitlines():
        if line.startswith('{"event": "harvest-run"'):
            entry = json.loads(line)
            runs[entry["source"]] = entry
    return runs


def test_demo_harvests_a_local_federation_of_all_samples(tmp_path):
    folder = tmp_path / "demo-site"
    folder.mkdir()
    shutil.copy(REPO / "pycsw.yml", folder / "pycsw.yml")
    expected = sample_record_count()
    assert expected >= len(list(SAMPLES.rglob("*.xml")))

    result = run("demo", "--no-serve", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = demo_runs(result)
    assert set(runs) == {"sextant", "seadatanet", "coriolis"}, result.stderr
    assert {
        entry["protocol"]
        for entry in yaml.safe_load((folder / "data" / "demo" / "sources.yml").read_text())["sources"]
    } == {"csw", "oaipmh", "waf"}
    assert all(entry["status"] == "success" and entry["rejected"] == 0 for entry in runs.values()), runs
    assert sum(entry["new"] for entry in runs.values()) == expected

    database = folder / "data" / "demo" / "odatis-demo.db"
    assert database.is_file(), sorted(str(p) for p in folder.rglob("*"))
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT identifier, title, mdsource FROM records").fetchall()
        provenance = connection.execute("SELECT COUNT(*) FROM harvest_records").fetchone()[0]
    assert len(rows) == expected == provenance
    assert all(identifier and title for identifier, title, _ in rows), rows
    assert {source for _, _, source in rows} == {"sextant", "seadatanet", "coriolis"}
    assert not (folder / "data" / "odatis.db").exists(), "the demo touched the configured repository"

    again = run("demo", "--no-serve", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert sum(entry["new"] for entry in demo_runs(again).values()) == expected, "not rebuilt afresh"
