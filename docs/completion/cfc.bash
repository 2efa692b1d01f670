# bash completion for cfc(1)                                -*- shell-script -*-
# Installed by `make install` as $(PREFIX)/share/bash-completion/completions/cfc.

_cfc()
{
	local cur prev words cword
	_init_completion || return

	local subcommands="compile lint test dump keygen sign verify bundle unbundle run pack-events help"
	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$subcommands --help --version" -- "$cur"))
		return
	fi
	local sub=${words[1]}

	case $prev in
	-t | --template)
		_filedir 'yaml'
		_filedir -d
		return
		;;
	-o | --output)
		case $sub in
		bundle) _filedir '@(tar.zst|tar.gz)' ;;
		*) _filedir cf ;;
		esac
		return
		;;
	-p | --public-key | --pubkey)
		_filedir pub
		return
		;;
	-s | --secret-key)
		if [[ $sub == lint ]]; then
			return # --sensor VERSION
		fi
		_filedir key
		return
		;;
	-x | --signature)
		_filedir minisig
		return
		;;
	--password-file | --events)
		_filedir
		return
		;;
	-C | --directory | --state | --split)
		_filedir -d
		return
		;;
	-f | --format)
		case $sub in
		lint) COMPREPLY=($(compgen -W "text json sarif" -- "$cur")) ;;
		dump) COMPREPLY=($(compgen -W "yaml json" -- "$cur")) ;;
		esac
		return
		;;
	--kdf)
		COMPREPLY=($(compgen -W "sensitive interactive" -- "$cur"))
		return
		;;
	-W)
		local codes
		codes=$(cfc lint --list-codes 2>/dev/null | awk '{print $1}')
		COMPREPLY=($(compgen -W "error $(printf 'no-%s ' $codes) $codes" -- "$cur"))
		return
		;;
	--sensor | --content-version | --bundle-version | --ring | --expires | --host-id)
		return
		;;
	esac

	local opts
	case $sub in
	compile) opts="-t --template -o --output --content-version --strip-source --help" ;;
	lint) opts="-t --template -s --sensor -f --format --werror -W --list-codes --help" ;;
	test) opts="-t --template --require-coverage --help" ;;
	dump) opts="-f --format -s --split --help" ;;
	keygen) opts="-p --public-key -s --secret-key -W --unencrypted -f --force --password-file --kdf --help" ;;
	sign) opts="-s --secret-key -t --template -x --signature --password-file --help" ;;
	verify) opts="-p --public-key -x --signature --legacy --help" ;;
	bundle) opts="-s --secret-key -o --output --bundle-version --ring --expires --password-file --help" ;;
	unbundle) opts="-p --public-key -C --directory --state --help" ;;
	run) opts="-t --template --sensor -p --public-key --host-id --events --help" ;;
	pack-events) opts="-t --template -o --output --help" ;;
	help)
		COMPREPLY=($(compgen -W "${subcommands% help}" -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $sub in
	compile | test) _filedir yaml ;;
	dump | lint | sign) _filedir cf ;;
	verify | run) _filedir '@(cf|tar.zst|tar.gz)' ;;
	unbundle) _filedir '@(tar.zst|tar.gz)' ;;
	pack-events) _filedir jsonl ;;
	bundle) _filedir cf ;;
	esac
} && complete -F _cfc cfc
