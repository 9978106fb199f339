# shellcheck shell=bash
# Sourced by the scripts: create .venv once; (re)install when a requirements file or pyproject.toml changed.
# One .venv serves both README commands: scripts/run-local installs requirements-local.txt, scripts/test
# requirements-dev.txt (which includes it). Each file has its own stamp holding the digest of every requirements
# file and pyproject.toml, so going back and forth between the two commands reinstalls nothing, and a change to any
# of them reinstalls once per file. A lock serialises two set-ups of the same .venv (run-local and scripts/test in
# two terminals on a fresh clone).
# The project itself is installed editable (--no-deps: requirements files pin every dependency), so genai_fn,
# emulator, localfn, benchmarks and scripts' helpers import from anywhere without sys.path edits.
# --no-compile: pip would byte-compile all ~3,000 files of the oci SDK at install (a third of the set-up time);
# Python compiles what it imports, once, on first use.
# Usage: ensure_venv requirements-local.txt [.venv-frameworks]  (the second argument: another venv folder of the
# repository, for requirements that cannot share .venv: requirements-frameworks.txt)
ensure_venv() {
  local requirements="$1" name="${2:-.venv}" root venv stamp digest lock started
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/$name"
  stamp="$venv/.installed-${requirements%.txt}.sha256"
  digest="$(cd "$root" && cat requirements*.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
    export PATH="$venv/bin:$PATH"
    return 0
  fi
  _venv_check_python || return 1
  mkdir -p "$venv"
  if command -v flock >/dev/null; then
    exec {lock}>"$venv/.lock"
    if ! flock -n "$lock"; then
      _venv_say "waiting for another set-up of $name to finish..."
      flock "$lock"
    fi
  fi
  if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then  # absent, or cut short by an earlier Ctrl-C
    rm -rf "${venv:?}/bin" "${venv:?}/lib" "${venv:?}/include" "${venv:?}/pyvenv.cfg"
    _venv_say "creating $name with $(python3 --version)..."
    if ! python3 -m venv "$venv"; then
      rm -rf "$venv"
      _venv_fail "could not create $name ('python3 -m venv' failed above)." \
        "On Debian or Ubuntu install the venv module (apt-get install python3-venv), then run this command again."
      return 1
    fi
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    started=$SECONDS
    _venv_say "installing $requirements into $name (the first time takes about a minute)..."
    local pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile)
    # PYTHONWARNINGS: setuptools warns on every editable build that a same-named folder in the working directory
    # may shadow the package; here that folder *is* the package.
    if ! (cd "$root" && "${pip[@]}" -r "$requirements" && PYTHONWARNINGS=ignore "${pip[@]}" --no-deps -e .); then
      _venv_fail "installing $requirements into $name failed (pip's message is above)." \
        "Check that this machine reaches the Python package index (a proxy goes in HTTPS_PROXY or pip's config)," \
        "then run this command again; to start from scratch: rm -rf $name"
      return 1
    fi
    echo "$digest" > "$stamp"
    _venv_say "installed in $((SECONDS - started)) s."
  fi
  [ -n "${lock:-}" ] && exec {lock}>&-  # not inherited by what the script runs next (run-local's server)
  export PATH="$venv/bin:$PATH"
}

_venv_check_python() {
  if ! command -v python3 >/dev/null; then
    _venv_fail "python3 is not on PATH." "Install Python 3.11 or newer, then run this command again."
    return 1
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    _venv_fail "this project needs Python 3.11 or newer; python3 is $(python3 --version 2>&1)." \
      "Put a newer python3 first on PATH, then run this command again."
    return 1
  fi
}

_venv_say() { echo "${0##*/}: $*" >&2; }

_venv_fail() {
  echo "${0##*/}: $1" >&2
  shift
  [ $# -gt 0 ] && echo "  $*" >&2
  return 0
}
