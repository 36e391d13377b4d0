# Sourced by cpu-ab.sh and cpu-ab-inproc.sh: building a revision of this repository for a speed comparison.
# Revisions other than WORKTREE (the working tree itself, uncommitted changes included) get a git worktree under
# ROOT/.perf-ab/ (ignored; made once per commit, removed with `rm -rf .perf-ab && git worktree prune`).

# The helpers run inside $(...): without this, a failing step there would not stop the script.
shopt -s inherit_errexit

# perf_ab_tree ROOT REV: prints the folder holding revision REV's sources.
perf_ab_tree() {
  local root="$1" rev="$2" sha dir
  if [ "$rev" = WORKTREE ]; then
    echo "$root"
    return
  fi
  sha="$(git -C "$root" rev-parse --short --verify --quiet "$rev^{commit}")" || { echo "not a revision: $rev" >&2; exit 1; }
  dir="$root/.perf-ab/$sha"
  if [ ! -d "$dir" ]; then
    git -C "$root" worktree add --detach -f "$dir" "$rev" > /dev/null
  fi
  echo "$dir"
}

# perf_ab_dotnet_build ROOT PROJECT_DIR: a quiet Release build; on failure its log goes to stderr and the script exits.
perf_ab_dotnet_build() {
  mkdir -p "$1/.perf-ab"
  dotnet build "$2" -c Release > "$1/.perf-ab/build.log" 2>&1 || { cat "$1/.perf-ab/build.log" >&2; exit 1; }
}

# perf_ab_build ROOT REV PROJECT: builds PROJECT (a folder relative to the repository) of revision REV and prints
# its output folder.
perf_ab_build() {
  local dir
  dir="$(perf_ab_tree "$1" "$2")"
  perf_ab_dotnet_build "$1" "$dir/$3"
  echo "$dir/$3/bin/Release/net10.0"
}
