/**
 * The shell scripts of `kubectl debugdead completion bash|zsh`, for the command `kubectl-debugdead` (typed as
 * kubectl-debugdead, or through an alias). `kubectl debugdead <TAB>` needs no script of ours: kubectl's own
 * completion calls `kubectl_complete-debugdead` (shipped as a bin) with the words after the plugin's name. Both
 * ask the program itself (`__complete`), so the scripts stay small and never go stale.
 */

export const BASH_SCRIPT = `# bash completion for kubectl-debugdead
# Load it in this shell:      source <(kubectl debugdead completion bash)
# Load it in every new shell: kubectl debugdead completion bash > ~/.local/share/bash-completion/completions/kubectl-debugdead

__kubectl_debugdead_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local -a words=("\${COMP_WORDS[@]:1:COMP_CWORD-1}")
  local out directive
  out=$("\${COMP_WORDS[0]}" __complete "\${words[@]}" "$cur" 2>/dev/null) || return 0
  directive="\${out##*:}"
  out="\${out%:*}"
  COMPREPLY=()
  local line
  while IFS='' read -r line; do
    [[ -n "$line" ]] && COMPREPLY+=("$line")
  done <<< "$out"
  if (( directive & 2 )); then compopt -o nospace 2>/dev/null; fi
  if (( \${#COMPREPLY[@]} == 0 )) && ! (( directive & 4 )); then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -F __kubectl_debugdead_complete kubectl-debugdead
`;

export const ZSH_SCRIPT = `#compdef kubectl-debugdead
# zsh completion for kubectl-debugdead
# Load it in this shell:      source <(kubectl debugdead completion zsh)
# Load it in every new shell: kubectl debugdead completion zsh > "\${fpath[1]}/_kubectl-debugdead"

_kubectl_debugdead() {
  local -a words_before candidates
  local out directive cur="\${words[CURRENT]}"
  words_before=("\${(@)words[2,CURRENT-1]}")
  out=$("\${words[1]}" __complete "\${words_before[@]}" "$cur" 2>/dev/null) || return 1
  directive="\${out##*:}"
  candidates=("\${(@f)\${out%:*}}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} > 0 )); then
    if (( directive & 2 )); then
      compadd -S '' -- "\${candidates[@]}"
    else
      compadd -- "\${candidates[@]}"
    fi
  elif ! (( directive & 4 )); then
    _files
  fi
}

if [[ "\${funcstack[1]}" = "_kubectl_debugdead" ]]; then
  _kubectl_debugdead "$@"
else
  compdef _kubectl_debugdead kubectl-debugdead
fi
`;
