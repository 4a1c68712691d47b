#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ddad's status against the real dda.ko, in the sandbox VM: nothing held,
# then edu dismounted (quarantined, since a time that survives a restart of
# ddad through state.json), mounted back (gone from status and from
# state.json), and dda.ko unloaded (ENOENT).
#
#@ devices: e1000e edu virtio-net hda
. "$DDA_TESTLIB"

ddad=$DDA_SAN_BIN/ddad
genl=$DDA_SRC/tests/integration/genl.py
sock=/tmp/ddad/ddad.sock
state=/tmp/ddad-state
edu=0000:00:02.0

ask() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$sock"; }

ddad_start() {
	"$ddad" --foreground --socket "$sock" --state-dir "$state" \
		>>/tmp/ddad.log 2>&1 &
	pid=$!
	wait_for 20 test -S "$sock"
}

ddad_stop() {
	local rc=0

	kill -TERM "$pid"
	wait "$pid" || rc=$?
	if [[ $rc -eq 0 && ! -e $sock ]]; then
		ok "SIGTERM: ddad exits 0 and removes its socket"
	else
		not_ok "SIGTERM: ddad exits 0 and removes its socket" "exit $rc"
	fi
}

# reply_is DESCRIPTION GOT REGEX
reply_is() {
	if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "got: $2"; fi
}

check "insmod dda.ko" insmod "$DDA_KO"
check "ddad starts" ddad_start
reply_is "status: nothing held" "$(ask '{"id":1,"op":"status"}')" \
	'^\{"id":1,"ok":true,"result":\[\]\}$'
check "nothing changed: no state.json" test ! -e "$state/state.json"

check "dismount edu" "$genl" dev_dismount dev_address=$edu
first=$(ask '{"id":2,"op":"status"}')
log "status: $first"
reply_is "status: edu quarantined since a time" "$first" \
	'^\{"id":2,"ok":true,"result":\[\{"address":"0000:00:02.0","state":"quarantined","vm":null,"since":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"\}\]\}$'
check "state.json records edu" grep -q "\"$edu\"" "$state/state.json"
_run cat "$state/state.json"

sleep 1.1
reply_is "a second later: the same since" \
	"$(ask '{"id":2,"op":"status"}')" "^${first//[\[\]\{\}]/.}\$"
check "uid 65534 may ask for the status" as_user sh -c \
	"printf '{\"op\":\"status\"}\n' | socat -t 5 - UNIX-CONNECT:$sock | grep -q '\"ok\":true'"

ddad_stop
check "ddad starts again" ddad_start
reply_is "after a restart: the same since, from state.json" \
	"$(ask '{"id":2,"op":"status"}')" "^${first//[\[\]\{\}]/.}\$"

check "mount edu" "$genl" dev_mount dev_address=$edu
reply_is "mounted: status is empty" "$(ask '{"id":3,"op":"status"}')" \
	'^\{"id":3,"ok":true,"result":\[\]\}$'
check "state.json forgets edu" sh -c "! grep -q $edu $state/state.json"

check "rmmod dda" rmmod dda
reply_is "without dda.ko: ENOENT" "$(ask '{"id":4,"op":"status"}')" \
	'^\{"id":4,"ok":false,"error":\{"code":"ENOENT","message":"the dda kernel module is not loaded"\}\}$'
ddad_stop

_run cat /tmp/ddad.log
check "no sanitizer report" sh -c \
	"! grep -q -e Sanitizer -e 'runtime error' /tmp/ddad.log"
done_testing
