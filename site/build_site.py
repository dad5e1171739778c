"""Build the static edition of Holding in Mind: ``make site`` writes ``_site/``.

The course runs in the learner's browser: JupyterLite's notebook app with its Pyodide kernel
(CPython compiled to WebAssembly) runs the course's own package, unchanged, and the page shows
only the app, as Voila does (no code, no file browser, no menus). Every byte comes from PyPI or
npm at build time and is served by the site itself; the page fetches nothing from anywhere
else at run time.

What goes in:
- Pyodide's core from the npm package ``pyodide`` (the interpreter and its standard library);
  its own package set is not on a registry reachable here, so the build writes Pyodide's lock
  file (``pyodide-lock.json``) itself, listing only the wheels it ships: the course's package
  built from this checkout, its dependencies from PyPI (the same versions as the build's own
  environment; pydantic-core's WebAssembly wheel is on PyPI), PyYAML's pure-Python code from
  its source release (no WebAssembly wheel of it is published), micropip from PyPI, and the
  Pyodide kernel's own small wheels (its ``ipykernel``, ``piplite``, ``pyodide-kernel``). All
  of them are loaded as the kernel starts, so nothing is installed from an index at run time.
- JupyterLite (``jupyterlite-core``) with the notebook app only, and three front-end
  extensions: the widgets, plotly's renderer and the Pyodide kernel.
- The course's notebooks (not the tutor's room page, which needs a server), marked so their
  code is hidden and cannot be edited, each with one more hidden cell first that runs
  ``casework.lite.prepare()`` (what differs in the browser), and the page layout in
  ``site/page.css`` and ``site/page.js`` (run the page when its kernel is ready, links between
  pages, the keyboard, where a learner's work is kept). JupyterLite keeps the site's files,
  and so the learners' journeys, in the browser's storage under names of this site's own
  (``site/jupyter-lite.json``), apart from any other JupyterLite on the same host.

A build is kept in the user's cache folder under a key made of every input (the course, the
package, this folder, the tools' versions), so building again with nothing changed copies it.

    .venv/bin/python site/build_site.py                 # writes _site/
    .venv/bin/python site/build_site.py --out /tmp/s    # elsewhere
    .venv/bin/python site/build_site.py --fresh         # ignore the cached build
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG = tomllib.loads((HERE / "browser.toml").read_text(encoding="utf-8"))

#: Where Pyodide's markers are evaluated: the environment the wheels run in.
BROWSER_MARKERS = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "platform_release": "",
    "platform_version": "",
    "os_name": "posix",
    "implementation_name": "cpython",
    "implementation_version": "3.14.2",
    "platform_python_implementation": "CPython",
    "python_version": "3.14",
    "python_full_version": "3.14.2",
    "extra": "",
}
#: pip's options for wheels that run on Pyodide 314 (the PEP 783 platform tag) or anywhere.
WHEEL_TARGET = [
    "--only-binary=:all:",
    "--platform=pyemscripten_2026_0_wasm32",
    "--platform=any",
    "--python-version=3.14",
    "--implementation=cp",
    "--abi=cp314",
    "--abi=abi3",
    "--abi=none",
]
#: What the browser needs of Pyodide's npm package (the rest: TypeScript types, consoles).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
#: The course's files that make up the site (and so its cache key).
INPUTS = ("pyproject.toml", "README.md", "src", "cases", "course", "exercises", "share", "site")
#: Builds kept in the cache (the newest ones).
KEEP_BUILDS = 3


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def log(message: str) -> None:
    print(f"[site] {message}", flush=True)


# --- where things are kept ---------------------------------------------------------------------


def cache_home() -> Path:
    """The user's cache folder for the site: downloads and finished builds."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "holding-in-mind" / "site"


def input_files() -> Iterator[Path]:
    for name in INPUTS:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                parts = set(found.relative_to(ROOT).parts)
                if found.is_file() and not parts & {"__pycache__", ".ipynb_checkpoints"}:
                    if found.suffix in {".pyc", ".tmp"} or ".journey" in found.name:
                        continue
                    yield found


