import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  createMemoryHistory,
  createRootRoute,
  createRoute,
  createRouter,
  Outlet,
  RouterProvider,
  type AnyRoute,
} from '@tanstack/react-router';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { theme } from '../theme';

/** Renders a widget with the console's providers (theme, query cache, a router at `path`). */
export function renderWidget(ui: ReactNode, path = '/') {
  // The widget is the root's own component: it renders at any path, and links and search params work.
  const root = createRootRoute({ component: () => ui, notFoundComponent: () => null });
  return renderRouter(root, path).rendered;
}

/** Renders a page under its own route pattern (`/triggers/$id`) at `path`, so its params and search are real. */
export function renderRoute(pattern: string, Page: () => ReactNode, path: string) {
  const root = createRootRoute({ component: Outlet, notFoundComponent: () => <p>Left the page</p> });
  const page = createRoute({ getParentRoute: () => root, path: pattern, component: Page });
  return renderRouter(root.addChildren([page]), path).router;
}

function renderRouter(routeTree: AnyRoute, path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createRouter({ routeTree, history: createMemoryHistory({ initialEntries: [path] }) });
  const rendered = render(
    // Mantine's test mode: no transitions, and dropdowns and dialogs render in place rather than in a portal.
    <MantineProvider theme={theme} env="test">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router as never} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { rendered, router };
}
