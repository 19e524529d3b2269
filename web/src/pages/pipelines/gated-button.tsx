import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';

interface GatedButtonProps extends ButtonProps {
  /** Why the user may not do this now; the button then stays focusable and says so (a disabled button would swallow the tooltip). */
  blockedBecause?: string;
  onClick: () => void;
  children: ReactNode;
}

/** An action button that explains itself when the user's role (or the page's state) does not allow it. */
export function GatedButton({ blockedBecause, onClick, children, ...button }: GatedButtonProps) {
  return (
    <Tooltip label={blockedBecause} disabled={!blockedBecause} events={{ hover: true, focus: true, touch: true }}>
      <Button
        {...button}
        data-disabled={blockedBecause ? true : undefined}
        aria-disabled={blockedBecause ? true : undefined}
        aria-description={blockedBecause}
        onClick={(event) => (blockedBecause ? event.preventDefault() : onClick())}
      >
        {children}
      </Button>
    </Tooltip>
  );
}
