# Sourced by the scripts: when the bootstrap installed the workspace's own Node.js (because the
# machine's is older than 24), put it and its pnpm first on PATH for the rest of the run.
_snowtrail_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -x "$_snowtrail_root/.tools/node_modules/.bin/node" ]; then
  export PATH="$_snowtrail_root/.tools/node_modules/.bin:$PATH"
fi
unset _snowtrail_root
