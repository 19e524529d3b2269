import { setupServer } from 'msw/node';

/** The API as each test answers it (`server.use(http.get('/v1/…', …))`); an unanswered call fails the test. */
export const server = setupServer();
