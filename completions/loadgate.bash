# bash completion for loadgate
_loadgate() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    local commands="run quick gate report compare baseline merge validate demo help version"
    local report="--out --junit --markdown --html --gitlab-load-performance --format --progress --quiet"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi
    case "$prev" in
        --out|-o|--junit|--markdown|--body|--profile)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --engine) COMPREPLY=($(compgen -W "fast curl" -- "$cur")); return ;;
        --from) COMPREPLY=($(compgen -W "auto locust k6 jmeter artillery autocannon gatling vegeta wrk hey" -- "$cur")); return ;;
        --baseline|-b)
            local store=".loadgate/baselines" names=""
            [ -d "$store" ] && names=$(cd "$store" && ls *.json 2>/dev/null | sed 's/\.json$//')
            COMPREPLY=($(compgen -W "$names" -f -- "$cur")); return ;;
    esac
    case "$cmd" in
        run) COMPREPLY=($(compgen -W "$report --baseline --require-baseline --allow-profile-change --save-baseline --if-pass --keep --store --no-gate --shard --shards --repeat --threads" -f -- "$cur")) ;;
        quick) COMPREPLY=($(compgen -W "$report --requests --concurrency --duration --rate --method --header --body --threshold --baseline --store --engine --threads" -- "$cur")) ;;
        gate|report) COMPREPLY=($(compgen -W "$report --profile --threshold --baseline --require-baseline --allow-profile-change --store --from" -f -- "$cur")) ;;
        compare) COMPREPLY=($(compgen -W "--store" -f -- "$cur")) ;;
        baseline)
            if [ "$COMP_CWORD" -eq 2 ]; then
                COMPREPLY=($(compgen -W "save list show rm" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "--store --name --json" -f -- "$cur"))
            fi ;;
        demo) COMPREPLY=($(compgen -W "$report --slow --serve --baseline --save-baseline --store" -- "$cur")) ;;
        merge) COMPREPLY=($(compgen -W "-o --out --force" -f -- "$cur")) ;;
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _loadgate loadgate
