# SPDX-License-Identifier: GPL-2.0-only
#
# bash completion for ddactl(8). The commands, their subcommands and
# options come from `ddactl help` and `ddactl help COMMAND`, so that they
# cannot drift apart; PCI addresses from sysfs; files after --file and
# --socket. Needs nothing of the bash-completion package. The words are
# read from COMP_LINE: a PCI address is one word, even though
# COMP_WORDBREAKS splits it at its colons.

_ddactl() {
	local line=${COMP_LINE:0:COMP_POINT} cur prev='' ddactl args first w i
	local -a words operands=()

	COMPREPLY=()

	read -ra words <<<"$line"
	if [[ $line == *[[:space:]] || ${#words[@]} -le 1 ]]; then
		cur=''
		[[ ${#words[@]} -le 1 && $line != *[[:space:]] ]] && return
	else
		cur=${words[-1]}
		unset 'words[-1]'
	fi
	ddactl=${words[0]}
	[[ ${#words[@]} -gt 1 ]] && prev=${words[-1]}
	for ((i = 1; i < ${#words[@]}; i++)); do
		case ${words[i - 1]} in
		--file | --socket | --vm | --timeout | --vfs | --vf-of) continue ;;
		esac
		[[ ${words[i]} == -* ]] || operands+=("${words[i]}")
	done

	COMPREPLY=()
	w=''
	case $prev in
	--file | --socket)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--vm | --timeout | --vfs)
		return
		;;
	--vf-of)
		for i in /sys/bus/pci/devices/*/sriov_totalvfs; do
			[[ -e $i ]] && i=${i%/*} && COMPREPLY+=("${i##*/}")
		done
		return
		;;
	esac
	if [[ ${#operands[@]} -eq 0 ]]; then
		if [[ $cur == -* ]]; then
			w="--socket --version --help"
		else
			w=$("$ddactl" help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
		fi
	else
		# "Usage: ddactl NAME ARGS": ARGS tell what comes next.
		args=$("$ddactl" help "${operands[0]}" 2>/dev/null |
			sed -n '1s/^Usage: ddactl [^ ]* *//p')
		first=${args%% *}
		if [[ $cur == -* ]]; then
			w="$(grep -o -- '--[a-z-]*' <<<"$args") --help"
		elif [[ ${#operands[@]} -eq 1 ]]; then
			case $first in
			*'|'*)
				w=${first//|/ }
				;;
			ADDRESS | '[ADDRESS]')
				for i in /sys/bus/pci/devices/*; do
					[[ -e $i ]] && w+=" ${i##*/}"
				done
				;;
			PF)
				for i in /sys/bus/pci/devices/*/sriov_totalvfs; do
					[[ -e $i ]] && i=${i%/*} && w+=" ${i##*/}"
				done
				;;
			COMMAND | '[COMMAND]')
				w=$("$ddactl" help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
				;;
			esac
		fi
	fi
	mapfile -t COMPREPLY < <(compgen -W "$w" -- "$cur")
	# Bash replaces only what follows the last colon of the word.
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		w=${cur%"${cur##*:}"}
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$w"}
		done
	fi
}

complete -F _ddactl ddactl
