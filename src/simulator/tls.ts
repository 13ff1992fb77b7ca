// Throw-away TLS identity generated at start-up (never written to the repository).
// EC P-256 keys: generating them takes milliseconds where RSA-2048 takes far longer.

import selfsigned from 'selfsigned';

export interface TlsIdentity {
  certPem: string;
  keyPem: string;
}

export async function generateLoopbackCertificate(): Promise<TlsIdentity> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 3600_000);
  const generated = await selfsigned.generate([{ name: 'commonName', value: 'qlik-azure ARM simulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { certPem: generated.cert, keyPem: generated.private };
}