def tool_versions() -> dict[str, str]:
    """Every distribution in the build's environment, by version: the build tools, the
    front-end extensions it copies and the versions the browser's wheels are taken at."""
    found = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found[canonical(name)] = distribution.version
    return dict(sorted(found.items()))


def build_key() -> str:
    """A digest of every input: the course's files, the tools and the browser's versions."""
    digest = hashlib.sha256()
    digest.update(json.dumps([CONFIG, tool_versions(), sys.version_info[:2]]).encode())
    for path in input_files():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:20]


def check_tools() -> None:
    """The build tools are the pinned ones (site/requirements.txt, which make site installs)."""
    for line in (HERE / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, wanted = line.split("==")
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{name} is not installed: pip install -r site/requirements.txt (make site)")
        if have != wanted:
            sys.exit(f"{name} {have} is installed; the site is built with {wanted}")


# --- Pyodide's core, from npm -------------------------------------------------------------------


def fetch_pyodide(downloads: Path) -> Path:
    """The npm package's tarball, fetched once with ``npm pack``."""
    spec = CONFIG["pyodide"]["npm"]
    name, version = spec.rsplit("@", 1)
    tarball = downloads / f"{name}-{version}.tgz"
    if not tarball.exists():
        log(f"npm pack {spec}")
        downloads.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", spec, "--pack-destination", str(downloads), "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return tarball


def unpack_pyodide(tarball: Path, into: Path) -> dict[str, Any]:
    """Pyodide's runtime files in ``into``; returns the ``info`` of its lock file."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        for file in (*PYODIDE_FILES, "pyodide-lock.json"):
            member = archive.extractfile(f"package/{file}")
            assert member is not None, file
            (into / file).write_bytes(member.read())
    lock = json.loads((into / "pyodide-lock.json").read_text(encoding="utf-8"))
    info: dict[str, Any] = lock["info"]
    return info


# --- the browser's wheels ------------------------------------------------------------------------


def kernel_wheels() -> dict[str, Path]:
    """The Pyodide kernel's own wheels (its ipykernel, piplite, pyodide-kernel, ...)."""
    folder = labextension("@jupyterlite/pyodide-kernel-extension") / "static" / "pypi"
    return {canonical(w.name.split("-")[0]): w for w in sorted(folder.glob("*.whl"))}


def labextension(name: str) -> Path:
    path = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / name
    if not (path / "package.json").exists():
        sys.exit(f"the front-end extension {name} is not installed in {sys.prefix}")
    return path


def wheel_requirements(wheel: Path) -> list[str]:
    """The names a wheel needs in the browser (markers evaluated for Pyodide, no extras)."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        fields = Parser().parsestr(archive.read(name).decode("utf-8"))
    needed = []
    for line in fields.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(BROWSER_MARKERS):
            needed.append(canonical(requirement.name))
    return needed


def top_level(wheel: Path) -> list[str]:
    """What a wheel lets Python import (its top-level packages and modules)."""
    with zipfile.ZipFile(wheel) as archive:
        names = {n.split("/")[0] for n in archive.namelist()}
    return sorted(
        n.removesuffix(".py")
        for n in names
        if not n.endswith((".dist-info", ".data")) and (n.endswith(".py") or "." not in n)
    )


def version_for(name: str) -> str:
    """The build environment's version of a package, or the site's pin."""
    pins = CONFIG["packages"]["pins"]
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        if name not in pins:
            sys.exit(f"{name}: not installed here and no pin in site/browser.toml")
        return str(pins[name])


def pip_download(name: str, version: str, into: Path) -> Path:
    """One wheel for Pyodide from PyPI (cached in ``into``)."""

    def found() -> Path | None:
        for wheel in sorted(into.glob("*.whl")):
            parts = wheel.name.split("-")
            if canonical(parts[0]) == canonical(name) and parts[1] == version:
                return wheel
        return None

    wheel = found()
    if wheel is None:
        log(f"pip download {name}=={version}")
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                *WHEEL_TARGET,
                *("--dest", str(into), f"{name}=={version}"),
            ],
            check=True,
        )
        wheel = found()
    if wheel is None:
        raise FileNotFoundError(f"pip downloaded no wheel for {name}=={version}")
    return wheel


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def pure_wheel_from_source(name: str, version: str, downloads: Path, into: Path) -> Path:
    """A pure-Python wheel packed from a PyPI source release (PyYAML: its ``lib/`` code)."""
    sdists = downloads / "sdist"
    sdists.mkdir(parents=True, exist_ok=True)

    def sources() -> list[Path]:
        stem = f"{canonical(name)}-{version}.tar.gz"
        return [
            p
            for p in sdists.glob("*.tar.gz")
            if canonical(p.name[: -len(".tar.gz")]) + ".tar.gz"
            == stem.replace(f"-{version}", "-" + canonical(version))
        ]

    found = sources()
    if not found:
        log(f"pip download --no-binary {name}=={version}")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                f"--no-binary={name}",
                "--dest",
                str(sdists),
                f"{name}=={version}",
            ],
            check=True,
        )
        found = sources()
    distribution = canonical(name).replace("-", "_")
    wheel = into / f"{distribution}-{version}-py3-none-any.whl"
    dist_info = f"{distribution}-{version}.dist-info"
    records: list[str] = []
    with tarfile.open(found[0]) as source, zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as out:

        def add(arcname: str, data: bytes) -> None:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
            records.append(record_line(arcname, data))

        members = sorted(source.getmembers(), key=lambda m: m.name)
        packages = set()
        for member in members:
            parts = member.name.split("/")
            if (
                member.isfile()
                and len(parts) > 3
                and parts[1] == "lib"
                and parts[-1].endswith(".py")
            ):
                packages.add(parts[2])
                handle = source.extractfile(member)
                assert handle is not None
                add("/".join(parts[2:]), handle.read())
        pkg_info = next(
            m for m in members if m.name.count("/") == 1 and m.name.endswith("PKG-INFO")
        )
        handle = source.extractfile(pkg_info)
        assert handle is not None
        add(f"{dist_info}/METADATA", handle.read())
        add(
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: holding-in-mind site/build_site.py\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        )
        add(f"{dist_info}/top_level.txt", "".join(f"{p}\n" for p in sorted(packages)).encode())
        records.append(f"{dist_info}/RECORD,,")
        out.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return wheel


#: Not part of the package's source: left out of the copy the course's wheel is built from.
NOT_SOURCE = {
    ".git",
    ".venv",
    "node_modules",
    "_site",
    "test-artifacts",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "dist",
    ".ipynb_checkpoints",
}


def course_wheel(into: Path) -> Path:
    """The course's package, built from this checkout (with its cases and notebooks).

    Built from a copy, so the checkout gets no build folders. A data file that
    ``pyproject.toml`` names but that is not there (a build output of the Voila pages, such
    as ``labextension/build/``) is left out of this copy's list: the browser never uses it.
    """
    with tempfile.TemporaryDirectory(prefix="hm-wheel-") as temporary:
        source = Path(temporary) / "source"

        def ignore(folder: str, names: list[str]) -> set[str]:
            skipped = {n for n in names if n in NOT_SOURCE or n.endswith((".egg-info", ".pyc"))}
            if Path(folder) == ROOT:
                skipped |= {"build"} & set(names)
            return skipped | {n for n in names if ".journey" in n}

        shutil.copytree(ROOT, source, ignore=ignore)
        project = source / "pyproject.toml"
        kept = []
        for line in project.read_text(encoding="utf-8").splitlines():
            if line.startswith('"share/'):
                ((target, files),) = tomllib.loads(line).items()
                there = [f for f in files if "*" in f or (source / f).exists()]
                if there != files:
                    missing = sorted(set(files) - set(there))
                    log(f"left out of the browser's wheel (not built here): {missing}")
                if not there:
                    continue
                line = f"{json.dumps(target)} = {json.dumps(there)}"
            kept.append(line)
        project.write_text("\n".join(kept) + "\n", encoding="utf-8")
        log("pip wheel casework (this checkout)")
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
                *("--wheel-dir", str(into), str(source)),
            ],
            check=True,
        )
    return next(into.glob("casework-*.whl"))


def trimmed(wheel: Path, drop: list[str]) -> Path:
    """A copy of ``wheel`` without the files under the ``drop`` patterns (and their RECORD
    lines); the wheel's name and everything else are kept."""
    from fnmatch import fnmatch

    def dropped(name: str) -> bool:
        return any(fnmatch(name, pattern + "*") for pattern in drop)

    temporary = wheel.with_suffix(".trimming")
    with (
        zipfile.ZipFile(wheel) as source,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            if dropped(info.filename):
                continue
            data = source.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode("utf-8").splitlines()
                data = "".join(f"{ln}\n" for ln in lines if not dropped(ln.split(",")[0])).encode()
            out.writestr(info, data)
    temporary.replace(wheel)
    return wheel


def browser_wheels(downloads: Path, into: Path) -> dict[str, Path]:
    """Every wheel the browser loads, by canonical name: the wanted packages and all they need."""
    into.mkdir(parents=True, exist_ok=True)
    wheels_cache = downloads / "wheels"
    wheels_cache.mkdir(parents=True, exist_ok=True)
    packages = CONFIG["packages"]
    server_only = {canonical(n) for n in packages["server_only"]}
    from_source = {canonical(n) for n in packages["from_source"]}
    chosen: dict[str, Path] = {}
    for name, wheel in kernel_wheels().items():
        chosen[name] = shutil.copy2(wheel, into / wheel.name)
    queue = [canonical(n) for n in packages["wanted"]]
    while queue:
        name = queue.pop(0)
        if name in chosen or name in server_only:
            continue
        if name == "casework":
            wheel = course_wheel(into)
        elif name in from_source:
            wheel = pure_wheel_from_source(name, version_for(name), downloads, into)
        else:
            wheel = Path(shutil.copy2(pip_download(name, version_for(name), wheels_cache), into))
        if name in packages.get("trim", {}):
            wheel = trimmed(wheel, packages["trim"][name])
        chosen[name] = wheel
        queue += wheel_requirements(wheel)
    return chosen


def write_lock(info: dict[str, Any], wheels: dict[str, Path], folder: Path) -> list[str]:
    """Pyodide's lock file for exactly the wheels shipped; returns the names to preload."""
    server_only = {canonical(n) for n in CONFIG["packages"]["server_only"]}
    entries = {}
    for name, wheel in sorted(wheels.items()):
        if wheel.parent != folder:
            wheel = Path(shutil.copy2(wheel, folder / wheel.name))
        version = wheel.name.split("-")[1]
        depends = sorted(
            {d for d in wheel_requirements(wheel) if d in wheels and d != name}
            - (server_only - set(kernel_wheels()))
        )
        entries[name] = {
            "name": name,
            "version": version,
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "package_type": "package",
            "imports": top_level(wheel),
            "depends": depends,
            "unvendored_tests": False,
            "shared_library": False,
        }
    missing = {d for e in entries.values() for d in e["depends"] if d not in entries}
    if missing:
        sys.exit(f"the browser's packages need what is not shipped: {sorted(missing)}")
    lock = {"info": info, "packages": entries}
    (folder / "pyodide-lock.json").write_text(json.dumps(lock, indent=1) + "\n", encoding="utf-8")
    # The kernel loads these as Pyodide starts (with everything they depend on), and then
    # installs nothing: it skips its own install step for each name listed here.
    preload = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython"]
    return [*preload, "ipywidgets", "casework"]


# --- the notebooks ------------------------------------------------------------------------------


def stage_notebooks(into: Path) -> list[str]:
    """The course's notebooks as the site serves them: code hidden, nothing editable, and the
    Pyodide kernel named (so the page starts it without asking)."""
    leave_out = set(CONFIG["site"]["leave_out"])
    course = ROOT / "course"
    staged = []
    for path in sorted(course.rglob("*.ipynb")):
        relative = path.relative_to(course)
        if relative.as_posix() in leave_out or ".ipynb_checkpoints" in relative.parts:
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        notebook["metadata"]["kernelspec"] = {
            "name": "python",
            "display_name": "Python (Pyodide)",
            "language": "python",
        }
        plays = any("play_case(" in "".join(c["source"]) for c in notebook["cells"])
        # Before the page's own cells: what differs in the browser (casework.lite.prepare).
        notebook["cells"].insert(
            0,
            {
                "id": "holding-in-mind-site",
                "cell_type": "code",
                "metadata": {},
                "source": ["import casework.lite\n", "\n", "casework.lite.prepare()"],
                "outputs": [],
                "execution_count": None,
            },
        )
        notebook["metadata"]["holding-in-mind"] = {"plays_case": plays}
        for cell in notebook["cells"]:
            meta = cell.setdefault("metadata", {})
            meta["editable"] = False
            meta["deletable"] = False
            if cell["cell_type"] == "code":
                meta["jupyter"] = {"source_hidden": True}
                cell["outputs"] = []
                cell["execution_count"] = None
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
        staged.append(relative.as_posix())
    return staged


# --- JupyterLite --------------------------------------------------------------------------------


def lite_config(output: Path, cache: Path) -> dict[str, Any]:
    return {
        "LiteBuildConfig": {
            "apps": ["notebooks"],
            "contents": ["files"],
            "output_dir": str(output),
            "cache_dir": str(cache),
            # Only the extensions the pages need, not every one in the build's environment.
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": [str(labextension(n)) for n in CONFIG["site"]["extensions"]],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
        }
    }


def run_lite(lite: Path, output: Path) -> None:
    log("jupyter lite build")
    environment = dict(os.environ, JUPYTER_PLATFORM_DIRS="1")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyterlite_core",
            "build",
            "--lite-dir",
            str(lite),
            "--output-dir",
            str(output),
        ],
        check=True,
        cwd=lite,
        env=environment,
        stdout=subprocess.DEVNULL,
    )


