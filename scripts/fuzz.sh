#!/usr/bin/env bash
# Runs each `func Fuzz*` target of the module for FUZZTIME (default 4s).
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" exactly when -fuzztime runs out, under CPU load, with no failing
# input found (go.dev/issue/75804, fixed in Go 1.27). Such a run is retried
# once; a failure that wrote a reproducer, panicked or failed otherwise is
# never retried.
set -uo pipefail
FUZZTIME=${FUZZTIME:-4s}
GO=${GO:-go}
TAGS=${TAGS:-ci,migrated_fynedo}
status=0
for pkgdir in $(grep -rl --include='*_test.go' 'func Fuzz' . | xargs -n1 dirname | sort -u); do
  for f in $(grep -ho 'func Fuzz[A-Za-z0-9_]*' "$pkgdir"/*_test.go | sed 's/func //'); do
    for attempt in 1 2; do
      echo "fuzz $pkgdir $f ($FUZZTIME)"
      out=$(CGO_ENABLED=0 $GO test -tags "$TAGS" -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkgdir" 2>&1)
      rc=$?
      echo "$out"
      [ $rc -eq 0 ] && break
      if [ $attempt -eq 1 ] && grep -q 'context deadline exceeded' <<<"$out" &&
         ! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' <<<"$out"; then
        echo "fuzz $f: the Go fuzz coordinator's deadline race (go.dev/issue/75804), no input found: running it again"
        continue
      fi
      status=1
      break
    done
  done
done
exit $status
