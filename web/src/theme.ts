import {
  Anchor,
  CloseButton,
  Code,
  createTheme,
  type CloseButtonProps,
  type CSSVariablesResolver,
  type ScrollAreaProps,
} from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  // Indigo 6 under white text (filled buttons) and as link text misses WCAG AA contrast; 7 and 8 pass.
  primaryShade: { light: 7, dark: 8 },
  // Filled badges and buttons of light colours (yellow, lime) get dark text, so that they stay readable.
  autoContrast: true,
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
  components: {
    // Close buttons (notifications, modals, drawers) are icons: a name for screen readers, everywhere.
    CloseButton: CloseButton.extend({ defaultProps: { 'aria-label': 'Close' } as Partial<CloseButtonProps> }),
    // A link inside text is told apart by more than its colour.
    Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
    // A region that scrolls (wide tables on a phone) is reachable by keyboard, to scroll it with the arrows.
    // Not ScrollArea.extend: importing the component would put it and its positioning library in the entry chunk.
    ScrollArea: { defaultProps: { viewportProps: { tabIndex: 0 } } satisfies Partial<ScrollAreaProps> },
    // Blocks of code (JSON, URLs, commands) wrap rather than scroll sideways on a phone.
    Code: Code.extend({ styles: (_theme, props) => (props.block ? { root: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } } : {}) }),
  },
});

/**
 * Mantine's defaults that miss WCAG AA contrast at small sizes: dimmed text (gray 6), and the text of
 * light variants (badges, light buttons: shade 9 on shade 1 of the same colour, 3.9:1 for green).
 * Dimmed moves to gray 7; light-variant text to shade 9 darkened by a third (over 6:1).
 */
export const cssVariablesResolver: CSSVariablesResolver = (resolved) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(
      Object.keys(resolved.colors).map((color) => [
        `--mantine-color-${color}-light-color`,
        `color-mix(in srgb, var(--mantine-color-${color}-9) 67%, black)`,
      ]),
    ),
  },
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)' },
});
