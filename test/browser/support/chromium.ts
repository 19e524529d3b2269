import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (scripts/test.sh installs it): browser downloads are not reachable from these machines. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium for the browser tests and the console benchmark. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root on these machines: Chromium's own sandbox needs an unprivileged user. The flags after it
    // keep Chromium from calling Google's hosts, which this machine's closed network refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
