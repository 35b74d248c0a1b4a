/**
 * Throw-away certificates for TLS tests against a real nsqd, made with the openssl CLI in a fresh
 * temporary directory: a self-signed server certificate, or a CA with a server and a client
 * certificate signed by it (mutual TLS).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const openssl = (args: readonly string[]) => execFileSync('openssl', [...args], { stdio: 'ignore' });

/** A self-signed certificate for CN=localhost (also its own CA). Paths to PEM files. */
export function selfSignedCert(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nsq-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

export interface MutualTlsFiles {
  /** The CA that signed both certificates. */
  readonly ca: string;
  /** nsqd's certificate (CN=localhost, serverAuth) and key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** The client's certificate (CN=nsq-lambda-bridge, clientAuth) and key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by another CA: nsqd must refuse it under require-verify. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

function signedBy(
  dir: string,
  name: string,
  subject: string,
  extension: string,
  ca: { cert: string; key: string },
) {
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `${extension}\n`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', key, '-out', csr]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { cert, key };
}

function certificateAuthority(dir: string, name: string) {
  const key = join(dir, `${name}-key.pem`);
  const cert = join(dir, `${name}.pem`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/** A CA, a server certificate for localhost and client certificates (one trusted, one not). */
export function mutualTlsFiles(): MutualTlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'nsq-mtls-'));
  const ca = certificateAuthority(dir, 'test-ca');
  const other = certificateAuthority(dir, 'other-ca');
  const server = signedBy(
    dir,
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth',
    ca,
  );
  const client = signedBy(dir, 'client', '/CN=nsq-lambda-bridge', 'extendedKeyUsage=clientAuth', ca);
  const stranger = signedBy(dir, 'stranger', '/CN=stranger', 'extendedKeyUsage=clientAuth', other);
  return {
    ca: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    strangerCert: stranger.cert,
    strangerKey: stranger.key,
  };
}
