import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { goInstall, isExecutable, toolCacheDir } from '../../src/temporal/temporal-cli.js';
import { freePort } from './processes.js';

export interface GoToolProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * A test double written in Go (gofakes3, stripe-mock): built once with `go install` into the
 * user cache, like the Temporal CLI, then started on a free port until `ready` answers.
 */
export async function startGoTool(tool: {
  name: string;
  module: string;
  version: string;
  args: (port: number) => string[];
  ready: (url: string) => Promise<unknown>;
}): Promise<GoToolProcess> {
  const binDir = join(toolCacheDir(`${tool.name}-${tool.version}`), 'bin');
  const binary = join(binDir, tool.name);
  if (!isExecutable(binary)) await goInstall(`${tool.module}@v${tool.version}`, binDir);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, tool.args(port), { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`${tool.name} exited with ${child.exitCode}`);
    if (
      await tool.ready(url).then(
        () => true,
        () => false,
      )
    )
      break;
    if (tries > 100) throw new Error(`${tool.name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}
