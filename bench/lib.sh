# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the benchmark scripts inside the sandbox VM (after the test
# library): timing helpers and the figure lines bench/run.sh collects.

# timed ARRAY CMD...: run CMD quietly, in this shell (no fork for a shell
# function); append how long it took, in microseconds, to ARRAY (any name
# but _acc and _t0).
timed() {
	local -n _acc=$1
	local _t0=${EPOCHREALTIME/./}
	shift
	"$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; return 1; }
	_acc+=($((${EPOCHREALTIME/./} - _t0)))
}

# stats NAME VALUE...: median, min and max of the values (microseconds),
# printed in milliseconds, and "bench: NAME_ms=MEDIAN".
stats() {
	local name=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v name="$name" '
		{ v[NR] = $1 }
		END {
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "  %-28s median %8.1f ms  min %8.1f  max %8.1f  (n=%d)\n",
				name, med / 1000, v[1] / 1000, v[NR] / 1000, NR
			printf "bench: %s_ms=%.1f\n", name, med / 1000
		}'
}

# median VALUE...: the median of the values.
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# med_ms VALUE...: the median of microseconds, in milliseconds.
med_ms() { awk -v v="$(median "$@")" 'BEGIN { print v / 1000 }'; }

# figure NAME VALUE: one figure for the summary.
figure() { echo "bench: $1=$2"; }
