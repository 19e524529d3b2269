import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { Foundation1795000000000 } from './migrations/1795000000000-Foundation.js';
import { RunRetryOf1795000000001 } from './migrations/1795000000001-RunRetryOf.js';
import { ForEachAndChildRuns1795000000002 } from './migrations/1795000000002-ForEachAndChildRuns.js';
import { Secrets1795000000003 } from './migrations/1795000000003-Secrets.js';
import { PluginRegistry1795000000004 } from './migrations/1795000000004-PluginRegistry.js';
import { AuditLog1795000000005 } from './migrations/1795000000005-AuditLog.js';
import { Invitations1795000000006 } from './migrations/1795000000006-Invitations.js';
import { Billing1795000000007 } from './migrations/1795000000007-Billing.js';
import { Schedules1795000000008 } from './migrations/1795000000008-Schedules.js';
import { Triggers1795000000009 } from './migrations/1795000000009-Triggers.js';
import { LineageIndex1795000000010 } from './migrations/1795000000010-LineageIndex.js';
import { RunSearchIndexes1795000000011 } from './migrations/1795000000011-RunSearchIndexes.js';
import { Alerts1795000000012 } from './migrations/1795000000012-Alerts.js';
import { LineageForwarding1795000000013 } from './migrations/1795000000013-LineageForwarding.js';
import { ModelRegistry1795000000014 } from './migrations/1795000000014-ModelRegistry.js';
import { EventTriggers1795000000015 } from './migrations/1795000000015-EventTriggers.js';
import { ModelVersionReads1795000000016 } from './migrations/1795000000016-ModelVersionReads.js';
import { NetworkEndpoints1795000000017 } from './migrations/1795000000017-NetworkEndpoints.js';
import { AccountProof1795000000018 } from './migrations/1795000000018-AccountProof.js';
import { ControlPlaneHardening1795000000019 } from './migrations/1795000000019-ControlPlaneHardening.js';
import { RunLedger1795000000020 } from './migrations/1795000000020-RunLedger.js';
import { ApprovalDecisions1795000000021 } from './migrations/1795000000021-ApprovalDecisions.js';
import { ModelComparisons1795000000022 } from './migrations/1795000000022-ModelComparisons.js';
import { ReleaseTags1795000000023 } from './migrations/1795000000023-ReleaseTags.js';
import { RunArtifacts1795000000024 } from './migrations/1795000000024-RunArtifacts.js';
import { TriggerTags1795000000025 } from './migrations/1795000000025-TriggerTags.js';
import { NotificationChannelKinds1795000000026 } from './migrations/1795000000026-NotificationChannelKinds.js';
import { TenantSso1795000000028 } from './migrations/1795000000028-TenantSso.js';
import { FireSkipAlerts1795000000029 } from './migrations/1795000000029-FireSkipAlerts.js';
import { ScheduleNames1795000000030 } from './migrations/1795000000030-ScheduleNames.js';
import { TriggerNames1795000000031 } from './migrations/1795000000031-TriggerNames.js';
import { ChannelNames1795000000032 } from './migrations/1795000000032-ChannelNames.js';
import { BrokerTriggers1795000000033 } from './migrations/1795000000033-BrokerTriggers.js';

/** An entity class (`@Entity()`). */
export type EntityTarget = abstract new (...args: never[]) => object;

const MIGRATION_LOCK_ID = 7_061_616_001;

export const MIGRATIONS = [
  Foundation1795000000000,
  RunRetryOf1795000000001,
  ForEachAndChildRuns1795000000002,
  Secrets1795000000003,
  PluginRegistry1795000000004,
  AuditLog1795000000005,
  Invitations1795000000006,
  Billing1795000000007,
  Schedules1795000000008,
  Triggers1795000000009,
  LineageIndex1795000000010,
  RunSearchIndexes1795000000011,
  Alerts1795000000012,
  LineageForwarding1795000000013,
  ModelRegistry1795000000014,
  EventTriggers1795000000015,
  ModelVersionReads1795000000016,
  NetworkEndpoints1795000000017,
  AccountProof1795000000018,
  ControlPlaneHardening1795000000019,
  RunLedger1795000000020,
  ApprovalDecisions1795000000021,
  ModelComparisons1795000000022,
  ReleaseTags1795000000023,
  RunArtifacts1795000000024,
  TriggerTags1795000000025,
  NotificationChannelKinds1795000000026,
  TenantSso1795000000028,
  FireSkipAlerts1795000000029,
  ScheduleNames1795000000030,
  TriggerNames1795000000031,
  ChannelNames1795000000032,
  BrokerTriggers1795000000033,
];

/**
 * A TypeORM data source on `url`. The API passes the entities its feature modules registered
 * (`DatabaseModule.forFeature`); migrations, backups and tools that only run SQL pass none.
 */
export function createDataSource(url: string, poolSize = 10, entities: EntityTarget[] = []): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    extra: { max: poolSize },
  });
}

export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, 2);
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    // Several API replicas may start at once: one migrates, the others wait and find nothing to do.
    // They poll rather than block: a statement blocked on the lock holds a snapshot, and an index
    // built CONCURRENTLY waits for every older snapshot, so the two would deadlock.
    while (!(await lock.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_ID]))[0].locked) await sleep(250);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
