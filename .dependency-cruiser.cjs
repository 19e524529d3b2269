/**
 * The import boundaries of Baton, checked by `npm run lint` (docs/development.md explains them):
 * - the worker reaches the API's code only through the Nest-free kernel `src/runtime/`;
 * - the API reaches the worker's code only through `workers/contracts/`;
 * - the kernel imports no feature and no Nest;
 * - workflow code is deterministic: it imports only the workflow SDK and the contracts;
 * - no import cycle anywhere.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'A cycle makes start-up order and ownership unclear: extract what both sides read into its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'worker-uses-only-the-runtime',
      severity: 'error',
      comment: "The worker may use the API's code only through src/runtime/ (the Nest-free kernel).",
      from: { path: '^workers/' },
      to: { path: '^src/', pathNot: '^src/runtime/' },
    },
    {
      name: 'api-uses-only-the-contracts',
      severity: 'error',
      comment: "The API may use the worker's code only through workers/contracts/.",
      // server-commands.ts is the one place that starts either side (`baton api|worker|up`).
      from: { path: '^src/', pathNot: '^src/server-commands\\.ts$' },
      to: { path: '^workers/', pathNot: '^workers/contracts/' },
    },
    {
      name: 'runtime-imports-no-feature',
      severity: 'error',
      comment: 'src/runtime/ is the kernel both processes load: it must not pull in a feature of the API.',
      from: { path: '^src/runtime/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^src/', pathNot: '^src/runtime/' },
    },
    {
      name: 'runtime-imports-no-nest',
      severity: 'error',
      comment: 'src/runtime/ is Nest-free, so that the worker does not load the API framework.',
      from: { path: '^src/runtime/' },
      to: { path: '@nestjs/' },
    },
    {
      name: 'contracts-are-leaves',
      severity: 'error',
      comment: 'workers/contracts/ is shared by the workflow sandbox, the worker and the API: it imports only itself.',
      from: { path: '^workers/contracts/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(src|workers|plugins|test)/', pathNot: '^workers/contracts/' },
    },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment:
        "Workflow code runs in Temporal's deterministic sandbox: only @temporalio/workflow, its interceptors and workers/contracts/ (activities as types only).",
      from: { path: '^workers/workflows/' },
      to: {
        pathNot: [
          '^workers/workflows/',
          '^workers/contracts/',
          '@temporalio/workflow',
          '@temporalio/interceptors-opentelemetry/lib/workflow',
          '@temporalio/common',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'plugins-stand-alone',
      severity: 'error',
      comment: 'Plugins are separate packages built on the SDK: they never import the control plane or the worker.',
      from: { path: '^plugins/' },
      to: { path: '^(src|workers)/' },
    },
    {
      name: 'production-code-imports-no-test',
      severity: 'error',
      from: { path: '^(src|workers|plugins)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
