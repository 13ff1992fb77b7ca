// Loopback PKI for the fakes: one CA, a server certificate for localhost/127.0.0.1 and a
// client certificate named like Qlik's (CN=QlikClient). Qlik's own node certificates are
// issued by a per-site CA, so the clients under test must trust a CA, not a leaf.
import { generate } from 'selfsigned';

export interface LoopbackPki {
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

const ecSha256 = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as const;

export async function generateLoopbackPki(caName = 'qlik-azure-fake-CA'): Promise<LoopbackPki> {
  const ca = await generate([{ name: 'commonName', value: caName }], {
    ...ecSha256,
    notAfterDate: daysFromNow(2),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const signer = { key: ca.private, cert: ca.cert };
  const server = await issueLeaf(signer, 'localhost', { name: 'extKeyUsage', serverAuth: true }, [
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  const client = await issueLeaf(signer, 'QlikClient', { name: 'extKeyUsage', clientAuth: true });
  return {
    caCertPem: ca.cert,
    serverCertPem: server.cert,
    serverKeyPem: server.private,
    clientCertPem: client.cert,
    clientKeyPem: client.private,
  };
}

type Extensions = NonNullable<Parameters<typeof generate>[1]>['extensions'] & object;

function issueLeaf(signer: { key: string; cert: string }, commonName: string, usage: Extensions[number], more: Extensions = []) {
  return generate([{ name: 'commonName', value: commonName }], {
    ...ecSha256,
    ca: signer,
    notAfterDate: daysFromNow(1),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyAgreement: true },
      usage,
      ...more,
    ],
  });
}

function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * 24 * 3600 * 1000);
}
