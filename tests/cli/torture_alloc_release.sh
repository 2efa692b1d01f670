#!/usr/bin/env bash
# Allocation failure, part 2: the release and sensor commands (sign, verify,
# bundle, unbundle, run, pack-events, test, dump). torture_alloc.sh says
# what is checked; it runs part 1.
TORTURE_PART=2 exec bash "$SRC/tests/cli/torture_alloc.sh"
