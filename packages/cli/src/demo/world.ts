/**
 * The demo's little world on loopback: a local CA and TLS destination servers with leaf
 * certificates under it, standing in for a campaign's real hosts.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueCertificate, type CertificateIssuer } from '@qrpin/core';
import { generateKeyPair } from '../lib/keys.ts';

/** One destination server of the demo. */
export interface DemoServer {
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly certPem: string;
  readonly privateKey: KeyObject;
  readonly server: Server;
}

/** The demo's CA and servers. */
export interface DemoWorld {
  readonly caPem: string;
  readonly servers: readonly DemoServer[];
  close(): Promise<void>;
}

const DAY = 86_400_000;

/** Creates the CA, issues a leaf per host, and starts an HTTPS server per host on 127.0.0.1. */
export async function startDemoWorld(
  hosts: ReadonlyArray<{
    host: string;
    keyType: string;
    body: string;
    redirects?: Readonly<Record<string, string>>;
  }>,
  now: Date,
): Promise<DemoWorld> {
  const caKeys = generateKeyPair('ec-p256');
  const caName = { commonName: 'qrpin demo root CA', organization: 'qrpin demo' };
  const caPem = issueCertificate({
    subject: caName,
    publicKey: caKeys.publicKey,
    selfSigningKey: caKeys.privateKey,
    serialNumber: randomBytes(16),
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 3650 * DAY),
    isCA: true,
  });
  const issuer: CertificateIssuer = { subject: caName, ...caKeys };
  const servers: DemoServer[] = [];
  try {
    for (const { host, keyType, body, redirects } of hosts) {
      const keys = generateKeyPair(keyType);
      const certPem = issueCertificate({
        subject: { commonName: host },
        publicKey: keys.publicKey,
        issuer,
        serialNumber: randomBytes(16),
        notBefore: new Date(now.getTime() - DAY),
        notAfter: new Date(now.getTime() + 397 * DAY),
        dnsNames: [host],
      });
      const server = createServer(
        { cert: certPem, key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
        (req, res) => {
          const target = redirects?.[(req.url ?? '/').split('?')[0] ?? '/'];
          if (target !== undefined) {
            res.writeHead(302, { location: target }).end();
            return;
          }
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.setHeader('strict-transport-security', 'max-age=31536000');
          res.end(
            `<!doctype html><title>${host}</title><p>${body}</p><p>path: ${escapeHtml(req.url ?? '/')}</p>\n`,
          );
        },
      );
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push({
        host,
        port: (server.address() as AddressInfo).port,
        keyType,
        certPem,
        privateKey: keys.privateKey,
        server,
      });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s.server)));
    throw err;
  }
  return {
    caPem,
    servers,
    close: async () => {
      await Promise.all(servers.map((s) => closeServer(s.server)));
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
