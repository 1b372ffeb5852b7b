"""The Swift and Dart clients cannot be built on this machine, so what can be
checked is checked: the plugin versions the generation templates pin, the
runtimes the package manifests depend on and the versions the READMEs tell a
developer to install agree with each other, and with the pairings upstream
publishes (a plugin writes code for one runtime line only)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.harness import REPO

CODEGEN = REPO / "codegen"
SWIFT = REPO / "clients" / "swift"
DART = REPO / "clients" / "dart"

# From upstream manifests and changelogs, so that a version bump has to say
# which runtime it goes with: protoc_plugin 23 and 24 write code for protobuf 5,
# 25 for protobuf 6; grpc 4.3 depends on protobuf ^5, 5.1 on ^6 and Dart ^3.8.
DART_PLUGIN_PROTOBUF_MAJOR = {"23.0.0": 5, "24.0.0": 5, "25.0.0": 6}
DART_GRPC_PROTOBUF_MAJOR = {"4.3.0": 5, "4.3.1": 5, "5.1.0": 6}
DART_GRPC_MIN_SDK = {"4.3.0": "3.8.0", "4.3.1": "3.8.0", "5.1.0": "3.8.0"}
# gRPC Swift 2's availability floor (its Package.swift), which the manifest must meet.
GRPC_SWIFT_2_FLOOR = {"iOS": 18, "macOS": 15, "tvOS": 18, "watchOS": 11, "visionOS": 2}


def template_pins(path: Path) -> dict[str, str]:
    """The `# plugin: NAME VERSION` lines, which must cover the plugins used."""
    text = path.read_text()
    pins = dict(re.findall(r"^# plugin: (\S+) (\d\S*)", text, re.M))
    used = set(re.findall(r"^\s*- local: (\S+)", text, re.M))
    assert used and set(pins) == used, f"{path.name}: pins {pins} vs plugins {used}"
    return pins


def template_outs(path: Path) -> set[str]:
    return set(re.findall(r"^\s*out: (\S+)", path.read_text(), re.M))


def swift_manifest(path: Path) -> tuple[dict[str, str], dict[str, int], str]:
    """Dependencies (repository name -> `from:` version), platforms, target path."""
    text = path.read_text()
    deps = dict(
        re.findall(
            r'\.package\(url: "https://github\.com/[^/]+/([^"]+?)\.git", from: "([^"]+)"', text
        )
    )
    platforms = {os: int(v) for os, v in re.findall(r"\.(\w+)\(\.v(\d+)\)", text)}
    (target,) = re.findall(r'path: "([^"]+)"', text)
    return deps, platforms, target


def assert_layout(template: str, package: Path, platforms: dict[str, int], target: str) -> None:
    """The template writes where the manifest builds from, and the README's
    package table names the manifest's platforms."""
    assert template_outs(CODEGEN / template) == {str((package / target).relative_to(REPO))}
    label = str(package.relative_to(REPO))
    row = re.search(
        rf"^\| `{label}`[^|]* \| [^|]+ \| (.+?) \|", (SWIFT / "README.md").read_text(), re.M
    )
    assert row, f"README: no row for {label}"
    assert row.group(1) == ", ".join(f"{os} {v}" for os, v in platforms.items())


def readme_versions(path: Path) -> dict[str, str]:
    """The README's `| component | version |` table."""
    rows = re.findall(r"^\| (.+?) \| `([^`]+)` \|$", path.read_text(), re.M)
    found = {}
    for component, version in rows:
        name = re.match(r"`([^`]+)`", component)
        found[name.group(1) if name else component] = version
    assert found, f"{path} has no versions table"
    return found


def pubspec_constraints(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+): (\S+)$", path.read_text(), re.M))


def caret(constraint: str) -> str:
    assert constraint.startswith("^"), f"{constraint}: expected a caret constraint"
    return constraint[1:]


def test_gen_sh_runs_every_swift_and_dart_template() -> None:
    script = (CODEGEN / "gen.sh").read_text()
    templates = [*sorted(CODEGEN.glob("buf.gen.swift*.yaml")), CODEGEN / "buf.gen.dart.yaml"]
    for template in templates:
        line = rf"^\s*gen_optional .+ codegen/{re.escape(template.name)}$"
        assert re.search(line, script, re.M), f"gen.sh does not generate {template.name}"


def test_no_client_is_generated_from_the_cluster_log() -> None:
    """protos/parley/internal is the server's own (the cluster log's entries):
    every client template, the Kotlin build and the betterproto flavor leave it out."""
    assert (REPO / "protos" / "parley" / "internal").is_dir()
    for template in sorted(CODEGEN.glob("buf.gen.*.yaml")):
        text = template.read_text()
        assert re.search(r"^\s*exclude_paths:\n\s*- protos/parley/internal$", text, re.M), (
            f"{template.name} generates the internal protos"
        )
    pom = (REPO / "clients" / "kotlin" / "pom.xml").read_text()
    assert "<exclude>parley/internal/**</exclude>" in pom
    flavor = REPO / "gen" / "python-betterproto" / "parley_betterproto"
    assert (flavor / "gateway").is_dir()
    assert not (flavor / "internal").exists()


