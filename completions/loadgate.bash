# bash completion for loadgate, made from its option tables by
# 'loadgate help --bash-completion' (scripts/gen-docs): do not edit.
_loadgate_baselines() {
    local store=".loadgate/baselines" names=""
    [ -d "$store" ] && names=$(cd "$store" && ls *.json 2>/dev/null | sed 's/\.json$//')
    COMPREPLY=($(compgen -W "$names $1" -f -- "$cur"))
}
_loadgate() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    local commands="run ab quick gate compare baseline calibrate merge validate demo report serve help version"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi
    case "$cmd" in
    run)
        case "$prev" in
        --out|-o|--junit|--markdown|--html|--gitlab-load-performance) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --baseline|-b) _loadgate_baselines; return ;;
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --save-baseline|--keep|--shard|--shards|--threads|--repeat|--ui|--metrics|--ui-linger) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--baseline --require-baseline --allow-profile-change --save-baseline --if-pass --keep --store --no-gate --shard --shards --threads --repeat --until-decided --out --junit --markdown --html --gitlab-load-performance --format --progress --quiet --ui --metrics --ui-linger" -f -- "$cur")) ;;
    ab)
        case "$prev" in
        --out-a|--out-b|--out|-o|--junit|--markdown|--html|--gitlab-load-performance) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --a|--b|--threads) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--a --b --out-a --out-b --until-decided --no-gate --threads --out --junit --markdown --html --gitlab-load-performance --format --progress --quiet" -f -- "$cur")) ;;
    quick)
        case "$prev" in
        --body|--out|-o|--junit|--markdown|--html|--gitlab-load-performance) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --baseline|-b) _loadgate_baselines; return ;;
        --engine) COMPREPLY=($(compgen -W "fast curl" -- "$cur")); return ;;
        --http) COMPREPLY=($(compgen -W "1.1 2 auto" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --requests|-n|--concurrency|-c|--duration|-d|--rate|--method|-m|--header|-H|--threshold|-t|--connections|--max-streams|--threads|--ui|--metrics|--ui-linger) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--requests --concurrency --duration --rate --method --header --body --threshold --baseline --store --engine --http --connections --max-streams --threads --out --junit --markdown --html --gitlab-load-performance --format --progress --quiet --ui --metrics --ui-linger" -- "$cur")) ;;
    gate|report)
        case "$prev" in
        --profile|-p|--out|-o|--junit|--markdown|--html|--gitlab-load-performance) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --baseline|-b) _loadgate_baselines; return ;;
        --from) COMPREPLY=($(compgen -W "auto locust k6 jmeter artillery autocannon gatling vegeta wrk hey" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --threshold|-t) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--profile --threshold --baseline --require-baseline --allow-profile-change --store --from --out --junit --markdown --html --gitlab-load-performance --format --progress --quiet" -f -- "$cur")) ;;
    compare)
        case "$prev" in
        --store|-s) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        esac
        _loadgate_baselines "--store" ;;
    baseline)
        case "$prev" in
        --store|-s) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --name|-n|--to|-t|--keep|-k) COMPREPLY=(); return ;;
        esac
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "save list show history rollback rm" -- "$cur"))
            return
        fi
        COMPREPLY=($(compgen -W "--name --to --keep --json --store" -f -- "$cur")) ;;
    calibrate)
        case "$prev" in
        --runs|-n) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--runs --quiet" -f -- "$cur")) ;;
    merge)
        case "$prev" in
        --out|-o) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        esac
        COMPREPLY=($(compgen -W "--out --force" -f -- "$cur")) ;;
    validate)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    demo)
        case "$prev" in
        --out|-o|--junit|--markdown|--html|--gitlab-load-performance) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --baseline|-b) _loadgate_baselines; return ;;
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --slow|--serve|--save-baseline|--ui|--metrics|--ui-linger) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--slow --serve --baseline --save-baseline --store --out --junit --markdown --html --gitlab-load-performance --format --progress --quiet --ui --metrics --ui-linger" -- "$cur")) ;;
    serve)
        case "$prev" in
        --store|-s) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --listen|-l) COMPREPLY=(); return ;;
        esac
        COMPREPLY=($(compgen -W "--store --listen" -- "$cur")) ;;
    help)
        COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    version)
        COMPREPLY=() ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _loadgate loadgate
