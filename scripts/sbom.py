#!/usr/bin/env python3
"""CycloneDX 1.5 SBOM (JSON) of every crate in a source tree's Cargo.lock.

Usage: sbom.py SRC [HOST-TRIPLE]   (run by scripts/bundle.sh; the SBOM goes to stdout)

Reads `cargo metadata --offline --locked` in SRC (crate names, versions, licences, the
dependency graph) and SRC/Cargo.lock (the SHA-256 of each .crate). No network, no clock:
the timestamp is SOURCE_DATE_EPOCH (else 0) and the serial number is derived from the
content, so one source gives one SBOM byte for byte. A crate of Cargo.lock missing from
cargo's answer, or a crate without a licence, is an error, never a silent gap.

`scope` tells a reviewer what ends up in the program: `required` for the crates linked
into the binary for HOST-TRIPLE (reached through normal dependencies, proc-macros
excepted), `excluded` for the rest (tests, build scripts, proc-macros, other platforms),
with the reason in the `mark-lint:role` property.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timezone


def fail(msg):
    sys.stderr.write(f"sbom.py: {msg}\n")
    sys.exit(1)


def metadata(src, *extra):
    cmd = ["cargo", "metadata", "--offline", "--locked", "--all-features",
           "--format-version", "1", *extra]
    out = subprocess.run(cmd, cwd=src, stdout=subprocess.PIPE, check=False)
    if out.returncode != 0:
        fail(f"`{' '.join(cmd)}` failed in {src}")
    return json.loads(out.stdout)


def lock_packages(path):
    """(name, version) -> checksum or None, for every [[package]] of Cargo.lock."""
    packages, current = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                # A table header ends the package; `dependencies = [` does not start with `[`.
                current = {} if line == "[[package]]" else None
                if current is not None:
                    packages.append(current)
                continue
            m = re.fullmatch(r'(name|version|checksum) = "([^"]*)"', line)
            if current is not None and m:
                current[m.group(1)] = m.group(2)
    for p in packages:
        if "name" not in p or "version" not in p:
            fail(f"{path}: a [[package]] without name or version")
    return {(p["name"], p["version"]): p.get("checksum") for p in packages}


def spdx(license_text):
    """Cargo's licence field as an SPDX expression: `/` is the old spelling of OR."""
    return re.sub(r"\s*/\s*", " OR ", license_text.strip())


def purl(pkg):
    return f"pkg:cargo/{pkg['name']}@{pkg['version']}"


def linked(resolve, packages_by_id, root):
    """Ids of the crates linked into the binary: normal edges from the root."""
    nodes = {n["id"]: n for n in resolve["nodes"]}
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            normal = any(k["kind"] is None for k in dep["dep_kinds"])
            kinds = {t["kind"][0] for t in packages_by_id[dep["pkg"]]["targets"]}
            if normal and "proc-macro" not in kinds:
                todo.append(dep["pkg"])
    return seen


def roles(meta, host_meta, root):
    """A role per crate id: linked, proc-macro, build, dev or other platform."""
    by_id = {p["id"]: p for p in meta["packages"]}
    in_binary = linked(host_meta["resolve"], by_id, root)
    on_host = {n["id"] for n in host_meta["resolve"]["nodes"]}
    role = {}
    for pid, pkg in by_id.items():
        kinds = {t["kind"][0] for t in pkg["targets"]}
        if pid in in_binary:
            role[pid] = "linked into the binary"
        elif pid not in on_host:
            role[pid] = "other platforms only"
        elif "proc-macro" in kinds:
            role[pid] = "compile time only (proc-macro)"
        else:
            role[pid] = "build scripts or tests only"
    return role


def component(pkg, checksum, role):
    comp = {
        "type": "library",
        "bom-ref": purl(pkg),
        "name": pkg["name"],
        "version": pkg["version"],
        "scope": "required" if role == "linked into the binary" else "excluded",
        "purl": purl(pkg),
        "licenses": [{"expression": spdx(pkg["license"])}],
        "properties": [
            {"name": "mark-lint:role", "value": role},
            {"name": "cargo:license", "value": pkg["license"]},
        ],
    }
    if checksum:
        comp["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    if pkg.get("repository"):
        comp["externalReferences"] = [{"type": "vcs", "url": pkg["repository"]}]
    return comp


def main():
    if len(sys.argv) not in (2, 3):
        fail("usage: sbom.py SRC [HOST-TRIPLE]")
    src = sys.argv[1]
    host = sys.argv[2] if len(sys.argv) == 3 else "x86_64-unknown-linux-gnu"
    meta = metadata(src)
    host_meta = metadata(src, "--filter-platform", host)
    lock = lock_packages(os.path.join(src, "Cargo.lock"))
    root = meta["resolve"]["root"]
    by_id = {p["id"]: p for p in meta["packages"]}
    listed = {(p["name"], p["version"]) for p in meta["packages"]}
    missing = sorted(set(lock) - listed)
    if missing:
        fail(f"Cargo.lock crates cargo metadata did not list: {missing}")
    for p in meta["packages"]:
        if not p.get("license"):
            fail(f"crate {p['name']} {p['version']} declares no licence (only a file)")
    role = roles(meta, host_meta, root)
    top = by_id[root]
    components = [
        component(p, lock.get((p["name"], p["version"])), role[p["id"]])
        for p in sorted(meta["packages"], key=lambda p: (p["name"], p["version"]))
        if p["id"] != root
    ]
    ref = {pid: purl(p) for pid, p in by_id.items()}
    dependencies = sorted(
        (
            {"ref": ref[n["id"]], "dependsOn": sorted({ref[d["pkg"]] for d in n["deps"]})}
            for n in meta["resolve"]["nodes"]
        ),
        key=lambda d: d["ref"],
    )
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    commit = os.environ.get("MARK_LINT_COMMIT", "unknown")
    root_component = component(top, None, "linked into the binary")
    root_component["type"] = "application"
    root_component["properties"].append({"name": "mark-lint:commit", "value": commit})
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "timestamp": datetime.fromtimestamp(epoch, timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "mark-lint scripts/sbom.py"}]},
            "component": root_component,
            "properties": [{"name": "mark-lint:host", "value": host}],
        },
        "components": components,
        "dependencies": dependencies,
    }
    body = json.dumps(bom, ensure_ascii=False, sort_keys=True).encode()
    serial = uuid.UUID(bytes=hashlib.sha256(body).digest()[:16], version=4)
    bom["serialNumber"] = f"urn:uuid:{serial}"
    sys.stdout.write(json.dumps(bom, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