def test_swift_grpc2_versions_agree() -> None:
    pins = template_pins(CODEGEN / "buf.gen.swift.yaml")
    deps, platforms, target = swift_manifest(SWIFT / "Package.swift")
    readme = readme_versions(SWIFT / "README.md")
    assert pins["protoc-gen-swift"] == deps["swift-protobuf"] == readme["swift-protobuf"]
    assert readme["protoc-gen-swift"] == pins["protoc-gen-swift"]
    plugin = pins["protoc-gen-grpc-swift-2"]
    assert plugin == deps["grpc-swift-protobuf"] == readme["grpc-swift-protobuf"]
    assert readme["protoc-gen-grpc-swift-2"] == plugin
    assert deps["grpc-swift-2"] == readme["grpc-swift-2"]
    assert "grpc-swift" not in deps, "gRPC Swift 1.x belongs in grpc-swift-1/Package.swift"
    assert_layout("buf.gen.swift.yaml", SWIFT, platforms, target)
    for os, floor in GRPC_SWIFT_2_FLOOR.items():
        assert platforms.get(os, 0) >= floor, f"gRPC Swift 2 needs {os} {floor}"
    text = (SWIFT / "README.md").read_text()
    assert (
        f"protoc-gen-swift --version               # must print {pins['protoc-gen-swift']}" in text
    )
    assert f"protoc-gen-grpc-swift-2 --version        # must print {plugin}" in text
    assert f"`https://github.com/grpc/grpc-swift-protobuf` at tag `{plugin}`" in text
    assert f"`https://github.com/apple/swift-protobuf`\nat tag `{pins['protoc-gen-swift']}`" in text


def test_swift_grpc1_versions_agree() -> None:
    pins = template_pins(CODEGEN / "buf.gen.swift-grpc1.yaml")
    deps, platforms, target = swift_manifest(SWIFT / "grpc-swift-1" / "Package.swift")
    readme = readme_versions(SWIFT / "README.md")
    v2_pins = template_pins(CODEGEN / "buf.gen.swift.yaml")
    # One protoc-gen-swift on PATH generates both packages' messages.
    assert pins["protoc-gen-swift"] == v2_pins["protoc-gen-swift"] == deps["swift-protobuf"]
    plugin = pins["protoc-gen-grpc-swift"]
    assert plugin.startswith("1.") and plugin == deps["grpc-swift"]
    assert readme["protoc-gen-grpc-swift"] == readme["grpc-swift"] == plugin
    assert set(deps) == {"swift-protobuf", "grpc-swift"}
    assert_layout("buf.gen.swift-grpc1.yaml", SWIFT / "grpc-swift-1", platforms, target)
    text = (SWIFT / "README.md").read_text()
    assert f"git clone --branch {plugin} https://github.com/grpc/grpc-swift.git" in text


def test_dart_versions_agree_and_go_together() -> None:
    pins = template_pins(CODEGEN / "buf.gen.dart.yaml")
    pubspec = pubspec_constraints(DART / "pubspec.yaml")
    readme = readme_versions(DART / "README.md")
    plugin = pins["protoc-gen-dart"]
    assert readme["protoc_plugin"] == plugin
    assert f"dart pub global activate protoc_plugin {plugin} " in (DART / "README.md").read_text()
    assert f"activate protoc_plugin {plugin})" in (CODEGEN / "buf.gen.dart.yaml").read_text()
    for name in ("protobuf", "grpc"):
        assert readme[name] == pubspec[name], name
    assert readme["Dart SDK"] == pubspec["sdk"]
    grpc = caret(pubspec["grpc"])
    protobuf_major = int(caret(pubspec["protobuf"]).split(".")[0])
    assert plugin in DART_PLUGIN_PROTOBUF_MAJOR, f"protoc_plugin {plugin}: pairing unknown"
    assert grpc in DART_GRPC_PROTOBUF_MAJOR, f"grpc {grpc}: pairing unknown"
    assert DART_PLUGIN_PROTOBUF_MAJOR[plugin] == protobuf_major, "plugin and protobuf differ"
    assert DART_GRPC_PROTOBUF_MAJOR[grpc] == protobuf_major, "grpc and protobuf differ"
    sdk = tuple(int(p) for p in caret(pubspec["sdk"]).split("."))
    assert sdk >= tuple(int(p) for p in DART_GRPC_MIN_SDK[grpc].split(".")), "SDK below grpc's"
