import { Select } from '@mantine/core';
import type { Role } from '../../auth/use-me';
import { roleHint } from './roles';

/** The role a new member or API key gets: only the roles offered, with what the chosen one may do. */
export function RoleSelect<R extends Role>({
  roles,
  value,
  onChange,
  error,
}: {
  roles: R[];
  value: R;
  onChange: (role: R) => void;
  error?: string;
}) {
  return (
    <Select
      label="Role"
      data={roles}
      value={value}
      onChange={(chosen) => chosen && onChange(chosen)}
      allowDeselect={false}
      description={roleHint(value)}
      error={error}
    />
  );
}
