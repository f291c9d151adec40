#!/usr/bin/env bash
# Copies the factolint executable out of a wheel (the very build pip installs) into DEST_DIR:
# what the release archives and the platform VSIX files ship.
#
#   wheel-binary.sh WHEEL DEST_DIR      prints the path of the executable
set -euo pipefail
wheel=$1 dest=$2
"${PYTHON:-python3}" - "$wheel" "$dest" <<'PY'
import os, re, sys, zipfile
wheel, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    scripts = [n for n in z.namelist() if re.fullmatch(r"factolint-[^/]+\.data/scripts/factolint(\.exe)?", n)]
    if len(scripts) != 1:
        sys.exit(f"{wheel}: expected one factolint executable, found {scripts}")
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, os.path.basename(scripts[0]))
    with open(path, "wb") as f:
        f.write(z.read(scripts[0]))
os.chmod(path, 0o755)
print(path)
PY
