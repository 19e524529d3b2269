import { Badge } from '@mantine/core';
import type { ModelStage } from './model-compare';

const STAGE_COLOR: Record<ModelStage, string> = { production: 'green', staging: 'blue', none: 'gray', archived: 'dark' };

export function StageBadge({ stage }: { stage: ModelStage }) {
  return (
    <Badge size="sm" variant={stage === 'production' ? 'filled' : 'light'} color={STAGE_COLOR[stage]}>
      {stage}
    </Badge>
  );
}
