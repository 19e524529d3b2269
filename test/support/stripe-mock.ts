import { startGoTool, type GoToolProcess } from './go-tool.js';

/** stripe-mock (MIT): Stripe's own API double, from Stripe's OpenAPI document. Stateless: it answers, it remembers nothing. */
export function startStripeMock(): Promise<GoToolProcess> {
  return startGoTool({
    name: 'stripe-mock',
    module: 'github.com/stripe/stripe-mock',
    version: '0.203.0',
    args: (port) => ['-http-port', String(port)],
    ready: async (url) => {
      const response = await fetch(`${url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_ready' } });
      if (!response.ok) throw new Error(`stripe-mock answered ${response.status}`);
    },
  });
}
