import type { paths } from '../../api/schema';

export type Schedule = paths['/v1/schedules']['get']['responses'][200]['content']['application/json']['items'][number];
export type ScheduleDetail = paths['/v1/schedules/{id}']['get']['responses'][200]['content']['application/json'];
export type CreateScheduleBody = paths['/v1/schedules']['post']['requestBody']['content']['application/json'];
export type UpdateScheduleBody = paths['/v1/schedules/{id}']['patch']['requestBody']['content']['application/json'];
export type OverlapPolicy = Schedule['overlap'];

/** What each overlap policy does when a fire comes while the schedule's previous run is still going. */
export const OVERLAP_POLICIES: { value: OverlapPolicy; label: string; explanation: string }[] = [
  { value: 'skip', label: 'Skip', explanation: 'The new fire is dropped; the running run carries on (the default).' },
  {
    value: 'buffer_one',
    label: 'Buffer one',
    explanation: 'One fire waits and starts when the running run ends; further ones are dropped.',
  },
  { value: 'buffer_all', label: 'Buffer all', explanation: 'Every fire waits its turn and starts, one after another.' },
  {
    value: 'cancel_other',
    label: 'Cancel other',
    explanation: 'The running run is cancelled (its steps get to clean up), then the new one starts.',
  },
  {
    value: 'terminate_other',
    label: 'Terminate other',
    explanation: 'The running run is stopped at once, without clean-up, and the new one starts.',
  },
  { value: 'allow_all', label: 'Allow all', explanation: 'Every fire starts a run at once, alongside those still going.' },
];

export const overlapPolicy = (value: OverlapPolicy) => OVERLAP_POLICIES.find((p) => p.value === value)!;

/** `30 2 * * *` or `every 15m`. */
export const describeWhen = (schedule: Pick<Schedule, 'cron' | 'every'>) => (schedule.cron ? schedule.cron : `every ${schedule.every}`);
