import { Anchor, Button, type AnchorProps, type ButtonProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import type { AnchorHTMLAttributes, ReactNode, Ref } from 'react';
import { NONE } from './format';

type AnchorElementProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'color' | 'style'> & { ref?: Ref<HTMLAnchorElement> };

/**
 * Mantine's anchor and button as router links, with the route's `to`, `params` and `search`
 * type-checked (Mantine's `component={Link}` loses the route types).
 */
export const AnchorLink = createLink((props: AnchorProps & AnchorElementProps) => <Anchor {...props} />);
export const ButtonLink = createLink((props: ButtonProps & AnchorElementProps) => <Button component="a" {...props} />);

type Look = Pick<AnchorProps, 'size' | 'truncate' | 'fw'>;

/**
 * A link to one run's page, reading `children` or else the run's short id (unique enough to scan
 * in a table; the whole id is its accessible name). No run: a dash.
 */
export function RunLink({ id, children, size = 'sm', ...look }: { id: string | null | undefined; children?: ReactNode } & Look) {
  if (!id) return <>{NONE}</>;
  if (children)
    return (
      <AnchorLink to="/runs/$runId" params={{ runId: id }} size={size} {...look}>
        {children}
      </AnchorLink>
    );
  return (
    <AnchorLink to="/runs/$runId" params={{ runId: id }} size={size} ff="monospace" aria-label={`Run ${id}`} {...look}>
      {id.slice(0, 8)}
    </AnchorLink>
  );
}
