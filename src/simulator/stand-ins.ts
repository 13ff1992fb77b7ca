/**
 * What `--simulate` offers a newcomer in place of what only a real deployment needs: an installer link
 * and a license key (neither of which a person trying the tool has yet), and an answer to "what is my
 * IP address" so the wizard's lookup never leaves the machine.
 */
import type { SimResponse } from './arm.js';

/**
 * The simulated VM "installs" from any http(s) link without fetching it; this one names itself. `.invalid`
 * is reserved (RFC 2606, RFC 6761: never resolves), so a real VM handed it by mistake reaches nobody, and
 * a real run refuses it before creating anything.
 */
export const SIMULATED_INSTALLER_URL = 'https://qlik-installer.simulator.invalid/Qlik_Sense_setup.exe';

/** The key of examples/secrets.example.yaml: JWT-shaped, so the fake QRS takes it; a real run refuses `example-` values. */
export const SIMULATED_LICENSE_KEY = 'example-only.signed-license-key.not-valid';

/**
 * A stand-in for a "what is my IP address" service such as https://api.ipify.org, which answers a GET with
 * the caller's public address as plain text. It answers an address of TEST-NET-2 (RFC 5737, documentation
 * only), never the machine's own.
 */
export const MY_ADDRESS_PATH = '/qlik-azure-simulator/my-ip';
export const SIMULATED_CALLER_ADDRESS = '198.51.100.23';

export function isMyAddressRequest(method: string, path: string): boolean {
  return method === 'GET' && path === MY_ADDRESS_PATH;
}

export function myAddressResponse(): SimResponse {
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: SIMULATED_CALLER_ADDRESS };
}
