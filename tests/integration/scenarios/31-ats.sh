#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ATS and bus master from host to quarantine to vfio-pci and back, as the
# device's config space says (lspci's ATSCtl and Control lines), and what
# the survey says of it. The IOMMU driver alone turns ATS on and off, as it
# attaches domains (kmod/survey.c, dda_survey_ats()): in quarantine ATS is
# off on 6.12, whose Intel driver has a blocking domain, and on on 6.1,
# whose driver enables it on the empty paging domain the core blocks with;
# the survey must say which. Bus master is off from dda's claim until vfio's
# user turns it on.
#
#   q35 + intel-iommu (device-iotlb=on: the IOMMU offers ATS)
#    `-- rp -- virtio-net-pci ats0 (ats=on)
#
#@ devices: ats
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
ddactl=$DDA_SAN_BIN/ddactl
dev=$(vm_pci_addr ats0)

ats() { lspci -vvv -s "$dev" | sed -n 's/^[[:space:]]*ATSCtl:[[:space:]]*Enable\([+-]\).*/\1/p'; }
master() { lspci -vv -s "$dev" | sed -n 's/^[[:space:]]*Control:.*BusMaster\([+-]\).*/\1/p'; }
survey() { $ddactl survey "$dev" | tee /dev/stderr; }
# The survey's ATS finding, whole, agrees with the device: "on while quarantined"
# exactly when ATS is on in quarantine, else "has ATS, on|off now".
survey_agrees() {
	local want=$1 out
	out=$(survey)
	if [[ $(driver_of "$dev") == dda && $want == + ]]; then
		grep -q "ATS is on while quarantined: .* marks as translated$" <<<"$out"
	else
		grep -q "has ATS, $([[ $want == + ]] && echo on || echo off) now: .* marks as translated$" <<<"$out"
	fi
}
# On 6.1 the blocking domain is an empty paging domain, which enables ATS.
case $(uname -r) in
6.1.*) quarantined_ats=+ ;;
*) quarantined_ats=- ;;
esac

check "lspci sees the ATS capability" sh -c "lspci -vvv -s $dev | grep -q 'Address Translation Service (ATS)'"
check "insmod dda.ko" insmod "$DDA_KO"
check "with its host driver (a translating domain) ATS is on" test "$(ats)" = +
check "and bus master" test "$(master)" = +
check "the survey says the device has ATS, on" survey_agrees +

check "dismount" "$genl" dev_dismount dev_address="$dev"
log "in quarantine on $(uname -r): ATS $(ats), bus master $(master)"
check "quarantined, ATS is $quarantined_ats" test "$(ats)" = "$quarantined_ats"
check "and bus master is off" test "$(master)" = -
check "the survey says what ATS is in quarantine" survey_agrees "$quarantined_ats"

check "hand it over" "$genl" dev_handover dev_address="$dev"
check "bound to vfio-pci" test "$(driver_of "$dev")" = vfio-pci
log "between owners (default domain, iommu=strict): ATS $(ats), bus master $(master)"
check "between owners, the default domain translates: ATS is on" test "$(ats)" = +
check "and bus master is still off" test "$(master)" = -

"$DDA_SRC/tests/integration/vfio-hold.py" "$dev" group >/tmp/hold.out 2>&1 &
hold=$!
check "a VFIO user attaches the group" wait_for 30 grep -q holding /tmp/hold.out
log "vfio's user holds the group: ATS $(ats), bus master $(master)"
check "with vfio's domain ATS is on" test "$(ats)" = +
check "and bus master stays off until the user turns it on" test "$(master)" = -
kill "$hold"
wait "$hold" 2>/dev/null

check "reclaim" "$genl" dev_reclaim dev_address="$dev"
check "quarantined again, ATS is $quarantined_ats" test "$(ats)" = "$quarantined_ats"
check "and bus master is off" test "$(master)" = -
check "the survey still says what ATS is in quarantine" survey_agrees "$quarantined_ats"

check "mount" "$genl" dev_mount dev_address="$dev"
check "back with its host driver, ATS is on" test "$(ats)" = +
check "and bus master" test "$(master)" = +
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
