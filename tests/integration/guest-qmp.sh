# SPDX-License-Identifier: GPL-2.0-only
#
# OS-less guests for the assignment scenarios: QEMUs started inside the
# sandbox VM (TCG, q35, pcie-root-ports; native PCIe hotplug completes
# device_add and device_del without a guest driver), each with a QMP socket
# for ddad (/tmp/NAME.qmp) and one for the test (/tmp/NAME-test.qmp).
#
#   guest_start NAME PORTS [ARG...]  start it with PORTS free root ports
#                               (and QEMU's ARGs)
#   gq NAME JSON                one command on the test's monitor
#   gq_unplug NAME QDEV         device_del QDEV, and wait until it is gone
#   guest_has / guest_lacks NAME ADDRESS    is ddad's vfio-pci device there?
#   guest_kill NAME             kill -9, sockets removed
#   qdev_of ADDRESS             the QEMU id ddad gives a device

qdev_of() { local q=${1//:/-}; echo "dda-${q//./-}"; }

declare -A gpid gw gr
gq_id=0
guest_start() { # NAME PORTS [ARG...]
	local name=$1 i w r args=()
	for ((i = 0; i < $2; i++)); do
		args+=(-device "pcie-root-port,id=rp$i,chassis=$((i + 1))")
	done
	args+=("${@:3}")
	rm -f "/tmp/$name.in" "/tmp/$name.out"
	qemu-system-x86_64 -accel tcg -machine q35 -nodefaults -m 256 -display none \
		-qmp "unix:/tmp/$name.qmp,server=on,wait=off" \
		-qmp "unix:/tmp/$name-test.qmp,server=on,wait=off" "${args[@]}" \
		-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off \
		>"/tmp/$name.log" 2>&1 &
	gpid[$name]=$!
	wait_for 30 test -S "/tmp/$name-test.qmp" || return 1
	mkfifo "/tmp/$name.in" "/tmp/$name.out"
	socat "UNIX-CONNECT:/tmp/$name-test.qmp" STDIO <"/tmp/$name.in" >"/tmp/$name.out" 2>/dev/null &
	exec {w}>"/tmp/$name.in" {r}<"/tmp/$name.out"
	gw[$name]=$w gr[$name]=$r
	gq "$name" '{"execute": "qmp_capabilities"}' >/dev/null
}
gq() { # NAME JSON: one command on the test's monitor; prints the answer
	local id=t$((++gq_id)) line deadline=$((SECONDS + 30))
	printf '%s, "id": "%s"}\n' "${2%\}}" "$id" >&"${gw[$1]}"
	while ((SECONDS < deadline)) && IFS= read -r -t 30 -u "${gr[$1]}" line; do
		if [[ $line == *"\"id\": \"$id\""* ]]; then
			echo "$line"
			[[ $line == *'"return"'* ]]
			return
		fi
	done
	return 1
}
gq_unplug() { # NAME QDEV: device_del, then its DEVICE_DELETED event
	local id=t$((++gq_id)) line replied= deleted= deadline=$((SECONDS + 30))
	printf '{"execute": "device_del", "arguments": {"id": "%s"}, "id": "%s"}\n' \
		"$2" "$id" >&"${gw[$1]}"
	while ((SECONDS < deadline)) && IFS= read -r -t 30 -u "${gr[$1]}" line; do
		if [[ $line == *"\"id\": \"$id\""* ]]; then
			[[ $line == *'"return"'* ]] || return 1
			replied=1
		fi
		[[ $line != *'"DEVICE_DELETED"'*"\"device\": \"$2\""* ]] || deleted=1
		[[ -z $replied || -z $deleted ]] || return 0
	done
	return 1
}
guest_has() { gq "$1" '{"execute": "query-pci"}' | grep -q "\"qdev_id\": \"$(qdev_of "$2")\""; }
guest_lacks() { local r; r=$(gq "$1" '{"execute": "query-pci"}') && [[ $r != *"\"qdev_id\": \"$(qdev_of "$2")\""* ]]; }
guest_kill() { kill -KILL "${gpid[$1]}"; wait "${gpid[$1]}" 2>/dev/null; rm -f "/tmp/$1.qmp" "/tmp/$1-test.qmp"; }