def patch_pages(output: Path, preload: list[str]) -> None:
    """The page layout on the notebook app, the landing page, the kernel's settings."""
    own = output / "holding-in-mind"
    own.mkdir(exist_ok=True)
    for name in ("page.css", "page.js"):
        shutil.copy2(HERE / name, own / name)
    page = output / "notebooks" / "index.html"
    html = page.read_text(encoding="utf-8")
    html = html.replace(
        "<title>Jupyter Notebook - Notebooks</title>", "<title>Holding in Mind</title>"
    )
    html = html.replace(
        '<meta name="Description" content="WASM powered Jupyter running in the browser.">',
        '<meta name="Description" content="Holding in Mind: relationship-based social work, '
        'in your browser.">\n    <link rel="stylesheet" href="../holding-in-mind/page.css">\n'
        '    <script src="../holding-in-mind/page.js"></script>',
    )
    html = html.replace("Loading JupyterLite...", "Opening the course in your browser...")
    page.write_text(html, encoding="utf-8")
    shutil.copy2(HERE / "index.html", output / "index.html")
    shutil.copy2(output / "notebooks" / "favicon.ico", output / "favicon.ico")
    settings = output / "jupyter-lite.json"
    config = json.loads(settings.read_text(encoding="utf-8"))
    plugin = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"
    ]
    plugin.setdefault("loadPyodideOptions", {})["packages"] = preload
    settings.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def prune(output: Path) -> None:
    """What the notebook app never loads: other apps' pages, the app's own build files."""
    for stray in ("doc", "lab", "tree", "repl", "edit", "consoles"):
        shutil.rmtree(output / stray, ignore_errors=True)
    for found in output.glob("rspack.config*.js"):
        found.unlink()


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def build(output: Path, work: Path, downloads: Path) -> dict[str, Any]:
    """Build the site into ``output``: ``work`` holds the staging, ``downloads`` the fetched."""
    started = time.monotonic()
    lite = work / "lite"
    shutil.rmtree(lite, ignore_errors=True)
    lite.mkdir(parents=True)
    pyodide = lite / "static" / "pyodide"
    info = unpack_pyodide(fetch_pyodide(downloads), pyodide)
    wheels = browser_wheels(downloads, pyodide)
    preload = write_lock(info, wheels, pyodide)
    pages = stage_notebooks(lite / "files")
    shutil.copy2(HERE / "jupyter-lite.json", lite / "jupyter-lite.json")
    shutil.copy2(HERE / "overrides.json", lite / "overrides.json")
    (lite / "jupyter_lite_config.json").write_text(
        json.dumps(lite_config(output, work / "lite-cache"), indent=2), encoding="utf-8"
    )
    shutil.rmtree(output, ignore_errors=True)
    run_lite(lite, output)
    patch_pages(output, preload)
    prune(output)
    total, files = folder_size(output)
    report = {
        "pages": pages,
        "python_packages": {n: w.name for n, w in sorted(wheels.items())},
        "preloaded": preload,
        "tools": {n: v for n, v in tool_versions().items() if n.startswith("jupyterlite")},
        "pyodide": CONFIG["pyodide"]["npm"],
        "total_bytes": total,
        "files": files,
        "seconds": round(time.monotonic() - started, 1),
    }
    (output / "holding-in-mind" / "build.json").write_text(
        json.dumps(report, indent=2) + "\n", encoding="utf-8"
    )
    return report


