#!/usr/bin/env bash
# `npm test`: the type check and the production build side by side (CI has two cores and both
# are needed before the tests: the server tests and the e2e journeys run the build), then Vitest,
# then Playwright. Stops at the first failure.
set -euo pipefail
# Generated types first: the build's own sync then finds them unchanged and writes nothing, so
# svelte-check never reads a file while it is being written.
npx svelte-kit sync
npx svelte-check --tsconfig ./tsconfig.json --threshold error &
check=$!
npm run build
wait "$check"
npm run test:unit
npm run test:e2e
