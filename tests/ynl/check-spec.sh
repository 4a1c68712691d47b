#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-spec.sh: the YNL spec include/uapi/linux/dda.yaml and the uapi header
# include/uapi/linux/dda.h describe the same protocol.
#
# The kernel's ynl-gen-c.py (tests/ynl/tools.sh) validates the spec against
# the genetlink-legacy schema and generates the uapi header from it; that
# header and ours must then define the same macros with the same values, and
# the same enums with the same enumerators and values (as the C compiler
# sees them, so comments, layout and the order of declarations are free).
# Any difference is printed. The last line is "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
spec=$top/include/uapi/linux/dda.yaml
header=$top/include/uapi/linux/dda.h
python=${PYTHON:-/usr/bin/python3}
cc=${CC:-cc}

passed=0 failed=0 n=0
ok() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	[[ -z ${2-} ]] || sed 's/^/#   /' <<<"$2"
}
finish() { echo "$passed passed, $failed failed"; exit $((failed > 0)); }

ynl=$("$top/tests/ynl/tools.sh") || { not_ok "the kernel's YNL tools"; finish; }
work=$top/build/ynl-check
rm -rf "$work"
mkdir -p "$work"
# The spec where the kernel keeps its own, in the kernel-like tree.
cp "$spec" "$ynl/Documentation/netlink/specs/dda.yaml"

if out=$("$python" "$ynl/tools/net/ynl/ynl-gen-c.py" --mode uapi --header \
	--spec "$ynl/Documentation/netlink/specs/dda.yaml" -o "$work/dda.h" 2>&1); then
	ok "ynl-gen-c.py validates the spec and generates its uapi header"
else
	not_ok "ynl-gen-c.py validates the spec and generates its uapi header" \
		"$(tail -n 20 <<<"$out")"
	finish
fi

# "#define NAME VALUE" lines of header $1, without the compiler's own.
macros() {
	"$cc" -E -dM -x c "$1" | LC_ALL=C sort >"$work/m.all" &&
		"$cc" -E -dM -x c /dev/null | LC_ALL=C sort >"$work/m.builtin" &&
		LC_ALL=C comm -23 "$work/m.all" "$work/m.builtin" | sed -E 's/[[:space:]]+/ /g'
}

# "enum TAG ENUMERATOR VALUE" lines of header $1: the enumerators are read
# from its text, their values from a program the compiler builds with it.
enums() {
	local h=$1 prog=$work/enums.c
	"$python" - "$h" >"$prog" <<'PY' || return 1
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
text = re.sub(r'//[^\n]*', ' ', text)
print('#include <stdio.h>\n#include "%s"\nint main(void)\n{' % sys.argv[1])
for tag, body in re.findall(r'\benum\s+(\w*)\s*\{(.*?)\}', text, flags=re.S):
    for item in body.split(','):
        name = item.split('=')[0].strip()
        if name:
            print('\tprintf("enum %%s %%s %%lld\\n", "%s", "%s", (long long)%s);'
                  % (tag or '(anonymous)', name, name))
print('\treturn 0;\n}')
PY
	"$cc" -std=c11 -Wall -Wextra -Werror -o "$work/enums" "$prog" &&
		"$work/enums" | LC_ALL=C sort
}

compare() { # DESC KIND
	local desc=$1 kind=$2 a b d
	a=$("$kind" "$header") || { not_ok "$desc" "cannot read $header"; return; }
	b=$("$kind" "$work/dda.h") || { not_ok "$desc" "cannot read the generated header"; return; }
	if [[ -z $a ]]; then
		not_ok "$desc" "nothing found in $header"
	elif d=$(diff -u --label include/uapi/linux/dda.h --label "generated from dda.yaml" \
		<(echo "$a") <(echo "$b")); then
		ok "$desc ($(wc -l <<<"$a"))"
	else
		not_ok "$desc" "$d"
	fi
}

compare "dda.h and the spec define the same macros" macros
compare "dda.h and the spec have the same enums, enumerators and values" enums
finish