def cached_build(key: str, fresh: bool) -> tuple[Path, bool]:
    """The cached build for ``key`` (built now if missing or ``fresh``), and whether it was."""
    builds = cache_home() / "builds"
    done = builds / key
    if done.is_dir() and (done / "holding-in-mind" / "build.json").exists() and not fresh:
        return done, True
    cache_home().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=cache_home()))
    try:
        staging = work / "out"
        build(staging, work, cache_home() / "downloads")
        shutil.rmtree(done, ignore_errors=True)
        builds.mkdir(parents=True, exist_ok=True)
        staging.replace(done)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    old = sorted(builds.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_BUILDS:]
    for stale in old:
        shutil.rmtree(stale, ignore_errors=True)
    return done, False


def copy_site(source: Path, output: Path) -> None:
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(source, output)


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{size:.0f} B"
        size /= 1000
    return f"{size:.1f} GB"


def biggest(folder: Path, count: int = 8) -> Iterable[tuple[str, int]]:
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size, reverse=True
    )
    for path in files[:count]:
        yield path.relative_to(folder).as_posix(), path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="where to write the site")
    parser.add_argument("--fresh", action="store_true", help="build again even if cached")
    parser.add_argument("--print-key", action="store_true", help="print the build key and stop")
    arguments = parser.parse_args()
    key = build_key()
    if arguments.print_key:
        print(key)
        return
    check_tools()
    source, hit = cached_build(key, arguments.fresh)
    copy_site(source, arguments.out)
    report = json.loads((arguments.out / "holding-in-mind" / "build.json").read_text())
    log(("from the cache" if hit else f"built in {report['seconds']} s") + f" (key {key})")
    log(f"{arguments.out}: {human(report['total_bytes'])} in {report['files']} files")
    for name, size in biggest(arguments.out):
        log(f"  {human(size):>9}  {name}")


if __name__ == "__main__":
    main()
