import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC (not esbuild) so that Nest's emitDecoratorMetadata survives in specs.
const swcPlugin = () =>
  swc.vite({ jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' } });

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [swcPlugin()],
        test: { name: 'unit', include: ['{src,workers,plugins}/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
