import type { BarChartProps } from '@mantine/charts';
import { Box, Skeleton, Text } from '@mantine/core';
import { lazy, Suspense } from 'react';

const InsightsBarChart = lazy(() => import('./insights-bar-chart').then((module) => ({ default: module.InsightsBarChart })));

/**
 * A bar chart loaded on first use, under a visible title. Charts are for the eye: every page that
 * draws one also lists the same numbers in a table, which is what screen readers get.
 */
export function LazyBarChart({ title, h, ...chart }: BarChartProps & { title: string; h: number }) {
  return (
    <Box component="figure" m={0} role="img" aria-label={title}>
      <Text component="figcaption" fw={600} size="sm" mb="xs">
        {title}
      </Text>
      <Suspense fallback={<Skeleton h={h} />}>
        <InsightsBarChart h={h} {...chart} />
      </Suspense>
    </Box>
  );
}
