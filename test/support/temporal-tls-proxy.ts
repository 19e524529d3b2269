import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

/** PEM files of a CA made for one test, the frontend's certificate it signed, and a client's. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A second CA that signed nothing here: trusting it must fail. */
  otherCaFile: string;
}

/** A CA, a server certificate for `serverName` and a client certificate for `clientName`, made with openssl. */
export function makeTestPki(serverName: string, clientName: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'baton-pki-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.pem`),
    );
  const leaf = (name: string, extensions: string) => {
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
    );
    writeFileSync(at(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('test-ca.pem'),
      '-CAkey',
      at('test-ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
      '-out',
      at(`${name}.pem`),
    );
  };
  ca('test-ca');
  ca('other-ca');
  leaf(serverName, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  leaf(clientName, 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: at('test-ca.pem'),
    serverCertFile: at(`${serverName}.pem`),
    serverKeyFile: at(`${serverName}.key`),
    clientCertFile: at(`${clientName}.pem`),
    clientKeyFile: at(`${clientName}.key`),
    otherCaFile: at('other-ca.pem'),
  };
}

/** One gRPC call the proxy let through: the method, and who called with what. */
export interface ProxiedCall {
  path: string;
  clientCertificate: string | undefined;
  authorization: string | undefined;
}

export interface TemporalTlsProxy {
  address: string;
  calls: ProxiedCall[];
  close(): Promise<void>;
}

const HOP_HEADERS = new Set([':method', ':path', ':scheme', ':authority', 'connection', 'host']);

/**
 * A Temporal frontend as a secured installation has one: gRPC over HTTP/2 with TLS, a client
 * certificate signed by `pki`'s CA required, and (with `apiKey`) `Authorization: Bearer <key>` on
 * every call, else UNAUTHENTICATED. Each call is relayed to the plaintext dev server at `upstream`.
 * The dev server has no TLS options of its own; this is the server side of TLS that Baton's
 * clients must speak, checked the way Temporal's frontend checks it.
 */
export async function startTemporalTlsProxy(upstream: string, pki: TestPki, apiKey?: string): Promise<TemporalTlsProxy> {
  const calls: ProxiedCall[] = [];
  const origin = http2.connect(`http://${upstream}`);
  const server = http2.createSecureServer({
    cert: readFileSync(pki.serverCertFile),
    key: readFileSync(pki.serverKeyFile),
    ca: readFileSync(pki.caFile),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (down, headers) => {
    const peer = (down.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
    const authorization = headers.authorization;
    if (apiKey !== undefined && authorization !== `Bearer ${apiKey}`) {
      down.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'API key required' },
        { endStream: true },
      );
      return;
    }
    calls.push({ path: String(headers[':path']), clientCertificate: [peer?.subject?.CN].flat()[0], authorization });
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));
    const up = origin.request({ ':method': headers[':method'], ':path': headers[':path'], ...forwarded });
    let trailers: http2.OutgoingHttpHeaders = {};
    up.on('response', (answer) => {
      const { ':status': status, ...rest } = answer;
      // A call that failed at once answers in headers alone (trailers-only): so must the relay.
      if (rest['grpc-status'] !== undefined) down.respond({ ':status': status, ...rest }, { endStream: true });
      else down.respond({ ':status': status, ...rest }, { waitForTrailers: true });
    });
    up.on('trailers', (received) => (trailers = received));
    down.on('wantTrailers', () => down.sendTrailers(trailers));
    up.on('data', (chunk: Buffer) => {
      if (!down.writableEnded) down.write(chunk);
    });
    up.on('end', () => {
      if (!down.writableEnded) down.end();
    });
    up.on('error', () => down.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    down.on('close', () => up.close());
    down.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        origin.close();
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
