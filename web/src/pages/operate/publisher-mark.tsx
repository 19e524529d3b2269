import { Badge, Group, Text } from '@mantine/core';
import type { Plugin } from './plugin-types';

/** Who publishes a plugin, and whether the installation vouches for their signing key. */
export function PublisherMark({ plugin }: { plugin: Pick<Plugin, 'publisher' | 'verified'> }) {
  return (
    <Group gap={6} wrap="nowrap" component="span">
      <Text span size="sm">
        {plugin.publisher}
      </Text>
      {plugin.verified ? (
        <Badge size="xs" color="teal" variant="light">
          verified
        </Badge>
      ) : (
        <Badge size="xs" color="gray" variant="outline">
          unverified
        </Badge>
      )}
    </Group>
  );
}
