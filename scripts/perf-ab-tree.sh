# Sourced by cpu-ab.sh and cpu-ab-inproc.sh. perf_ab_tree ROOT REV prints the folder holding revision REV's sources:
# ROOT itself for WORKTREE (uncommitted changes included), else a git worktree under ROOT/.perf-ab/ (ignored; made
# once per commit, removed with `rm -rf .perf-ab && git worktree prune`).
perf_ab_tree() {
  local root="$1" rev="$2" dir
  if [ "$rev" = WORKTREE ]; then
    echo "$root"
    return
  fi
  dir="$root/.perf-ab/$(git -C "$root" rev-parse --short "$rev")"
  if [ ! -d "$dir" ]; then
    git -C "$root" worktree add --detach -f "$dir" "$rev" > /dev/null
  fi
  echo "$dir"
}
