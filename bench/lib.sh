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

# ratio NUMERATOR DENOMINATOR: the ratio of the medians of two arrays,
# given by name, to two decimals.
ratio() {
	local -n _num=$1 _den=$2
	awk -v n="$(median "${_num[@]}")" -v d="$(median "${_den[@]}")" \
		'BEGIN { printf "%.2f", n / d }'
}

# med_ms VALUE...: the median of microseconds, in milliseconds.
med_ms() { awk -v v="$(median "$@")" 'BEGIN { print v / 1000 }'; }

# figure NAME VALUE: one figure for the summary.
figure() { echo "bench: $1=$2"; }

# guest_up PORTS: dda.ko and vfio-pci loaded, the guest g1 with PORTS free
# root ports (tests/integration/guest-qmp.sh, sourced by the caller), ddad
# running on $DDA_SOCKET (its pid in $ddad, its log /tmp/ddad.log) and told
# of g1. guest_down undoes it all.
guest_up() {
	export DDA_SOCKET=/tmp/ddad/ddad.sock
	insmod "$DDA_KO"
	modprobe vfio-pci
	guest_start g1 "$1" || { echo "bench: the guest did not start"; exit 1; }
	mkdir -p /tmp/ddad
	"$DDA_BIN/ddad" --foreground --socket "$DDA_SOCKET" --state-dir /tmp/ddad \
		>/tmp/ddad.log 2>&1 &
	ddad=$!
	wait_for 20 test -S "$DDA_SOCKET" || { echo "bench: ddad did not start"; exit 1; }
	"$DDA_BIN/ddactl" vm add g1 --qmp /tmp/g1.qmp >/dev/null
}
guest_down() {
	kill "$ddad"
	wait "$ddad" 2>/dev/null
	guest_kill g1
	rmmod dda
}

# The manual way through sysfs, builtins only: what an admin's script that
# knows its device and driver does. The host driver's unbind and probe are
# timed apart, into the arrays unbind and probe, for the breakdown.
sysfs=/sys/bus/pci/devices
unbind=() probe=()
bound_to() { [[ -e /sys/bus/pci/drivers/$2/$1 ]]; }
sysfs_reset() { [[ ! -e $sysfs/$1/reset ]] || echo 1 >"$sysfs/$1/reset"; }
to_sysfs() { echo "$1" >"$2"; }
manual_dismount() { # ADDRESS DRIVER: host driver -> vfio-pci, reset
	echo vfio-pci >"$sysfs/$1/driver_override"
	[[ -z $2 ]] || timed unbind to_sysfs "$1" "/sys/bus/pci/drivers/$2/unbind"
	to_sysfs "$1" /sys/bus/pci/drivers_probe
	bound_to "$1" vfio-pci && sysfs_reset "$1"
}
manual_mount() { # ADDRESS DRIVER: reset, back to the host driver
	sysfs_reset "$1"
	to_sysfs "$1" /sys/bus/pci/drivers/vfio-pci/unbind
	echo >"$sysfs/$1/driver_override"
	timed probe to_sysfs "$1" /sys/bus/pci/drivers_probe
	[[ -z $2 ]] || bound_to "$1" "$2"
}

