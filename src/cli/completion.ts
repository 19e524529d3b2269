import type { Command } from 'commander';
import { CliError } from './cli-context.js';

/** Command, subcommand and option words, from the program itself: a new command completes without touching this. */
function words(command: Command): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  const visit = (cmd: Command, path: string) => {
    table[path] = [...cmd.commands.map((c) => c.name()), ...cmd.options.map((o) => o.long ?? o.short ?? '').filter(Boolean)];
    for (const child of cmd.commands) visit(child, path ? `${path} ${child.name()}` : child.name());
  };
  visit(command, '');
  return table;
}

/** A bash completion (zsh through bashcompinit) completing by the words typed so far. */
export function completionScript(program: Command, shell: string): string {
  if (shell !== 'bash' && shell !== 'zsh') throw new CliError(`no completion for ${shell}`, 'choose bash or zsh');
  const cases = Object.entries(words(program))
    .map(([path, list]) => `    "${path}") words="${list.join(' ')}" ;;`)
    .join('\n');
  return `${shell === 'zsh' ? 'autoload -U +X bashcompinit && bashcompinit\n' : ''}# baton completion: source <(baton completion ${shell})
_baton() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" typed="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) typed="\${typed:+$typed }\${COMP_WORDS[i]}" ;; esac
  done
  case "$typed" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _baton baton
`;
}
