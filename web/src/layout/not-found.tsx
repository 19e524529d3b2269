import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';

export function NotFound() {
  return (
    <Stack p="xl" maw={520}>
      <Title order={1}>Not found</Title>
      <Text>There is no page here. It may have been deleted, or it belongs to another tenant.</Text>
      <Anchor component={Link} to="/runs">
        Go to the runs
      </Anchor>
    </Stack>
  );
}
