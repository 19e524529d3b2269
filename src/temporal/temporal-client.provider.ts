import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { temporalConnectionOptions } from '../runtime/temporal/temporal-connection.js';
import { temporalClientInterceptors } from '../runtime/tracing/tracing.js';

/** The one Temporal client of the control plane. */
@Global()
@Module({
  providers: [
    {
      provide: Client,
      inject: [BATON_CONFIG],
      useFactory: async (config: RuntimeConfig) =>
        new Client({
          connection: await Connection.connect(temporalConnectionOptions(config, config.temporalAddress)),
          namespace: config.TEMPORAL_NAMESPACE,
          interceptors: temporalClientInterceptors(config),
        }),
    },
  ],
  exports: [Client],
})
export class TemporalClientModule implements OnApplicationShutdown {
  constructor(@Inject(Client) private readonly client: Client) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.connection.close();
  }
}
