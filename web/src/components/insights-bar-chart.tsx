// With the chart, not in the entry: the chart styles load as this module does.
import '@mantine/charts/styles.css';
import { BarChart, type BarChartProps } from '@mantine/charts';

/**
 * recharts is large: this module is only ever loaded through LazyBarChart, so it stays out of the
 * entry bundle and out of pages that draw no chart.
 */
export function InsightsBarChart(props: BarChartProps) {
  return <BarChart withLegend tickLine="y" gridAxis="y" maxBarWidth={36} {...props} />;
}
