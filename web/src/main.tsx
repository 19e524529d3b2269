import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { setNonce } from 'get-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { whenSessionRefused } from './api/client';
import { ApiProblem } from './api/problem';
import { cspNonce } from './csp-nonce';
import { createConsoleRouter } from './router';
import { cssVariablesResolver, theme } from './theme';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will answer the same again; only network failures and 5xx are worth another try.
      retry: (count, error) => !(error instanceof ApiProblem && error.status < 500) && count < 2,
    },
  },
});
const router = createConsoleRouter(queryClient);
whenSessionRefused(() => {
  queryClient.clear();
  void router.navigate({ to: '/sign-in', search: { next: router.state.location.href, expired: true } });
});

// Modal and Drawer lock the page's scroll with a style element of react-remove-scroll's, which takes its nonce from here.
setNonce(cspNonce());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto" getStyleNonce={cspNonce}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
