export { runForEach } from './run-for-each.workflow.js';
export { runPipeline } from './run-pipeline.workflow.js';
