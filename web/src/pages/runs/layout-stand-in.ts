import { afterEach, beforeEach } from 'vitest';

const MEASURES = { clientWidth: 1280, clientHeight: 720, offsetWidth: 1280, offsetHeight: 24 } as const;

/**
 * jsdom lays nothing out (every box measures 0), so a virtualised list would show no row: tests
 * of one give the scrolling box a screenful of room and each row a line's height.
 */
export function standInForLayout() {
  const original = new Map<string, PropertyDescriptor | undefined>();
  beforeEach(() => {
    for (const [name, value] of Object.entries(MEASURES)) {
      original.set(name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name));
      Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
    }
  });
  afterEach(() => {
    for (const [name, descriptor] of original) {
      if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
      else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
    }
  });
}
