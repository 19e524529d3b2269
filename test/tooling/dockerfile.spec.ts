import { readFileSync } from 'node:fs';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

/**
 * deploy/Dockerfile without a Docker daemon: what `dockerfile-utils` (the Docker language server's
 * validator) finds, and hadolint's rules that matter for this image, as checks of our own.
 */
const TEXT = readFileSync(new URL('../../deploy/Dockerfile', import.meta.url), 'utf8');
const dockerfile = DockerfileParser.parse(TEXT);
const instructions = dockerfile.getInstructions();
const keyword = (instruction: Instruction) => instruction.getKeyword().toUpperCase();
const runs = instructions.filter((i) => keyword(i) === 'RUN').map((i) => i.getArgumentsContent() ?? '');
const stages = () => {
  const split: Instruction[][] = [];
  for (const instruction of instructions) {
    if (keyword(instruction) === 'FROM') split.push([]);
    split.at(-1)?.push(instruction);
  }
  return split;
};

describe('deploy/Dockerfile', () => {
  it('has no problem the Docker language server reports', () => {
    expect(validate(TEXT).map((d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`)).toEqual(
      [],
    );
  });

  it('builds on an exact Node 24 LTS image, the same for both stages', () => {
    const image = dockerfile
      .getARGs()
      .find((arg) => arg.getProperty()?.getName() === 'NODE_IMAGE')
      ?.getProperty()
      ?.getValue();
    // hadolint DL3006/DL3007: a pinned tag, never latest; Node 20 reached its end of life on 2026-04-30.
    expect(image).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile.getFROMs().map((from) => from.getImageName())).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
  });

  it('installs reproducibly and ships without dev dependencies', () => {
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(runs.some((run) => /npm prune --omit=dev/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm install\b/.test(run))).toBe(false);
  });

  it('keeps apt lean (hadolint DL3015, DL3009) and runs the image as a user, not root (DL3002)', () => {
    for (const run of runs.filter((r) => r.includes('apt-get install'))) {
      expect(run).toContain('--no-install-recommends');
      expect(run).toContain('rm -rf /var/lib/apt/lists/*');
    }
    const runtime = stages().at(-1)!;
    const users = runtime.filter((i) => keyword(i) === 'USER').map((i) => i.getArgumentsContent());
    expect(users.at(-1)).toBe('baton');
  });

  it('starts through tini in exec form (DL3025), so SIGTERM reaches Baton for the drain', () => {
    const runtime = stages().at(-1)!;
    const entrypoint = runtime.find((i) => keyword(i) === 'ENTRYPOINT')!.getArgumentsContent()!;
    expect(JSON.parse(entrypoint)).toEqual(['/usr/bin/tini', '--', 'node', '/opt/baton/bin/baton.js']);
    expect(JSON.parse(runtime.find((i) => keyword(i) === 'CMD')!.getArgumentsContent()!)).toEqual(['api']);
  });
});
