export { runForEach } from './run-for-each.workflow.js';
export { runPipeline } from './run-pipeline.workflow.js';
export { scheduledRun } from './scheduled-run.workflow.js';
