"""Install the web UI's browser assets (htmx, Chart.js) from the npm registry.

Uses `npm ci` when npm is available; otherwise downloads the exact tarballs pinned in
package-lock.json and checks their sha512 integrity before unpacking them into node_modules/
(a fresh Debian machine may have Python but no Node.js). Nothing here is committed.
"""

import base64
import hashlib
import io
import json
import shutil
import subprocess  # nosec B404 - runs npm ci with fixed arguments
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def with_npm(npm):
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE, check=True)  # nosec B603 - fixed argv


def without_npm():
    lock = json.loads((HERE / "package-lock.json").read_text())
    for key, meta in lock["packages"].items():
        if not key.startswith("node_modules/"):
            continue
        name = key.removeprefix("node_modules/")
        url = meta.get("resolved") or (
            f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{meta['version']}.tgz"
        )
        integrity = meta["integrity"]
        algo, _, expected = integrity.partition("-")
        if algo != "sha512" or not url.startswith("https://registry.npmjs.org/"):
            sys.exit(f"{key}: unexpected source or integrity {url} {algo}")
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (pinned https URL)  # nosec B310
            data = response.read()
        if base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
            sys.exit(f"{key}: integrity check failed for {url}")
        target = HERE / key
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                # npm tarballs put everything under package/
                name = member.name.split("/", 1)[1] if "/" in member.name else ""
                if not name or not (member.isfile() or member.isdir()) or ".." in Path(name).parts:
                    continue
                member.name = name
                tar.extract(member, target, filter="data")
        print(f"installed {key} {meta.get('version')}")


def main():
    npm = shutil.which("npm")
    if npm:
        with_npm(npm)
    else:
        without_npm()


if __name__ == "__main__":
    main()
