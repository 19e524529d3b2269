import type { BatonConfig } from './config.js';

export const BATON_CONFIG = Symbol('BATON_CONFIG');

/** The loaded configuration plus what start-up resolved (embedded database and Temporal addresses). */
export interface RuntimeConfig extends BatonConfig {
  databaseUrl: string;
  temporalAddress: string;
}
