export * from './pipeline.contract.js';
export * from './run.contract.js';
export * from './step.contract.js';
export * from './fan-out.contract.js';
export * from './schedule.contract.js';
export * from './step-execution.contract.js';
export * from './stored-json.js';
