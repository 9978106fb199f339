# Sourced by the scripts: create .venv once and (re)install when a requirements file changed.
# Usage: ensure_venv requirements.txt [more files...]
ensure_venv() {
  local root venv stamp digest
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv"
  stamp="$venv/.requirements.sha256"
  digest="$(cd "$root" && cat "$@" requirements.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    (cd "$root" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $(printf -- '-r %s ' "$@"))
    echo "$digest" > "$stamp"
  fi
  export PATH="$venv/bin:$PATH"
}
