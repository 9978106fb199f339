# Sourced by the scripts: create .venv once; (re)install when a requirements file or pyproject.toml changed.
# The project itself is installed editable (--no-deps: requirements files pin every dependency), so genai_fn,
# emulator, localfn, benchmarks and scripts' helpers import from anywhere without sys.path edits.
# Usage: ensure_venv requirements.txt [more files...]
ensure_venv() {
  local root venv stamp digest
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv"
  stamp="$venv/.requirements.sha256"
  digest="$(cd "$root" && cat "$@" requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    local pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check) requirements=() file
    for file in "$@"; do requirements+=(-r "$file"); done
    "${pip[@]}" --upgrade pip
    # PYTHONWARNINGS: setuptools warns on every editable build that a same-named folder in the working directory
    # may shadow the package; here that folder *is* the package.
    (cd "$root" && "${pip[@]}" "${requirements[@]}" && PYTHONWARNINGS=ignore "${pip[@]}" --no-deps -e .)
    echo "$digest" > "$stamp"
  fi
  export PATH="$venv/bin:$PATH"
}
